import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyRecord } from '../src/modules/idempotency/entity.js';
import { IdempotencyService } from '../src/modules/idempotency/service.js';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { staff } from './onboarding-helpers.js';

/** A client retrying with an Idempotency-Key: the first answer, once, whatever happens between. */
describe('Idempotency-Key on mutating routes', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let queue: ReturnType<TestEnv['makeQueue']>;
  let other: Record<string, string>;

  const remark = (key: string | undefined, text: string, headers: Record<string, string> = auth) =>
    app.inject({
      method: 'POST',
      url: '/operations/remarks',
      headers: { ...headers, ...(key ? { 'idempotency-key': key } : {}) },
      payload: { remark: text },
    });
  const remarks = () => env.db.orm.em.fork().count(ChainOperation, { kind: 'system.remark' });
  const record = (key: string) => env.db.orm.em.fork().findOne(IdempotencyRecord, { key });
  const sql = (query: string, params: unknown[]) =>
    env.db.orm.em.fork().getConnection().execute(query, params);

  beforeAll(async () => {
    env = await createTestEnv();
    queue = env.makeQueue('inline');
    app = await env.app({ queue });
    other = (await staff(app, 'second-admin@stoa.example', ['admin'])).headers;
  });
  afterAll(async () => {
    await queue.drain();
    await env.close();
  });

  it('replays the first answer to a retry with the same key and body, acting once', async () => {
    const before = await remarks();
    const first = await remark('retry-0001', 'once');
    expect(first.statusCode).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await remark('retry-0001', 'once');
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.json()).toEqual(first.json());
    expect(await remarks()).toBe(before + 1);
    // Without a key every request acts.
    const [a, b] = [await remark(undefined, 'twice'), await remark(undefined, 'twice')];
    expect(a.json().id).not.toBe(b.json().id);
  });

  it('refuses the same key with a different body or on another route, saying what it was used for', async () => {
    await remark('reuse-0001', 'first text');
    const changed = await remark('reuse-0001', 'second text');
    expect(changed.statusCode).toBe(422);
    expect(changed.json()).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      message:
        'This Idempotency-Key was already used for a different request (POST /operations/remarks); send a new key for a new request',
    });
    const elsewhere = await app.inject({
      method: 'POST',
      url: '/audit/anchors',
      headers: { ...auth, 'idempotency-key': 'reuse-0001' },
    });
    expect(elsewhere.statusCode).toBe(422);
    expect(elsewhere.json().message).toMatch(/\(POST \/operations\/remarks\)/);
  });

  it('runs concurrent requests with one key once: the others are told to retry, then get the answer', async () => {
    const before = await remarks();
    const answers = await Promise.all(Array.from({ length: 6 }, () => remark('burst-0001', 'burst')));
    const executed = answers.filter((a) => a.statusCode === 202 && !a.headers['idempotent-replayed']);
    expect(executed).toHaveLength(1);
    for (const a of answers.filter((x) => x.statusCode !== 202)) {
      expect(a.statusCode).toBe(409);
      expect(a.headers['retry-after']).toBe('1');
      expect(a.json()).toMatchObject({
        code: 'REQUEST_IN_PROGRESS',
        message: expect.stringMatching(/still being processed; retry in a moment/),
      });
    }
    const ids = answers.filter((a) => a.statusCode === 202).map((a) => a.json().id);
    expect(new Set(ids)).toEqual(new Set([executed[0]!.json().id]));
    const retry = await remark('burst-0001', 'burst');
    expect(retry.json().id).toBe(executed[0]!.json().id);
    expect(await remarks()).toBe(before + 1);
  });

  it('scopes keys per principal: the same key from two principals is two requests', async () => {
    const mine = await remark('shared-0001', 'scoped');
    const theirs = await remark('shared-0001', 'scoped', other);
    expect(mine.statusCode).toBe(202);
    expect(theirs.statusCode).toBe(202);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json().id).not.toBe(mine.json().id);
  });

  it('frees the key after a 4xx: nothing happened, so the retry runs as a new request', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const issue = () =>
      app.inject({
        method: 'POST',
        url: `/assets/${missing}/issue`,
        headers: { ...auth, 'idempotency-key': 'failed-0001' },
        payload: { amount: '10' },
      });
    expect((await issue()).statusCode).toBe(404);
    expect(await record('failed-0001')).toBeNull();
    const again = await issue();
    expect(again.statusCode).toBe(404);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
  });

  it('keeps an answer for IDEMPOTENCY_TTL_HOURS (24 by default); an expired key acts anew', async () => {
    const first = await remark('expiry-0001', 'expires');
    const row = (await record('expiry-0001'))!;
    expect(row.status).toBe('completed');
    const ttl = row.expiresAt.getTime() - row.updatedAt.getTime();
    expect(ttl).toBe(24 * 3600_000);
    await sql(`update idempotency_record set expires_at = now() - interval '1 second' where key = ?`, [
      'expiry-0001',
    ]);
    const later = await remark('expiry-0001', 'expires later');
    expect(later.statusCode).toBe(202);
    expect(later.json().id).not.toBe(first.json().id);
    // Expired keys are purged at start and hourly.
    await sql(`update idempotency_record set expires_at = now() - interval '1 second' where key = ?`, [
      'expiry-0001',
    ]);
    await env.app({ queue });
    expect(await record('expiry-0001')).toBeNull();
  });

  it('re-runs a request that died holding its key, without a second chain write', async () => {
    const first = await remark('crashed-0001', 'survives');
    // As if the server died after committing but before storing the answer.
    await sql(
      `update idempotency_record set status = 'processing', response_body = null,
         locked_until = now() - interval '1 second' where key = ?`,
      ['crashed-0001'],
    );
    const before = await remarks();
    const retry = await remark('crashed-0001', 'survives');
    expect(retry.statusCode).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.json().id).toBe(first.json().id);
    expect(await remarks()).toBe(before);
    expect((await record('crashed-0001'))!.status).toBe('completed');
  });

  it('lets the retry of a request that failed with a 5xx re-run it as the same request', async () => {
    const store = new IdempotencyService(env.db.orm, app.keys, 3600_000);
    const first = await store.claim('user:someone', 'server-error-0001', 'POST /x', 'f'.repeat(64));
    expect(first.kind).toBe('new');
    expect(await store.claim('user:someone', 'server-error-0001', 'POST /x', 'f'.repeat(64))).toEqual({
      kind: 'in-flight',
    });
    await store.abandon((first as { id: string }).id);
    // Same id, so the same scope: the re-run derives the first run's chain-operation keys.
    expect(await store.claim('user:someone', 'server-error-0001', 'POST /x', 'f'.repeat(64))).toEqual(first);
  });

  it('stores answers sealed: a new API key’s token is replayed but not readable in the database', async () => {
    const create = () =>
      app.inject({
        method: 'POST',
        url: '/auth/api-keys',
        headers: { ...other, 'idempotency-key': 'apikey-0001' },
        payload: { name: 'integration' },
      });
    const first = await create();
    expect(first.statusCode).toBe(201);
    const replay = await create();
    expect(replay.json().token).toBe(first.json().token);
    const [row] = await sql(`select response_body from idempotency_record where key = ?`, ['apikey-0001']);
    expect((row as { response_body: Buffer }).response_body.includes(first.json().token)).toBe(false);
  });

  it('declares the header on every mutating route of the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const missing: string[] = [];
    let mutating = 0;
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of ['post', 'put', 'patch', 'delete']) {
        const op = item[method] as { parameters?: { in: string; name: string }[] } | undefined;
        if (!op) continue;
        mutating += 1;
        if (!op.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'))
          missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(mutating).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });
});
