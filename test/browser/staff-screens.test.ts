import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectors } from 'playwright-core';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { fixtures, STAFF_PASSWORD } from './issuer-fixtures.js';

const ADMIN = { email: 'ops@platform.example', name: 'Olga Operator' };
const REVIEWER = { email: 'rita@cdd.example', name: 'Rita Reviewer', password: 'reviewer password 123' };

/** Operators run staff accounts and keys in the portal; issuers see what a destructive action does first. */
describe.skipIf(!hasChromium)('staff screens and confirmations with impact in Chromium', () => {
  let portal: Portal;
  let f: ReturnType<typeof fixtures>;
  let equityId: string;
  let plainDid: string;

  beforeAll(async () => {
    // The portal marks elements for tests with data-test.
    selectors.setTestIdAttribute('data-test');
    portal = await openPortal();
    portal.page.setDefaultTimeout(15_000);
    f = fixtures(portal);
    // The first operator is the only account made outside the portal.
    await f.call('POST', '/users', {
      email: ADMIN.email,
      password: STAFF_PASSWORD,
      displayName: ADMIN.name,
      roles: ['admin'],
    });
    const plain = await f.investor('Staffplain', 'US', false);
    plainDid = plain.did;
    const asset = await f.call('POST', '/assets', {
      name: 'Beta Common',
      ticker: 'BETA',
      assetType: 'EquityCommon',
      divisible: false,
    });
    await f.settle();
    equityId = asset.asset.id as string;
    await f.call('POST', `/assets/${equityId}/issue`, { amount: '50000' });
    await f.settle();
    const ownerDid = (await f.call('GET', `/assets/${equityId}`)).onChain.owner as string;
    const s = await f.call('POST', '/settlements', {
      settlementType: { type: 'SettleOnAffirmation' },
      legs: [
        {
          type: 'Fungible',
          from: { did: ownerDid },
          to: { did: plain.did },
          assetId: equityId,
          amount: '1200',
        },
      ],
    });
    await f.settle();
    await f.call('POST', `/settlements/${s.id}/affirm`, { identityId: plain.identityId });
    await f.settle();
  }, 120_000);
  afterAll(async () => {
    await portal?.close();
  });

  it('an operator creates a CDD reviewer with roles in the portal; the reviewer signs in and manages an API key', async () => {
    const { page, baseUrl } = portal;
    await f.login(ADMIN.email, STAFF_PASSWORD);
    await page.waitForURL(/\/admin\/users$/);
    const form = page.getByTestId('create-user');
    await form.getByLabel('Full name').fill(REVIEWER.name);
    await form.getByLabel('Work email').fill('not an email');
    await form.getByLabel('First password').fill(REVIEWER.password);
    await form.getByRole('button', { name: 'Create the account' }).click();
    await form.getByText('Pick at least one role.').waitFor();
    await form.getByLabel('CDD provider').check();
    await form.getByRole('button', { name: 'Create the account' }).click();
    // The server's refusal, in words next to the field.
    await form.getByText(/^Email must be an email address/).waitFor();
    await form.getByLabel('Work email').fill(REVIEWER.email);
    await form.getByRole('button', { name: 'Create the account' }).click();
    await page.getByTestId('users-notice').getByText(`${REVIEWER.name} can now sign in`).waitFor();
    await page.locator(`[data-test="user-${REVIEWER.email}"]`).getByText('CDD provider').waitFor();
    await portal.screenshot('staff-created');

    await f.login(REVIEWER.email, REVIEWER.password);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Key name').fill('KYC back office');
    await page.getByRole('button', { name: 'Create the key' }).click();
    await page
      .getByTestId('api-key-created')
      .getByText(/not shown again/)
      .waitFor();
    const row = page.getByTestId('api-keys').getByRole('row', { name: /KYC back office/ });
    await row.getByText('Active').waitFor();
    await row.getByRole('button', { name: 'Revoke KYC back office' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke KYC back office?' });
    await dialog.getByText(/is refused from its next request/).waitFor();
    await portal.screenshot('api-key-revoke-confirm');
    await dialog.getByRole('button', { name: 'Revoke the key' }).click();
    await row.getByText('Revoked').waitFor();
    expect(page.url()).toBe(`${baseUrl}/account/api-keys`);
    expect(portal.consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });

  it('an issuer sees whom a freeze stops and which holders a rule change would put out of compliance', async () => {
    const { page, baseUrl } = portal;
    portal.consoleErrors.length = 0;
    const issuer = await f.issuerUser('ivy@beta.example');
    await f.login(issuer.email, issuer.password);
    await page.goto(`${baseUrl}/issuer/assets/${equityId}`);

    await page.getByRole('button', { name: 'Freeze' }).click();
    const freeze = page.getByRole('dialog', { name: 'Freeze all transfers' });
    await freeze.getByText('1 holder (1,200 tokens) cannot move their tokens meanwhile.').waitFor();
    await portal.screenshot('issuer-freeze-confirm');
    await freeze.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Forced transfer' }).click();
    const force = page.getByRole('dialog', { name: 'Forced (controller) transfer' });
    await force.getByLabel('From holder').selectOption(plainDid);
    await force.getByLabel('Amount').fill('200');
    await force.getByText(/Takes 200 of .*1,200 tokens and moves them to the issuer/).waitFor();
    await force.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Set rules' }).click();
    await page.getByLabel(/^Reg D 506\(c\)/).check();
    await page.getByRole('button', { name: 'Apply rules' }).click();
    const change = page.getByRole('dialog', { name: 'Change the compliance rules' });
    await change.getByText('1 of 1 current holders would be out of compliance', { exact: false }).waitFor();
    await change.getByText(/staffplain.*holds 1,200.*is not accredited/i).waitFor();
    await portal.screenshot('issuer-rules-preview');
    await change.getByRole('button', { name: 'Apply the new rules' }).click();
    await portal.screenshot('issuer-rules-applying');
    await page
      .getByTestId('rules-summary')
      .getByText(/^Reg D 506\(c\)/)
      .waitFor({ timeout: 20_000 });
    // An asset without rules answers its rules request with 404 ("no rules yet"), which the page shows.
    expect(portal.consoleErrors.filter((e) => !/status of 404/.test(e))).toEqual([]);
  });
});
