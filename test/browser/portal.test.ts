import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, openPortal, type Portal } from './harness.js';

// Browser suites need Debian's Chromium (`apt-get install chromium`); CI installs it.
describe.skipIf(!hasChromium)('portal shell in Chromium', () => {
  let portal: Portal;
  beforeAll(async () => {
    portal = await openPortal();
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('serves the portal and shows live system status', async () => {
    const { page, baseUrl } = portal;
    await page.goto(`${baseUrl}/`);
    await expect(page.title()).resolves.toMatch(/Stoa/);
    await page
      .getByRole('link', { name: /status/i })
      .first()
      .click();
    await page.waitForURL(/\/status$/);
    await page.getByText('embedded', { exact: false }).first().waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toMatch(/database/i);
    expect(text).toMatch(/queue/i);
    expect(text).toMatch(/chain/i);
    await portal.screenshot('portal-status');
    expect(portal.consoleErrors).toEqual([]);
  });

  it('deep links into a portal route load the portal, not the API, and ask a guest to sign in', async () => {
    const { page, baseUrl } = portal;
    await page.goto(`${baseUrl}/cdd`);
    await page.waitForURL(/\/login\?redirect=(%2F|\/)cdd$/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await portal.screenshot('portal-cdd');
    expect(portal.consoleErrors).toEqual([]);
  });
});
