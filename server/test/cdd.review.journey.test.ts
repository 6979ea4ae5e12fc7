import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { Attestation } from '../src/modules/identities/entity.js';
import { sandboxWebhook } from '../src/modules/kyc/sandbox.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { applyAndSubmit, individual, registerInvestor, staff } from './onboarding-helpers.js';

type Headers = Record<string, string>;

describe('CDD review workflow', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let secret: string;
  let ann: { headers: Headers; user: { id: string } };
  let bob: { headers: Headers; user: { id: string } };
  let cat: { headers: Headers; user: { id: string } };
  let n = 0;
  let queue: ReturnType<TestEnv['makeQueue']>;

  beforeAll(async () => {
    env = await createTestEnv();
    queue = env.makeQueue('inline');
    app = await env.app({ queue });
    secret = env.config.kyc.sandboxWebhookSecret;
    ann = await staff(app, 'ann@provider.example', ['cdd-provider']);
    bob = await staff(app, 'bob@provider.example', ['cdd-provider']);
    cat = await staff(app, 'cat@provider.example', ['cdd-provider']);
  });
  afterAll(async () => {
    await env.close();
  });

  const trail = async (subjectId: string) =>
    (await env.db.orm.em.fork().find(AuditEntry, { subjectId }, { orderBy: { seq: 'asc' } })).map((e) => ({
      action: e.action,
      actor: e.actor,
      data: e.data,
    }));
  const verdict = async (id: string, subjectName: string) => {
    const signed = sandboxWebhook(secret, { applicationId: id, subjectName });
    const res = await app.inject({
      method: 'POST',
      url: '/kyc/webhooks/sandbox',
      headers: signed.headers,
      payload: signed.body,
    });
    expect(res.statusCode).toBe(202);
    await queue.drain();
  };
  /** A submitted application by a new investor; with a verdict for `lastName` when `kyc` is set. */
  const submitted = async (lastName: string, kyc = true) => {
    n += 1;
    const investor = await registerInvestor(app, `${lastName.toLowerCase()}-${n}@investor.example`);
    const id = await applyAndSubmit(app, investor.headers, lastName);
    await queue.drain();
    if (kyc) await verdict(id, lastName);
    return { id, investor };
  };
  const attest = (id: string, headers: Headers, payload: Record<string, unknown> = {}) =>
    app.inject({ method: 'POST', url: `/cdd/applications/${id}/attest`, headers, payload });
  const get = async (id: string, headers: Headers) =>
    (await app.inject({ method: 'GET', url: `/cdd/applications/${id}`, headers })).json();

  it('starts a review and requests more information with the body the portal sends', async () => {
    const { id, investor } = await submitted('Early', false);
    const start = await app.inject({
      method: 'POST',
      url: `/onboarding/applications/${id}/review`,
      headers: ann.headers,
      payload: { action: 'start-review', reason: 'Looking at the documents now' },
    });
    expect(start.statusCode, start.body).toBe(200);
    expect(start.json().status).toBe('in-review');
    const ask = await app.inject({
      method: 'POST',
      url: `/onboarding/applications/${id}/review`,
      headers: ann.headers,
      payload: { action: 'request-info', reason: 'Please add a utility bill from the last three months' },
    });
    expect(ask.statusCode, ask.body).toBe(200);
    const mine = await app.inject({
      method: 'GET',
      url: `/onboarding/applications/${id}`,
      headers: investor.headers,
    });
    expect(mine.json()).toMatchObject({
      status: 'needs-more-info',
      decisionReason: 'Please add a utility bill from the last three months',
    });
    expect(mine.json().review).toBeUndefined();
    const extra = await app.inject({
      method: 'POST',
      url: `/onboarding/applications/${id}/review`,
      headers: ann.headers,
      payload: { action: 'start-review', reason: 'x'.repeat(10), note: 'not allowed' },
    });
    expect(extra.statusCode).toBe(400);
  });

  it('queues everything awaiting a decision by default, searches, sorts by age and shows assignment', async () => {
    const first = await submitted('Quinn', false); // submitted, no verdict yet
    const second = await submitted('Quartz'); // in review (GREEN)
    const all = (
      await app.inject({ method: 'GET', url: '/cdd/applications?limit=200', headers: ann.headers })
    ).json();
    const ids = all.items.map((a: { id: string }) => a.id);
    expect(ids).toEqual(expect.arrayContaining([first.id, second.id]));
    expect(all.items.every((a: { status: string }) => ['submitted', 'in-review'].includes(a.status))).toBe(
      true,
    );
    expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
    const newest = (
      await app.inject({ method: 'GET', url: '/cdd/applications?sort=newest', headers: ann.headers })
    ).json();
    expect(newest.items[0].id).toBe(second.id);
    expect(newest.items[0].kyc.screening).toMatchObject({ pepHit: false, sanctionsHit: false });

    const byName = (
      await app.inject({ method: 'GET', url: '/cdd/applications?q=quin', headers: ann.headers })
    ).json();
    expect(byName.items.map((a: { id: string }) => a.id)).toEqual([first.id]);
    const byMail = (
      await app.inject({ method: 'GET', url: '/cdd/applications?q=QUARTZ-', headers: ann.headers })
    ).json();
    expect(byMail.items.map((a: { id: string }) => a.id)).toEqual([second.id]);

    const reviewers = (
      await app.inject({ method: 'GET', url: '/cdd/reviewers', headers: ann.headers })
    ).json();
    expect(reviewers.items.map((r: { name: string }) => r.name)).toEqual(
      expect.arrayContaining(['ann@provider.example', 'bob@provider.example']),
    );
    const toMe = await app.inject({
      method: 'POST',
      url: `/cdd/applications/${first.id}/assign`,
      headers: ann.headers,
      payload: { reviewer: 'me' },
    });
    expect(toMe.statusCode, toMe.body).toBe(200);
    expect(toMe.json().review.assignedTo).toEqual({ id: ann.user.id, name: 'ann@provider.example' });
    const toBob = await app.inject({
      method: 'POST',
      url: `/cdd/applications/${second.id}/assign`,
      headers: ann.headers,
      payload: { reviewer: bob.user.id },
    });
    expect(toBob.json().review.assignedTo.name).toBe('bob@provider.example');
    const investorUser = await app.inject({
      method: 'POST',
      url: `/cdd/applications/${second.id}/assign`,
      headers: ann.headers,
      payload: { reviewer: first.investor.body.user.id },
    });
    expect(investorUser.statusCode).toBe(400);
    const annsQueue = (
      await app.inject({ method: 'GET', url: '/cdd/applications?assignee=me', headers: ann.headers })
    ).json();
    expect(annsQueue.items.map((a: { id: string }) => a.id)).toEqual([first.id]);
    const bobsQueue = (
      await app.inject({ method: 'GET', url: '/cdd/applications?assignee=me', headers: bob.headers })
    ).json();
    expect(bobsQueue.items.map((a: { id: string }) => a.id)).toEqual([second.id]);
    expect((await trail(second.id)).map((e) => e.action)).toContain('application.assigned');
  });

  it('needs two different reviewers to attest a PEP hit, and records both approvals', async () => {
    const { id } = await submitted('Pepper');
    const view = await get(id, ann.headers);
    expect(view.kyc.screening.pepHit).toBe(true);
    expect(view.review).toMatchObject({
      grounds: ['enhanced-due-diligence'],
      approvalsNeeded: 2,
      approvals: [],
    });

    const one = await attest(id, ann.headers, { reason: 'Source of wealth documented' });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json()).toMatchObject({ status: 'awaiting-second-reviewer' });
    expect(one.json().message).toMatch(/second reviewer/);
    expect(one.json().application.status).toBe('in-review');
    expect(one.json().application.review.approvals).toEqual([
      expect.objectContaining({ reviewer: 'ann@provider.example', mine: true }),
    ]);
    const again = await attest(id, ann.headers);
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/second reviewer, other than you/);
    // The same person through an API key is still the same person.
    const key = await app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: ann.headers,
      payload: { name: 'ann system' },
    });
    const viaKey = await attest(id, { 'x-api-key': key.json().token as string });
    expect(viaKey.statusCode).toBe(409);
    expect((await get(id, bob.headers)).review.approvals[0].mine).toBe(false);

    const two = await attest(id, bob.headers);
    expect(two.statusCode, two.body).toBe(202);
    expect(two.json().attestation.plan.approvals).toHaveLength(2);
    const actions = (await trail(id)).filter((e) => e.action.startsWith('cdd.'));
    expect(actions.map((e) => [e.action, e.actor])).toEqual([
      ['cdd.first-approval', `user:${ann.user.id}`],
      ['cdd.second-approval', `user:${bob.user.id}`],
      ['cdd.attested', `user:${bob.user.id}`],
    ]);
    expect(actions[0]!.data).toMatchObject({
      grounds: ['enhanced-due-diligence'],
      reason: 'Source of wealth documented',
    });
  });

  it('does not count an approval given before the application went back to the investor', async () => {
    const { id, investor } = await submitted('Pepperell');
    expect((await attest(id, ann.headers, { reason: 'Looked fine at first' })).statusCode).toBe(200);
    const ask = await app.inject({
      method: 'POST',
      url: `/onboarding/applications/${id}/review`,
      headers: bob.headers,
      payload: { action: 'request-info', reason: 'Please add proof of the source of your wealth' },
    });
    expect(ask.statusCode).toBe(200);
    const resubmit = await app.inject({
      method: 'POST',
      url: `/onboarding/applications/${id}/submit`,
      headers: investor.headers,
    });
    expect(resubmit.statusCode, resubmit.body).toBe(200);
    await queue.drain();
    await verdict(id, 'Pepperell');
    expect((await get(id, bob.headers)).review.approvals).toEqual([]);
    // Bob's approval is a first one again: Ann's was given on the earlier submission.
    const first = await attest(id, bob.headers, { reason: 'Source of wealth now documented' });
    expect(first.statusCode).toBe(200);
    expect((await attest(id, ann.headers, { reason: 'Agree' })).statusCode).toBe(202);
  });

  it('takes concurrent approvals one at a time under the row lock', async () => {
    const { id } = await submitted('Peppino');
    const [b, c] = await Promise.all([attest(id, bob.headers), attest(id, cat.headers)]);
    expect([b.statusCode, c.statusCode].sort()).toEqual([200, 202]);
    const atts = await env.db.orm.em.fork().count(Attestation, { applicationId: id });
    expect(atts).toBe(1);

    const other = await submitted('Pepita');
    const twice = await Promise.all([attest(other.id, ann.headers), attest(other.id, ann.headers)]);
    expect(twice.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(await env.db.orm.em.fork().count(Attestation, { applicationId: other.id })).toBe(0);
  });

  it('lets two reviewers override a RED verdict only with a written reason each', async () => {
    const { id, investor } = await submitted('Redford');
    const view = await get(id, ann.headers);
    expect(view).toMatchObject({ status: 'in-review', kyc: { status: 'red' } });
    expect(view.review.grounds).toEqual(['red-override']);
    const mine = (
      await app.inject({ method: 'GET', url: `/onboarding/applications/${id}`, headers: investor.headers })
    ).json();
    expect(JSON.stringify(mine)).not.toMatch(/FORGERY/);

    const bare = await attest(id, ann.headers);
    expect(bare.statusCode).toBe(422);
    expect(bare.json().message).toMatch(/written reason from each of two different reviewers/);
    expect(
      (await attest(id, ann.headers, { reason: 'Vendor misread the passport; checked the original' }))
        .statusCode,
    ).toBe(200);
    expect((await attest(id, bob.headers)).statusCode).toBe(422);
    const second = await attest(id, bob.headers, { reason: 'Agree: passport verified by video call' });
    expect(second.statusCode, second.body).toBe(202);
    const reasons = (await trail(id)).filter((e) => e.action.endsWith('-approval')).map((e) => e.data.reason);
    expect(reasons).toEqual([
      'Vendor misread the passport; checked the original',
      'Agree: passport verified by video call',
    ]);
  });

  it('rejects with the reviewer’s words and tells the investor those, not vendor labels', async () => {
    const { id, investor } = await submitted('Retry');
    const mine = (
      await app.inject({ method: 'GET', url: `/onboarding/applications/${id}`, headers: investor.headers })
    ).json();
    expect(mine.status).toBe('needs-more-info');
    expect(mine.decisionReason).toMatch(/^The identity check could not confirm your identity/);
    expect(mine.decisionReason).not.toMatch(/UNSATISFACTORY|labels/);
  });

  it('refuses applicants under 18 in words', async () => {
    const investor = await registerInvestor(app, 'young@investor.example');
    const body = individual('Young');
    const today = new Date();
    body.individual.dateOfBirth = `${today.getUTCFullYear() - 17}-01-01`;
    const res = await app.inject({
      method: 'POST',
      url: '/onboarding/applications',
      headers: investor.headers,
      payload: body,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('You must be at least 18 years old to open an investor account');
    expect(JSON.stringify(res.json())).toMatch(/dateOfBirth/);
    body.individual.dateOfBirth = `${today.getUTCFullYear() - 30}-01-01`;
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/onboarding/applications',
          headers: investor.headers,
          payload: body,
        })
      ).statusCode,
    ).toBe(201);
  });

  it('flags an accreditation claim inconsistent with the stated income to the reviewer, audited', async () => {
    n += 1;
    const investor = await registerInvestor(app, `low-income-${n}@investor.example`);
    const body = individual('Lowell');
    body.financials = { annualIncome: '150000', netWorth: '300000' };
    const created = await app.inject({
      method: 'POST',
      url: '/onboarding/applications',
      headers: investor.headers,
      payload: body,
    });
    const id = created.json().id as string;
    // Upload the needed documents and submit, like applyAndSubmit does.
    const { PDF, PNG, multipart } = await import('./onboarding-helpers.js');
    for (const [type, name, ct, content] of [
      ['id', 'passport.pdf', 'application/pdf', PDF],
      ['proof-of-address', 'bill.png', 'image/png', PNG],
      ['accreditation-evidence', 'w2.pdf', 'application/pdf', PDF],
    ] as const) {
      const m = multipart(name, ct, content);
      await app.inject({
        method: 'POST',
        url: `/onboarding/applications/${id}/documents?type=${type}`,
        headers: { ...investor.headers, ...m.headers },
        payload: m.payload,
      });
    }
    expect(
      (
        await app.inject({
          method: 'POST',
          url: `/onboarding/applications/${id}/submit`,
          headers: investor.headers,
        })
      ).statusCode,
    ).toBe(200);
    const view = await get(id, ann.headers);
    expect(view.review.flags).toEqual([
      {
        code: 'accreditation-income-below-threshold',
        message:
          'Claims accreditation by income but states an annual income of $150,000, below the $200,000 threshold',
      },
    ]);
    const flagged = (await trail(id)).find((e) => e.action === 'application.flagged');
    expect(flagged?.data).toMatchObject({ flags: [{ code: 'accreditation-income-below-threshold' }] });
    expect((await get((await submitted('Plain', false)).id, ann.headers)).review.flags).toEqual([]);
  });

  it('lets the portal show documents inline: blob: allowed for images, frames and objects only', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/img-src 'self' data: blob:/);
    expect(csp).toMatch(/frame-src 'self' blob:/);
    expect(csp).toMatch(/object-src blob:/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/default-src 'self'(;|$)/);
  });
});
