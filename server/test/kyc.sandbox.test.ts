import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { KycWebhookEvent } from '../src/modules/kyc/entity.js';
import { Application } from '../src/modules/onboarding/entity.js';
import { auth, createTestEnv, QUEUE_MODES, type TestEnv } from './helpers.js';
import { applyAndSubmit, registerInvestor } from './onboarding-helpers.js';

/**
 * The sandbox vendor decides by itself: after KYC_SANDBOX_DELAY_MS its signed verdict reaches
 * the server's own webhook route — nobody sends a webhook here — and the verdict is the scenario
 * the applicant picked.
 */
describe.each(QUEUE_MODES)('sandbox vendor: verdicts arrive by themselves (%s queue)', (mode) => {
  let env: TestEnv;
  let queue: ReturnType<TestEnv['makeQueue']>;
  let app: FastifyInstance;
  const DELAY = 150;

  beforeAll(async () => {
    env = await createTestEnv();
    queue = env.makeQueue(mode);
    app = await env.app({ queue, config: { kyc: { ...env.config.kyc, sandboxDelayMs: DELAY } } });
  });
  afterAll(async () => {
    await env.close();
  });

  const get = async (id: string, headers: Record<string, string>) =>
    (await app.inject({ method: 'GET', url: `/onboarding/applications/${id}`, headers })).json();
  // What a reviewer sees: screening results are for staff, never in the investor's own view.
  const reviewed = async (id: string) =>
    (await app.inject({ method: 'GET', url: `/cdd/applications/${id}`, headers: auth })).json();
  const count = (action: string, subjectId: string) =>
    env.db.orm.em.fork().count(AuditEntry, { action, subjectId });

  it('tells the portal that sandbox mode is on and which scenarios there are', async () => {
    const res = await app.inject({ method: 'GET', url: '/kyc/config' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      provider: 'sandbox',
      sandbox: true,
      scenarios: ['clear', 'rejected', 'retry', 'sanctions', 'pep'],
      sandboxDelayMs: DELAY,
      webSdk: false,
    });
  });

  it('"clear": the GREEN verdict arrives after the delay, through the signed webhook route, once', async () => {
    const inv = await registerInvestor(app, `sb-clear-${mode}@investor.example`);
    const started = Date.now();
    // A surname that the old substring rules read as RED: the scenario decides now.
    const id = await applyAndSubmit(app, inv.headers, 'Redford', { sandboxScenario: 'clear' });
    expect(await get(id, inv.headers)).toMatchObject({
      status: 'submitted',
      kyc: { provider: 'sandbox', status: 'pending', scenario: 'clear' },
    });
    await queue.drain();
    expect(Date.now() - started).toBeGreaterThanOrEqual(DELAY);
    expect(await get(id, inv.headers)).toMatchObject({ status: 'in-review', kyc: { status: 'green' } });
    const events = await env.db.orm.em.fork().find(KycWebhookEvent, { applicationId: id });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ provider: 'sandbox', type: 'applicantReviewed', outcome: 'GREEN' });
    // It went through the route's verification: recorded as a received webhook.
    expect(await count('kyc.webhook-received', events[0]!.id)).toBe(1);

    // Delivered again (a retry, a restart): the same event, applied once.
    const row = await env.db.orm.em.fork().findOneOrFail(Application, { id });
    await env.db.orm.em
      .fork()
      .nativeUpdate(Application, { id }, { kycStatus: 'pending', status: 'submitted' });
    await app.investors.kyc.deliverSandboxVerdict(id, row.submittedAt!.toISOString());
    await queue.drain();
    expect(await env.db.orm.em.fork().count(KycWebhookEvent, { applicationId: id })).toBe(1);
    expect(await count('kyc.verdict', id)).toBe(1);
  });

  it('"pep" and "sanctions" produce screening hits; "rejected" gives RED for a reviewer', async () => {
    const pepInv = await registerInvestor(app, `sb-pep-${mode}@investor.example`);
    const pep = await applyAndSubmit(app, pepInv.headers, 'Smith', { sandboxScenario: 'pep' });
    const sanInv = await registerInvestor(app, `sb-san-${mode}@investor.example`);
    const san = await applyAndSubmit(app, sanInv.headers, 'Smith', { sandboxScenario: 'sanctions' });
    const redInv = await registerInvestor(app, `sb-red-${mode}@investor.example`);
    const red = await applyAndSubmit(app, redInv.headers, 'Smith', { sandboxScenario: 'rejected' });
    await queue.drain();
    expect((await get(pep, pepInv.headers)).kyc.screening ?? null).toBeNull();
    expect(await reviewed(pep)).toMatchObject({
      status: 'in-review',
      kyc: { status: 'green', screening: { provider: 'sandbox', pepHit: true, sanctionsHit: false } },
    });
    // A RED verdict waits for a person: rejected in a reviewer's words, or overridden by two.
    expect(await reviewed(san)).toMatchObject({
      status: 'in-review',
      kyc: { status: 'red', screening: { sanctionsHit: true, pepHit: false } },
    });
    expect(await reviewed(red)).toMatchObject({
      status: 'in-review',
      kyc: { status: 'red', screening: { labels: ['FORGERY'] } },
    });
  });

  it('"retry" asks for a resubmission; the resubmission gets its own verdict', async () => {
    const inv = await registerInvestor(app, `sb-retry-${mode}@investor.example`);
    const id = await applyAndSubmit(app, inv.headers, 'Smith', { sandboxScenario: 'retry' });
    await queue.drain();
    expect(await get(id, inv.headers)).toMatchObject({ status: 'needs-more-info', kyc: { status: 'retry' } });
    const again = await app.inject({
      method: 'POST',
      url: `/onboarding/applications/${id}/submit?sandboxScenario=clear`,
      headers: inv.headers,
    });
    expect(again.statusCode).toBe(200);
    await queue.drain();
    expect(await get(id, inv.headers)).toMatchObject({ status: 'in-review', kyc: { status: 'green' } });
    expect(await env.db.orm.em.fork().count(KycWebhookEvent, { applicationId: id })).toBe(2);
  });

  it('refuses an unknown scenario in words', async () => {
    const inv = await registerInvestor(app, `sb-bad-${mode}@investor.example`);
    await expect(applyAndSubmit(app, inv.headers, 'Smith', { sandboxScenario: 'green' })).rejects.toThrow(
      /submit failed: .*400/s,
    );
  });

  it('a verdict still owed when the server stops is delivered after it starts again', async () => {
    const slowQueue = env.makeQueue(mode);
    const slow = await env.app({
      queue: slowQueue,
      config: { kyc: { ...env.config.kyc, sandboxDelayMs: 3000 } },
    });
    const inv = await registerInvestor(slow, `sb-restart-${mode}@investor.example`);
    const id = await applyAndSubmit(slow, inv.headers, 'Smith', { sandboxScenario: 'pep' });
    // The submission reached the sandbox; its verdict is seconds away when the server stops.
    for (let i = 0; i < 50; i++) {
      const a = await env.db.orm.em.fork().findOneOrFail(Application, { id });
      if (a.kycSentAt) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await slowQueue.close();
    await slow.close();
    expect((await env.db.orm.em.fork().findOneOrFail(Application, { id })).kycStatus).toBe('pending');
    // Back up (BullMQ kept the delayed job in Redis; inline, start-up schedules it again).
    const nextQueue = env.makeQueue(mode);
    const next = await env.app({
      queue: nextQueue,
      config: { kyc: { ...env.config.kyc, sandboxDelayMs: 10 } },
    });
    await nextQueue.drain();
    const a = await env.db.orm.em.fork().findOneOrFail(Application, { id });
    expect(a).toMatchObject({ status: 'in-review', kycStatus: 'green' });
    expect(a.screening).toMatchObject({ pepHit: true });
    expect(next.investors.kyc.sandboxMode).toBe(true);
  });
});
