import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { sandboxWebhook } from '../src/modules/kyc/sandbox.js';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { auth, createTestEnv, QUEUE_MODES, type TestEnv } from './helpers.js';
import { applyAndSubmit, registerInvestor, staff } from './onboarding-helpers.js';

describe.each(QUEUE_MODES)('investor onboarding journey (%s queue)', (mode) => {
  let env: TestEnv;
  let app: FastifyInstance;
  let queue: ReturnType<TestEnv['makeQueue']>;
  let cddKey: Record<string, string>;
  let secret: string;

  beforeAll(async () => {
    env = await createTestEnv();
    queue = env.makeQueue(mode);
    app = await env.app({ queue });
    secret = env.config.kyc.sandboxWebhookSecret!;
    const cdd = await staff(app, `cdd-${mode}@provider.example`, ['cdd-provider']);
    const key = await app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: cdd.headers,
      payload: { name: 'provider system' },
    });
    expect(key.statusCode).toBe(201);
    expect(key.json().token).toMatch(/^stoa_/);
    cddKey = { 'x-api-key': key.json().token as string };
  });
  afterAll(async () => {
    await env.close();
  });

  const webhook = (body: string, headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/kyc/webhooks/sandbox', headers, payload: body });
  const trail = async (subjectId: string) =>
    (await env.db.orm.em.fork().find(AuditEntry, { subjectId }, { orderBy: { seq: 'asc' } })).map(
      (e) => e.action,
    );

  it('registers, applies, passes sandbox KYC by signed webhook, is attested with an API key, and gets claims on chain', async () => {
    const investor = await registerInvestor(app, `alice-${mode}@investor.example`);
    expect(investor.cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const id = await applyAndSubmit(app, investor.headers, 'Investor');
    await queue.drain();
    let got = await app.inject({
      method: 'GET',
      url: `/onboarding/applications/${id}`,
      headers: investor.headers,
    });
    expect(got.json()).toMatchObject({
      status: 'submitted',
      kyc: { status: 'pending', applicantId: `sandbox-${id}` },
    });
    expect(got.json().regCfLimit).toBe('124000.00');

    // A tampered delivery is refused and recorded.
    const signed = sandboxWebhook(secret, { applicationId: id, scenario: 'clear' });
    const tampered = signed.body.replace('"GREEN"', '"GREEN" ').replace('Investor', 'Investor');
    const bad = await webhook(tampered.replace('applicantReviewed', 'applicantReviewed2'), signed.headers);
    expect(bad.statusCode).toBe(401);
    expect(bad.json().message).toMatch(/Signature does not match/);
    const unsigned = await webhook(signed.body, { 'content-type': 'application/json' });
    expect(unsigned.statusCode).toBe(401);

    const ok = await webhook(signed.body, signed.headers);
    expect(ok.statusCode).toBe(202);
    // The same delivery again (a vendor retrying) is acknowledged as the same event.
    const replay = await webhook(signed.body, signed.headers);
    expect(replay.statusCode).toBe(202);
    expect(replay.json().id).toBe(ok.json().id);
    await queue.drain();
    got = await app.inject({
      method: 'GET',
      url: `/onboarding/applications/${id}`,
      headers: investor.headers,
    });
    expect(got.json()).toMatchObject({ status: 'in-review', kyc: { status: 'green' } });

    // The CDD provider's system works with its API key: the queue, accreditation, attestation.
    const queueRes = await app.inject({ method: 'GET', url: '/cdd/applications', headers: cddKey });
    expect(queueRes.statusCode).toBe(200);
    expect(queueRes.json().items.map((a: { id: string }) => a.id)).toContain(id);
    const acc = await app.inject({
      method: 'POST',
      url: `/onboarding/applications/${id}/accreditation/review`,
      headers: cddKey,
      payload: { decision: 'verified', reason: 'W-2 for two years reviewed' },
    });
    expect(acc.statusCode).toBe(200);
    const days = (new Date(acc.json().accreditation.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(90);

    const attest = await app.inject({
      method: 'POST',
      url: `/cdd/applications/${id}/attest`,
      headers: cddKey,
      payload: {},
    });
    expect(attest.statusCode).toBe(202);
    // The account's POLYX for its own fees goes with the registration, in the same transaction.
    expect(attest.json().operations.map((o: { kind: string }) => o.kind)).toEqual([
      'identity.cddRegisterDid',
      'balances.transfer',
    ]);
    await queue.drain();

    const me = await app.inject({ method: 'GET', url: '/identities/me', headers: investor.headers });
    expect(me.statusCode).toBe(200);
    const identity = me.json();
    expect(identity).toMatchObject({ standing: 'good', custodial: true });
    expect(identity.did).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await env.ledger.identityOf(identity.account)).toBe(identity.did);
    expect(await env.ledger.hasValidCdd(identity.did)).toBe(true);
    const claims = await env.ledger.claims(identity.did);
    const types = claims.map((c) => c.claim.type).sort();
    expect(types).toEqual(['Accredited', 'CustomerDueDiligence', 'Jurisdiction', 'KnowYourCustomer']);
    const jur = claims.find((c) => c.claim.type === 'Jurisdiction')!;
    expect(jur.claim).toMatchObject({ code: 'Us' });
    expect(claims.every((c) => c.expiry !== null)).toBe(true);
    // INVESTOR_POLYX_GRANT's default.
    expect((await env.ledger.polyxBalance(identity.account)).total).toBe('50');
    expect(identity.claims.every((c: { status: string }) => c.status === 'active')).toBe(true);

    // Re-attesting renews instead of failing.
    const again = await app.inject({
      method: 'POST',
      url: `/cdd/applications/${id}/attest`,
      headers: cddKey,
      payload: { claimsExpireAt: new Date(Date.now() + 200 * 86_400_000).toISOString() },
    });
    expect(again.statusCode).toBe(202);
    expect(again.json().operations.every((o: { kind: string }) => o.kind === 'identity.addClaim')).toBe(true);
    await queue.drain();
    const renewed = await env.ledger.claims(identity.did);
    expect(renewed).toHaveLength(4);
    const failed = await env.db.orm.em.fork().count(ChainOperation, { status: 'failed' });
    expect(failed).toBe(0);

    // The whole trail is in the audit log, and the log is intact.
    const actions = await trail(id);
    for (const a of [
      'application.created',
      'document.uploaded',
      'application.submitted',
      'kyc.applicant-created',
      'kyc.verdict',
      'application.in-review',
      'accreditation.verified',
      'application.approved',
      'cdd.attested',
    ]) {
      expect(actions).toContain(a);
    }
    const idTrail = await trail(identity.id);
    expect(idTrail).toEqual(expect.arrayContaining(['identity.registered', 'cdd.attest-completed']));
    const rejected = await env.db.orm.em.fork().find(AuditEntry, { action: 'kyc.webhook-rejected' });
    expect(rejected.map((r) => r.data.reason).sort()).toEqual(['bad-signature', 'missing-signature']);
    const verified = await app.inject({ method: 'GET', url: '/audit/verify', headers: auth });
    expect(verified.json()).toMatchObject({ ok: true, problems: [] });
  });

  it('never takes a RED verdict to the chain', async () => {
    const investor = await registerInvestor(app, `red-${mode}@investor.example`);
    const id = await applyAndSubmit(app, investor.headers, 'Redford');
    await queue.drain();
    const signed = sandboxWebhook(secret, { applicationId: id, scenario: 'rejected' });
    expect((await webhook(signed.body, signed.headers)).statusCode).toBe(202);
    await queue.drain();
    const got = await app.inject({
      method: 'GET',
      url: `/onboarding/applications/${id}`,
      headers: investor.headers,
    });
    // A person decides on a RED verdict: it waits in review; one reviewer alone cannot attest it.
    expect(got.json()).toMatchObject({ status: 'in-review', kyc: { status: 'red' } });
    const attest = await app.inject({
      method: 'POST',
      url: `/cdd/applications/${id}/attest`,
      headers: cddKey,
      payload: {},
    });
    expect(attest.statusCode).toBe(422);
    expect(attest.json().message).toMatch(/returned RED.*two different reviewers/);
    const reject = await app.inject({
      method: 'POST',
      url: `/cdd/applications/${id}/reject`,
      headers: cddKey,
      payload: { reason: 'We could not verify your identity document.' },
    });
    expect(reject.json()).toMatchObject({
      status: 'rejected',
      decisionReason: 'We could not verify your identity document.',
    });
    const me = await app.inject({ method: 'GET', url: '/identities/me', headers: investor.headers });
    expect(me.statusCode).toBe(404);
    expect(await trail(id)).toEqual(expect.arrayContaining(['kyc.verdict', 'application.rejected']));
  });

  it('revokes the claims on chain when an attested investor gets a sanctions hit', async () => {
    const investor = await registerInvestor(app, `sanction-${mode}@investor.example`);
    const id = await applyAndSubmit(app, investor.headers, 'Smith');
    await queue.drain();
    const green = sandboxWebhook(secret, { applicationId: id, scenario: 'clear' });
    await webhook(green.body, green.headers);
    await queue.drain();
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/cdd/applications/${id}/attest`,
          headers: cddKey,
          payload: {},
        })
      ).statusCode,
    ).toBe(202);
    await queue.drain();
    const did = (await app.inject({ method: 'GET', url: '/identities/me', headers: investor.headers })).json()
      .did as string;
    expect(await env.ledger.hasValidCdd(did)).toBe(true);

    const hit = sandboxWebhook(secret, { applicationId: id, scenario: 'sanctions' });
    expect((await webhook(hit.body, hit.headers)).statusCode).toBe(202);
    await queue.drain();
    const me = (await app.inject({ method: 'GET', url: '/identities/me', headers: investor.headers })).json();
    expect(me.standing).toBe('revoked');
    expect(await env.ledger.claims(did)).toHaveLength(0);
    expect(await env.ledger.hasValidCdd(did)).toBe(false);
  });

  it('notifies about claims expiring soon and marks lapsed investors not in good standing', async () => {
    const investor = await registerInvestor(app, `expiry-${mode}@investor.example`);
    const id = await applyAndSubmit(app, investor.headers, 'Jones');
    await queue.drain();
    const green = sandboxWebhook(secret, { applicationId: id, scenario: 'clear' });
    await webhook(green.body, green.headers);
    await queue.drain();
    const soon = new Date(Date.now() + 20 * 86_400_000).toISOString();
    await app.inject({
      method: 'POST',
      url: `/cdd/applications/${id}/attest`,
      headers: cddKey,
      payload: { claimsExpireAt: soon },
    });
    await queue.drain();
    const scans = app.investors.identities;
    const first = await scans.scan(new Date());
    expect(first.notified).toBeGreaterThanOrEqual(2); // KYC + Jurisdiction within 30 days
    expect((await scans.scan(new Date())).notified).toBe(0); // never twice
    const notes = await app.inject({ method: 'GET', url: '/notifications', headers: investor.headers });
    expect(notes.json().items.some((n: { kind: string }) => n.kind === 'claims.expiring')).toBe(true);
    const lapsed = await scans.scan(new Date(Date.now() + 21 * 86_400_000));
    expect(lapsed.expired).toBeGreaterThanOrEqual(2);
    const me = (await app.inject({ method: 'GET', url: '/identities/me', headers: investor.headers })).json();
    expect(me.standing).toBe('not-in-good-standing');
    expect(await trail(me.id)).toEqual(
      expect.arrayContaining(['claim.expiring-notified', 'claim.expired', 'identity.standing-changed']),
    );
  });
});
