import { selectors } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, openPortal, type Portal } from './harness.js';
import { fixtures } from './issuer-fixtures.js';

/**
 * The issuer's cap table over time: a checkpoint taken in the portal keeps the balances of its
 * moment while trades go on, and its percentages add up to exactly 100.00.
 */
describe.skipIf(!hasChromium)('cap table at a checkpoint, in Chromium', () => {
  let portal: Portal;
  let f: ReturnType<typeof fixtures>;
  let assetId: string;

  beforeAll(async () => {
    selectors.setTestIdAttribute('data-test');
    portal = await openPortal();
    f = fixtures(portal);
    // Three investors holding 1,000 each of an equity (set up as the other issuer journeys do).
    const created = await f.call('POST', '/assets', {
      name: 'Delta Shares',
      ticker: 'DELTA',
      assetType: 'EquityCommon',
      divisible: false,
    });
    await f.settle();
    assetId = created.asset.id as string;
    await f.call('POST', `/assets/${assetId}/issue`, { amount: '3000' });
    await f.settle();
    const owner = (await f.call('GET', `/assets/${assetId}`)).onChain.owner as string;
    for (const [name, country] of [
      ['Amelie', 'FR'],
      ['Bastian', 'DE'],
      ['Carla', 'US'],
    ] as const) {
      const inv = await f.investor(name, country, false);
      const s = await f.call('POST', '/settlements', {
        settlementType: { type: 'SettleOnAffirmation' },
        legs: [{ type: 'Fungible', from: { did: owner }, to: { did: inv.did }, assetId, amount: '1000' }],
      });
      await f.settle();
      await f.call('POST', `/settlements/${s.id}/affirm`, { identityId: inv.identityId });
      await f.settle();
    }
  }, 240_000);
  afterAll(async () => {
    await portal?.close();
  });

  it('the issuer takes a checkpoint, issues more, and the checkpoint still shows the balances of its time', async () => {
    const { page, baseUrl } = portal;
    const issuer = await f.issuerUser('issuer@delta.example');
    await f.login(issuer.email, issuer.password);
    await page.goto(`${baseUrl}/issuer/assets/${assetId}`);
    const table = page.getByTestId('cap-table');
    await table.getByText('amelie@investor.example').waitFor();
    await expect(page.getByTestId('cap-total-percent').textContent()).resolves.toBe('100.00%');

    await page.getByRole('button', { name: 'Take a checkpoint now' }).click();
    await page.getByText('The chain records the balance of every holder of Delta Shares (3 now)').waitFor();
    await page.getByRole('button', { name: 'Take the checkpoint' }).click();
    await page.getByTestId('operation-status').getByText('Finalised').first().waitFor({ timeout: 20_000 });
    await page
      .getByTestId('cap-summary')
      .getByText(/Balances at checkpoint 1, taken/)
      .waitFor();

    // Trading goes on: 7,000 more issued to the issuer.
    await page.getByRole('button', { name: 'Issue', exact: true }).click();
    await page.getByRole('dialog').getByLabel('Amount').fill('7000');
    await page.getByRole('button', { name: 'Issue the tokens' }).click();
    await page.getByText('Issue tokens').first().waitFor();
    await page.getByTestId('operation-status').getByText('Finalised').nth(1).waitFor({ timeout: 20_000 });

    // Now: the issuer holds 7,000 of 10,000.
    await page.getByLabel('As of').selectOption('now');
    await page
      .getByTestId('cap-summary')
      .getByText(/Current balances: 4 holders/)
      .waitFor();
    await table.getByText('70.00%').waitFor();
    await expect(page.getByTestId('cap-total-percent').textContent()).resolves.toBe('100.00%');

    // At checkpoint 1: three holders of 1,000, 33.34 + 33.33 + 33.33 = 100.00.
    await page.getByLabel('As of').selectOption('1');
    await page
      .getByTestId('cap-summary')
      .getByText(/Balances at checkpoint 1, taken .*: 3 holders/)
      .waitFor();
    const cells = await table.locator('tbody tr td:last-child').allTextContents();
    expect(cells).toEqual(['33.34%', '33.33%', '33.33%']);
    await expect(page.getByTestId('cap-total-percent').textContent()).resolves.toBe('100.00%');
    await expect(table.getByText('1,000').count()).resolves.toBe(3);
    await page.getByText('France (1)').first().waitFor();
    await portal.screenshot('cap-table-checkpoint');

    const download = page.waitForEvent('download');
    await page.getByTestId('cap-export').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('cap-table-Delta-Shares-checkpoint-1.csv');
    expect(portal.consoleErrors).toEqual([]);
  }, 120_000);
});
