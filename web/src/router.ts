import { createRouter, createWebHistory } from 'vue-router';
import type { RouteRecordRaw, RouterHistory } from 'vue-router';
import type { Role } from './auth/roles';
import { AREA_ROLES } from './auth/roles';
import { installGuards } from './auth/guards';
import HomeView from './home/HomeView.vue';
import { issuerAndPortfolioRoutes } from './issuer/routes';

declare module 'vue-router' {
  interface RouteMeta {
    title?: string;
    /** Signed-in users with one of these roles only; absent means public. */
    roles?: readonly Role[];
    /** Sign-in and sign-up: a signed-in user is sent on to their area. */
    guestOnly?: boolean;
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomeView, meta: { title: 'Home' } },
  {
    path: '/login',
    name: 'login',
    component: () => import('./auth/LoginView.vue'),
    meta: { title: 'Sign in', guestOnly: true },
  },
  {
    path: '/signup',
    name: 'signup',
    component: () => import('./auth/SignUpView.vue'),
    meta: { title: 'Create an investor account', guestOnly: true },
  },
  {
    path: '/verify-email',
    name: 'verify-email',
    component: () => import('./auth/VerifyEmailView.vue'),
    meta: { title: 'Confirm your e-mail address' },
  },
  {
    path: '/forgot-password',
    name: 'forgot-password',
    component: () => import('./auth/ForgotPasswordView.vue'),
    meta: { title: 'Forgot your password?', guestOnly: true },
  },
  {
    path: '/reset-password',
    name: 'reset-password',
    component: () => import('./auth/ResetPasswordView.vue'),
    meta: { title: 'Choose a new password' },
  },
  {
    path: '/account/two-factor',
    name: 'two-factor',
    component: () => import('./auth/TwoFactorView.vue'),
    meta: { title: 'Two-factor sign-in', roles: [] },
  },
  {
    path: '/issuer',
    name: 'issuer',
    component: () => import('./issuer/IssuerHomeView.vue'),
    meta: { title: 'Issuer console', roles: AREA_ROLES['/issuer'] },
  },
  {
    path: '/investor',
    name: 'investor',
    component: () => import('./investor/InvestorStatusView.vue'),
    meta: { title: 'Investor portal', roles: AREA_ROLES['/investor'] },
  },
  {
    path: '/investor/onboarding',
    name: 'onboarding',
    component: () => import('./investor/OnboardingView.vue'),
    meta: { title: 'Onboarding', roles: AREA_ROLES['/investor'] },
  },
  ...issuerAndPortfolioRoutes,
  {
    path: '/cdd',
    name: 'cdd',
    component: () => import('./cdd/CddQueueView.vue'),
    meta: { title: 'CDD console', roles: AREA_ROLES['/cdd'] },
  },
  {
    path: '/cdd/applications/:id',
    name: 'cdd-application',
    component: () => import('./cdd/CddApplicationView.vue'),
    props: true,
    meta: { title: 'Application review', roles: AREA_ROLES['/cdd'] },
  },
  {
    path: '/audit',
    name: 'audit',
    component: () => import('./audit/AuditLogView.vue'),
    meta: { title: 'Audit trail', roles: AREA_ROLES['/audit'] },
  },
  {
    path: '/investor/money',
    name: 'investor-money',
    component: () => import('./investor/money/MoneyView.vue'),
    meta: { title: 'Money', roles: AREA_ROLES['/investor'] },
  },
  {
    path: '/treasury',
    name: 'treasury',
    component: () => import('./treasury/TreasuryView.vue'),
    meta: { title: 'Treasury', roles: AREA_ROLES['/treasury'] },
  },
  {
    path: '/admin/users',
    name: 'admin-users',
    component: () => import('./admin/UsersView.vue'),
    meta: { title: 'Users', roles: AREA_ROLES['/admin/users'] },
  },
  {
    path: '/admin/venues',
    name: 'admin-venues',
    component: () => import('./venues/VenuesView.vue'),
    meta: { title: 'Venues', roles: AREA_ROLES['/admin/venues'] },
  },
  {
    // Not /venue: that path is the venue API's.
    path: '/operator/venue',
    name: 'operator-venue',
    component: () => import('./venues/OperatorVenueView.vue'),
    meta: { title: 'Your venue', roles: AREA_ROLES['/operator/venue'] },
  },
  {
    path: '/investor/venues',
    name: 'investor-venues',
    component: () => import('./venues/InvestorVenuesView.vue'),
    meta: { title: 'Venues that may settle for you', roles: AREA_ROLES['/investor'] },
  },
  {
    path: '/admin/clock',
    name: 'admin-clock',
    component: () => import('./devclock/ChainClockView.vue'),
    meta: { title: 'Chain clock', roles: AREA_ROLES['/admin/clock'] },
  },
  {
    path: '/notifications',
    name: 'notifications',
    component: () => import('./notifications/NotificationsView.vue'),
    // Every signed-in user has notices.
    meta: { title: 'Notifications', roles: [] },
  },
  {
    path: '/account/api-keys',
    name: 'api-keys',
    component: () => import('./admin/ApiKeysView.vue'),
    meta: { title: 'API keys', roles: AREA_ROLES['/account/api-keys'] },
  },
  {
    path: '/status',
    name: 'status',
    component: () => import('./system/StatusView.vue'),
    meta: { title: 'System status' },
  },
  {
    // Under /status so it never shares a path with the API's /operations/:id.
    path: '/status/operations/:id',
    name: 'operation',
    component: () => import('./operations/OperationView.vue'),
    props: true,
    meta: { title: 'Chain operation' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('./shell/NotFoundView.vue'),
    meta: { title: 'Not found' },
  },
];

export function createAppRouter(history: RouterHistory = createWebHistory()) {
  const router = createRouter({ history, routes, scrollBehavior: () => ({ top: 0 }) });
  installGuards(router);
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Stoa` : 'Stoa';
  });
  return router;
}
