import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectors } from 'playwright-core';
import { sandboxWebhook } from '../../server/src/modules/kyc/sandbox.js';
import { hasChromium, mailedLink, openPortal, type Portal } from './harness.js';
import { createStaff, PDF, PNG, signIn, signOut } from './wizard.js';

const INVESTOR = {
  name: 'Alice Investor',
  email: 'alice@investor.example',
  password: 'correct horse battery',
};
const REVIEWER = { name: 'Carol Checker', email: 'carol@cdd.example', password: 'reviewer password 123' };
const AUDITOR = { name: 'Dan Examiner', email: 'dan@audit.example', password: 'auditor password 123' };

describe.skipIf(!hasChromium)('investor onboarding and CDD attestation in Chromium', () => {
  let portal: Portal;
  beforeAll(async () => {
    // The portal marks elements for tests with data-test.
    selectors.setTestIdAttribute('data-test');
    portal = await openPortal();
    portal.page.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('an investor signs up and onboards, passes sandbox KYC, is attested from the CDD console and sees the DID', async () => {
    const { page, baseUrl, env } = portal;

    // Sign up, then open the mailed confirmation link: lands in the onboarding wizard.
    await page.goto(`${baseUrl}/signup`);
    await page.getByLabel('Full name').fill(INVESTOR.name);
    await page.getByLabel('Email').fill(INVESTOR.email);
    await page.getByLabel('Password').fill(INVESTOR.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Check your e-mail').waitFor();
    await page.goto(await mailedLink(portal, INVESTOR.email, '/verify-email'));
    await page.getByRole('heading', { name: 'Personal data' }).waitFor();

    // Step 1: personal data, jurisdiction and investor type.
    await page.getByLabel('First name').fill('Alice');
    await page.getByLabel('Last name').fill('Investor');
    await page.getByLabel('Date of birth').fill('1980-02-03');
    await page.getByLabel('Street address').fill('1 Main St');
    await page.getByLabel('City').fill('Austin');
    await page.getByLabel('Postal code').fill('78701');
    await page.getByLabel('Country', { exact: true }).selectOption('US');
    await page.getByLabel('Country of residence').selectOption('US');
    await page.getByLabel('Citizenship').selectOption('US');
    await page.getByLabel('Tax residency').selectOption('US');
    await page.getByLabel('Investor type').selectOption('accredited');
    await page.getByRole('button', { name: 'Save and continue' }).click();

    // Step 2: documents, uploaded with progress and listed once stored.
    await page.getByRole('heading', { name: 'Documents' }).waitFor();
    await page
      .getByLabel('Identity document')
      .setInputFiles({ name: 'passport.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByText('passport.pdf').waitFor();
    await page
      .getByLabel('Proof of address')
      .setInputFiles({ name: 'utility-bill.png', mimeType: 'image/png', buffer: PNG });
    await page.getByText('utility-bill.png').waitFor();
    await page
      .getByTestId('document-usage')
      .getByText(/2 of 20 documents, \d+ B of 50 MB used\./)
      .waitFor();
    // A file over the cap is refused in words before it is sent.
    await page.getByLabel('Proof of address').setInputFiles({
      name: 'scan-600dpi.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.concat([PDF, Buffer.alloc(11 * 1024 * 1024)]),
    });
    await page
      .getByRole('alert')
      .getByText('scan-600dpi.pdf is 11 MB; the largest file accepted is 10 MB. Upload a smaller scan.')
      .waitFor();
    await portal.screenshot('onboarding-documents-cap');
    await page.getByRole('button', { name: 'Continue' }).click();

    // Step 3: accreditation evidence.
    await page.getByRole('heading', { name: 'Accreditation' }).waitFor();
    await page.getByLabel('Annual income').fill('250000');
    await page.getByLabel('Net worth').fill('1500000');
    await page.getByLabel('How you qualify').selectOption('income');
    await page
      .getByLabel('Accreditation evidence')
      .setInputFiles({ name: 'w2.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByText('w2.pdf').waitFor();
    await portal.screenshot('onboarding-accreditation');
    await page.getByRole('button', { name: 'Save and continue' }).click();

    // Step 4: review and submit, which hands over to the sandbox KYC provider.
    await page.getByRole('heading', { name: 'Review and submit' }).waitFor();
    await page.getByRole('button', { name: 'Submit application' }).click();
    await page.getByText('Application submitted').waitFor();
    await expect(page.getByTestId('kyc-provider').innerText()).resolves.toBe(
      'Sandbox (test verification service)',
    );

    // The sandbox vendor reports GREEN through its signed webhook.
    const applicationId = await page.evaluate(async () => {
      const res = await fetch('/onboarding/applications?limit=1&offset=0');
      return ((await res.json()) as { items: { id: string }[] }).items[0]!.id;
    });
    const signed = sandboxWebhook(env.config.kyc.sandboxWebhookSecret!, {
      applicationId,
      scenario: 'clear',
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

    // A CDD provider, created by the operator, reviews and attests.
    await createStaff(baseUrl, REVIEWER, 'cdd-provider');
    await signIn(page, baseUrl, REVIEWER);
    await page.getByRole('heading', { name: 'Review queue' }).waitFor();
    await page.getByRole('link', { name: 'Alice Investor' }).click();

    await page.getByRole('button', { name: /Open Identity document/ }).click();
    await page.getByTestId('document-viewer').getByText('this access is audited').waitFor();
    await page.getByText('Integrity verified').waitFor();

    await page.getByRole('button', { name: 'Verify accreditation' }).click();
    await page.getByLabel('Evidence reviewed').fill('W-2 forms for 2024 and 2025 reviewed');
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await page.getByText('Accreditation verified.').waitFor();

    await page.getByRole('button', { name: 'Attest', exact: true }).click();
    await page.getByRole('button', { name: 'Attest on chain' }).click();
    await page.getByTestId('operation-status').getByText('Finalised').first().waitFor();
    await page.getByTestId('application-status').getByText('Attested').waitFor();
    await portal.screenshot('cdd-attested');
    await signOut(page);

    // The investor sees the attestation and the new identity with its DID.
    await signIn(page, baseUrl, INVESTOR);
    await page.getByTestId('application-status').getByText('Attested').waitFor();
    const did = page.getByTestId('identity-did');
    await did.getByText(/^0x[0-9a-f]{64}$/).waitFor();
    await page.getByText('In good standing').waitFor();
    await portal.screenshot('investor-attested');
    await page.setViewportSize({ width: 390, height: 844 });
    await portal.screenshot('investor-attested-mobile');
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(portal.consoleErrors).toEqual([]);
  });

  it('an auditor searches the audit trail and sees the attestation and the audited document access', async () => {
    const { page, baseUrl } = portal;
    await signOut(page);
    await createStaff(baseUrl, AUDITOR, 'auditor');
    await signIn(page, baseUrl, AUDITOR);
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await page.getByLabel('Action').fill('document.');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('cell', { name: 'document.accessed' }).first().waitFor();
    await page.getByLabel('Action').fill('cdd.');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('cell', { name: 'cdd.attested' }).waitFor();
    await page.getByRole('button', { name: 'Verify against the chain' }).click();
    await page.getByTestId('audit-verification').getByText('The audit trail is intact').waitFor();
    await page.getByText(/The hash chain links all \d+ entries/).waitFor();
    await portal.screenshot('audit-trail');
    expect(portal.consoleErrors).toEqual([]);
  });
});
