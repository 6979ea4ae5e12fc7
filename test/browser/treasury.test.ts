import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config.js';
import { staff } from '../../server/test/onboarding-helpers.js';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { fixtures, INVESTOR_PASSWORD, STAFF_PASSWORD } from './issuer-fixtures.js';

const defaults = loadConfig({ NODE_ENV: 'test' }).treasury;

/**
 * Money in and out through the portal: the investor reads their deposit instructions, the
 * treasury operator records the bank payment, the investor sees the balance and the history,
 * withdraws part of it, and the treasury pays it out.
 */
describe.skipIf(!hasChromium)('money in and out in Chromium', () => {
  let portal: Portal;
  let f: ReturnType<typeof fixtures>;
  let investor: { email: string };
  const treasurer = 'treasurer@stoa.example';

  beforeAll(async () => {
    // The platform stablecoin is created at start, as `npm start` does.
    portal = await openPortal({
      config: { treasury: { ...defaults, stablecoin: { ...defaults.stablecoin, atStart: true } } },
    });
    f = fixtures(portal);
    await f.settle();
    investor = await f.investor('Oakley', 'US', true);
    await staff(portal.app, treasurer, ['treasury']);
  }, 120_000);
  afterAll(async () => {
    await portal?.close();
  });

  it('investor sees deposit instructions, the treasury records the deposit, the investor sees balance and history', async () => {
    const { page, baseUrl } = portal;
    await f.login(investor.email, INVESTOR_PASSWORD);
    await page.goto(`${baseUrl}/investor/money`);
    const refEl = page.locator('[data-test="reference"]');
    await refEl.waitFor();
    const reference = (await refEl.textContent())!.trim();
    expect(reference).toMatch(/^STOA-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await page.getByText('Stoa Client Money Account').waitFor();
    await page.getByText('No money has moved yet.').waitFor();
    await portal.screenshot('money-deposit-instructions');
    await f.settle();

    await f.login(treasurer, STAFF_PASSWORD);
    await page.waitForURL(/\/treasury$/);
    await page.getByLabel('Reference on the payment').fill(reference.toLowerCase());
    await page.getByLabel(/^Amount received/).fill('2500');
    await page.getByRole('button', { name: 'Record deposit…' }).click();
    await page.getByText("Enter the bank's transaction id of the payment.").waitFor();
    await page.getByLabel('Bank transaction id').fill('BANK-20261201-0042');
    await page.getByRole('button', { name: 'Record deposit…' }).click();
    const impact = page.locator('[data-test="deposit-impact"]');
    await impact.waitFor();
    expect(await impact.textContent()).toContain(`Issues 2,500.00 Stoa USD to ${investor.email}, reference`);
    await portal.screenshot('treasury-confirm-deposit');
    await page.getByRole('button', { name: 'Record and credit' }).click();
    await page.getByText(/^Recorded 2,500\.00 Stoa USD for/).waitFor();
    await f.settle();
    await page.reload();
    await page.locator('[data-test="deposits"]', { hasText: 'Credited' }).waitFor();
    await portal.screenshot('treasury-deposit-credited');

    await f.login(investor.email, INVESTOR_PASSWORD);
    await page.goto(`${baseUrl}/investor/money`);
    await page.locator('[data-test="available"]', { hasText: '2,500.00 Stoa USD' }).waitFor();
    const history = page.locator('[data-test="money-history"]');
    await history.getByText('Deposit credited').waitFor();
    expect(await history.textContent()).toContain('2,500.00 Stoa USD');
    await portal.screenshot('money-balance-and-history');
    expect(portal.consoleErrors).toEqual([]);
  }, 120_000);

  it('the investor withdraws with a confirmation, and the treasury pays it out', async () => {
    const { page, baseUrl } = portal;
    await page.getByLabel(/^Amount in Stoa USD/).fill('9000');
    await page.getByLabel('Your bank account (IBAN or account number)').fill('DE89 3704 0044 0532 0130 00');
    await page.getByRole('button', { name: 'Withdraw…' }).click();
    await page.getByText('You have 2,500.00 Stoa USD available to withdraw.').waitFor();
    await page.getByLabel(/^Amount in Stoa USD/).fill('500');
    await page.getByRole('button', { name: 'Withdraw…' }).click();
    const impact = page.locator('[data-test="withdraw-impact"]');
    await impact.waitFor();
    expect(await impact.textContent()).toContain('Your available balance goes down to 2,000.00 Stoa USD');
    await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await page.getByText(/We are processing your withdrawal of 500\.00 Stoa USD/).waitFor();
    await f.settle();

    await f.login(treasurer, STAFF_PASSWORD);
    await page.goto(`${baseUrl}/treasury`);
    const payouts = page.locator('[data-test="payouts"]');
    await payouts.getByText('DE89 3704 0044 0532 0130 00').waitFor();
    await payouts.getByRole('button', { name: 'Mark paid…' }).click();
    await page.getByLabel('Bank reference of the payment you sent').fill('SEPA-OUT-77');
    await page.getByRole('button', { name: 'Mark paid', exact: true }).click();
    await page.getByText('Nothing to pay out.').waitFor();

    await f.login(investor.email, INVESTOR_PASSWORD);
    await page.goto(`${baseUrl}/investor/money`);
    await page.locator('[data-test="available"]', { hasText: '2,000.00 Stoa USD' }).waitFor();
    await page.locator('[data-test="money-history"]').getByText('Paid', { exact: true }).waitFor();
    await portal.screenshot('money-withdrawal-paid');
    expect(portal.consoleErrors).toEqual([]);
  }, 120_000);
});
