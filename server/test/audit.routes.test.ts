import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '../src/modules/audit/service.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { registerInvestor, staff } from './onboarding-helpers.js';

let env: TestEnv;
let app: FastifyInstance;
let auditor: Record<string, string>;

beforeAll(async () => {
  env = await createTestEnv();
  app = await env.app();
  auditor = (await staff(app, 'auditor@example.com', ['auditor'])).headers;
  const audit = new AuditService();
  await env.db.orm.em.fork().transactional(async (tx) => {
    await audit.append(tx, {
      actor: 'cdd-1',
      action: 'kyc.verdict',
      subjectType: 'application',
      subjectId: 'a1',
      data: { verdict: 'GREEN, "clean"' },
    });
    await audit.append(tx, {
      actor: 'cdd-1',
      action: 'kyc.verdict',
      subjectType: 'application',
      subjectId: 'a2',
      data: { verdict: 'RED' },
    });
    await audit.append(tx, {
      actor: 'co-1',
      action: 'rules.changed',
      subjectType: 'asset',
      subjectId: 'x1',
      data: {},
    });
  });
});
afterAll(async () => {
  await env.close();
});

describe('audit trail API', () => {
  it('searches by action prefix, actor and subject', async () => {
    const kyc = await app.inject({ method: 'GET', url: '/audit?action=kyc.', headers: auditor });
    expect(kyc.statusCode).toBe(200);
    expect(kyc.json().items.map((e: { subjectId: string }) => e.subjectId)).toEqual(['a1', 'a2']);
    const one = await app.inject({
      method: 'GET',
      url: '/audit?subjectType=asset&subjectId=x1',
      headers: auditor,
    });
    expect(one.json()).toMatchObject({ total: 1, items: [{ action: 'rules.changed', actor: 'co-1' }] });
    const future = await app.inject({
      method: 'GET',
      url: '/audit?from=2999-01-01T00:00:00Z',
      headers: auditor,
    });
    expect(future.json().total).toBe(0);
  });

  it('verifies the chain', async () => {
    const res = await app.inject({ method: 'GET', url: '/audit/verify', headers: auditor });
    expect(res.json()).toMatchObject({ ok: true });
    expect(res.json().count).toBeGreaterThanOrEqual(3);
  });

  it('exports CSV with quoting intact, and JSON', async () => {
    const csv = await app.inject({ method: 'GET', url: '/audit/export?action=kyc.', headers: auditor });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="stoa-audit-.*\.csv"/);
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe('seq,at,actor,action,subjectType,subjectId,data,prevHash,hash');
    expect(lines).toHaveLength(3);
    expect(csv.body).toContain('"{""verdict"":""GREEN, \\""clean\\""""}"');
    const json = await app.inject({
      method: 'GET',
      url: '/audit/export?format=json&action=kyc.',
      headers: auditor,
    });
    expect(JSON.parse(json.body)).toHaveLength(2);
  });

  it('refuses investors and anonymous callers, and bad filters', async () => {
    const investor = await registerInvestor(app, 'curious@example.com');
    expect((await app.inject({ method: 'GET', url: '/audit', headers: investor.headers })).statusCode).toBe(
      403,
    );
    expect((await app.inject({ method: 'GET', url: '/audit' })).statusCode).toBe(401);
    const bad = await app.inject({ method: 'GET', url: '/audit?from=yesterday', headers: auditor });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.fields[0].field).toBe('/querystring/from');
  });
});
