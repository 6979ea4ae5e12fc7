import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { createApp } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../../src/api/client';
import { apiClientKey } from '../../src/api/useApi';
import { useSubmit } from '../../src/api/useSubmit';
import LoginView from '../../src/auth/LoginView.vue';
import { useSessionStore } from '../../src/auth/sessionStore';
import { jsonResponse } from './fixtures';

const user = {
  id: 'u0000000-0000-4000-8000-000000000001',
  email: 'carol@cdd.example',
  displayName: 'Carol',
  roles: ['cdd-provider'],
  disabled: false,
  lastLoginAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
};

function sessionStore(fetch: (req: Request) => Promise<Response>) {
  const app = createApp({});
  app.provide(apiClientKey, createApiClient({ baseUrl: 'http://stoa.test', fetch }));
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return app.runWithContext(() => useSessionStore());
}

describe('session store', () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => vi.restoreAllMocks());

  it('does not ask the server about a visitor who never signed in here (no 401 in the console)', async () => {
    const fetch = vi.fn(async () => jsonResponse({}));
    const session = sessionStore(fetch);
    await session.ensureLoaded();
    expect(fetch).not.toHaveBeenCalled();
    expect(session.signedIn).toBe(false);
    expect(session.areas).toEqual([]);
  });

  it('signs in, remembers that it did, and restores the user from /auth/me', async () => {
    const fetch = vi.fn(async (req: Request) =>
      req.url.endsWith('/auth/login')
        ? jsonResponse({ user, token: 't', expiresAt: '2030-01-01T00:00:00.000Z' })
        : jsonResponse({
            actor: `user:${user.id}`,
            kind: 'user',
            roles: user.roles,
            user,
            twoFactor: { enrolled: true, required: true },
          }),
    );
    const first = sessionStore(fetch);
    await first.login('carol@cdd.example', 'reviewer password 123');
    expect(first.home).toBe('/cdd');

    const reloaded = sessionStore(fetch);
    await reloaded.ensureLoaded();
    expect(fetch.mock.calls.at(-1)?.[0].url).toBe('http://stoa.test/auth/me');
    expect(reloaded.user?.displayName).toBe('Carol');
    expect(reloaded.areas.map((a) => a.path)).toEqual(['/cdd', '/account/api-keys']);
  });

  it('treats a 401 from /auth/me as signed out', async () => {
    localStorage.setItem('stoa.session', '1');
    const session = sessionStore(async () => jsonResponse({ statusCode: 401, message: 'log in' }, 401));
    await session.ensureLoaded();
    expect(session.signedIn).toBe(false);
    expect(localStorage.getItem('stoa.session')).toBeNull();
  });
});

describe('useSubmit', () => {
  it('keeps field messages by pointer and sums them up at the top only when all are shown', async () => {
    const form = useSubmit({ fields: ['/body/email'] });
    await form.run(async () => {
      const { toApiError } = await import('../../src/api/client');
      throw toApiError(
        {
          message: 'Invalid body',
          details: {
            fields: [{ field: '/body/email', message: 'must be an email address, like name@example.com' }],
          },
        },
        400,
      );
    });
    // One sentence that names the field.
    expect(form.fieldError('/body/email')).toBe('Email must be an email address, like name@example.com.');
    expect(form.formError.value).toMatch(/see the messages next to them/);
    expect(form.busy.value).toBe(false);
  });

  it('says field problems it cannot show inline as sentences, never with pointers', async () => {
    const form = useSubmit({ fields: ['/body/email'] });
    await form.run(async () => {
      const { toApiError } = await import('../../src/api/client');
      throw toApiError(
        {
          code: 'VALIDATION_FAILED',
          message: 'Invalid body: /body/tiers/0/price must be more than 0',
          details: { fields: [{ field: '/body/tiers/0/price', message: 'must be more than 0' }] },
        },
        400,
      );
    });
    expect(form.formError.value).toBe('Tier 1 price must be more than 0.');
  });
});

describe('LoginView', () => {
  beforeEach(() => localStorage.clear());

  it("shows the server's message next to the field it concerns", async () => {
    const fetch = vi.fn(async () =>
      jsonResponse(
        {
          statusCode: 400,
          code: 'VALIDATION_FAILED',
          message: 'Invalid body: /body/email must be at least 3 characters',
          details: { fields: [{ field: '/body/email', message: 'must be at least 3 characters' }] },
        },
        400,
      ),
    );
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/login', name: 'login', component: LoginView },
        { path: '/signup', name: 'signup', component: { template: '<p />' } },
        { path: '/forgot-password', name: 'forgot-password', component: { template: '<p />' } },
      ],
    });
    await router.push('/login');
    const wrapper = mount(LoginView, {
      global: {
        plugins: [createPinia(), router],
        provide: { [apiClientKey]: createApiClient({ baseUrl: 'http://stoa.test', fetch }) },
      },
    });
    await wrapper.get('input[type="email"]').setValue('a');
    await wrapper.get('input[type="password"]').setValue('x');
    await wrapper.get('form').trigger('submit');
    await flushPromises();

    const email = wrapper.get('input[type="email"]');
    expect(email.attributes('aria-invalid')).toBe('true');
    const errorId = email.attributes('aria-describedby')!;
    expect(wrapper.get(`#${errorId}`).text()).toBe('Email must be at least 3 characters.');
    expect(wrapper.get('[role="alert"]').text()).toMatch(/see the messages next to them/);
  });
});
