import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectors, type Page } from 'playwright-core';
import { sandboxWebhook } from '../../server/src/modules/kyc/sandbox.js';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { createStaff, fillWizard, PDF, signIn, signOut, signUpAndConfirm, type Applicant } from './wizard.js';

const ANN = { name: 'Ann Reviewer', email: 'ann@cdd.example', password: 'reviewer password 123' };
const BOB = { name: 'Bob Second', email: 'bob@cdd.example', password: 'reviewer password 456' };

/** Signs up and walks the wizard to a submitted application; returns its id. */
async function applyAsInvestor(
  page: Page,
  baseUrl: string,
  who: { first: string; last: string; email: string; tryUnder18?: boolean },
): Promise<string> {
  const applicant: Applicant = {
    ...who,
    password: 'correct horse battery',
    investorType: 'retail',
    income: '90000',
    netWorth: '250000',
    beforeSavingPersonalData: who.tryUnder18
      ? async () => {
          // Applicants under 18 are refused, in words, at the date of birth.
          await page.getByLabel('Date of birth').fill(`${new Date().getFullYear() - 16}-03-04`);
          await page.getByRole('button', { name: 'Save and continue' }).click();
          await page.getByText('You must be at least 18 years old to apply').waitFor();
          await portal?.screenshot('onboarding-under-18');
          // The refusal answered 400, which the browser logs; nothing else went wrong.
          if (portal) {
            expect(portal.consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
            portal.consoleErrors.length = 0;
          }
          await page.getByLabel('Date of birth').fill('1975-06-07');
        }
      : undefined,
  };
  await signUpAndConfirm(portal!, applicant);
  await fillWizard(page, applicant);
  await page.getByRole('button', { name: 'Submit application' }).click();
  await page.getByText('Application submitted').waitFor();
  return page.evaluate(async () => {
    const res = await fetch('/onboarding/applications?limit=1&offset=0');
    return ((await res.json()) as { items: { id: string }[] }).items[0]!.id;
  });
}

let portal: Portal | undefined;

describe.skipIf(!hasChromium)('CDD review in Chromium', () => {
  beforeAll(async () => {
    selectors.setTestIdAttribute('data-test');
    const opened = await openPortal();
    portal = opened;
    opened.page.setDefaultTimeout(15_000);
    await createStaff(opened.baseUrl, ANN, 'cdd-provider');
    await createStaff(opened.baseUrl, BOB, 'cdd-provider');
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('starts a review, asks for more information, and the investor adds a document and resubmits', async () => {
    const { page, baseUrl } = portal!;
    await applyAsInvestor(page, baseUrl, {
      first: 'Mia',
      last: 'Moreinfo',
      email: 'mia@investor.example',
      tryUnder18: true,
    });
    await signOut(page);

    // The default queue shows a submitted application (its verdict has not come yet).
    await signIn(page, baseUrl, ANN);
    await page.getByRole('heading', { name: 'Review queue' }).waitFor();
    await page.getByLabel('Search by name or e-mail').fill('mia@');
    await page.getByRole('link', { name: 'Mia Moreinfo' }).click();
    await page.getByTestId('application-status').getByText('Submitted').waitFor();

    await page.getByRole('button', { name: 'Start review' }).click();
    await page.getByLabel('Why start now').fill('Documents look complete; starting before the verdict');
    await page.getByRole('dialog').getByRole('button', { name: 'Start review' }).click();
    await page.getByTestId('application-status').getByText('In review').waitFor();

    await page.getByRole('button', { name: 'Request more information' }).click();
    await page
      .getByLabel('What is missing (shown to the investor)')
      .fill('Please upload a bank statement from the last three months showing your address.');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByTestId('application-status').getByText('Needs more information').waitFor();
    await portal!.screenshot('cdd-review-more-info-requested');
    await signOut(page);

    // The investor reads the request in the reviewer's words, adds a document and resubmits.
    await signIn(page, baseUrl, { email: 'mia@investor.example', password: 'correct horse battery' });
    await page.getByTestId('application-status').getByText('Needs more information').waitFor();
    await page
      .getByText('Please upload a bank statement from the last three months showing your address.')
      .first()
      .waitFor();
    await page.getByRole('link', { name: 'Continue onboarding' }).click();
    await page.getByTestId('reviewer-request').getByText('Please upload a bank statement').waitFor();
    await page.getByRole('heading', { name: 'Documents' }).waitFor();
    await page
      .getByLabel('Other document')
      .setInputFiles({ name: 'bank-statement.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByText('bank-statement.pdf').waitFor();
    await portal!.screenshot('investor-more-info-upload');
    await page.getByRole('button', { name: 'Review and submit' }).click();
    await page.getByRole('button', { name: 'Submit again' }).click();
    await page.getByText('Application submitted').waitFor();
    await page.getByRole('link', { name: 'Follow your application' }).click();
    await page.getByTestId('application-status').getByText('Submitted').waitFor();
    await signOut(page);
    expect(portal!.consoleErrors).toEqual([]);
  });

  it('a PEP hit needs a second reviewer; documents open inline', async () => {
    const { page, baseUrl, env } = portal!;
    const id = await applyAsInvestor(page, baseUrl, {
      first: 'Paul',
      last: 'Pepper',
      email: 'paul@investor.example',
    });
    // The sandbox vendor's verdict: GREEN with a PEP hit.
    const signed = sandboxWebhook(env.config.kyc.sandboxWebhookSecret!, {
      applicationId: id,
      scenario: 'pep',
    });
    const hook = await fetch(`${baseUrl}/kyc/webhooks/sandbox`, {
      method: 'POST',
      headers: signed.headers,
      body: signed.body,
    });
    expect(hook.status).toBe(202);
    await page.getByRole('link', { name: 'Follow your application' }).click();
    await page.getByTestId('application-status').getByText('In review').waitFor();
    await signOut(page);

    await signIn(page, baseUrl, ANN);
    await page.getByRole('heading', { name: 'Review queue' }).waitFor();
    const row = page.getByTestId('queue-row-Paul Pepper');
    await row.getByRole('button', { name: 'Assign Paul Pepper to me' }).click();
    await row.getByText('Ann Reviewer').waitFor();
    // Sanctions clear, PEP hit, adverse media clear.
    await expect(row.locator('td').nth(3).innerText()).resolves.toBe('Clear');
    await expect(row.locator('td').nth(4).innerText()).resolves.toBe('Hit');
    await portal!.screenshot('cdd-review-queue');
    await row.getByRole('link', { name: 'Paul Pepper' }).click();
    await page.getByTestId('review-panel').getByText('Two reviewers needed (four-eyes)').waitFor();
    await page.getByTestId('assigned-to').getByText('Ann Reviewer').waitFor();

    // Documents render inline: the PNG as an image, the PDF in a frame (CSP allows blob: for these).
    await page.getByRole('button', { name: /Open Proof of address/ }).click();
    const img = page.getByTestId('document-image');
    await img.waitFor();
    await expect
      .poll(() =>
        img.evaluate((el: { complete: boolean; naturalWidth: number }) => el.complete && el.naturalWidth),
      )
      .toBe(1);
    await page.getByRole('button', { name: /Open Identity document/ }).click();
    await page.getByTestId('document-pdf').waitFor();
    await portal!.screenshot('cdd-review-pdf-inline');

    await page.getByRole('button', { name: 'Approve (first of two reviewers)' }).click();
    await page
      .getByLabel('Your due-diligence notes (recorded in the audit trail)')
      .fill('PEP: former city councillor; source of wealth is salary, documented');
    await page.getByRole('button', { name: 'Record my approval' }).click();
    await page.getByTestId('waiting-second-reviewer').waitFor();
    await page.getByText('A different reviewer must give the second approval.').waitFor();
    const waiting = page.getByRole('button', { name: 'Waiting for a second reviewer' });
    await expect(waiting.isDisabled()).resolves.toBe(true);
    await page.getByTestId('application-status').getByText('In review').waitFor();
    await portal!.screenshot('cdd-review-first-approval');
    await signOut(page);

    await signIn(page, baseUrl, BOB);
    await page.getByRole('heading', { name: 'Review queue' }).waitFor();
    await page.getByRole('link', { name: 'Paul Pepper' }).click();
    await page
      .getByTestId('waiting-second-reviewer')
      .getByText(/Ann Reviewer approved/)
      .waitFor();
    await page.getByRole('button', { name: 'Second approval: attest' }).click();
    await page
      .getByLabel('Your due-diligence notes (recorded in the audit trail)')
      .fill('Agree: adverse media search clean, wealth consistent with salary');
    await page.getByRole('button', { name: 'Approve and attest on chain' }).click();
    await page.getByTestId('operation-status').getByText('Finalised').first().waitFor();
    await page.getByText('Both approvals are recorded; attestation started.').waitFor();
    await page.getByTestId('application-status').getByText('Attested', { exact: true }).waitFor();
    await page.getByTestId('identity').getByText('In good standing').waitFor();
    await portal!.screenshot('cdd-review-second-approval-attested');
    expect(portal!.consoleErrors).toEqual([]);
  });

  it('a revoked investor sees the revocation, not a green "Attested"', async () => {
    const { page, baseUrl } = portal!;
    // Bob is still on Paul Pepper's application.
    await page.getByRole('button', { name: 'Revoke claims' }).click();
    await page.getByLabel('Reason (e.g. sanctions hit)').fill('Adverse media found after attestation');
    await page.getByRole('button', { name: 'Revoke on chain' }).click();
    await page.getByTestId('application-status').getByText('Revoked', { exact: true }).waitFor();
    // Let the revocations finish on chain before signing out (their status is being followed).
    const ops = page.getByTestId('operation-status');
    await expect
      .poll(
        async () =>
          (await ops.count()) > 1 && (await ops.getByText('Finalised').count()) === (await ops.count()),
      )
      .toBe(true);
    await signOut(page);

    await signIn(page, baseUrl, { email: 'paul@investor.example', password: 'correct horse battery' });
    const badge = page.getByTestId('application-status');
    await badge.getByText('Revoked', { exact: true }).waitFor();
    await page.getByText('Your verification was withdrawn').first().waitFor();
    await expect(page.getByText('Attested', { exact: true }).count()).resolves.toBe(0);
    // The reviewer's internal reason stays with the reviewers.
    await expect(page.getByText('Adverse media found after attestation').count()).resolves.toBe(0);
    await portal!.screenshot('investor-revoked');
    expect(portal!.consoleErrors).toEqual([]);
  });
});
