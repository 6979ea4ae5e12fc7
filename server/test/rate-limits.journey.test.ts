import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import type { RateLimitConfig } from '../src/config.js';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';

// Small budgets so each bucket runs out within a test; every test uses its own client addresses.
const LIMITS: RateLimitConfig = { auth: 4, account: 2, webhooks: 3, reads: 3, writes: 2 };
/** Store modes: each instance's memory always; one Redis shared by two instances where configured. */
const STORE_MODES: ('memory' | 'redis')[] = process.env.REDIS_URL ? ['memory', 'redis'] : ['memory'];

let env: TestEnv;
let app: FastifyInstance;

beforeAll(async () => {
  env = await createTestEnv();
  app = await env.app({ config: { rateLimits: LIMITS } });
});
afterAll(async () => {
  await env.close();
});

const get = (url: string, from: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, remoteAddress: from, headers });
const login = (email: string, from: string, on = app) =>
  on.inject({
    method: 'POST',
    url: '/auth/login',
    remoteAddress: from,
    payload: { email, password: 'not the password' },
  });
const webhook = (vendor: string, from: string) =>
  app.inject({
    method: 'POST',
    url: `/kyc/webhooks/${vendor}`,
    remoteAddress: from,
    headers: { 'content-type': 'application/json' },
    payload: '{"unsigned":true}',
  });

async function userSession(email: string, from: string) {
  const created = await app.inject({
    method: 'POST',
    url: '/users',
    headers: auth,
    payload: { email, password: 'staff password 123', displayName: email, roles: ['auditor'] },
  });
  expect(created.statusCode).toBe(201);
  const res = await app.inject({
    method: 'POST',
    url: '/auth/login',
    remoteAddress: from,
    payload: { email, password: 'staff password 123' },
  });
  expect(res.statusCode).toBe(200);
  return { authorization: `Bearer ${res.json().token as string}` };
}

