import { DriverException } from '@mikro-orm/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAppError } from '../src/errors.js';
import { signSandbox, SANDBOX_SIGNATURE_HEADER } from '../src/modules/kyc/sandbox.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { individual, multipart, PDF, registerInvestor } from './onboarding-helpers.js';

/**
 * NUL characters and lone surrogates, which PostgreSQL cannot store, and numbers that are not
 * finite are refused with a 400 naming the field on every route (one guard), and cannot reach
 * the database by the paths that bypass it: multipart filenames and signed webhook bodies.
 */
describe('input no route can use', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  const auditCount = async () =>
    (await app.inject({ method: 'GET', url: '/audit', headers: auth })).json().total;

  beforeAll(async () => {
    env = await createTestEnv();
    app = await env.app();
  });
  afterAll(async () => {
    await env.close();
  });

  it('a NUL in a body field is a 400 naming the field, and nothing is written', async () => {
    const before = await auditCount();
    const res = await app.inject({
      method: 'POST',
      url: '/issuers',
      headers: auth,
      payload: { name: 'Acme\u0000 Holdings' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'body.name contains a NUL character',
      details: { fields: [{ field: '/body/name', message: 'contains a NUL character' }] },
    });
    const issuers = (await app.inject({ method: 'GET', url: '/issuers', headers: auth })).json();
    expect(issuers).toEqual([]);
    expect(await auditCount()).toBe(before);
  });

  it('lone surrogates are named wherever they are: nested fields, keys, query, path', async () => {
    const nested = await app.inject({
      method: 'POST',
      url: '/assets',
      headers: { ...auth, 'content-type': 'application/json' },
      payload:
        '{"name":"A","assetType":"Fund","divisible":true,"documents":[{"name":"x\\ud800","uri":"u","contentHash":"0x00"}]}',
    });
    expect(nested.statusCode).toBe(400);
    expect(nested.json().message).toBe(
      'body.documents[0].name contains a lone surrogate (text that is not valid Unicode)',
    );
    expect(nested.json().details.fields[0].field).toBe('/body/documents/0/name');

    const key = await app.inject({
      method: 'POST',
      url: '/issuers',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"name":"A","\\udc00":1}',
    });
    expect(key.statusCode).toBe(400);
    expect(key.json().message).toBe(
      'body["\\udc00"] has a name that contains a lone surrogate (text that is not valid Unicode)',
    );

    const query = await app.inject({ method: 'GET', url: '/audit?actor=op%00erator', headers: auth });
    expect(query.statusCode).toBe(400);
    expect(query.json().message).toBe('query.actor contains a NUL character');

    const header = await app.inject({
      method: 'POST',
      url: '/operations/remarks',
      headers: { ...auth, 'idempotency-key': 'key\u0000-0001' },
      payload: { remark: 'hello' },
    });
    expect(header.statusCode).toBe(400);
    expect(header.json().message).toBe('headers.idempotency-key contains a NUL character');
  });

  it('callers without access learn nothing: the role check comes first', async () => {
    const res = await app.inject({ method: 'POST', url: '/issuers', payload: { name: 'x\u0000' } });
    expect(res.statusCode).toBe(401);
  });

  it('numbers that are not finite are refused, in a JSON body or coerced from a query', async () => {
    const query = await app.inject({ method: 'GET', url: '/operations?limit=1e309', headers: auth });
    expect(query.statusCode).toBe(400);
    expect(query.json().message).toBe('query.limit is not a finite number');
    const body = await app.inject({
      method: 'POST',
      url: '/assets/00000000-0000-4000-8000-000000000000/issue',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"amount":"1","portfolio":1e309}',
    });
    expect(body.statusCode).toBe(400);
    expect(body.json().message).toBe('body.portfolio is not a finite number');
  });

  it('absurdly nested bodies are refused, not a stack overflow', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/compliance/preview',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: `${'{"a":['.repeat(3000)}1${']}'.repeat(3000)}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^body(\.a\[0\])+ is nested more than 32 levels deep$/);
  });

  it('multipart filenames are made storable: NULs removed, a split surrogate pair mended', async () => {
    const investor = await registerInvestor(app, 'text@investor.example');
    const created = await app.inject({
      method: 'POST',
      url: '/onboarding/applications',
      headers: investor.headers,
      payload: individual('Doe'),
    });
    const id = created.json().id as string;
    // 254 characters and an emoji: cutting the name at 255 UTF-16 units splits the emoji.
    const long = `${'a'.repeat(254)}📈.pdf`;
    for (const [sent, stored] of [
      ['pass\u0000port.pdf', 'passport.pdf'],
      [long, `${'a'.repeat(254)}\ufffd`],
    ]) {
      const m = multipart(sent!, 'application/pdf', PDF);
      const res = await app.inject({
        method: 'POST',
        url: `/onboarding/applications/${id}/documents?type=id`,
        headers: { ...investor.headers, ...m.headers },
        payload: m.payload,
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().filename).toBe(stored);
    }
  });

  it('a correctly signed webhook with a NUL in its body is refused as malformed and audited', async () => {
    const secret = env.config.kyc.sandboxWebhookSecret!;
    const body = JSON.stringify({
      eventId: 'evt-\u0000-1',
      type: 'applicantReviewed',
      applicationId: '00000000-0000-4000-8000-000000000000',
      verdict: 'GREEN',
      labels: [],
      occurredAt: new Date().toISOString(),
    });
    const res = await app.inject({
      method: 'POST',
      url: '/kyc/webhooks/sandbox',
      headers: {
        'content-type': 'application/json',
        [SANDBOX_SIGNATURE_HEADER]: signSandbox(secret, body, Math.floor(Date.now() / 1000)),
      },
      payload: body,
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toBe('Webhook refused: The webhook body.eventId contains a NUL character');
    const audit = await app.inject({
      method: 'GET',
      url: '/audit?action=kyc.webhook-rejected',
      headers: auth,
    });
    expect(audit.json().items[0].data).toMatchObject({ reason: 'malformed' });
  });

  it('a value the database refuses is a 400 that names the problem, never the SQL', () => {
    const pg = Object.assign(
      new Error(
        'select * from "audit_entry" where "seq" = $1 - value "1e20" is out of range for type bigint',
      ),
      {
        code: '22003',
      },
    );
    const err = toAppError(new DriverException(pg));
    expect(err).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(err!.message).toBe(
      'Invalid request: a number is out of range (value "1e20" is out of range for type bigint)',
    );
    expect(err!.message).not.toMatch(/select|audit_entry/);
  });

  it('an out-of-range number reaching the database is a 400, not a 500', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/operations?offset=99999999999999999999',
      headers: auth,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^Invalid request: /);
  });
});
