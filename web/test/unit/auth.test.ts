import { describe, expect, it } from 'vitest';
import { decide } from '../../src/auth/guards';
import { passwordProblem } from '../../src/auth/password';
import { areasFor, hasAnyRole, homeFor, safeRedirect } from '../../src/auth/roles';

const route = (meta: Record<string, unknown>, path = '/cdd', query: Record<string, string> = {}) => ({
  meta,
  path,
  fullPath: path,
  query,
});

describe('roles', () => {
  it('lets admin in everywhere and others only with one of the roles', () => {
    expect(hasAnyRole(['admin'], ['cdd-provider'])).toBe(true);
    expect(hasAnyRole(['investor'], ['cdd-provider'])).toBe(false);
    expect(hasAnyRole(['investor'], undefined)).toBe(true);
  });

  it('shows each user only their areas and lands them in their main one', () => {
    expect(areasFor(['investor']).map((a) => a.path)).toEqual(['/investor']);
    expect(areasFor(['compliance-officer']).map((a) => a.path)).toEqual([
      '/issuer',
      '/cdd',
      '/audit',
      '/account/api-keys',
    ]);
    // Investors call no API with keys: no dead-end menu entry for them.
    expect(areasFor(['investor']).map((a) => a.path)).not.toContain('/account/api-keys');
    expect(areasFor([])).toEqual([]);
    expect(homeFor(['investor'])).toBe('/investor');
    expect(homeFor(['cdd-provider'])).toBe('/cdd');
    expect(homeFor(['auditor'])).toBe('/audit');
    expect(homeFor(['transfer-agent'])).toBe('/issuer');
    expect(homeFor([])).toBe('/');
    expect(homeFor(['admin'])).toBe('/admin/users');
    expect(areasFor(['issuer-admin']).map((a) => a.path)).not.toContain('/admin/users');
    // An administrator has every staff area, but no investor identity: no investor portal.
    expect(areasFor(['admin']).map((a) => a.path)).toEqual([
      '/issuer',
      '/cdd',
      '/audit',
      '/treasury',
      '/admin/users',
      '/admin/venues',
      '/admin/clock',
      '/account/api-keys',
    ]);
    // A venue operator: their venue, and API keys for its systems.
    expect(areasFor(['venue-operator']).map((a) => a.path)).toEqual(['/operator/venue', '/account/api-keys']);
    expect(homeFor(['venue-operator'])).toBe('/operator/venue');
    // An administrator operates no venue of their own.
    expect(areasFor(['admin']).map((a) => a.path)).not.toContain('/operator/venue');
    expect(areasFor(['issuer-admin', 'compliance-officer']).map((a) => a.path)).not.toContain('/admin/clock');
    expect(homeFor(['treasury'])).toBe('/treasury');
    expect(areasFor(['treasury']).map((a) => a.path)).toContain('/treasury');
    expect(areasFor(['investor']).map((a) => a.path)).not.toContain('/treasury');
  });

  it('only follows redirects that stay inside the portal', () => {
    expect(safeRedirect('/cdd?status=approved')).toBe('/cdd?status=approved');
    expect(safeRedirect('//evil.example/')).toBeNull();
    expect(safeRedirect('https://evil.example/')).toBeNull();
    expect(safeRedirect(['/cdd'])).toBeNull();
  });
});

describe('route guard', () => {
  const guest = { signedIn: false, roles: [] };
  const investor = { signedIn: true, roles: ['investor'] };

  it('sends a guest to sign in with the way back', () => {
    expect(decide(route({ roles: ['cdd-provider'] }), guest)).toEqual({
      name: 'login',
      query: { redirect: '/cdd' },
    });
    expect(decide(route({}), guest)).toBe(true);
  });

  it('sends a user without the role to their own area, never into a loop', () => {
    expect(decide(route({ roles: ['cdd-provider'] }), investor)).toBe('/investor');
    expect(decide(route({ roles: ['auditor'] }, '/'), { signedIn: true, roles: [] })).toBe('/');
    expect(decide(route({ roles: ['investor'] }, '/investor'), investor)).toBe(true);
  });

  it('moves a signed-in user past the sign-in page', () => {
    expect(decide(route({ guestOnly: true }, '/login'), investor)).toBe('/investor');
    expect(decide(route({ guestOnly: true }, '/login', { redirect: '/investor/onboarding' }), investor)).toBe(
      '/investor/onboarding',
    );
    expect(decide(route({ guestOnly: true }, '/login'), guest)).toBe(true);
  });
});

describe('password rule', () => {
  it('matches the server: at least 12 characters', () => {
    expect(passwordProblem('short')).toMatch(/12 characters \(5 so far\)/);
    expect(passwordProblem('correct horse battery')).toBeUndefined();
  });
});
