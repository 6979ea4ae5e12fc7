import { createRouter, createWebHistory } from 'vue-router';
import type { RouteRecordRaw, RouterHistory } from 'vue-router';
import HomeView from './home/HomeView.vue';

declare module 'vue-router' {
  interface RouteMeta {
    title?: string;
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomeView, meta: { title: 'Home' } },
  {
    path: '/issuer',
    name: 'issuer',
    component: () => import('./issuer/IssuerHomeView.vue'),
    meta: { title: 'Issuer console' },
  },
  {
    path: '/investor',
    name: 'investor',
    component: () => import('./investor/InvestorHomeView.vue'),
    meta: { title: 'Investor portal' },
  },
  {
    path: '/cdd',
    name: 'cdd',
    component: () => import('./cdd/CddHomeView.vue'),
    meta: { title: 'CDD console' },
  },
  {
    path: '/audit',
    name: 'audit',
    component: () => import('./audit/AuditHomeView.vue'),
    meta: { title: 'Audit' },
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
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Stoa` : 'Stoa';
  });
  return router;
}
