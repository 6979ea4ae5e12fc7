import { generate } from 'otplib';
import { selectors } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../server/test/helpers.js';
import { signUp } from '../../server/test/mail-helpers.js';
import { hasChromium, mailedLink, openPortal, type Portal } from './harness.js';

const AUDITOR = { name: 'Grace Examiner', email: 'grace@audit.example', password: 'auditor password 123' };
const INVESTOR = {
  email: 'frank@investor.example',
  password: 'correct horse battery',
  displayName: 'Frank Holder',
};
const NEW_PASSWORD = 'a brand new password 42';

describe.skipIf(!hasChromium)('account basics in Chromium: two-factor sign-in and password reset', () => {
  let portal: Portal;
  beforeAll(async () => {
    selectors.setTestIdAttribute('data-test');
    portal = await openPortal({ config: { staffTwoFactor: 'required' } });
    portal.page.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await portal?.close();
  });

  const signIn = async (who: { email: string }, password: string) => {
    const { page, baseUrl } = portal;
    await page.goto(`${baseUrl}/login`);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  it('a staff user is sent to set up two-factor sign-in, enrols with the QR code, and signs in with a code', async () => {
    const { page, baseUrl } = portal;
    const created = await fetch(`${baseUrl}/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        email: AUDITOR.email,
        password: AUDITOR.password,
        displayName: AUDITOR.name,
        roles: ['auditor'],
      }),
    });
    expect(created.status).toBe(201);

    await signIn(AUDITOR, AUDITOR.password);
    await page.waitForURL(/\/account\/two-factor/);
    await page.getByTestId('two-factor-required').waitFor();
    await portal.screenshot('accounts-01-two-factor-required');

    await page.getByTestId('two-factor-start').click();
    const qr = page.getByAltText('QR code to add Stoa to your authenticator app');
    await qr.waitFor();
    expect(await qr.evaluate((img) => (img as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(100);
    const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await portal.screenshot('accounts-02-two-factor-qr');

    // A mistyped code is explained before anything is sent.
    await page.getByLabel('Code from the app').fill('123');
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.getByText('The code from your app has 6 digits (3 so far).').waitFor();

    await page.getByLabel('Code from the app').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    const codes = page.getByTestId('recovery-codes').locator('li');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    await portal.screenshot('accounts-03-recovery-codes');
    await page.getByTestId('two-factor-done').click();
    await page.waitForURL(/\/audit$/);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(AUDITOR, AUDITOR.password);
    await page.getByTestId('two-factor-step').waitFor();
    await portal.screenshot('accounts-04-two-factor-step');
    // The code that confirmed enrolment is spent: the next one is asked for.
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    await page.getByLabel('Code').fill(next);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/audit$/);
    await page.getByTestId('menu-two-factor').waitFor();
    await portal.screenshot('accounts-05-signed-in-with-code');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(portal.consoleErrors).toEqual([]);
  });

  it('an investor resets a forgotten password with the e-mailed link', async () => {
    const { page, baseUrl } = portal;
    expect((await signUp(portal.app, INVESTOR)).statusCode).toBe(201);

    await page.goto(`${baseUrl}/login`);
    await page.getByTestId('forgot-password').click();
    await page.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    await page.getByLabel('Email').fill(INVESTOR.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByTestId('reset-sent').waitFor();
    expect(await page.getByTestId('reset-sent').innerText()).toMatch(/^If an account uses that address/);
    await portal.screenshot('accounts-06-reset-requested');

    const link = await mailedLink(portal, INVESTOR.email, '/reset-password');
    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('New password, again').fill('not the same password');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText('The two passwords are not the same.').waitFor();
    await page.getByLabel('New password, again').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByTestId('reset-done').waitFor();
    await portal.screenshot('accounts-07-password-changed');

    // The link works once (opened afresh, as from the mail again).
    await page.goto(`${baseUrl}/`);
    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).fill('third password attempt');
    await page.getByLabel('New password, again').fill('third password attempt');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText(/This password reset link is not valid any more/).waitFor();
    await portal.screenshot('accounts-08-link-used');

    await signIn(INVESTOR, INVESTOR.password);
    await page.getByText('E-mail or password is wrong').waitFor();
    await signIn(INVESTOR, NEW_PASSWORD);
    await page.waitForURL((url) => url.pathname.startsWith('/investor'));
    await portal.screenshot('accounts-09-signed-in-with-new-password');
    // A refused link answers 400, which the browser logs as a failed request; nothing else.
    expect(portal.consoleErrors.filter((e) => !/status of 40[01]/.test(e))).toEqual([]);
  });
});
