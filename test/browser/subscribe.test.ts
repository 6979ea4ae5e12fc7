import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { fixtures, INVESTOR_PASSWORD } from './issuer-fixtures.js';

const PPM = Buffer.from(
  'Private placement memorandum of the Delta Fund.\nRisk factors: you may lose your whole investment.\n',
);

describe.skipIf(!hasChromium)('a signed subscription held in escrow, and the close with its impact', () => {
  let portal: Portal;
  let f: ReturnType<typeof fixtures>;
  let investor: { email: string };
  let issuer: { email: string; password: string };
  let offeringId: string;

  beforeAll(async () => {
    portal = await openPortal();
    f = fixtures(portal);
    const usd = await f.stablecoin();
    const inv = await f.investor('Escrowbuyer', 'US', true);
    await usd.fund(inv, '10000');
    investor = inv;
    issuer = await f.issuerUser('issuer@delta.example');
    const created = await f.call('POST', '/assets', {
      name: 'Delta Fund',
      ticker: 'DELTA',
      assetType: 'Fund',
      divisible: true,
    });
    await f.settle();
    const draft = await f.call('POST', `/assets/${created.asset.id}/offerings`, {
      name: 'Delta Seed',
      paymentAssetId: usd.id,
      end: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      tiers: [
        { amount: '1000', price: '1' },
        { amount: '1000', price: '2' },
      ],
      minInvestment: '10',
      softCap: '2500',
    });
    offeringId = draft.id as string;
  }, 240_000);
  afterAll(async () => {
    await portal?.close();
  });

  it('the issuer attaches the PPM and launches after seeing what the launch issues', async () => {
    const { page, baseUrl } = portal;
    await f.login(issuer.email, issuer.password);
    await page.goto(`${baseUrl}/issuer/offerings/${offeringId}`);
    await page.getByLabel('File').setInputFiles({ name: 'ppm.txt', mimeType: 'text/plain', buffer: PPM });
    await page.getByLabel('Document name').fill('Private placement memorandum');
    await page.getByRole('button', { name: 'Attach document' }).click();
    await page
      .locator('[data-test="issuer-documents"]')
      .getByRole('link', { name: 'Private placement memorandum' })
      .waitFor();

    await page.getByRole('button', { name: 'Launch…' }).click();
    const summary = page.locator('[data-test="impact-summary"]');
    await summary.waitFor();
    expect(await summary.innerText()).toBe('Launching issues 2,000 DELTA tokens for sale.');
    await portal.screenshot('issuer-launch-confirm');
    await page.getByRole('button', { name: 'Launch offering' }).click();
    await page.locator('[data-test="offering-status"]', { hasText: 'Live' }).waitFor({ timeout: 30_000 });
    expect(portal.consoleErrors).toEqual([]);
  }, 60_000);

  it('the investor opens the documents, signs, confirms the numbers and sees the tokens held in escrow', async () => {
    const { page, baseUrl } = portal;
    await f.login(investor.email, INVESTOR_PASSWORD);
    await page.goto(`${baseUrl}/investor/offerings/${offeringId}`);
    await page.getByLabel('Tokens to buy').fill('1200');
    await page.getByRole('button', { name: 'Check eligibility' }).click();
    await page.getByText('You are eligible').waitFor();
    await page.getByRole('button', { name: 'Continue to the agreement' }).click();

    const read = page.getByLabel('I have read “Private placement memorandum”');
    expect(await read.isDisabled()).toBe(true);
    const [tab] = await Promise.all([
      page.context().waitForEvent('page'),
      page.getByRole('link', { name: 'Open Private placement memorandum' }).click(),
    ]);
    await tab.waitForLoadState();
    expect(await tab.locator('body').innerText()).toContain(
      'Risk factors: you may lose your whole investment.',
    );
    await tab.close();

    // Signing needs every box and the verified name.
    await page.getByRole('button', { name: 'Review and confirm' }).click();
    await page.getByText('Open and confirm you have read “Private placement memorandum”').waitFor();
    await page.getByText('Type your full name to sign').waitFor();
    await read.check();
    await page.getByLabel('Your full name (signature)').fill('alice escrowbuyer');
    await page.getByLabel(/I agree to subscribe on the terms/).check();
    await portal.screenshot('investor-sign-agreement');
    await page.getByRole('button', { name: 'Review and confirm' }).click();

    const confirmation = page.locator('[data-test="confirmation"]');
    await confirmation.waitFor();
    const text = await confirmation.innerText();
    expect(text).toMatch(/Tier 1\s+1,000 at 1 USDS each = 1,000 USDS/);
    expect(text).toMatch(/Tier 2\s+200 at 2 USDS each = 400 USDS/);
    expect(text).toMatch(/Total cost\s+1,400 USDS/);
    const escrowTerms = await page.locator('[data-test="escrow-terms"]').innerText();
    expect(escrowTerms).toMatch(/held in escrow until the offering raises its soft cap of 2,500 USDS/);
    await portal.screenshot('investor-confirm-subscription');
    await page.getByRole('button', { name: 'Confirm and pay 1,400 USDS' }).click();

    const held = page.locator('[data-test="subscription-escrow"]');
    await held.waitFor({ timeout: 30_000 });
    expect(await held.innerText()).toMatch(/held in escrow until the soft cap is met/);
    expect(await page.locator('[data-test="subscription-settled"]').count()).toBe(0);
    await portal.screenshot('investor-subscription-escrow');

    await held.getByRole('link', { name: 'See your portfolio' }).click();
    const note = page.locator('[data-test="escrow-note"]');
    await note.waitFor();
    expect(await note.innerText()).toMatch(/1,200 held in escrow until the soft cap is met/);
    const balances = await page.locator('[data-test="balances"]').innerText();
    // Total 1,200, free 0, locked 0, in escrow 1,200.
    expect(balances).toMatch(/Delta Fund · DELTA[\s\S]*?1,200\s+0\s+0\s+1,200/);
    await page.getByText('held in escrow until the soft cap is met', { exact: true }).waitFor();
    await portal.screenshot('investor-portfolio-escrow');
    expect(portal.consoleErrors).toEqual([]);
  }, 90_000);

  it('the issuer sees in the confirm dialog that closing refunds the investor', async () => {
    const { page, baseUrl } = portal;
    await f.login(issuer.email, issuer.password);
    await page.goto(`${baseUrl}/issuer/offerings/${offeringId}`);
    await page.locator('[data-test="offering-status"]', { hasText: 'Live' }).waitFor();
    await page.getByRole('button', { name: 'Close…' }).click();
    const summary = page.locator('[data-test="impact-summary"]');
    await summary.waitFor();
    expect(await summary.innerText()).toBe('Closing refunds 1 investor 1,400 USDS.');
    await page.getByText(/The soft cap of 2,500 USDS is not met/).waitFor();
    await portal.screenshot('issuer-close-confirm');
    await page.getByRole('button', { name: 'Close offering' }).click();
    await page.locator('[data-test="offering-status"]', { hasText: 'Refunded' }).waitFor({ timeout: 30_000 });
    await portal.screenshot('issuer-offering-refunded');
    expect(portal.consoleErrors).toEqual([]);
  }, 60_000);
});
