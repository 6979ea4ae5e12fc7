import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { fixtures, INVESTOR_PASSWORD, STAFF_PASSWORD } from './issuer-fixtures.js';

const ADMIN = 'root@platform.example';
const ISSUER = 'issuer@acme.example';
const OPERATOR = 'ops@harbour.example';
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i;
const ISO_DATE = /\b\d{4}-\d{2}-\d{2}T/;

describe.skipIf(!hasChromium)('venues in Chromium', () => {
  let portal: Portal;
  let f: ReturnType<typeof fixtures>;
  let assetId: string;
  let investorEmail: string;

  /** What the page shows a person: no ids, no machine dates. */
  const readable = async (scope = 'main') => {
    const text = await portal.page.locator(scope).first().innerText();
    expect(UUID.exec(text)?.[0] ?? null).toBeNull();
    expect(ISO_DATE.exec(text)?.[0] ?? null).toBeNull();
  };

  beforeAll(async () => {
    portal = await openPortal();
    portal.page.setDefaultTimeout(15_000);

    f = fixtures(portal);
    const user = (email: string, roles: string[]) =>
      f.call('POST', '/users', { email, password: STAFF_PASSWORD, displayName: email, roles });
    await user(ADMIN, ['admin']);
    await user(ISSUER, ['issuer-admin', 'compliance-officer']);
    await user(OPERATOR, ['venue-operator']);
    const created = await f.call('POST', '/assets', {
      name: 'Acme Common',
      assetType: 'EquityCommon',
      divisible: false,
    });
    assetId = created.asset.id as string;
    await f.settle();
    await f.call('PUT', `/assets/${assetId}/rules`, { templates: [{ template: 'reg-d-506c' }] });
    investorEmail = (await f.investor('Vera', 'US', true)).email;
    await f.settle();
  }, 180_000);
  afterAll(async () => {
    await portal?.close();
  });

  it('an administrator registers an external venue and sees it created on chain', async () => {
    const { page, baseUrl } = portal;
    await f.login(ADMIN, STAFF_PASSWORD);
    await page.goto(`${baseUrl}/admin/venues`);
    // The platform ATS came with the first asset.
    await page.locator('[data-venue="Stoa ATS"]').getByText('On chain').waitFor();
    await page.getByLabel('Venue name').fill('Harbour ATS');
    await page.getByLabel('Licensed organisation').fill('Harbour Securities LLC');
    await page.getByLabel("Operator's e-mail address").fill(OPERATOR);
    await page.getByRole('button', { name: 'Register the venue' }).click();
    await page.getByText('Harbour ATS is being created on chain.').waitFor();
    await f.settle();
    await page.reload();
    const row = page.locator('[data-venue="Harbour ATS"]');
    await row.getByText('On chain').waitFor();
    await row.getByText(OPERATOR).waitFor();
    expect(Number(await row.locator('[data-test="chain-venue"]').textContent())).toBeGreaterThan(0);
    await portal.screenshot('venues-admin');
    await readable();
    expect(portal.consoleErrors).toEqual([]);
  });

  it("the venue's operator sets its webhook, sees the secret once and rotates it after a confirmation", async () => {
    const { page } = portal;
    await f.login(OPERATOR, STAFF_PASSWORD);
    await page.waitForURL(/\/operator\/venue$/);
    await page.getByRole('heading', { name: 'Harbour ATS' }).waitFor();
    await page.getByText('Nothing sent yet.').waitFor();
    await page.getByLabel('Webhook URL').fill('https://hooks.harbour.example/stoa');
    await page.getByRole('button', { name: 'Save the URL' }).click();
    const first = (await page.locator('[data-test="secret"] code').textContent())!;
    expect(first).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Rotate the secret' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the webhook secret' });
    await dialog.getByText(/the current one stops verifying at once/).waitFor();
    await portal.screenshot('venues-operator-rotate');
    await dialog.getByRole('button', { name: 'Rotate the secret' }).click();
    await page.locator('[data-test="secret"] code').filter({ hasNotText: first }).waitFor();
    expect(await page.locator('[data-test="secret"] code').textContent()).toMatch(/^whsec_/);
    await page.reload();
    // Shown once: after a reload the secret is gone, the URL stays.
    await page.getByLabel('Webhook URL').waitFor();
    expect(await page.getByLabel('Webhook URL').inputValue()).toBe('https://hooks.harbour.example/stoa');
    expect(await page.locator('[data-test="secret"]').count()).toBe(0);
    await portal.screenshot('venues-operator');
    await readable();
    expect(portal.consoleErrors).toEqual([]);
  });

  it('the issuer approves the venue for an asset, halts trading with a reason and resumes it', async () => {
    const { page, baseUrl } = portal;
    await f.login(ISSUER, STAFF_PASSWORD);
    await page.goto(`${baseUrl}/issuer/assets/${assetId}`);
    const card = page.locator('[data-test="asset-venues"]');
    await card.getByText('Only the venues you approve can settle Acme Common on chain.').waitFor();
    const harbour = card.locator('[data-venue="Harbour ATS"]');
    await harbour.getByText('Not approved').waitFor();
    await card.locator('[data-venue="Stoa ATS"]').getByText('Approved', { exact: true }).waitFor();

    await harbour.getByRole('button', { name: 'Approve' }).click();
    const approve = page.getByRole('dialog', { name: 'Approve Harbour ATS' });
    await approve.getByText('Harbour ATS is allowed on chain to settle Acme Common.').waitFor();
    await approve.getByRole('button', { name: 'Approve the venue' }).click();
    await f.settle();
    await page.reload();
    await harbour.getByText('Approved', { exact: true }).waitFor();
    await harbour.getByText(/^since /).waitFor();

    await harbour.getByRole('button', { name: 'Revoke' }).click();
    const revoke = page.getByRole('dialog', { name: 'Revoke Harbour ATS' });
    await revoke
      .getByText('Harbour ATS is disallowed on chain: it can no longer settle Acme Common.')
      .waitFor();
    await revoke.getByText('No trades are waiting to settle there now.').waitFor();
    await portal.screenshot('venues-revoke-confirm');
    await revoke.getByRole('button', { name: 'Cancel' }).click();

    const trading = card.locator('[data-test="trading"]');
    await trading.getByText('Trading is open.').waitFor();
    await trading.getByRole('button', { name: 'Halt trading' }).click();
    const halt = page.getByRole('dialog', { name: 'Halt trading in Acme Common' });
    await halt.getByText(/No venue can settle new trades in Acme Common/).waitFor();
    await halt.getByLabel('Reason').fill('Material news pending');
    await portal.screenshot('venues-halt-confirm');
    await halt.getByRole('button', { name: 'Halt trading' }).click();
    await trading.locator('[data-test="halted"]').getByText('Material news pending').waitFor();
    await portal.screenshot('venues-halted');

    await trading.getByRole('button', { name: 'Resume trading' }).click();
    await page
      .getByRole('dialog', { name: 'Resume trading in Acme Common' })
      .getByRole('button', { name: 'Resume trading' })
      .click();
    await trading.getByText('Trading is open.').waitFor();

    await trading.getByLabel('Time zone').fill('Mars/Olympus');
    await trading.getByRole('button', { name: 'Set the trading window' }).click();
    await trading.getByText(/"Mars\/Olympus" is not a time zone/).waitFor();
    await trading.getByLabel('Time zone').fill('America/New_York');
    await trading.getByRole('button', { name: 'Set the trading window' }).click();
    await trading.getByText('Trades settle from 09:30 to 16:00, America/New_York time, every day.').waitFor();
    await portal.screenshot('venues-asset');
    await readable('[data-test="asset-venues"]');
    // The refused time zone answered 400, which the browser logs; nothing else went wrong.
    expect(portal.consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    portal.consoleErrors.length = 0;

    const audit = await f.call('GET', `/audit?subjectId=${assetId}&action=trading.`);
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual([
      'trading.halted',
      'trading.resumed',
      'trading.window-set',
    ]);
  });

  it('an investor lets the venue settle for them, after a confirmation of what it means', async () => {
    const { page, baseUrl } = portal;
    await f.login(investorEmail, INVESTOR_PASSWORD);
    await page.goto(`${baseUrl}/investor/venues`);
    const row = page.locator('[data-venue="Harbour ATS"]');
    await row.getByText('No', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Allow' }).click();
    const dialog = page.getByRole('dialog', { name: 'Let Harbour ATS settle for you' });
    await dialog.getByText(/we affirm it in your name/).waitFor();
    await portal.screenshot('venues-investor-confirm');
    await dialog.getByRole('button', { name: 'Allow it' }).click();
    await row.getByText('Yes', { exact: true }).waitFor();
    await portal.screenshot('venues-investor');
    await readable();
    expect(portal.consoleErrors).toEqual([]);
  });
});
