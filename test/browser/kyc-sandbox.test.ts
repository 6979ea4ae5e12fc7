import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectors } from 'playwright-core';
import { hasChromium, openPortal, type Portal } from './harness.js';

const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** Sandbox mode in the portal: the applicant picks the verdict, and it arrives with nobody's help. */
describe.skipIf(!hasChromium)('sandbox KYC verdict in Chromium', () => {
  let portal: Portal;
  beforeAll(async () => {
    selectors.setTestIdAttribute('data-test');
    portal = await openPortal({ kyc: { sandboxDelayMs: 1500 } });
    portal.page.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('an applicant picks "Clear" in the wizard and sees the verdict arrive by itself', async () => {
    const { page, baseUrl } = portal;
    await page.goto(`${baseUrl}/signup`);
    await page.getByLabel('Full name').fill('Fred Redford');
    await page.getByLabel('Email').fill('fred@investor.example');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Personal data' }).waitFor();

    await page.getByLabel('First name').fill('Fred');
    await page.getByLabel('Last name').fill('Redford');
    await page.getByLabel('Date of birth').fill('1975-06-01');
    await page.getByLabel('Street address').fill('2 Elm St');
    await page.getByLabel('City').fill('Denver');
    await page.getByLabel('Postal code').fill('80202');
    await page.getByLabel('Country', { exact: true }).selectOption('US');
    await page.getByLabel('Country of residence').selectOption('US');
    await page.getByLabel('Citizenship').selectOption('US');
    await page.getByLabel('Tax residency').selectOption('US');
    await page.getByLabel('Investor type').selectOption('accredited');
    await page.getByRole('button', { name: 'Save and continue' }).click();

    await page.getByRole('heading', { name: 'Documents' }).waitFor();
    await page
      .getByLabel('Identity document')
      .setInputFiles({ name: 'passport.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByText('passport.pdf').waitFor();
    await page
      .getByLabel('Proof of address')
      .setInputFiles({ name: 'utility-bill.png', mimeType: 'image/png', buffer: PNG });
    await page.getByText('utility-bill.png').waitFor();
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('heading', { name: 'Accreditation' }).waitFor();
    await page.getByLabel('Annual income').fill('250000');
    await page.getByLabel('Net worth').fill('1500000');
    await page.getByLabel('How you qualify').selectOption('income');
    await page
      .getByLabel('Accreditation evidence')
      .setInputFiles({ name: 'w2.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByText('w2.pdf').waitFor();
    await page.getByRole('button', { name: 'Save and continue' }).click();

    // Sandbox mode: the scenario picker is there, with every scenario.
    await page.getByRole('heading', { name: 'Review and submit' }).waitFor();
    const picker = page.getByTestId('sandbox-scenarios');
    await picker.waitFor();
    for (const s of ['clear', 'rejected', 'retry', 'sanctions', 'pep']) {
      await page.getByTestId(`scenario-${s}`).waitFor();
    }
    await page.getByRole('radio', { name: /Clear/ }).check();
    await portal.screenshot('kyc-sandbox-scenario');
    await page.getByRole('button', { name: 'Submit application' }).click();

    // Nobody sends a webhook: the page waits, then shows the sandbox's verdict.
    await page.getByText('Application submitted').waitFor();
    await page.getByTestId('kyc-waiting').waitFor();
    await portal.screenshot('kyc-sandbox-waiting');
    await page.getByTestId('kyc-verdict').getByText('Your identity check passed').waitFor();
    await expect(page.getByTestId('kyc-status').innerText()).resolves.toBe('Passed');
    await portal.screenshot('kyc-sandbox-verdict');

    // The status page says the same.
    await page.getByRole('link', { name: 'Follow your application' }).click();
    await page.getByText('In review').first().waitFor();
    expect(portal.consoleErrors).toEqual([]);
  });
});
