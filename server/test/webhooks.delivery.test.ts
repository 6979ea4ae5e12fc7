import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InlineQueue } from '../src/jobs/inline.js';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { Venue } from '../src/modules/venues/entity.js';
import { WebhookDelivery } from '../src/modules/webhooks/entity.js';
import { WebhookService } from '../src/modules/webhooks/service.js';
import { SIGNATURE_HEADER, verifySignature } from '../src/modules/webhooks/signature.js';
import { createTestEnv, type TestEnv } from './helpers.js';

/** A receiver as `fetch` sees it: answers with the statuses given, in turn, and records each call. */
function fakeFetch(statuses: number[]) {
  const calls: { url: string; headers: Record<string, string>; body: string }[] = [];
  const impl = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({
      url: String(url),
      headers: init!.headers as Record<string, string>,
      body: String(init!.body),
    });
    const status = statuses[Math.min(calls.length - 1, statuses.length - 1)]!;
    return new Response(status === 599 ? null : 'ok', { status: status === 599 ? 500 : status });
  }) as typeof fetch;
  return { calls, impl };
}

describe('webhook deliveries', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let venueId: string;

  const record = async (svc: WebhookService, key: string) =>
    app.infra.db.orm.em
      .fork()
      .transactional((tx) => svc.record(tx, venueId, 'trade.settled', key, { tradeId: key }));
  const row = (id: string) => app.infra.db.orm.em.fork().findOneOrFail(WebhookDelivery, { id });

  beforeAll(async () => {
    env = await createTestEnv();
    app = await env.app();
    const em = app.infra.db.orm.em.fork();
    const v = new Venue();
    Object.assign(v, {
      name: 'Delivery Test Venue',
      kind: 'external',
      venueType: 'Exchange',
      registeredBy: 'test',
      webhookUrl: 'https://hooks.example/stoa',
      webhookSecret: 'whsec_test_secret',
    });
    await em.persist(v).flush();
    venueId = v.id;
  });
  afterAll(async () => env.close());

  it('retries with backoff, then records the failure after the last attempt (audited)', async () => {
    const queue = new InlineQueue();
    const receiver = fakeFetch([500, 503, 500]);
    const svc = new WebhookService(app.infra.db.orm, queue, app.services.audit, app.log, {
      attempts: 3,
      backoffMs: 20,
      fetch: receiver.impl,
    });
    const d = (await record(svc, 'fails'))!;
    await queue.start();
    await svc.queued([d]);
    await queue.drain();
    expect(receiver.calls).toHaveLength(3);
    const after = await row(d.id);
    expect(after).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: 500 });
    expect(after.lastError).toBe('the receiver answered 500');
    const audit = await app.infra.db.orm.em
      .fork()
      .find(AuditEntry, { action: 'webhook.failed', subjectId: d.id });
    expect(audit).toHaveLength(1);
    // Every attempt carried the same event and a valid signature.
    for (const c of receiver.calls) {
      expect(verifySignature('whsec_test_secret', c.body, c.headers[SIGNATURE_HEADER])).toBeNull();
      expect(JSON.parse(c.body).id).toBe(d.id);
    }
    await queue.close();
  });

  it('records one event per outcome: the same dedupe key again records nothing', async () => {
    const svc = new WebhookService(app.infra.db.orm, new InlineQueue(), app.services.audit, app.log);
    expect(await record(svc, 'once')).not.toBeNull();
    expect(await record(svc, 'once')).toBeNull();
    expect(await app.infra.db.orm.em.fork().count(WebhookDelivery, { dedupeKey: 'once' })).toBe(1);
  });

  it('sends after a restart what was recorded before it, once', async () => {
    // Recorded by an instance that stopped before sending anything.
    const before = new WebhookService(app.infra.db.orm, new InlineQueue(), app.services.audit, app.log);
    const d = (await record(before, 'restart'))!;
    const queue = new InlineQueue();
    const receiver = fakeFetch([200]);
    const after = new WebhookService(app.infra.db.orm, queue, app.services.audit, app.log, {
      fetch: receiver.impl,
    });
    await queue.start();
    expect(await after.sweep()).toBeGreaterThanOrEqual(1);
    await queue.drain();
    expect((await row(d.id)).status).toBe('delivered');
    // Another sweep (the next start) finds nothing left to send.
    await after.sweep();
    await queue.drain();
    expect(receiver.calls.filter((c) => JSON.parse(c.body).id === d.id)).toHaveLength(1);
    await queue.close();
  });
});
