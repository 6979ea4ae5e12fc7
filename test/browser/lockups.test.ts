import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { fixtures, INVESTOR_PASSWORD } from './issuer-fixtures.js';

const DAY = 86_400_000;

describe.skipIf(!hasChromium)('a lock-up that follows the purchase, as the investor sees it', () => {
  let portal: Portal;
  let f: ReturnType<typeof fixtures>;
  let investor: { email: string };
  let offeringId: string;

  beforeAll(async () => {
    portal = await openPortal();
    f = fixtures(portal);
    const usd = await f.stablecoin();
    const inv = await f.investor('Lockedbuyer', 'US', true);
    await usd.fund(inv, '10000');
    investor = inv;
    const created = await f.call('POST', '/assets', {
      name: 'Acme Common',
      ticker: 'ACME',
      assetType: 'EquityCommon',
      divisible: false,
    });
    await f.settle();
    const assetId = created.asset.id as string;
    await f.call('PUT', `/assets/${assetId}/rules`, {
      templates: [{ template: 'reg-d-506c' }, { template: 'lockup', holdingPeriodDays: 180 }],
    });
    await f.settle();
    const draft = await f.call('POST', `/assets/${assetId}/offerings`, {
      name: 'Acme Series A',
      paymentAssetId: usd.id,
      end: new Date(Date.now() + 30 * DAY).toISOString(),
      tiers: [{ amount: '1000', price: '2' }],
      minInvestment: '10',
    });
    offeringId = draft.id as string;
    await f.call('POST', `/offerings/${offeringId}/launch`);
    await f.settle();
  }, 240_000);
  afterAll(async () => {
    await portal?.close();
  });

  it('the investor buys 100 ACME and reads on the portfolio when they can sell them', async () => {
    const { page, baseUrl } = portal;
    await f.login(investor.email, INVESTOR_PASSWORD);
    await page.goto(`${baseUrl}/investor/offerings/${offeringId}`);
    await page.getByLabel('Tokens to buy').fill('100');
    await page.getByRole('button', { name: 'Check eligibility' }).click();
    await page.getByText('You are eligible').waitFor();
    await page.getByRole('button', { name: 'Continue to the agreement' }).click();
    await page.getByLabel('Your full name (signature)').fill('alice lockedbuyer');
    await page.getByLabel(/I agree to subscribe on the terms/).check();
    await page.getByRole('button', { name: 'Review and confirm' }).click();
    await page.getByRole('button', { name: 'Confirm and pay 200 USDS' }).click();
    const settled = page.locator('[data-test="subscription-settled"]');
    await settled.waitFor({ timeout: 30_000 });
    const bought = Date.now();

    await settled.getByRole('link', { name: 'See your portfolio' }).click();
    const note = page.locator('[data-test="lockup-note"]');
    await note.waitFor();
    // 180 days from the purchase, in the reader's locale (the chain's clock follows the wall clock here).
    const unlock = new Date(bought + 180 * DAY).toLocaleDateString(undefined, { dateStyle: 'medium' });
    expect((await note.innerText()).trim()).toBe(`You cannot sell ACME yet: 100 from ${unlock}.`);
    await portal.screenshot('investor-portfolio-lockup');

    await page.goto(`${baseUrl}/investor`);
    const claim = page.locator('[data-test="lockup-claim"]');
    await claim.waitFor();
    expect(await claim.innerText()).toMatch(new RegExp(`Sell lock-up · Acme Common\\s+active\\s+${unlock}`));
    await portal.screenshot('investor-claims-lockup');
    expect(portal.consoleErrors).toEqual([]);
  }, 90_000);
});
