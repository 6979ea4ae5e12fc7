import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { staff } from '../../server/test/onboarding-helpers.js';
import { fixtures, INVESTOR_PASSWORD, STAFF_PASSWORD } from './issuer-fixtures.js';

/**
 * Two onboarded investors trade on the ATS through the portal: one lists 100 at 12, the other
 * buys 60 at up to 13; the match settles on chain at 12 and both see the trade and their new
 * balances; the seller cancels the rest after a confirmation that says what is cancelled.
 */
describe.skipIf(!hasChromium)('trading on the order book, in Chromium', () => {
  let portal: Portal;
  let f: ReturnType<typeof fixtures>;
  let seller: { email: string; did: string };
  let buyer: { email: string; did: string };
  let assetId: string;
  let chainId: string;

  beforeAll(async () => {
    portal = await openPortal();
    f = fixtures(portal);
    const usd = await f.stablecoin();
    const s = await f.investor('Sellwell', 'US', true);
    const b = await f.investor('Buymore', 'US', true);
    seller = s;
    buyer = b;
    await usd.fund(b, '5000');
    const created = await f.call('POST', '/assets', {
      name: 'Acme Common',
      ticker: 'ACME',
      assetType: 'EquityCommon',
      divisible: false,
    });
    await f.settle();
    assetId = created.asset.id as string;
    await f.call('PUT', `/assets/${assetId}/rules`, { templates: [{ template: 'reg-d-506c' }] });
    await f.settle();
    await f.call('POST', `/assets/${assetId}/issue`, { amount: '10000' });
    await f.settle();
    const asset = await f.call('GET', `/assets/${assetId}`);
    chainId = asset.chainId as string;
    const st = await f.call('POST', '/settlements', {
      settlementType: { type: 'SettleOnAffirmation' },
      legs: [
        { type: 'Fungible', from: { did: asset.onChain.owner }, to: { did: s.did }, assetId, amount: '500' },
      ],
    });
    await f.settle();
    await f.call('POST', `/settlements/${st.id}/affirm`, { identityId: s.identityId });
    await f.settle();
  }, 300_000);
  afterAll(async () => {
    await portal?.close();
  });

  async function openMarket() {
    const { page } = portal;
    await page.getByRole('link', { name: 'Trade', exact: true }).first().click();
    await page.getByRole('link', { name: 'Acme Common' }).click();
    await page.getByRole('heading', { name: 'Trade Acme Common' }).waitFor();
  }

  async function order(side: 'Buy' | 'Sell', price: string, quantity: string) {
    const { page } = portal;
    await page.getByLabel('I want to').selectOption({ label: side });
    await page.getByLabel(/Limit price per token/).fill(price);
    await page.getByLabel(/Quantity of ACME/).fill(quantity);
    await page.getByLabel('I agree that Stoa settles a match of this order for me').check();
    await page.getByRole('button', { name: `Place ${side.toLowerCase()} order` }).click();
  }

  it('the seller lists 100 at 12 and sees it on the book', async () => {
    const { page, baseUrl } = portal;
    await f.login(seller.email, INVESTOR_PASSWORD);
    await page.goto(`${baseUrl}/investor/portfolio`);
    await openMarket();
    // Without consent the order is not sent.
    await page.getByLabel(/Limit price per token/).fill('12');
    await page.getByLabel(/Quantity of ACME/).fill('100');
    await page.getByRole('button', { name: 'Place buy order' }).click();
    await page.getByText('Tick the box: without it a match of your order cannot settle.').waitFor();
    await order('Sell', '12', '100');
    await page
      .locator('[data-test="order-done"]')
      .getByText('Your order to sell 100 ACME at 12 Stoa USD is on the book.')
      .waitFor();
    const asks = page.locator('[data-test="asks"] tbody tr');
    await expect.poll(() => asks.first().innerText()).toMatch(/12 Stoa USD\s+100/);
    await portal.screenshot('trading-1-seller-listed');
  }, 60_000);

  it('the buyer buys 60 at up to 13: it trades at 12 and settles; both see it and their balances', async () => {
    const { page, baseUrl } = portal;
    await f.login(buyer.email, INVESTOR_PASSWORD);
    await page.goto(`${baseUrl}/investor/money`);
    await openMarket();
    await order('Buy', '13', '60');
    await page
      .locator('[data-test="order-done"]')
      .getByText(/matched 60 ACME; it is settling now/)
      .waitFor();
    const row = page.locator('[data-test="my-trades"] tbody tr').first();
    await expect
      .poll(() => row.innerText(), { timeout: 30_000 })
      .toMatch(/Bought\s+60 ACME\s+12 Stoa USD\s+720 Stoa USD\s+settled/);
    await expect
      .poll(() => page.locator('[data-test="asks"] tbody tr').first().innerText())
      .toMatch(/12 Stoa USD\s+40/);
    await expect.poll(() => page.locator('[data-test="last-price"]').innerText()).toMatch(/12 Stoa USD/);
    await portal.screenshot('trading-2-buyer-settled');
    await page.getByRole('link', { name: 'Portfolio' }).click();
    const balances = page.locator('[data-test="balances"]');
    await expect.poll(() => balances.innerText()).toMatch(/Acme Common · ACME\s+60/);
    await page.getByRole('link', { name: 'Money' }).click();
    await expect.poll(() => page.locator('[data-test="available"]').innerText()).toMatch(/4,280/);
    expect(await portal.env.ledger.assetBalance(chainId, buyer.did)).toBe('60');
  }, 60_000);

  it('the seller sees the sale and cancels the rest after a confirmation saying what is cancelled', async () => {
    const { page, baseUrl } = portal;
    await f.login(seller.email, INVESTOR_PASSWORD);
    await page.goto(`${baseUrl}/investor/trade/${assetId}`);
    const row = page.locator('[data-test="my-trades"] tbody tr').first();
    await expect.poll(() => row.innerText()).toMatch(/Sold\s+60 ACME\s+12 Stoa USD\s+720 Stoa USD\s+settled/);
    const open = page.locator('[data-test="open-orders"] tbody tr');
    await expect.poll(() => open.first().innerText()).toMatch(/Sell\s+12 Stoa USD\s+40 of 100/);
    await page.getByRole('button', { name: 'Cancel…' }).click();
    const impact = page.locator('[data-test="cancel-impact"]');
    await expect
      .poll(() => impact.innerText())
      .toBe(
        'Your sell order at 12 Stoa USD is withdrawn: the 40 ACME still on the book will not trade, and what it holds for you is released. Trades already matched still settle.',
      );
    await portal.screenshot('trading-3-cancel-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel order' }).click();
    await page.getByText('You have no open orders.').waitFor();
    await expect
      .poll(() => page.locator('[data-test="asks"] tbody tr').first().innerText())
      .toMatch(/No sell orders/);
    await page.getByRole('link', { name: 'Portfolio' }).click();
    await expect
      .poll(() => page.locator('[data-test="balances"]').innerText())
      .toMatch(/Acme Common · ACME\s+440/);
    await page.getByRole('link', { name: 'Money' }).click();
    await expect.poll(() => page.locator('[data-test="available"]').innerText()).toMatch(/720/);
    await portal.screenshot('trading-4-seller-after');
    expect(portal.consoleErrors).toEqual([]);
  }, 60_000);

  it('the issuer sets a price band in the console; an order outside it is refused in words', async () => {
    const { page, baseUrl } = portal;
    const issuer = await f.issuerUser('issuer@acme.example');
    await f.login(issuer.email, issuer.password);
    await page.goto(`${baseUrl}/issuer/assets/${assetId}`);
    const blotter = page.locator('[data-test="trade-blotter"] tbody tr');
    await expect.poll(() => blotter.first().innerText()).toMatch(/60 ACME\s+12 Stoa USD\s+settled/);
    await page.getByLabel('Price band (% around the last trade)').fill('10');
    await page.getByRole('button', { name: 'Save trading rules' }).click();
    await page
      .locator('[data-test="trading-saved"]')
      .getByText('Orders must now be priced within 10% of the last trade.')
      .waitFor();
    await portal.screenshot('trading-5-issuer-band');
    await f.login(buyer.email, INVESTOR_PASSWORD);
    await page.goto(`${baseUrl}/investor/trade/${assetId}`);
    await page
      .locator('[data-test="last-price"]')
      .getByText(/within 10% of it/)
      .waitFor();
    await order('Buy', '20', '1');
    await page
      .locator('[data-test="order-error"]')
      .getByText(
        'The price must be within 10% of the last trade (12 Stoa USD): between 10.8 and 13.2 Stoa USD',
      )
      .waitFor();
    await portal.screenshot('trading-6-band-refused');
    // The browser logs the one refused request (422); nothing else went wrong.
    expect(portal.consoleErrors.filter((e) => /status of 422/.test(e))).toHaveLength(1);
    expect(portal.consoleErrors.filter((e) => !/status of 422/.test(e))).toEqual([]);
  }, 60_000);

  it('an asset that requires approval: the trade waits for the transfer agent, who approves it in the console', async () => {
    const { page, baseUrl } = portal;
    portal.consoleErrors.length = 0;
    await f.login('issuer@acme.example', STAFF_PASSWORD);
    await page.goto(`${baseUrl}/issuer/assets/${assetId}`);
    await page.getByLabel('Price band (% around the last trade)').fill('');
    await page.getByLabel('Every trade needs a transfer agent’s approval').check();
    await page.getByRole('button', { name: 'Save trading rules' }).click();
    await page
      .locator('[data-test="trading-saved"]')
      .getByText('Orders may now be placed at any price. Every trade waits for a transfer agent’s approval.')
      .waitFor();
    await f.login(seller.email, INVESTOR_PASSWORD);
    await page.goto(`${baseUrl}/investor/trade/${assetId}`);
    await page
      .locator('[data-test="last-price"]')
      .getByText(/every trade is approved by a transfer agent/)
      .waitFor();
    await order('Sell', '12', '5');
    await page.locator('[data-test="order-done"]').waitFor();
    await f.login(buyer.email, INVESTOR_PASSWORD);
    await page.goto(`${baseUrl}/investor/trade/${assetId}`);
    await order('Buy', '12', '5');
    const row = page.locator('[data-test="my-trades"] tbody tr').first();
    await expect
      .poll(() => row.innerText(), { timeout: 30_000 })
      .toMatch(/Bought\s+5 ACME.*waiting for the transfer agent/s);
    await portal.screenshot('trading-7-waiting-for-agent');
    const agent = 'agent@acme.example';
    await staff(portal.app, agent, ['transfer-agent']);
    await f.login(agent, STAFF_PASSWORD);
    await page.goto(`${baseUrl}/issuer/assets/${assetId}`);
    const blotter = page.locator('[data-test="trade-blotter"] tbody tr').first();
    await expect.poll(() => blotter.innerText()).toMatch(/5 ACME\s+12 Stoa USD\s+awaiting approval/);
    // The click only starts the request: wait for its answer before waiting for the chain.
    const approved = page.waitForResponse((r) => /\/trades\/[^/]+\/approve$/.test(r.url()));
    await blotter.getByRole('button', { name: 'Approve trade' }).click();
    expect((await approved).status()).toBeLessThan(300);
    await f.settle();
    // The card reads the trades when it opens: look again until the settlement shows.
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator('[data-test="trade-blotter"] tbody tr').first().innerText();
        },
        { timeout: 30_000 },
      )
      .toMatch(/settled/);
    await portal.screenshot('trading-8-agent-approved');
    expect(await portal.env.ledger.assetBalance(chainId, buyer.did)).toBe('65');
    expect(portal.consoleErrors).toEqual([]);
  }, 90_000);
});
