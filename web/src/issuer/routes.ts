import type { RouteRecordRaw } from 'vue-router';
import { AREA_ROLES } from '../auth/roles';

const issuer = AREA_ROLES['/issuer'];
const investor = AREA_ROLES['/investor'];

/** The issuer console's pages and the investor's offerings, portfolio and instructions. */
export const issuerAndPortfolioRoutes: RouteRecordRaw[] = [
  {
    path: '/issuer/assets/new',
    name: 'issuer-create-asset',
    component: () => import('./CreateAssetView.vue'),
    meta: { title: 'Create an asset', roles: issuer },
  },
  {
    path: '/issuer/assets/:id',
    name: 'issuer-asset',
    component: () => import('./AssetView.vue'),
    props: true,
    meta: { title: 'Asset', roles: issuer },
  },
  {
    path: '/issuer/offerings/:id',
    name: 'issuer-offering',
    component: () => import('./IssuerOfferingView.vue'),
    props: true,
    meta: { title: 'Offering', roles: issuer },
  },
  {
    path: '/issuer/transfer-check',
    name: 'issuer-transfer-check',
    component: () => import('./TransferCheckView.vue'),
    meta: { title: 'Pre-trade check', roles: issuer },
  },
  {
    path: '/investor/offerings',
    name: 'investor-offerings',
    component: () => import('../investor/offerings/OfferingsListView.vue'),
    meta: { title: 'Offerings', roles: investor },
  },
  {
    path: '/investor/offerings/:id',
    name: 'investor-offering',
    component: () => import('../investor/offerings/OfferingDetailView.vue'),
    props: true,
    meta: { title: 'Offering', roles: investor },
  },
  {
    path: '/investor/portfolio',
    name: 'investor-portfolio',
    component: () => import('../investor/portfolio/PortfolioView.vue'),
    meta: { title: 'Portfolio', roles: investor },
  },
  {
    path: '/investor/trade',
    name: 'investor-market',
    component: () => import('../investor/trading/MarketView.vue'),
    meta: { title: 'Trade', roles: investor },
  },
  {
    path: '/investor/trade/:id',
    name: 'investor-trade',
    component: () => import('../investor/trading/TradeView.vue'),
    props: true,
    meta: { title: 'Trade', roles: investor },
  },
  {
    path: '/investor/instructions',
    name: 'investor-instructions',
    component: () => import('../investor/portfolio/InstructionsView.vue'),
    meta: { title: 'Pending instructions', roles: investor },
  },
];
