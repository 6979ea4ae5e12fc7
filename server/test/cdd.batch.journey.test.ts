import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { Notification } from '../src/modules/identities/entity.js';
import { Application } from '../src/modules/onboarding/entity.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { applyAndSubmit, readyForAttestation, registerInvestor, staff } from './onboarding-helpers.js';

describe('bulk attestation through the CDD API', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let queue: ReturnType<TestEnv['makeQueue']>;
  let key: Record<string, string>;
  let reviewer: Record<string, string>;

  beforeAll(async () => {
    env = await createTestEnv();
    queue = env.makeQueue('inline');
    // The sandbox vendor decides by itself, at once.
    app = await env.app({ queue, config: { kyc: { ...env.config.kyc, sandboxDelayMs: 0 } } });
    const cdd = await staff(app, 'bulk-cdd@provider.example', ['cdd-provider']);
    reviewer = cdd.headers;
    const res = await app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: cdd.headers,
      payload: { name: 'provider system' },
    });
    key = { 'x-api-key': res.json().token as string };
  });
  afterAll(async () => {
    await env.close();
  });

  /** The applicants' user ids. */
  const usersOf = async (applicationIds: string[]) =>
    (await env.db.orm.em.fork().find(Application, { id: { $in: applicationIds } })).map((a) => a.userId);

  const ready = (tag: string, n: number) => readyForAttestation(app, queue, key, `bulk-${tag}`, n);

  it('attests the applications it can, refuses the others each with its own reason, and takes every investor to good standing', async () => {
    const good = await ready('a', 5);
    const waiting = await registerInvestor(app, 'bulk-waiting@investor.example');
    const notGreen = await applyAndSubmit(app, waiting.headers, 'Waiting');
    const unknown = randomUUID();
    const res = await app.inject({
      method: 'POST',
      url: '/cdd/attestations',
      headers: key,
      payload: {
        items: [
          ...good.slice(0, 3).map((g) => ({ applicationId: g.id })),
          { applicationId: notGreen },
          { applicationId: unknown },
          ...good.slice(3).map((g) => ({ applicationId: g.id, polyx: '75' })),
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.attested).toBe(5);
    expect(body.results.map((r: { applicationId: string }) => r.applicationId)).toEqual([
      ...good.slice(0, 3).map((g) => g.id),
      notGreen,
      unknown,
      ...good.slice(3).map((g) => g.id),
    ]);
    expect(body.results.map((r: { status: string }) => r.status)).toEqual([
      'attested',
      'attested',
      'attested',
      'refused',
      'refused',
      'attested',
      'attested',
    ]);
    expect(body.results[3].error).toMatchObject({ code: 'RULE_VIOLATION', statusCode: 422 });
    expect(body.results[3].error.message).toMatch(/no final verdict yet/);
    expect(body.results[4].error).toMatchObject({ statusCode: 404 });
    for (const r of body.results.filter((x: { status: string }) => x.status === 'attested'))
      // The account's POLYX grant is recorded with its registration.
      expect(r.operations.map((o: { kind: string }) => o.kind)).toEqual([
        'identity.cddRegisterDid',
        'balances.transfer',
      ]);

    await queue.drain();
    for (const [i, inv] of good.entries()) {
      const me = await app.inject({ method: 'GET', url: '/identities/me', headers: inv.headers });
      expect(me.json()).toMatchObject({ standing: 'good', custodial: true });
      const did = me.json().did as string;
      expect((await env.ledger.claims(did)).map((c) => c.claim.type).sort()).toEqual([
        'Accredited',
        'CustomerDueDiligence',
        'Jurisdiction',
        'KnowYourCustomer',
      ]);
      // INVESTOR_POLYX_GRANT (50) unless the item names its own amount.
      expect((await env.ledger.polyxBalance(me.json().account as string)).total).toBe(i < 3 ? '50' : '75');
      const app_ = await app.inject({
        method: 'GET',
        url: `/onboarding/applications/${inv.id}`,
        headers: inv.headers,
      });
      expect(app_.json().status).toBe('approved');
    }
    const em = env.db.orm.em.fork();
    const attested = await em.find(AuditEntry, {
      action: 'cdd.attested',
      subjectId: { $in: good.map((g) => g.id) },
    });
    expect(attested).toHaveLength(5);
    // The refused application is untouched: still waiting, no trail of an attestation.
    expect(await em.count(AuditEntry, { action: 'cdd.attested', subjectId: notGreen })).toBe(0);
    const approved = await em.find(Notification, {
      kind: 'application.approved',
      userId: { $in: await usersOf(good.map((g) => g.id)) },
    });
    expect(approved).toHaveLength(5);
    const verified = await em.find(Notification, {
      kind: 'claims.issued',
      userId: { $in: await usersOf(good.map((g) => g.id)) },
    });
    expect(verified).toHaveLength(5);
  });

  it('attests each application once when batches that share applications run at the same time', async () => {
    const invs = await ready('b', 6);
    const ids = invs.map((i) => i.id);
    const batches = [ids.slice(0, 4), ids.slice(2, 6), ids.slice(1, 5)];
    const answers = await Promise.all(
      batches.map((b) =>
        app.inject({
          method: 'POST',
          url: '/cdd/attestations',
          headers: key,
          payload: { items: b.map((applicationId) => ({ applicationId })) },
        }),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    const outcomes = answers.flatMap(
      (a) => a.json().results as { applicationId: string; status: string; error?: { message: string } }[],
    );
    for (const id of ids) {
      const mine = outcomes.filter((o) => o.applicationId === id);
      expect(mine.filter((o) => o.status === 'attested')).toHaveLength(1);
      for (const o of mine.filter((x) => x.status === 'refused'))
        expect(o.error!.message).toMatch(/still in progress|renew/);
    }
    await queue.drain();
    const em = env.db.orm.em.fork();
    expect(await em.count(AuditEntry, { action: 'cdd.attested', subjectId: { $in: ids } })).toBe(6);
  });

  it('refuses a malformed batch as a whole, with words that say what is wrong', async () => {
    const dup = randomUUID();
    const twice = await app.inject({
      method: 'POST',
      url: '/cdd/attestations',
      headers: key,
      payload: { items: [{ applicationId: dup }, { applicationId: dup }] },
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().message).toMatch(/appear once/);
    const none = await app.inject({
      method: 'POST',
      url: '/cdd/attestations',
      headers: key,
      payload: { items: [] },
    });
    expect(none.statusCode).toBe(400);
    const tooMany = await app.inject({
      method: 'POST',
      url: '/cdd/attestations',
      headers: key,
      payload: { items: Array.from({ length: 201 }, () => ({ applicationId: randomUUID() })) },
    });
    expect(tooMany.statusCode).toBe(400);
    const stray = await app.inject({
      method: 'POST',
      url: '/cdd/attestations',
      headers: key,
      payload: { items: [{ applicationId: randomUUID(), colour: 'red' }] },
    });
    expect(stray.statusCode).toBe(400);
    // Only those who may attest.
    const investor = await registerInvestor(app, 'bulk-nosy@investor.example');
    const forbidden = await app.inject({
      method: 'POST',
      url: '/cdd/attestations',
      headers: investor.headers,
      payload: { items: [{ applicationId: randomUUID() }] },
    });
    expect(forbidden.statusCode).toBe(403);
    expect(reviewer).toBeDefined();
  });
});
