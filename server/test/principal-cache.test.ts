import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrincipalCache } from '../src/modules/auth/principal-cache.js';
import type { Principal } from '../src/modules/auth/service.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';

let env: TestEnv;
let app: FastifyInstance;
const sql = (query: string) => env.db.orm.em.getConnection().execute(query);

const me = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/auth/me', headers });

async function staff(email: string, roles: string[]) {
  const created = await app.inject({
    method: 'POST',
    url: '/users',
    headers: auth,
    payload: { email, password: 'staff password 123', displayName: email.split('@')[0], roles },
  });
  expect(created.statusCode).toBe(201);
  const userId = created.json().id as string;
  const login = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { email, password: 'staff password 123' },
  });
  expect(login.statusCode).toBe(200);
  const session = { authorization: `Bearer ${login.json().token as string}` };
  const key = await app.inject({
    method: 'POST',
    url: '/auth/api-keys',
    headers: session,
    payload: { name: 'k' },
  });
  expect(key.statusCode).toBe(201);
  return { userId, session, apiKey: { 'x-api-key': key.json().token as string } };
}

beforeAll(async () => {
  env = await createTestEnv();
  app = await env.app();
});
afterAll(async () => {
  await env.close();
});

describe('principal cache (sessions and API keys)', () => {
  it('answers from the cache within its TTL: a change made by hand shows only once it is forgotten', async () => {
    const u = await staff('cached@cache.example', ['cdd-provider']);
    expect((await me(u.session)).statusCode).toBe(200);
    expect((await me(u.apiKey)).statusCode).toBe(200);
    // Out-of-band (another instance, or by hand): this instance still trusts what it read.
    await sql(`update user_session set revoked_at = now() where user_id = '${u.userId}'`);
    await sql(`update api_key set revoked_at = now() where user_id = '${u.userId}'`);
    expect((await me(u.session)).statusCode).toBe(200);
    expect((await me(u.apiKey)).statusCode).toBe(200);
    app.authService.principals.clear();
    expect((await me(u.session)).statusCode).toBe(401);
    expect((await me(u.apiKey)).statusCode).toBe(401);
  });

  it('logging out and revoking a key take effect at the next request', async () => {
    const u = await staff('logout@cache.example', ['cdd-provider']);
    expect((await me(u.session)).statusCode).toBe(200);
    expect((await me(u.apiKey)).statusCode).toBe(200);
    const keys = await app.inject({ method: 'GET', url: '/auth/api-keys', headers: u.session });
    const keyId = keys.json().items[0].id as string;
    const revoked = await app.inject({
      method: 'DELETE',
      url: `/auth/api-keys/${keyId}`,
      headers: u.session,
    });
    expect(revoked.statusCode).toBe(200);
    expect((await me(u.apiKey)).statusCode).toBe(401);
    expect(
      (await app.inject({ method: 'POST', url: '/auth/logout', headers: u.session })).statusCode,
    ).toBeLessThan(300);
    expect((await me(u.session)).statusCode).toBe(401);
  });

  it('disabling a user ends their cached session and key at once', async () => {
    const u = await staff('disabled@cache.example', ['cdd-provider']);
    expect((await me(u.session)).statusCode).toBe(200);
    expect((await me(u.apiKey)).statusCode).toBe(200);
    const off = await app.inject({
      method: 'POST',
      url: `/users/${u.userId}/disable`,
      headers: auth,
      payload: { reason: 'left the company' },
    });
    expect(off.statusCode).toBe(200);
    expect((await me(u.session)).statusCode).toBe(401);
    expect((await me(u.apiKey)).statusCode).toBe(401);
  });

  it("an operation's event stream ends when the session it was opened with ends", async () => {
    const u = await staff('stream@cache.example', ['cdd-provider']);
    // An operation that stays pending (recorded, never dispatched), so only the session can end the stream.
    const op = await env.db.orm.em.fork().transactional((tx) =>
      app.services.operations.record(tx, {
        idempotencyKey: `stream-${Date.now()}`,
        call: { name: 'system.remark', args: { remark: 'never sent' } },
        signer: 'signer-that-is-never-used',
        requestedBy: 'test',
      }),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const stream = await fetch(`http://127.0.0.1:${port}/operations/${op.id}/events`, { headers: u.session });
    expect(stream.status).toBe(200);
    const body = stream.text();
    await app.inject({ method: 'POST', url: '/auth/logout', headers: u.session });
    const text = await body; // resolves only when the server ends the stream
    expect(text).toContain('"status":"pending"');
  }, 20_000);

  it('a role change shows at once: the session ends and the key keeps only roles the user holds', async () => {
    const u = await staff('roles@cache.example', ['cdd-provider', 'auditor']);
    expect((await me(u.apiKey)).json().roles).toEqual(expect.arrayContaining(['cdd-provider', 'auditor']));
    expect((await me(u.session)).statusCode).toBe(200);
    const changed = await app.inject({
      method: 'PUT',
      url: `/users/${u.userId}/roles`,
      headers: auth,
      payload: { roles: ['auditor'], reason: 'moved to the audit team' },
    });
    expect(changed.statusCode).toBe(200);
    expect((await me(u.session)).statusCode).toBe(401);
    const after = await me(u.apiKey);
    expect(after.statusCode).toBe(200);
    expect(after.json().roles).toEqual(['auditor']);
  });
});

describe('PrincipalCache', () => {
  const p: Principal = { id: 'user:u1', userId: 'u1', roles: ['auditor'], kind: 'user' };

  it('forgets an entry after its TTL or at the credential expiry, whichever comes first', () => {
    const c = new PrincipalCache(5_000);
    c.set('a', c.generation(), { principal: p, userId: 'u1' }, 1_000);
    expect(c.get('a', 5_999)?.principal).toEqual(p);
    expect(c.get('a', 6_000)).toBeNull();
    c.set('b', c.generation(), { principal: p, userId: 'u1', expiresAt: new Date(2_000) }, 1_000);
    expect(c.get('b', 1_999)).not.toBeNull();
    expect(c.get('b', 2_000)).toBeNull();
  });

  it('does not store an answer read before an eviction (it may predate the change)', () => {
    const c = new PrincipalCache(5_000);
    const before = c.generation();
    c.evictUser('u1');
    c.set('a', before, { principal: p, userId: 'u1' });
    expect(c.get('a')).toBeNull();
    c.set('a', c.generation(), { principal: p, userId: 'u1' });
    expect(c.get('a')).not.toBeNull();
  });

  it('evicts only the given user, and caches nothing with a TTL of 0', () => {
    const c = new PrincipalCache(5_000);
    c.set('a', c.generation(), { principal: p, userId: 'u1' });
    c.set('b', c.generation(), { principal: { ...p, id: 'user:u2', userId: 'u2' }, userId: 'u2' });
    c.evictUser('u1');
    expect(c.get('a')).toBeNull();
    expect(c.get('b')).not.toBeNull();
    const off = new PrincipalCache(0);
    off.set('a', off.generation(), { principal: p, userId: 'u1' });
    expect(off.size).toBe(0);
  });
});