describe('rate limits per route class', () => {
  it('counts anonymous reads per address and says when to retry, leaving the other classes alone', async () => {
    const from = '198.51.100.1';
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const res = await get('/operations', from);
      expect(res.statusCode).toBe(401);
      remaining.push(res.headers['x-ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await get('/operations', from);
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.json()).toMatchObject({
      code: 'RATE_LIMITED',
      details: { bucket: 'reads', limit: 3, retryAfterSeconds: retryAfter },
    });
    expect(refused.json().message).toBe(
      `Too many requests from your network address: at most 3 a minute. Try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`,
    );
    // Unknown routes are reads too: no probing for URLs past the limit.
    expect((await get('/no/such/route', from)).statusCode).toBe(429);

    expect((await get('/operations', '198.51.100.2')).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/users', remoteAddress: from })).statusCode).toBe(401);
    expect((await login('nobody@example.com', from)).statusCode).toBe(401);
    expect((await webhook('sandbox', from)).statusCode).not.toBe(429);
    expect((await get('/health', from)).statusCode).toBe(200);
  });

  it('gives each authenticated caller its own bucket, even behind one address', async () => {
    const office = '198.51.100.10';
    const first = await userSession('first@limits.example', '198.51.100.11');
    const second = await userSession('second@limits.example', '198.51.100.12');
    for (let i = 0; i < 3; i++) expect((await get('/auth/me', office, first)).statusCode).toBe(200);
    const refused = await get('/auth/me', office, first);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().message).toMatch(/^Too many requests from you: at most 3 a minute\./);
    expect((await get('/auth/me', office, second)).statusCode).toBe(200);
    expect((await get('/operations', office)).statusCode).toBe(401);
  });

  it('never limits the operator token', async () => {
    for (let i = 0; i < 8; i++) {
      const res = await get('/operations', '198.51.100.20', auth);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });

  it('counts bad credentials against the address before refusing them', async () => {
    const from = '198.51.100.30';
    const bad = { authorization: 'Bearer not-a-real-token' };
    for (let i = 0; i < 3; i++) expect((await get('/operations', from, bad)).statusCode).toBe(401);
    expect((await get('/operations', from, bad)).statusCode).toBe(429);
    expect((await get('/operations', from, { 'x-api-key': 'stoa_guess' })).statusCode).toBe(429);
  });

  it('limits sign-in per address and per e-mail address', async () => {
    const [a, b, c] = ['198.51.100.40', '198.51.100.41', '198.51.100.42'];
    expect((await login('target@limits.example', a)).statusCode).toBe(401);
    expect((await login(' TARGET@limits.example', b)).statusCode).toBe(401);
    // A third address does not buy more guesses at the same account.
    const account = await login('target@limits.example', c);
    expect(account.statusCode).toBe(429);
    expect(account.json().message).toMatch(
      /^Too many sign-in and registration attempts for this e-mail address: at most 2 a minute\. Try again in \d+ seconds?\.$/,
    );
    for (const email of ['x@limits.example', 'y@limits.example', 'z@limits.example']) {
      expect((await login(email, a)).statusCode).toBe(401);
    }
    const address = await login('w@limits.example', a);
    expect(address.statusCode).toBe(429);
    expect(address.json().message).toMatch(
      /^Too many sign-in and registration attempts from your network address: at most 4 a minute\./,
    );
    const register = await app.inject({
      method: 'POST',
      url: '/auth/register',
      remoteAddress: a,
      payload: { email: 'new@limits.example', password: 'correct horse battery', displayName: 'New' },
    });
    expect(register.statusCode).toBe(429);
  });

  it('gives webhooks their own bucket per vendor and source address', async () => {
    const [vendor, elsewhere] = ['203.0.113.50', '203.0.113.51'];
    for (let i = 0; i < 3; i++) expect((await webhook('sandbox', vendor)).statusCode).not.toBe(429);
    const refused = await webhook('sandbox', vendor);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().message).toMatch(/^Too many webhook deliveries from your network address/);
    expect((await webhook('onfido', vendor)).statusCode).not.toBe(429);
    expect((await webhook('sandbox', elsewhere)).statusCode).not.toBe(429);
    expect((await get('/operations', vendor)).statusCode).toBe(401);
    // Made-up vendor names share one bucket rather than minting fresh ones.
    for (const name of ['x1', 'x2', 'x3']) expect((await webhook(name, elsewhere)).statusCode).toBe(400);
    expect((await webhook('x4', elsewhere)).statusCode).toBe(429);
  });
});

describe('TRUST_PROXY', () => {
  it('takes the client address from X-Forwarded-For only when the proxy is trusted', async () => {
    const proxied = await env.app({
      config: { rateLimits: LIMITS, http: { ...env.config.http, trustProxy: ['loopback'] } },
    });
    const via = (client: string) =>
      proxied.inject({
        method: 'GET',
        url: '/operations',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': client },
      });
    for (let i = 0; i < 3; i++) expect((await via('192.0.2.1')).statusCode).toBe(401);
    expect((await via('192.0.2.1')).statusCode).toBe(429);
    expect((await via('192.0.2.2')).statusCode).toBe(401);

    // The audit trail records the client's address, not the proxy's.
    await login('audited@limits.example', '127.0.0.1', proxied).then((res) =>
      expect(res.statusCode).toBe(401),
    );
    const forwarded = await proxied.inject({
      method: 'POST',
      url: '/auth/login',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': '192.0.2.9' },
      payload: { email: 'audited@limits.example', password: 'nope' },
    });
    expect(forwarded.statusCode).toBe(401);
    const failures = await env.db.orm.em
      .fork()
      .find(AuditEntry, { action: 'auth.login-failed', subjectId: 'audited@limits.example' });
    expect(failures.map((e) => e.data.ip).sort()).toEqual(['127.0.0.1', '192.0.2.9']);

    // Untrusted (the default): a client cannot pick a fresh bucket by forging the header.
    const forged = (client: string) => get('/operations', '198.51.100.60', { 'x-forwarded-for': client });
    for (const client of ['192.0.2.3', '192.0.2.4', '192.0.2.5'])
      expect((await forged(client)).statusCode).toBe(401);
    expect((await forged('192.0.2.6')).statusCode).toBe(429);
  });
});

describe.each(STORE_MODES)('two instances, %s store', (mode) => {
  it(mode === 'redis' ? 'share one budget through Redis' : 'each count on their own', async () => {
    const config = {
      rateLimits: LIMITS,
      redisUrl: mode === 'redis' ? process.env.REDIS_URL : undefined,
      queuePrefix: `stoa-test-${randomBytes(4).toString('hex')}`,
    };
    const [one, two] = [await env.app({ config }), await env.app({ config })];
    const read = (on: FastifyInstance) =>
      on.inject({ method: 'GET', url: '/operations', remoteAddress: '198.51.100.70' });
    expect((await read(one)).statusCode).toBe(401);
    expect((await read(two)).statusCode).toBe(401);
    expect((await read(one)).statusCode).toBe(401);
    if (mode === 'redis') {
      expect((await read(two)).statusCode).toBe(429);
      expect((await read(one)).statusCode).toBe(429);
    } else {
      expect((await read(two)).statusCode).toBe(401);
      expect((await read(one)).statusCode).toBe(401);
      expect((await read(one)).statusCode).toBe(429);
      expect((await read(two)).statusCode).toBe(401);
    }
  });
});

describe('rate-limit store', () => {
  it('refuses to start when the Redis it is told to use cannot be reached', async () => {
    await expect(
      buildApp(
        { ...env.config, redisUrl: 'redis://127.0.0.1:1' },
        { db: env.db, ledger: env.ledger, queue: env.makeQueue('inline') },
      ),
    ).rejects.toThrow(/Rate limits: cannot reach Redis at REDIS_URL/);
  });

  it('turns a class off with 0', async () => {
    const unlimited = await env.app({ config: { rateLimits: { ...LIMITS, reads: 0 } } });
    for (let i = 0; i < 6; i++) {
      const res = await unlimited.inject({
        method: 'GET',
        url: '/operations',
        remoteAddress: '198.51.100.80',
      });
      expect(res.statusCode).toBe(401);
    }
  });
});
