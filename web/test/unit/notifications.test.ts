import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../../src/api/client';
import { apiClientKey } from '../../src/api/useApi';
import NotificationsView from '../../src/notifications/NotificationsView.vue';
import { useNotificationsStore } from '../../src/notifications/notificationsStore';
import { badgeText, noticeTime, portalLink, unreadLabel } from '../../src/notifications/notifications';
import { jsonResponse } from './fixtures';

const note = (id: string, readAt: string | null = null) => ({
  id,
  kind: 'subscription.settled',
  title: 'Your subscription to Gamma Seed settled',
  message: 'Your subscription to Gamma Seed settled: 1,500 GAMMA for 3,000 USDS.',
  link: '/investor/portfolio',
  data: {},
  createdAt: '2026-12-01T09:30:00.000Z',
  readAt,
  email: 'sent' as const,
});

describe('notification words', () => {
  it('labels the bell for screen readers and caps the badge', () => {
    expect(unreadLabel(0)).toBe('Notifications, none unread');
    expect(unreadLabel(3)).toBe('Notifications, 3 unread');
    expect(badgeText(7)).toBe('7');
    expect(badgeText(250)).toBe('99+');
  });

  it('says today or yesterday in local time, a local date otherwise', () => {
    const now = new Date(2026, 11, 1, 18, 0);
    expect(noticeTime(new Date(2026, 11, 1, 9, 5).toISOString(), now, 'en-GB')).toBe('Today, 09:05');
    expect(noticeTime(new Date(2026, 10, 30, 23, 59).toISOString(), now, 'en-GB')).toBe('Yesterday, 23:59');
    expect(noticeTime(new Date(2026, 10, 2, 8, 0).toISOString(), now, 'en-GB')).toBe('2 Nov 2026, 08:00');
  });

  it('follows only links into the portal', () => {
    expect(portalLink('/investor/portfolio')).toBe('/investor/portfolio');
    expect(portalLink('//evil.example/x')).toBeNull();
    expect(portalLink('https://evil.example')).toBeNull();
    expect(portalLink(null)).toBeNull();
  });
});

describe('NotificationsView', () => {
  it('lists notices, marks one read and then all read, updating the unread count', async () => {
    const calls: string[] = [];
    const fetch = vi.fn(async (req: Request) => {
      const url = new URL(req.url);
      calls.push(`${req.method} ${url.pathname}`);
      if (url.pathname === '/notifications')
        return jsonResponse({
          items: [note('a'), note('b')],
          total: 2,
          unreadCount: 2,
          limit: 20,
          offset: 0,
        });
      if (url.pathname === '/notifications/a/read')
        return jsonResponse(note('a', '2026-12-01T10:00:00.000Z'));
      if (url.pathname === '/notifications/unread-count') return jsonResponse({ unreadCount: 1 });
      if (url.pathname === '/notifications/read-all') return jsonResponse({ marked: 1, unreadCount: 0 });
      return jsonResponse({}, 404);
    });
    const wrapper = mount(NotificationsView, {
      global: {
        plugins: [createPinia()],
        provide: { [apiClientKey]: createApiClient({ baseUrl: 'http://stoa.test', fetch }) },
        stubs: { RouterLink: true },
        mocks: { $router: { push: vi.fn() } },
      },
    });
    await flushPromises();
    expect(wrapper.findAll('[data-test="notification"]')).toHaveLength(2);
    expect(wrapper.text()).toContain('You have 2 unread notifications.');
    expect(wrapper.text()).toContain('1,500 GAMMA for 3,000 USDS');

    const markOne = wrapper.findAll('button').find((b) => b.text() === 'Mark as read')!;
    await markOne.trigger('click');
    await flushPromises();
    expect(wrapper.text()).toContain('You have 1 unread notification.');
    expect(wrapper.findAll('.notices__item--unread')).toHaveLength(1);

    await wrapper.get('[data-test="mark-all-read"]').trigger('click');
    await flushPromises();
    expect(wrapper.text()).toContain('You are up to date.');
    expect(wrapper.findAll('.notices__item--unread')).toHaveLength(0);
    expect(calls).toEqual([
      'GET /notifications',
      'POST /notifications/a/read',
      'GET /notifications/unread-count',
      'POST /notifications/read-all',
    ]);
  });

  it('loads the list again when the bell’s poll counts a notice it does not show', async () => {
    let listed = 0;
    const fetch = vi.fn(async (_req: Request) => {
      listed++;
      const items = listed === 1 ? [note('a')] : [note('c'), note('a')];
      return jsonResponse({ items, total: items.length, unreadCount: items.length, limit: 20, offset: 0 });
    });
    const pinia = createPinia();
    const wrapper = mount(NotificationsView, {
      global: {
        plugins: [pinia],
        provide: { [apiClientKey]: createApiClient({ baseUrl: 'http://stoa.test', fetch }) },
        stubs: { RouterLink: true },
      },
    });
    await flushPromises();
    expect(wrapper.findAll('[data-test="notification"]')).toHaveLength(1);
    useNotificationsStore(pinia).unreadCount = 2;
    await flushPromises();
    expect(listed).toBe(2);
    expect(wrapper.findAll('[data-test="notification"]')).toHaveLength(2);
  });
});
