import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selectors, type Page } from 'playwright-core';
import { loadConfig } from '../../server/src/config.js';
import { ADMIN_TOKEN } from '../../server/test/helpers.js';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { fillWizard, PDF, signUpAndConfirm, type Applicant } from './wizard.js';

/**
 * Issue 10's journey, as people do it in the portal (Chromium), with nothing behind the UI but
 * the first operator: an investor signs up, onboards with documents, the sandbox vendor's verdict
 * arrives by itself, a reviewer asks for more information, the investor adds a document and
 * resubmits, the reviewer attests; the investor deposits money (the treasury records it),
 * subscribes and signs the agreement, sees the tokens in escrow; the offering closes with its
 * soft cap met and the investor holds the tokens and is told so. A second walk: a PEP hit needs
 * two reviewers.
 */

const PPM = Buffer.from(
  'Private placement memorandum of Juniper Growth.\nRisk factors: you may lose your whole investment.\n',
);

const OPERATOR = { name: 'Olga Operator', email: 'olga@stoa.example', password: 'operator password 123' };
const ANN = { name: 'Ann Reviewer', email: 'ann@cdd.example', password: 'reviewer password 123' };
const BOB = { name: 'Bob Second', email: 'bob@cdd.example', password: 'reviewer password 456' };
const TESS = { name: 'Tess Treasurer', email: 'tess@stoa.example', password: 'treasury password 123' };
const IVY = { name: 'Ivy Issuer', email: 'ivy@juniper.example', password: 'issuer password 123' };
const accredited = {
  investorType: 'accredited',
  income: '320000',
  netWorth: '2400000',
  qualifies: 'income',
} as const;
const JANE: Applicant = {
  first: 'Jane',
  last: 'Holder',
  email: 'jane@investor.example',
  password: 'correct horse battery',
  ...accredited,
};
const PAUL: Applicant = {
  first: 'Paul',
  last: 'Politico',
  email: 'paul@investor.example',
  password: 'another good passphrase',
  ...accredited,
};

const defaults = loadConfig({ NODE_ENV: 'test' }).treasury;

