import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../../src/api/client';
import { apiClientKey } from '../../src/api/useApi';
import { decide } from '../../src/auth/guards';
import { codeProblem, tokenFromHash } from '../../src/auth/links';
import LoginView from '../../src/auth/LoginView.vue';
import SignUpView from '../../src/auth/SignUpView.vue';
import { jsonResponse } from './fixtures';

const staffUser = {
  id: 'u0000000-0000-4000-8000-000000000002',
  email: 'grace@platform.example',
  displayName: 'Grace',
  roles: ['auditor'],
  disabled: false,
  lastLoginAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
};

const stub = { template: '<p />' };

function mountView(component: object, fetch: (req: Request) => Promise<Response>, path: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: LoginView },
      { path: '/signup', name: 'signup', component: SignUpView },
      { path: '/forgot-password', name: 'forgot-password', component: stub },
      { path: '/account/two-factor', name: 'two-factor', component: stub },
      { path: '/audit', name: 'audit', component: stub },
      { path: '/investor/onboarding', name: 'onboarding', component: stub },
    ],
  });
  return router.push(path).then(() => ({
    router,
    wrapper: mount(component, {
      global: {
        plugins: [createPinia(), router],
        provide: { [apiClientKey]: createApiClient({ baseUrl: 'http://stoa.test', fetch }) },
      },
    }),
  }));
}

describe('mailed links and codes', () => {
  it('reads the token from the fragment only when it looks like one', () => {
    expect(tokenFromHash('#token=abcdefghijklmnopqrstuvwxyz_-0123')).toBe('abcdefghijklmnopqrstuvwxyz_-0123');
    expect(tokenFromHash('#token=short')).toBeNull();
    expect(tokenFromHash('#token=<script>alert(1)</script>aaaaaaaaaa')).toBeNull();
    expect(tokenFromHash('')).toBeNull();
  });

  it('explains a mistyped code in words', () => {
    expect(codeProblem('')).toBe('Enter the 6-digit code from your authenticator app.');
    expect(codeProblem('12345')).toBe('The code from your app has 6 digits (5 so far).');
    expect(codeProblem('123 456')).toBeUndefined();
    expect(codeProblem('abcde-23456')).toBeUndefined();
    expect(codeProblem('abc')).toMatch(/^A recovery code has 10 letters and digits/);
  });
});

describe('two-factor guard', () => {
  const route = (name: string, roles?: string[]) => ({
    name,
    meta: roles ? { roles } : {},
    path: `/${name}`,
    fullPath: `/${name}`,
    query: {},
  });

  it('sends staff without two-factor sign-in to set it up, with the way back', () => {
    const session = { signedIn: true, roles: ['auditor'], mustEnrol: true };
    expect(decide(route('audit', ['auditor']) as never, session)).toEqual({
      name: 'two-factor',
      query: { redirect: '/audit' },
    });
    expect(decide(route('two-factor', []) as never, session)).toBe(true);
    expect(decide(route('home') as never, session)).toBe(true);
    expect(decide(route('audit', ['auditor']) as never, { ...session, mustEnrol: false })).toBe(true);
  });
});

describe('LoginView with two-factor sign-in', () => {
  beforeEach(() => localStorage.clear());

  it('asks for a code after the password, and shows a refused code in words', async () => {
    const calls: string[] = [];
    const fetch = vi.fn(async (req: Request) => {
      const url = new URL(req.url).pathname;
      calls.push(url);
      if (url === '/auth/login') {
        return jsonResponse({
          twoFactor: 'required',
          challenge: 'c'.repeat(43),
          expiresAt: '2030-01-01T00:00:00Z',
        });
      }
      if (url === '/auth/login/two-factor') {
        const body = (await req.json()) as { code: string };
        if (body.code === '111111') {
          return jsonResponse(
            {
              statusCode: 401,
              code: 'UNAUTHENTICATED',
              error: 'Unauthorized',
              message:
                'That code was already used. Wait for your authenticator app to show the next code, then enter it.',
            },
            401,
          );
        }
        return jsonResponse({ user: staffUser, token: 't', expiresAt: '2030-01-01T00:00:00Z' });
      }
      return jsonResponse({
        actor: `user:${staffUser.id}`,
        kind: 'user',
        roles: staffUser.roles,
        user: staffUser,
        twoFactor: { enrolled: true, required: true },
      });
    });
    const { wrapper, router } = await mountView(LoginView, fetch, '/login');
    expect(wrapper.get('[data-test="forgot-password"]').attributes('href')).toBe('/forgot-password');
    await wrapper.get('input[type="email"]').setValue('grace@platform.example');
    await wrapper.get('input[type="password"]').setValue('staff password 123');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.find('[data-test="two-factor-step"]').exists()).toBe(true);

    await wrapper.get('[data-test="two-factor-step"] input').setValue('12');
    await wrapper.get('[data-test="two-factor-step"]').trigger('submit');
    await flushPromises();
    expect(wrapper.text()).toContain('The code from your app has 6 digits (2 so far).');
    expect(calls).not.toContain('/auth/login/two-factor');

    await wrapper.get('[data-test="two-factor-step"] input').setValue('111111');
    await wrapper.get('[data-test="two-factor-step"]').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toMatch(/^That code was already used/);

    await wrapper.get('[data-test="two-factor-step"] input').setValue('222 222');
    await wrapper.get('[data-test="two-factor-step"]').trigger('submit');
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/audit');
  });
});

describe('SignUpView', () => {
  beforeEach(() => localStorage.clear());

  it('says a confirmation link is on its way instead of signing in', async () => {
    const message =
      'We have sent a message to dana@example.com. Open the link in it to finish creating your account; the link works for 24 hours.';
    const fetch = vi.fn(async () => jsonResponse({ message }, 202));
    const { wrapper, router } = await mountView(SignUpView, fetch, '/signup');
    const inputs = wrapper.findAll('input');
    await inputs[0]!.setValue('Dana');
    await inputs[1]!.setValue('dana@example.com');
    await inputs[2]!.setValue('correct horse battery');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-test="signup-sent"]').text()).toContain(message);
    expect(router.currentRoute.value.path).toBe('/signup');
    expect(localStorage.getItem('stoa.session')).toBeNull();
  });
});
