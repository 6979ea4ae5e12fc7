import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../src/modules/auth/roles.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { staff } from './onboarding-helpers.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const UUID = '00000000-0000-4000-8000-000000000000';

/**
 * Every mutating route, taken from the app's own route table: it must declare who may call it
 * (config.roles) or be explicitly public, and it must refuse every other role with 403 and
 * anonymous callers with 401 — before any handler logic runs.
 */
describe('role matrix', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  const tokens = new Map<Role, Record<string, string>>();

  beforeAll(async () => {
    env = await createTestEnv();
    app = await env.app();
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      tokens.set(role, (await staff(app, `${role}@matrix.example`, [role])).headers);
    }
  });
  afterAll(async () => {
    await env.close();
  });

  it('every mutating route declares its roles or is explicitly public', () => {
    const mutating = app.routeCatalog.filter((r) => MUTATING.has(r.method));
    expect(mutating.length).toBeGreaterThan(15);
    const undeclared = mutating.filter((r) => r.roles === null && !r.public);
    expect(undeclared.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    const publicOnes = mutating.filter((r) => r.public).map((r) => `${r.method} ${r.url}`);
    expect(publicOnes.sort()).toEqual([
      'POST /auth/login',
      'POST /auth/login/two-factor',
      'POST /auth/password-reset',
      'POST /auth/password-reset/confirm',
      'POST /auth/register',
      'POST /auth/verify-email',
      'POST /kyc/webhooks/:provider',
    ]);
  });

  it('refuses wrong roles (403) and anonymous callers (401) on every mutating route', async () => {
    const mutating = app.routeCatalog.filter((r) => MUTATING.has(r.method) && !r.public);
    const failures: string[] = [];
    for (const route of mutating) {
      const url = route.url.replace(/:[A-Za-z]+/g, UUID);
      const anon = await app.inject({ method: route.method as 'POST', url, payload: {} });
      if (anon.statusCode !== 401)
        failures.push(`${route.method} ${route.url} anonymous → ${anon.statusCode}`);
      const allowed = route.roles ?? [];
      if (allowed.length === 0) continue;
      for (const [role, headers] of tokens) {
        if (allowed.includes(role)) continue;
        const res = await app.inject({ method: route.method as 'POST', url, headers, payload: {} });
        if (res.statusCode !== 403)
          failures.push(`${route.method} ${route.url} as ${role} → ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('keeps the venue API to venue operators and venue approvals to the issuer', () => {
    const roles = (method: string, url: string) =>
      app.routeCatalog.find((r) => r.method === method && r.url === url)?.roles;
    expect(roles('POST', '/venue/trades')).toEqual(['venue-operator']);
    expect(roles('POST', '/venue/pretrade-checks')).toEqual(['venue-operator']);
    expect(roles('PUT', '/assets/:id/venues/:venueId')).toEqual(['issuer-admin']);
    expect(roles('POST', '/assets/:id/trading/halt')).toEqual(['issuer-admin', 'compliance-officer']);
    expect(roles('POST', '/venues')).toEqual(['admin']);
    expect(roles('PUT', '/investor/venues/:id')).toEqual(['investor']);
  });

  it('documents every route and the API-key security scheme in OpenAPI', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.components.securitySchemes.apiKey).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    });
    for (const p of [
      '/cdd/applications/{id}/attest',
      '/onboarding/applications/{id}/documents',
      '/kyc/webhooks/{provider}',
      '/venues',
      '/assets/{id}/venues/{venueId}',
      '/venue/pretrade-checks',
      '/venue/trades',
      '/venue/trades/{tradeId}',
      '/venue/webhook/deliveries',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });
});
