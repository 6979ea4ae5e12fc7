import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { fixtures, INVESTOR_PASSWORD } from './issuer-fixtures.js';

describe.skipIf(!hasChromium)('issuer console and investor offerings in Chromium', () => {
  let portal: Portal;
  let f: ReturnType<typeof fixtures>;
  let accredited: { email: string };
  let plain: { email: string; did: string };
  let issuer: { email: string; password: string };

  beforeAll(async () => {
    portal = await openPortal();
    f = fixtures(portal);
    const usd = await f.stablecoin();
    const a = await f.investor('Usbuyer', 'US', true);
    const p = await f.investor('Usplain', 'US', false);
    await usd.fund(a, '10000');
    await usd.fund(p, '10000');
    accredited = a;
    plain = p;
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('issuer creates an asset with a checked ISIN and rules, then launches an offering', async () => {
    const { page, baseUrl } = portal;
    issuer = await f.issuerUser('issuer@acme.example');
    await f.login(issuer.email, issuer.password);
    await page.goto(`${baseUrl}/issuer/assets/new`);
    await page.getByLabel('Name', { exact: true }).fill('Acme Common');
    await page.getByLabel('Ticker (optional)').fill('acme');
    await page.getByLabel('Type of security').selectOption('EquityCommon');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('button', { name: 'Add identifier' }).click();
    const code = page.getByLabel('Identifier 1 code');
    await code.fill('US0378331006');
    await page.getByText('check digit does not match (Luhn)').waitFor();
    await code.fill('US0378331005');
    await page.getByText('Valid ISIN checksum').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByLabel(/^Reg D 506\(c\)/).check();
    await page.getByLabel(/^Reg S —/).check();
    await page.getByLabel(/^Maximum holders/).check();
    await page.getByLabel('Maximum number of holders').fill('99');
    await page.getByText('At most 99 holders').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('US0378331005').waitFor();
    await page.getByRole('button', { name: 'Create asset' }).click();

    await page.getByText('Rules applied').waitFor({ timeout: 20_000 });
    await page.getByRole('link', { name: 'Open the asset' }).click();
    await page.getByText('Reg D 506(c): buyers must').first().waitFor();

    await page.getByLabel('Offering name').fill('Series A');
    await page.getByLabel('Paid in').selectOption({ label: 'Stoa USD' });
    await page.getByLabel('Tier 1 tokens').fill('1000');
    await page.getByLabel('Tier 1 price').fill('1');
    await page.getByRole('button', { name: 'Add tier' }).click();
    await page.getByLabel('Tier 2 tokens').fill('1000');
    await page.getByLabel('Tier 2 price').fill('2');
    await page.getByLabel('Minimum investment').fill('10');
    await page.getByLabel('Accredited investors').check();
    await page.getByLabel('Non-US persons').check();
    await page.getByRole('button', { name: 'Save draft and add documents' }).click();

    await page.waitForURL(/\/issuer\/offerings\//);
    await page.getByRole('button', { name: 'Launch…' }).click();
    await page.getByText('Launching issues 2,000 ACME tokens for sale.').waitFor();
    await page.getByRole('button', { name: 'Launch offering' }).click();
    await page.locator('[data-test="offering-status"]', { hasText: 'Live' }).waitFor({ timeout: 20_000 });
    await portal.screenshot('issuer-offering-launched');
    expect(portal.consoleErrors).toEqual([]);
  });

  it("the issuer's pre-trade check tells, in words, why an investor may not receive the asset", async () => {
    const { page, baseUrl } = portal;
    await f.login(issuer.email, issuer.password);
    await page.goto(`${baseUrl}/issuer/transfer-check`);
    await page.getByLabel('Asset').selectOption({ label: 'Acme Common' });
    await page.getByLabel('To (DID)').fill(plain.did);
    await page.getByLabel('Amount').fill('10');
    await page.getByRole('button', { name: 'Check transfer' }).click();
    const refused = page.locator('[data-test="check-refused"]');
    await refused
      .getByText('The receiver is not accredited (no valid accreditation from a trusted verifier).')
      .waitFor();
    const text = await refused.innerText();
    expect(text).toMatch(/^Reg D 506\(c\): The receiver is not accredited/m);
    // Words, not chain codes.
    expect(text).not.toMatch(/InvalidTransfer|MaxInvestor|Accredited\b/);
    await portal.screenshot('issuer-transfer-check-refused');
    expect(portal.consoleErrors).toEqual([]);
  });

  it('an accredited investor sees eligibility, subscribes and finds the tokens in the portfolio', async () => {
    const { page } = portal;
    await f.login(accredited.email, INVESTOR_PASSWORD);
    await page.goto(`${portal.baseUrl}/investor/offerings`);
    await page.getByRole('link', { name: /View terms and subscribe to Series A/ }).click();
    await page.getByLabel('Tokens to buy').fill('100');
    await page.getByRole('button', { name: 'Check eligibility' }).click();
    await page.getByText('You are eligible').waitFor();
    await page.getByRole('button', { name: 'Continue to the agreement' }).click();
    await page.getByLabel('Your full name (signature)').fill('Alice Usbuyer');
    await page.getByLabel(/I agree to subscribe on the terms/).check();
    await page.getByRole('button', { name: 'Review and confirm' }).click();
    await page.getByRole('button', { name: 'Confirm and pay 100 USDS' }).click();
    await page.locator('[data-test="subscription-settled"]').waitFor({ timeout: 20_000 });
    await page.getByRole('link', { name: 'See your portfolio' }).click();
    const balances = page.locator('[data-test="balances"]');
    await balances.waitFor();
    expect(await balances.innerText()).toMatch(/Acme Common · ACME\s+100\s+100\s+0/);
    await portal.screenshot('investor-portfolio');
    expect(portal.consoleErrors).toEqual([]);
  });

  it('a non-accredited US investor is told why before anything is submitted', async () => {
    const { page } = portal;
    await f.login(plain.email, INVESTOR_PASSWORD);
    await page.goto(`${portal.baseUrl}/investor/offerings`);
    await page.getByRole('link', { name: /View terms and subscribe to Series A/ }).click();
    await page.getByLabel('Tokens to buy').fill('100');
    await page.getByRole('button', { name: 'Check eligibility' }).click();
    const verdict = page.locator('[data-test="eligibility"]');
    await verdict
      .getByText(/not accredited/)
      .first()
      .waitFor();
    expect(await page.getByRole('button', { name: 'Continue to the agreement' }).count()).toBe(0);
    await portal.screenshot('investor-subscription-refused');
    expect(portal.consoleErrors).toEqual([]);
  });
});
