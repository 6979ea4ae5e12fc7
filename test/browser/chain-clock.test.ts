import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { fixtures, STAFF_PASSWORD } from './issuer-fixtures.js';

const ADMIN = { email: 'ops@platform.example', name: 'Otto Operator' };
const DAY = 86_400_000;

describe.skipIf(!hasChromium)('the development clock in Chromium', () => {
  let portal: Portal;
  let f: ReturnType<typeof fixtures>;
  let offeringId: string;

  beforeAll(async () => {
    portal = await openPortal();
    portal.page.setDefaultTimeout(15_000);
    f = fixtures(portal);
    await f.call('POST', '/users', {
      email: ADMIN.email,
      password: STAFF_PASSWORD,
      displayName: ADMIN.name,
      roles: ['admin'],
    });
    const usd = await f.stablecoin();
    const created = await f.call('POST', '/assets', {
      name: 'Harbor Notes',
      ticker: 'HARBOR',
      assetType: 'FixedIncome',
      divisible: true,
    });
    await f.settle();
    // Open for three more days, by the chain's time (which is the wall clock's until it moves).
    const draft = await f.call('POST', `/assets/${created.asset.id}/offerings`, {
      name: 'Harbor Series 1',
      paymentAssetId: usd.id,
      end: new Date(Date.now() + 3 * DAY).toISOString(),
      tiers: [{ amount: '5000', price: '1' }],
      minInvestment: '10',
    });
    offeringId = draft.id as string;
    await f.call('POST', `/offerings/${offeringId}/launch`);
    await f.settle();
  }, 240_000);
  afterAll(async () => {
    await portal?.close();
  });

  it('the operator moves the chain clock five days after a confirmation that states the impact; the ended offering closes', async () => {
    const { page, baseUrl } = portal;
    await f.login(ADMIN.email, STAFF_PASSWORD);
    await page.getByRole('link', { name: 'Chain clock' }).first().click();
    await page.waitForURL(/\/admin\/clock$/);
    const time = page.locator('[data-test="chain-time"]');
    const before = await time.innerText();
    expect(before).not.toBe('');
    expect(await page.locator('[data-test="chain-ahead"]').count()).toBe(0);
    await portal.screenshot('chain-clock');

    // A move that goes nowhere is refused on the page, before anything is sent.
    await page.getByRole('button', { name: 'Move the clock forward…' }).click();
    await page.getByText('Enter how many days or hours to move forward.').waitFor();

    await page.getByLabel('Days', { exact: true }).fill('5');
    await page.getByRole('button', { name: 'Move the clock forward…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Move the chain clock forward?' });
    const impact = await dialog.locator('[data-test="clock-impact"]').innerText();
    expect(impact).toMatch(
      /^Moves the chain clock forward 5 days, to .+; lock-ups, claim expiries and offering windows will pass\. This cannot be undone\.$/,
    );
    await portal.screenshot('chain-clock-confirm');
    await dialog.getByRole('button', { name: 'Move the clock forward' }).click();

    const notice = page.locator('[data-test="clock-notice"]');
    await notice.waitFor();
    expect(await notice.innerText()).toMatch(
      /^The chain clock moved forward 5 days, to .+\. 1 offering past its end is closing\.$/,
    );
    expect(await page.locator('[data-test="chain-ahead"]').innerText()).toMatch(
      /^5 days ahead of real time$/,
    );
    expect(await time.innerText()).not.toBe(before);
    await portal.screenshot('chain-clock-moved');

    // The consequence, where the issuer sees it: the offering whose window has passed is closed.
    await f.settle();
    await page.goto(`${baseUrl}/issuer/offerings/${offeringId}`);
    await page.locator('[data-test="offering-status"]', { hasText: 'Closed' }).waitFor();
    await portal.screenshot('chain-clock-offering-closed');

    const trail = await f.call('GET', '/audit?action=chain.clock-advanced');
    expect(trail.items).toHaveLength(1);
    expect(portal.consoleErrors).toEqual([]);
  }, 90_000);
});
