import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { fixtures, INVESTOR_PASSWORD } from './issuer-fixtures.js';

/**
 * Issue 13's order-entry refusals, as investors meet them in the portal, each with its reason in
 * words before anything is matched: a non-accredited buyer under Reg D, a seller inside the
 * lock-up, a buyer who would exceed the holder cap, and any order while the issuer halts trading.
 */
describe.skipIf(!hasChromium)('orders refused at entry, in Chromium', () => {
  let portal: Portal;
  let f: ReturnType<typeof fixtures>;
  let holder: { email: string };
  let plain: { email: string };
  let newcomer: { email: string };
  let assetId: string;
  let refused = 0;

  beforeAll(async () => {
    portal = await openPortal();
    f = fixtures(portal);
    const usd = await f.stablecoin();
    const h = await f.investor('Holdfast', 'US', true);
    const p = await f.investor('Plainly', 'US', false);
    const n = await f.investor('Newcomb', 'US', true);
    holder = h;
    plain = p;
    newcomer = n;
    await usd.fund(p, '1000');
    await usd.fund(n, '1000');
    // Reg D 506(c), a 180-day lock-up and at most one investor: the holder takes the only place.
    const created = await f.call('POST', '/assets', {
      name: 'Lockwood Shares',
      ticker: 'LOCK',
      assetType: 'EquityCommon',
      divisible: false,
    });
    await f.settle();
    assetId = created.asset.id as string;
    await f.call('PUT', `/assets/${assetId}/rules`, {
      templates: [
        { template: 'reg-d-506c' },
        { template: 'lockup', holdingPeriodDays: 180 },
        { template: 'max-holders', count: 1 },
      ],
    });
    await f.settle();
    await f.call('POST', `/assets/${assetId}/issue`, { amount: '1000' });
    await f.settle();
    const owner = (await f.call('GET', `/assets/${assetId}`)).onChain.owner as string;
    const s = await f.call('POST', '/settlements', {
      settlementType: { type: 'SettleOnAffirmation' },
      legs: [{ type: 'Fungible', from: { did: owner }, to: { did: h.did }, assetId, amount: '100' }],
    });
    await f.settle();
    await f.call('POST', `/settlements/${s.id}/affirm`, { identityId: h.identityId });
    await f.settle();
  }, 300_000);
  afterAll(async () => {
    await portal?.close();
  });

  async function tryOrder(side: 'Buy' | 'Sell', price: string, quantity: string, reason: RegExp) {
    const { page, baseUrl } = portal;
    await page.goto(`${baseUrl}/investor/trade/${assetId}`);
    await page.getByRole('heading', { name: 'Trade Lockwood Shares' }).waitFor();
    await page.getByLabel('I want to').selectOption({ label: side });
    await page.getByLabel(/Limit price per token/).fill(price);
    await page.getByLabel(/Quantity of LOCK/).fill(quantity);
    await page.getByLabel('I agree that Stoa settles a match of this order for me').check();
    await page.getByRole('button', { name: `Place ${side.toLowerCase()} order` }).click();
    await page.locator('[data-test="order-error"]').getByText(reason).waitFor();
    refused += 1;
    // Nothing was placed: no order of the investor waits on the book.
    await page.getByText('You have no open orders.').waitFor();
  }

  it('a non-accredited buyer is told Reg D needs accreditation', async () => {
    await f.login(plain.email, INVESTOR_PASSWORD);
    await tryOrder('Buy', '10', '5', /accredit/i);
    await portal.screenshot('trading-refused-1-not-accredited');
  }, 60_000);

  it('a seller inside the lock-up is told from when they can sell', async () => {
    await f.login(holder.email, INVESTOR_PASSWORD);
    await tryOrder('Sell', '10', '5', /you can sell no LOCK yet \(lock-up\): 100 from/i);
    await portal.screenshot('trading-refused-2-lock-up');
  }, 60_000);

  it('a buyer who would be one investor too many is told the holder limit is reached', async () => {
    await f.login(newcomer.email, INVESTOR_PASSWORD);
    await tryOrder(
      'Buy',
      '10',
      '5',
      /Lockwood Shares already has as many investors as its rules allow; you cannot become a new holder now/,
    );
    await portal.screenshot('trading-refused-3-holder-cap');
  }, 60_000);

  it('while the issuer halts trading, every order is refused with the halt and its reason', async () => {
    const { page, baseUrl } = portal;
    const issuer = await f.issuerUser('issuer@lockwood.example');
    await f.login(issuer.email, issuer.password);
    await page.goto(`${baseUrl}/issuer/assets/${assetId}`);
    const trading = page.locator('[data-test="asset-venues"] [data-test="trading"]');
    await trading.getByText('Trading is open.').waitFor();
    await trading.getByRole('button', { name: 'Halt trading' }).click();
    const halt = page.getByRole('dialog', { name: 'Halt trading in Lockwood Shares' });
    await halt.getByLabel('Reason').fill('Material news pending');
    await halt.getByRole('button', { name: 'Halt trading' }).click();
    await trading.locator('[data-test="halted"]').getByText('Material news pending').waitFor();

    await f.login(holder.email, INVESTOR_PASSWORD);
    await tryOrder('Sell', '10', '1', /Trading in Lockwood Shares is halted: Material news pending/);
    await portal.screenshot('trading-refused-4-halted');
    // The browser logs each refused request (4xx) once; nothing else went wrong.
    expect(portal.consoleErrors).toHaveLength(refused);
    for (const e of portal.consoleErrors) expect(e).toMatch(/status of 4(09|22)/);
  }, 90_000);
});
