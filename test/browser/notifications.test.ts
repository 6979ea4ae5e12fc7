import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectors } from 'playwright-core';
import { notify } from '../../server/src/modules/notifications/notify.js';
import { applyAndSubmit, registerInvestor } from '../../server/test/onboarding-helpers.js';
import { hasChromium, openPortal, type Portal } from './harness.js';

const EMAIL = 'nora@investor.example';
const PASSWORD = 'correct horse battery';
const REVIEWER = {
  id: 'user:reviewer',
  userId: null,
  roles: ['cdd-provider' as const],
  kind: 'user' as const,
};

describe.skipIf(!hasChromium)('notifications in Chromium', () => {
  let portal: Portal;
  beforeAll(async () => {
    selectors.setTestIdAttribute('data-test');
    portal = await openPortal();
    portal.page.setDefaultTimeout(20_000);
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('an investor sees the bell count, reads the notice, follows its link, and the bell updates by itself', async () => {
    const { page, baseUrl, app } = portal;
    const investor = await registerInvestor(app, EMAIL);
    const id = await applyAndSubmit(app, investor.headers, 'Northcott');
    await app.infra.queue.drain();
    await app.investors.onboarding.decide(
      REVIEWER,
      id,
      'needs-more-info',
      'Please upload a clearer passport scan',
    );

    await page.goto(`${baseUrl}/login`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const bell = page.getByTestId('notification-bell');
    await expect.poll(() => page.getByTestId('notification-count').textContent()).toBe('1');
    expect(await bell.getAttribute('aria-label')).toBe('Notifications, 1 unread');
    await portal.screenshot('notifications-bell');

    await bell.click();
    await page.getByRole('heading', { name: 'Notifications' }).waitFor();
    const notice = page.getByTestId('notification').first();
    await expect.poll(() => notice.textContent()).toContain('We need more information from you');
    const text = (await notice.textContent()) ?? '';
    expect(text).toContain('“Please upload a clearer passport scan”');
    expect(text).toMatch(/Today, \d{1,2}:\d{2}/);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-|T\d{2}:\d{2}:\d{2}/);
    await portal.screenshot('notifications-page');

    await notice.getByRole('button', { name: 'Open' }).click();
    await page.waitForURL(`${baseUrl}/investor/onboarding`);
    await expect.poll(() => page.getByTestId('notification-count').count()).toBe(0);
    expect(await bell.getAttribute('aria-label')).toBe('Notifications, none unread');

    // A new event while the investor is in the portal: the bell counts it without a reload.
    await app.investors.onboarding.decide(
      REVIEWER,
      id,
      'rejected',
      'The documents do not match the name given',
    );
    await expect
      .poll(() => page.getByTestId('notification-count').textContent(), { timeout: 20_000 })
      .toBe('1');
    await bell.click();
    await expect
      .poll(() => page.getByTestId('notification').first().textContent())
      .toContain('Your application was not approved');
    await page.getByTestId('mark-all-read').click();
    await expect.poll(() => page.getByTestId('notification-count').count()).toBe(0);
    await page.getByText('You are up to date.').waitFor();

    // On the notifications page itself, a new notice appears by itself too.
    await app.infra.db.orm.em.fork().transactional((tx) =>
      notify(tx, {
        userId: investor.body.user.id as string,
        kind: 'deposit.credited',
        title: 'Your deposit arrived',
        message: 'Your deposit of 2,500 USDS was credited to your account.',
        link: '/investor/portfolio',
        dedupeKey: 'deposit.credited:browser-test',
      }),
    );
    await expect
      .poll(() => page.getByTestId('notification').first().textContent(), { timeout: 20_000 })
      .toContain('Your deposit of 2,500 USDS was credited');
    await expect.poll(() => page.getByTestId('notification-count').textContent()).toBe('1');
    await portal.screenshot('notifications-read');
    expect(portal.consoleErrors).toEqual([]);
  }, 90_000);
});
