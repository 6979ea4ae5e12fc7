import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectors } from 'playwright-core';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { fillWizard, signUpAndConfirm, type Applicant } from './wizard.js';

// "Fred Redford": a surname the old sandbox read as a RED verdict; the scenario decides now.
const FRED: Applicant = {
  first: 'Fred',
  last: 'Redford',
  email: 'fred@investor.example',
  password: 'correct horse battery',
  investorType: 'accredited',
  income: '250000',
  netWorth: '1500000',
  qualifies: 'income',
};

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
    const { page } = portal;
    await signUpAndConfirm(portal, FRED);
    await fillWizard(page, FRED);

    // Sandbox mode: the scenario picker is there, with every scenario.
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
