import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth } from '../../server/test/helpers.js';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { fixtures, STAFF_PASSWORD } from './issuer-fixtures.js';

const ADMIN = { email: 'root@platform.example', name: 'Ada Admin' };
const BOB = { email: 'bob@acme.example', name: 'Bob Stone' };

describe.skipIf(!hasChromium)('user administration in Chromium', () => {
  let portal: Portal;
  let f: ReturnType<typeof fixtures>;
  let bobId: string;
  /** Everything Bob signed in with before he was disabled: three sessions and two API keys. */
  let bobCredentials: Record<string, string>[];

  const createUser = (who: { email: string; name: string }, roles: string[]) =>
    f.call('POST', '/users', { email: who.email, password: STAFF_PASSWORD, displayName: who.name, roles });
  const apiLogin = async (email: string) =>
    portal.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password: STAFF_PASSWORD } });
  const me = async (headers: Record<string, string>) =>
    (await portal.app.inject({ method: 'GET', url: '/auth/me', headers })).statusCode;

  beforeAll(async () => {
    portal = await openPortal();
    portal.page.setDefaultTimeout(15_000);
    f = fixtures(portal);
    await createUser(ADMIN, ['admin']);
    bobId = (await createUser(BOB, ['issuer-admin', 'compliance-officer'])).id;
    const sessions = [];
    for (let i = 0; i < 3; i++)
      sessions.push({ authorization: `Bearer ${(await apiLogin(BOB.email)).json().token}` });
    const keys = [];
    for (const name of ['cap table export', 'surveillance'])
      keys.push({
        'x-api-key': (await f.call('POST', '/auth/api-keys', { name }, sessions[0])).token as string,
      });
    bobCredentials = [...sessions, ...keys];
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('an administrator disables a user after a confirmation that states what stops, and it stops at once', async () => {
    const { page } = portal;
    await f.login(ADMIN.email, STAFF_PASSWORD);
    await page.waitForURL(/\/admin\/users$/);
    const row = page.locator(`[data-test="user-${BOB.email}"]`);
    await row.getByText('Issuer administrator, Compliance officer').waitFor();
    await row.getByText('3 sessions · 2 API keys').waitFor();
    await portal.screenshot('users-list');

    await page.getByRole('button', { name: `Disable ${BOB.name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Disable ${BOB.name}?` });
    await dialog.getByText("Bob Stone's 3 sessions and 2 API keys stop working at once.").waitFor();
    await dialog.getByText(/enabling does not bring back ended sessions or API keys/).waitFor();
    await portal.screenshot('users-disable-confirm');
    // The reason is required: without one, nothing is sent.
    await dialog.getByRole('button', { name: 'Disable the account' }).click();
    expect(await dialog.isVisible()).toBe(true);
    for (const h of bobCredentials) expect(await me(h)).toBe(200);

    await dialog.getByLabel('Reason (recorded in the audit trail)').fill('Left Acme on 30 November');
    await dialog.getByRole('button', { name: 'Disable the account' }).click();
    await page
      .locator('[data-test="users-notice"]')
      .getByText("Bob Stone's account is disabled. Ended: 3 sessions and 2 API keys.")
      .waitFor();
    await row.getByText('Disabled', { exact: true }).waitFor();
    await row.getByText(/Left Acme on 30 November/).waitFor();
    await row.getByText('not signed in').waitFor();
    for (const h of bobCredentials) expect(await me(h)).toBe(401);
    await portal.screenshot('users-disabled');
    expect(portal.consoleErrors).toEqual([]);
  });

  it('the disabled user is told so when signing in', async () => {
    const { page, baseUrl } = portal;
    await page.context().clearCookies();
    await page.evaluate('localStorage.clear()');
    await page.goto(`${baseUrl}/login`);
    await page.getByLabel('Email').fill(BOB.email);
    await page.getByLabel('Password').fill(STAFF_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByText('Your account is disabled; ask an administrator of the platform to enable it')
      .waitFor();
    expect(page.url()).toMatch(/\/login$/);
    await portal.screenshot('users-disabled-sign-in');
    // The refused sign-in answered 403, which the browser logs; nothing else went wrong.
    expect(portal.consoleErrors.filter((e) => !/status of 403/.test(e))).toEqual([]);
    portal.consoleErrors.length = 0;
  });

  it('enabling brings back sign-in but not the old credentials; removing a role ends the new session', async () => {
    const { page } = portal;
    await f.login(ADMIN.email, STAFF_PASSWORD);
    await page.getByRole('button', { name: `Enable ${BOB.name}` }).click();
    const enable = page.getByRole('dialog', { name: `Enable ${BOB.name}?` });
    await enable.getByText(/stay ended/).waitFor();
    await enable.getByLabel('Reason (recorded in the audit trail)').fill('Rehired as issuer administrator');
    await enable.getByRole('button', { name: 'Enable the account' }).click();
    await page.getByText("Bob Stone's account is enabled.").waitFor();
    for (const h of bobCredentials) expect(await me(h)).toBe(401);

    const fresh = { authorization: `Bearer ${(await apiLogin(BOB.email)).json().token}` };
    expect(await me(fresh)).toBe(200);
    await page.reload();
    const row = page.locator(`[data-test="user-${BOB.email}"]`);
    await row.getByText('1 session', { exact: true }).waitFor();
    await page.getByRole('button', { name: `Edit roles of ${BOB.name}` }).click();
    const roles = page.getByRole('dialog', { name: `Roles of ${BOB.name}` });
    await roles.getByLabel('Compliance officer').uncheck();
    await roles.getByText('Bob Stone loses: Compliance officer.').waitFor();
    await roles
      .getByText("Bob Stone's 1 session ends at once; they sign in again and get the new roles.")
      .waitFor();
    await portal.screenshot('users-roles-confirm');
    await roles.getByLabel('Reason (recorded in the audit trail)').fill('No longer on the compliance desk');
    await roles.getByRole('button', { name: 'Save the roles' }).click();
    await page.getByText("Bob Stone's roles are changed. Ended: 1 session.").waitFor();
    await row.getByText('Issuer administrator', { exact: true }).waitFor();
    expect(await me(fresh)).toBe(401);
    const again = (await apiLogin(BOB.email)).json();
    expect(again.user.roles).toEqual(['issuer-admin']);

    const audit = await f.call('GET', `/audit?subjectId=${bobId}&limit=50`, undefined, auth);
    const actions = audit.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.disabled', 'user.enabled', 'user.roles-changed']));
    await portal.screenshot('users-roles-changed');
    expect(portal.consoleErrors).toEqual([]);
  });
});