describe.skipIf(!hasChromium)('from sign-up to holding tokens, in Chromium', () => {
  let portal: Portal;
  let page: Page;
  let baseUrl: string;

  /** Whoever is signed in signs out, as a person sharing the browser would. */
  async function signOut() {
    const button = page.getByRole('button', { name: 'Sign out' });
    if ((await button.count()) > 0) {
      await button.click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    }
  }

  async function signIn(who: { email: string; password: string }) {
    await signOut();
    await page.goto(`${baseUrl}/login`);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  }

  /** Signs up, confirms the mailed link, walks the wizard and submits with a sandbox scenario. */
  async function applyAsInvestor(who: Applicant, scenario: RegExp) {
    await signOut();
    await signUpAndConfirm(portal, who);
    await fillWizard(page, who);
    await page.getByRole('radio', { name: scenario }).check();
    await page.getByRole('button', { name: 'Submit application' }).click();
    await page.getByText('Application submitted').waitFor();
  }

  beforeAll(async () => {
    selectors.setTestIdAttribute('data-test');
    // As `npm start` runs: the sandbox vendor decides by itself, the platform stablecoin exists.
    portal = await openPortal({
      kyc: { sandboxDelayMs: 1000 },
      config: { treasury: { ...defaults, stablecoin: { ...defaults.stablecoin, atStart: true } } },
    });
    page = portal.page;
    baseUrl = portal.baseUrl;
    page.setDefaultTimeout(20_000);
    // The first operator: the one account made outside the portal.
    const res = await fetch(`${baseUrl}/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        email: OPERATOR.email,
        password: OPERATOR.password,
        displayName: OPERATOR.name,
        roles: ['admin'],
      }),
    });
    expect(res.status).toBe(201);
  }, 120_000);
  afterEach(async (ctx) => {
    // What the person saw when a step failed.
    if (ctx.task.result?.state === 'fail')
      await portal.screenshot(`journey-failed-${ctx.task.name.slice(0, 40)}`);
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('the operator creates the staff accounts in the portal', async () => {
    await signIn(OPERATOR);
    await page.waitForURL(/\/admin\/users$/);
    const form = page.getByTestId('create-user');
    for (const [who, roles] of [
      [ANN, ['CDD provider']],
      [BOB, ['CDD provider']],
      [TESS, ['Treasury operator']],
      [IVY, ['Issuer administrator', 'Compliance officer']],
    ] as const) {
      await form.getByLabel('Full name').fill(who.name);
      await form.getByLabel('Work email').fill(who.email);
      await form.getByLabel('First password').fill(who.password);
      for (const role of roles) await form.getByLabel(role, { exact: true }).check();
      await form.getByRole('button', { name: 'Create the account' }).click();
      await page.getByTestId('users-notice').getByText(`${who.name} can now sign in`).waitFor();
    }
    await portal.screenshot('journey-01-staff');
    expect(portal.consoleErrors).toEqual([]);
  }, 60_000);

  it('the issuer creates the asset and launches an offering with its PPM', async () => {
    await signIn(IVY);
    await page.goto(`${baseUrl}/issuer/assets/new`);
    await page.getByLabel('Name', { exact: true }).fill('Juniper Growth');
    await page.getByLabel('Ticker (optional)').fill('JUNI');
    await page.getByLabel('Type of security').selectOption('EquityCommon');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel(/^Reg D 506\(c\)/).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Create asset' }).click();
    await page.getByText('Rules applied').waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'Open the asset' }).click();

    await page.getByLabel('Offering name').fill('Juniper Seed');
    // Offerings are paid in the platform stablecoin unless the issuer picks another.
    await expect(page.getByLabel('Paid in').locator('option:checked').innerText()).resolves.toMatch(
      /Stoa USD/,
    );
    await page.getByLabel('Tier 1 tokens').fill('1000');
    await page.getByLabel('Tier 1 price').fill('2');
    await page.getByLabel('Minimum investment').fill('10');
    await page.getByLabel('Soft cap (optional)').fill('1000');
    await page.getByLabel('Accredited investors').check();
    await page.getByRole('button', { name: 'Save draft and add documents' }).click();
    await page.waitForURL(/\/issuer\/offerings\//);

    await page.getByLabel('File').setInputFiles({ name: 'ppm.txt', mimeType: 'text/plain', buffer: PPM });
    await page.getByLabel('Document name').fill('Private placement memorandum');
    await page.getByRole('button', { name: 'Attach document' }).click();
    await page
      .locator('[data-test="issuer-documents"]')
      .getByRole('link', { name: 'Private placement memorandum' })
      .waitFor();
    await page.getByRole('button', { name: 'Launch…' }).click();
    await expect(page.locator('[data-test="impact-summary"]').innerText()).resolves.toBe(
      'Launching issues 1,000 JUNI tokens for sale.',
    );
    await page.getByRole('button', { name: 'Launch offering' }).click();
    await page.locator('[data-test="offering-status"]', { hasText: 'Live' }).waitFor({ timeout: 30_000 });
    await portal.screenshot('journey-02-offering-live');
    expect(portal.consoleErrors).toEqual([]);
  }, 120_000);

  it('the investor signs up and onboards; the sandbox verdict arrives by itself', async () => {
    await applyAsInvestor(JANE, /^Clear/);
    await page.getByTestId('kyc-waiting').waitFor();
    await page.getByTestId('kyc-verdict').getByText('Your identity check passed').waitFor();
    await portal.screenshot('journey-03-verdict-arrived');
    expect(portal.consoleErrors).toEqual([]);
  }, 120_000);

  it('the reviewer asks for more information; the investor adds a document and resubmits', async () => {
    await signIn(ANN);
    await page.getByRole('heading', { name: 'Review queue' }).waitFor();
    await page.getByRole('link', { name: 'Jane Holder' }).click();
    await page.getByTestId('application-status').getByText('In review').waitFor();
    await page.getByRole('button', { name: 'Request more information' }).click();
    await page
      .getByLabel('What is missing (shown to the investor)')
      .fill('Please upload a bank statement from the last three months showing your address.');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByTestId('application-status').getByText('Needs more information').waitFor();

    await signIn(JANE);
    await page.getByTestId('application-status').getByText('Needs more information').waitFor();
    await page
      .getByText('Please upload a bank statement from the last three months showing your address.')
      .first()
      .waitFor();
    await portal.screenshot('journey-04-more-info-asked');
    await page.getByRole('link', { name: 'Continue onboarding' }).click();
    await page.getByRole('heading', { name: 'Documents' }).waitFor();
    await page
      .getByLabel('Other document')
      .setInputFiles({ name: 'bank-statement.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByText('bank-statement.pdf').waitFor();
    await page.getByRole('button', { name: 'Review and submit' }).click();
    const clear = page.getByRole('radio', { name: /^Clear/ });
    if (await clear.count()) await clear.check();
    await page.getByRole('button', { name: 'Submit again' }).click();
    await page.getByText('Application submitted').waitFor();
    await page.getByTestId('kyc-verdict').getByText('Your identity check passed').waitFor();
    expect(portal.consoleErrors).toEqual([]);
  }, 120_000);

  it('the reviewer verifies accreditation and attests on chain', async () => {
    await signIn(ANN);
    await page.getByRole('heading', { name: 'Review queue' }).waitFor();
    await page.getByRole('link', { name: 'Jane Holder' }).click();
    await page.getByTestId('application-status').getByText('In review').waitFor();
    await page.getByText('bank-statement.pdf').first().waitFor();
    await page.getByRole('button', { name: 'Verify accreditation' }).click();
    await page.getByLabel('Evidence reviewed').fill('W-2 forms for 2024 and 2025 reviewed');
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText('Accreditation verified.').waitFor();
    await page.getByRole('button', { name: 'Attest', exact: true }).click();
    await page.getByRole('button', { name: 'Attest on chain' }).click();
    await page.getByTestId('operation-status').getByText('Finalised').first().waitFor({ timeout: 30_000 });
    await page.getByTestId('application-status').getByText('Attested').waitFor();
    await portal.screenshot('journey-05-attested');
    expect(portal.consoleErrors).toEqual([]);
  }, 120_000);

  it('the investor reads deposit instructions and the treasury records the deposit', async () => {
    await signIn(JANE);
    await page.getByTestId('application-status').getByText('Attested').waitFor();
    await page.goto(`${baseUrl}/investor/money`);
    const refEl = page.locator('[data-test="reference"]');
    await refEl.waitFor();
    const reference = (await refEl.innerText()).trim();
    expect(reference).toMatch(/^STOA-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await portal.screenshot('journey-06-deposit-instructions');

    await signIn(TESS);
    await page.waitForURL(/\/treasury$/);
    await page.getByLabel('Reference on the payment').fill(reference);
    await page.getByLabel(/^Amount received/).fill('5000');
    await page.getByLabel('Bank transaction id').fill('BANK-20261201-0099');
    await page.getByRole('button', { name: 'Record deposit…' }).click();
    await page
      .locator('[data-test="deposit-impact"]')
      .getByText(/Issues 5,000\.00 Stoa USD/)
      .waitFor();
    await page.getByRole('button', { name: 'Record and credit' }).click();
    await page.getByText(/^Recorded 5,000\.00 Stoa USD for/).waitFor();
    await page.locator('[data-test="deposits"]', { hasText: 'Credited' }).waitFor({ timeout: 30_000 });

    await signIn(JANE);
    await page.goto(`${baseUrl}/investor/money`);
    await page
      .locator('[data-test="available"]', { hasText: '5,000.00 Stoa USD' })
      .waitFor({ timeout: 30_000 });
    await page.locator('[data-test="money-history"]').getByText('Deposit credited').waitFor();
    await portal.screenshot('journey-07-deposit-credited');
    expect(portal.consoleErrors).toEqual([]);
  }, 120_000);

  it('the investor subscribes, signs the agreement and sees the tokens held in escrow', async () => {
    await page.goto(`${baseUrl}/investor/offerings`);
    await page.getByRole('link', { name: /View terms and subscribe to Juniper Seed/ }).click();
    await page.getByLabel('Tokens to buy').fill('600');
    await page.getByRole('button', { name: 'Check eligibility' }).click();
    await page.getByText('You are eligible').waitFor();
    await page.getByRole('button', { name: 'Continue to the agreement' }).click();

    const [tab] = await Promise.all([
      page.context().waitForEvent('page'),
      page.getByRole('link', { name: 'Open Private placement memorandum' }).click(),
    ]);
    await tab.waitForLoadState();
    expect(await tab.locator('body').innerText()).toContain(
      'Risk factors: you may lose your whole investment.',
    );
    await tab.close();
    await page.getByLabel('I have read “Private placement memorandum”').check();
    await page.getByLabel('Your full name (signature)').fill('Jane Holder');
    await page.getByLabel(/I agree to subscribe on the terms/).check();
    await portal.screenshot('journey-08-agreement-signed');
    await page.getByRole('button', { name: 'Review and confirm' }).click();

    const confirmation = page.locator('[data-test="confirmation"]');
    await confirmation.waitFor();
    expect(await confirmation.innerText()).toMatch(/Total cost\s+1,200 USDS/);
    await expect(page.locator('[data-test="escrow-terms"]').innerText()).resolves.toMatch(/held in escrow/);
    await page.getByRole('button', { name: 'Confirm and pay 1,200 USDS' }).click();
    const held = page.locator('[data-test="subscription-escrow"]');
    await held.waitFor({ timeout: 30_000 });
    expect(await held.innerText()).toMatch(/held in escrow/);
    await held.getByRole('link', { name: 'See your portfolio' }).click();
    await page
      .locator('[data-test="escrow-note"]')
      .getByText(/600 held in escrow/)
      .waitFor();
    await portal.screenshot('journey-09-escrow');
    expect(portal.consoleErrors).toEqual([]);
  }, 120_000);

  it('the offering closes with its soft cap met; the investor holds the tokens and is told', async () => {
    await signIn(IVY);
    await page.goto(`${baseUrl}/issuer`);
    await page
      .getByRole('link', { name: /Juniper Seed/ })
      .first()
      .click();
    await page.locator('[data-test="offering-status"]', { hasText: 'Live' }).waitFor();
    await page.getByRole('button', { name: 'Close…' }).click();
    await expect(page.locator('[data-test="impact-summary"]').innerText()).resolves.toMatch(
      /^Closing releases 1,200 USDS from escrow to you/,
    );
    await portal.screenshot('journey-10-close-impact');
    await page.getByRole('button', { name: 'Close offering' }).click();
    await page
      .locator('[data-test="offering-status"]', { hasText: /Closed|Released/ })
      .waitFor({ timeout: 30_000 });

    await signIn(JANE);
    await page.goto(`${baseUrl}/investor/portfolio`);
    const balances = page.locator('[data-test="balances"]');
    await balances.getByText(/Juniper Growth/).waitFor();
    await expect
      .poll(async () => page.locator('[data-test="escrow-note"]').count(), { timeout: 30_000 })
      .toBe(0);
    // Total 600, free 600.
    expect(await balances.innerText()).toMatch(/Juniper Growth · JUNI\s+600\s+600/);
    await portal.screenshot('journey-11-holding');

    await page.getByTestId('notification-bell').click();
    const notice = page.getByTestId('notification').filter({ hasText: /you now hold 600 JUNI tokens/ });
    await notice.first().waitFor();
    await portal.screenshot('journey-12-notified');
    expect(portal.consoleErrors).toEqual([]);
  }, 120_000);

  it('a PEP hit needs a second reviewer before the attestation', async () => {
    await applyAsInvestor(PAUL, /^PEP hit/);
    await page.getByTestId('kyc-verdict').waitFor();

    await signIn(ANN);
    await page.getByRole('heading', { name: 'Review queue' }).waitFor();
    await page.getByRole('link', { name: 'Paul Politico' }).click();
    await page.getByTestId('review-panel').getByText('Two reviewers needed (four-eyes)').waitFor();
    await page.getByRole('button', { name: 'Verify accreditation' }).click();
    await page.getByLabel('Evidence reviewed').fill('Tax returns for 2024 and 2025 reviewed');
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText('Accreditation verified.').waitFor();
    await page.getByRole('button', { name: 'Approve (first of two reviewers)' }).click();
    await page
      .getByLabel('Your due-diligence notes (recorded in the audit trail)')
      .fill('PEP: state legislator until 2022; wealth from documented salary and a home sale');
    await page.getByRole('button', { name: 'Record my approval' }).click();
    await page.getByTestId('waiting-second-reviewer').waitFor();
    await expect(
      page.getByRole('button', { name: 'Waiting for a second reviewer' }).isDisabled(),
    ).resolves.toBe(true);
    await page.getByTestId('application-status').getByText('In review').waitFor();
    await portal.screenshot('journey-13-pep-first-approval');

    await signIn(BOB);
    await page.getByRole('heading', { name: 'Review queue' }).waitFor();
    await page.getByRole('link', { name: 'Paul Politico' }).click();
    await page
      .getByTestId('waiting-second-reviewer')
      .getByText(/Ann Reviewer approved/)
      .waitFor();
    await page.getByRole('button', { name: 'Second approval: attest' }).click();
    await page
      .getByLabel('Your due-diligence notes (recorded in the audit trail)')
      .fill('Agree: adverse media search clean; source of wealth consistent');
    await page.getByRole('button', { name: 'Approve and attest on chain' }).click();
    await page.getByTestId('operation-status').getByText('Finalised').first().waitFor({ timeout: 30_000 });
    await page.getByTestId('application-status').getByText('Attested').waitFor();
    await portal.screenshot('journey-14-pep-attested');
    expect(portal.consoleErrors).toEqual([]);
  }, 120_000);
});
