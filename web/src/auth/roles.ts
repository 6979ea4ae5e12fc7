import type { Schemas } from '../api/client';
import { AREAS } from '../shell/areas';
import type { Area } from '../shell/areas';

export type Role = Schemas['User']['roles'][number];

export const ISSUER_ROLES: readonly Role[] = ['issuer-admin', 'compliance-officer', 'transfer-agent'];

/** Who may open each area; mirrors the server's role matrix (the server checks every call again). */
export const AREA_ROLES: Readonly<Record<string, readonly Role[]>> = {
  '/issuer': ISSUER_ROLES,
  '/investor': ['investor'],
  '/cdd': ['cdd-provider', 'compliance-officer'],
  '/audit': ['auditor', 'compliance-officer'],
  '/admin/users': ['admin'],
  '/admin/venues': ['admin'],
  '/operator/venue': ['venue-operator'],
  '/admin/clock': ['admin'],
  '/treasury': ['treasury'],
  '/account/api-keys': ['admin', ...ISSUER_ROLES, 'cdd-provider', 'auditor', 'venue-operator'],
};

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  admin: 'Administrator',
  'issuer-admin': 'Issuer administrator',
  'compliance-officer': 'Compliance officer',
  'transfer-agent': 'Transfer agent',
  investor: 'Investor',
  'cdd-provider': 'CDD provider',
  auditor: 'Auditor',
  treasury: 'Treasury operator',
  'venue-operator': 'Venue operator',
};

/** Whether a principal with `roles` may enter a route that needs one of `required` (admin may all). */
export function hasAnyRole(roles: readonly string[], required: readonly Role[] | undefined): boolean {
  if (!required || required.length === 0) return true;
  return roles.includes('admin') || required.some((r) => roles.includes(r));
}

/** Areas that only work for their own role: an administrator has no investor identity to show. */
const OWN_ROLE_ONLY: ReadonlySet<string> = new Set(['/investor', '/operator/venue']);

/** The areas a user may open and use, in the navigation's order: a menu with no dead ends. */
export function areasFor(roles: readonly string[]): Area[] {
  return AREAS.filter((area) =>
    OWN_ROLE_ONLY.has(area.path)
      ? (AREA_ROLES[area.path] ?? []).some((r) => roles.includes(r))
      : hasAnyRole(roles, AREA_ROLES[area.path]),
  );
}

/** Where to land after signing in: the first area of the user's main role. */
export function homeFor(roles: readonly string[]): string {
  if (roles.includes('investor')) return '/investor';
  if (roles.includes('cdd-provider')) return '/cdd';
  if (roles.includes('auditor')) return '/audit';
  if (roles.includes('treasury')) return '/treasury';
  if (roles.includes('venue-operator')) return '/operator/venue';
  if (ISSUER_ROLES.some((r) => roles.includes(r))) return '/issuer';
  if (roles.includes('admin')) return '/admin/users';
  return '/';
}

/** A redirect target from the query string, only if it stays inside the portal. */
export function safeRedirect(value: unknown): string | null {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return null;
  return value;
}
