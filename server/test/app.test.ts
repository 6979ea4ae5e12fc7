import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, createTestEnv, type TestEnv } from './helpers.js';

let env: TestEnv;
let app: FastifyInstance;

beforeAll(async () => {
  env = await createTestEnv();
  app = await env.app();
});
afterAll(async () => {
  await env.close();
});

describe('health', () => {
  it('reports database, queue and chain with versions', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.checks.database).toMatchObject({ status: 'ok', kind: env.db.kind });
    expect(body.checks.database.version).toMatch(/^PostgreSQL \d+/);
    expect(body.checks.queue).toMatchObject({ status: 'ok', mode: 'inline' });
    expect(body.checks.chain).toMatchObject({ status: 'ok', adapter: 'embedded' });
    expect(body.checks.chain.blockHeight).toBeGreaterThanOrEqual(0);
  });

  it('turns degraded (503) when the chain is down', async () => {
    const broken = await env.app();
    const info = env.ledger.info.bind(env.ledger);
    env.ledger.info = async () => {
      throw new Error('connection refused');
    };
    try {
      const res = await broken.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        status: 'degraded',
        checks: { chain: { status: 'down', error: 'connection refused' } },
      });
    } finally {
      env.ledger.info = info;
    }
  });
});

describe('errors are 4xx JSON that name the problem', () => {
  it('unknown route → 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/no/such/thing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      code: 'NOT_FOUND',
      message: 'Route GET /no/such/thing does not exist; see /docs',
    });
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('no credentials → 401', async () => {
    const res = await app.inject({ method: 'GET', url: '/operations' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(res.json().message).toMatch(/Authorization: Bearer/);
  });

  it('wrong token → 401, malformed header → 401', async () => {
    const wrong = await app.inject({
      method: 'GET',
      url: '/operations',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().message).toMatch(/not valid/);
    const malformed = await app.inject({
      method: 'GET',
      url: '/operations',
      headers: { authorization: 'Basic abc' },
    });
    expect(malformed.statusCode).toBe(401);
    expect(malformed.json().message).toMatch(/Bearer <token>/);
  });

  it('malformed JSON → 400', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/operations/remarks',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"remark": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BAD_REQUEST' });
    expect(res.json().message).toMatch(/not valid JSON/);
  });

  it('body failing the schema → 400 with the fields', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/operations/remarks',
      headers: auth,
      payload: { remark: '', extra: 1 },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    const fields = body.details.fields.map((f: { field: string }) => f.field);
    expect(fields).toContain('/body/remark');
    expect(body.message).toMatch(/\/body\/remark/);
  });

  it('a body with many bad items names the first 20 and counts the rest', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/assets/00000000-0000-4000-8000-000000000000/agent-groups',
      headers: auth,
      payload: { permissions: { type: 'Include', values: Array.from({ length: 45 }, () => '1') } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.fields).toHaveLength(20);
    expect(res.json().details.fields[0].field).toBe('/body/permissions/values/0');
    expect(res.json().message).toMatch(/ \(and 25 more\)$/);
  });

  it('missing required field is named', async () => {
    const res = await app.inject({ method: 'POST', url: '/operations/remarks', headers: auth, payload: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.fields).toContainEqual(expect.objectContaining({ field: '/body/remark' }));
  });

  it('wrong content type → 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/operations/remarks',
      headers: { ...auth, 'content-type': 'text/xml' },
      payload: '<remark/>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('oversized body → 413', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/operations/remarks',
      headers: auth,
      payload: { remark: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('bad path parameter → 400', async () => {
    const res = await app.inject({ method: 'GET', url: '/operations/not-a-uuid', headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.fields[0].field).toBe('/params/id');
  });

  it('unknown operation → 404 naming it', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const res = await app.inject({ method: 'GET', url: `/operations/${id}`, headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toBe(`Chain operation ${id} does not exist`);
  });

  it('an unexpected failure is a 500 without its text', async () => {
    const get = env.db.orm.em.getConnection().execute;
    const res = await (async () => {
      const conn = env.db.orm.em.getConnection();
      conn.execute = async () => {
        throw new Error('secret internals');
      };
      try {
        return await app.inject({ method: 'GET', url: '/operations', headers: auth });
      } finally {
        conn.execute = get;
      }
    })();
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/secret internals/);
    expect(res.json()).toMatchObject({ code: 'INTERNAL' });
  });
});

describe('OpenAPI', () => {
  it('serves the document at /docs/json and the UI at /docs', async () => {
    const doc = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    const spec = doc.json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/health', '/operations/{id}', '/operations/remarks']),
    );
    expect(spec.components.schemas.ErrorBody).toBeDefined();
    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });

  it('documents every route the app serves', async () => {
    const spec = app.swagger() as { paths: Record<string, Record<string, { responses?: object }>> };
    const undocumented = app.routeCatalog
      .filter((r) => !['HEAD', 'OPTIONS'].includes(r.method) && !r.url.startsWith('/docs'))
      .filter((r) => !spec.paths[r.url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[r.method.toLowerCase()]?.responses)
      .map((r) => `${r.method} ${r.url}`);
    expect(undocumented).toEqual([]);
  });

  it('sets security headers and echoes request ids', async () => {
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
  });
});
