import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, signed, type Investor } from './offering-helpers.js';
import { registerInvestor, staff } from './onboarding-helpers.js';

type World = Awaited<ReturnType<typeof offeringWorld>>;

/** The read models and investor actions the portal needs: lists, cap table, history, portfolio, dry run. */
describe('portal endpoints', () => {
  let env: TestEnv;
  let w: World;
  let usd: { id: string; chainId: string };
  let equity: { id: string; chainId: string };
  let usA: Investor;
  let de: Investor;
  let usPlain: Investor;
  let issuer: Record<string, string>;
  let auditor: Record<string, string>;
  let agent: Record<string, string>;
  let offering: string;
  let draft: string;
  let subscriptionOp: string;

  const opCount = () => env.db.orm.em.fork().count(ChainOperation, {});

  beforeAll(async () => {
    env = await createTestEnv();
    w = await offeringWorld(env);
    issuer = (await staff(w.app, 'issuer@portal.example', ['issuer-admin'])).headers;
    auditor = (await staff(w.app, 'auditor@portal.example', ['auditor'])).headers;
    agent = (await staff(w.app, 'agent@portal.example', ['transfer-agent'])).headers;
    usA = await w.onboard('Usbuyer', 'US', true);
    de = await w.onboard('Nonus', 'DE', false);
    usPlain = await w.onboard('Usplain', 'US', false);
    usd = await w.createAsset({ name: 'Stoa USD', assetType: 'StableCoin', divisible: true });
    await w.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000000' });
    for (const inv of [usA, de, usPlain]) await w.fund(inv, usd.id, '10000');
    equity = await w.createAsset({
      name: 'Acme Common',
      ticker: 'ACME',
      assetType: 'EquityCommon',
      divisible: false,
    });
    await w.ok('PUT', `/assets/${equity.id}/rules`, {
      templates: [{ template: 'reg-d-506c' }, { template: 'reg-s' }],
    });
    const terms = {
      tiers: [{ amount: '1000', price: '2' }],
      minInvestment: '10',
      maxInvestment: '1000',
      eligibleClasses: ['accredited', 'non-us'],
    };
    offering = await w.launch(equity.id, usd.id, { name: 'Series A', ...terms });
    draft = (
      await w.ok('POST', `/assets/${equity.id}/offerings`, {
        name: 'Series B',
        paymentAssetId: usd.id,
        end: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        ...terms,
      })
    ).id;
    const sub = await w.call(
      'POST',
      `/offerings/${offering}/subscriptions`,
      { amount: '100', agreement: signed(usA) },
      usA.headers,
    );
    expect(sub.status).toBe(202);
    subscriptionOp = sub.body.operation.id;
    await w.queue.drain();
  }, 120_000);
  afterAll(async () => env.close());

  describe('operations are private to investors', () => {
    it('an investor lists and reads only the operations they requested', async () => {
      const mine = await w.ok('GET', '/operations?limit=200', undefined, usA.headers);
      expect(mine.items.map((o: { id: string }) => o.id)).toContain(subscriptionOp);
      const requestedByMe = await env.db.orm.em
        .fork()
        .count(ChainOperation, { requestedBy: { $like: 'user:%' }, subjectType: 'subscription' });
      expect(mine.total).toBe(requestedByMe);
      expect((await w.ok('GET', `/operations/${subscriptionOp}`, undefined, usA.headers)).id).toBe(
        subscriptionOp,
      );
      const launchOps = await w.ok('GET', '/operations?subjectType=offering', undefined, usA.headers);
      expect(launchOps).toEqual({ items: [], total: 0 });
    });

    it('another investor gets 404 for it and does not see it listed', async () => {
      const theirs = await w.ok('GET', '/operations?limit=200', undefined, de.headers);
      expect(theirs.items.map((o: { id: string }) => o.id)).not.toContain(subscriptionOp);
      for (const url of [`/operations/${subscriptionOp}`, `/operations/${subscriptionOp}/events`]) {
        const r = await w.call('GET', url, undefined, de.headers);
        expect(r.status).toBe(404);
        expect(r.body.message).toMatch(/does not exist/);
      }
    });

    it('staff see every operation', async () => {
      for (const headers of [auditor, issuer, auth]) {
        expect((await w.call('GET', `/operations/${subscriptionOp}`, undefined, headers)).status).toBe(200);
        const all = await w.ok('GET', '/operations?subjectType=offering', undefined, headers);
        expect(all.total).toBeGreaterThan(0);
      }
    });
  });

  describe('GET /offerings', () => {
    it('lists every offering to staff, filtered by asset and status', async () => {
      const all = await w.ok('GET', `/offerings?assetId=${equity.id}`, undefined, issuer);
      expect(all.items.map((o: { name: string }) => o.name)).toEqual(['Series B', 'Series A']);
      const drafts = await w.ok('GET', '/offerings?status=draft', undefined, issuer);
      expect(drafts.items.map((o: { id: string }) => o.id)).toEqual([draft]);
      expect((await w.ok('GET', `/offerings?assetId=${usd.id}`, undefined, issuer)).total).toBe(0);
    });

    it('shows investors only launched offerings, never drafts', async () => {
      const list = await w.ok('GET', '/offerings', undefined, usA.headers);
      expect(list.items.map((o: { id: string }) => o.id)).toEqual([offering]);
      expect(list.items[0].investors).toBeUndefined();
      expect((await w.ok('GET', '/offerings?status=draft', undefined, usA.headers)).total).toBe(0);
      expect((await w.call('GET', `/offerings/${draft}`, undefined, usA.headers)).status).toBe(404);
    });

    it('refuses anonymous callers and bad filters', async () => {
      expect((await w.call('GET', '/offerings', undefined, {})).status).toBe(401);
      expect((await w.call('GET', '/offerings?status=bogus', undefined, issuer)).status).toBe(400);
    });
  });

  describe('offering investor list', () => {
    it('lists investors with amount, cost and status for issuer staff and auditors', async () => {
      for (const headers of [issuer, auditor]) {
        const o = await w.ok('GET', `/offerings/${offering}`, undefined, headers);
        expect(o.investors).toEqual([
          expect.objectContaining({
            identityId: usA.identityId,
            email: 'usbuyer@investor.example',
            amount: '100',
            cost: '200',
            status: 'settled',
          }),
        ]);
      }
    });

    it('does not show the investor list to investors', async () => {
      const o = await w.ok('GET', `/offerings/${offering}`, undefined, de.headers);
      expect(o.investors).toBeUndefined();
      expect(o.dashboard.investors).toBe(1);
    });
  });

  describe('POST /offerings/:id/subscriptions/check', () => {
    const check = (id: string, body: object, headers: Record<string, string>) =>
      w.call('POST', `/offerings/${id}/subscriptions/check`, body, headers);

    it('passes every check for an eligible investor and records nothing', async () => {
      const before = await opCount();
      const r = await check(offering, { amount: '50' }, de.headers);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ eligible: true, amount: '50', cost: '100', reasons: [] });
      expect(r.body.checks.map((c: { check: string }) => c.check)).toEqual([
        'identity',
        'status',
        'window',
        'investor class',
        'availability',
        'minimum investment',
        'maximum investment',
        'hard cap',
        'rules',
        'funds',
      ]);
      expect(r.body.checks.every((c: { outcome: string }) => c.outcome === 'passed')).toBe(true);
      expect(await opCount()).toBe(before);
    });

    it('gives the same reasons the subscription refuses with', async () => {
      const r = await check(offering, { amount: '10' }, usPlain.headers);
      expect(r.body.eligible).toBe(false);
      const failed = r.body.checks.filter((c: { outcome: string }) => c.outcome === 'failed');
      expect(failed.map((c: { check: string }) => c.check)).toContain('investor class');
      expect(r.body.reasons.map((x: { message: string }) => x.message).join('; ')).toMatch(/not accredited/);
      const before = await opCount();
      const real = await w.call(
        'POST',
        `/offerings/${offering}/subscriptions`,
        { amount: '10', agreement: signed(usPlain) },
        usPlain.headers,
      );
      expect(real.status).toBe(422);
      expect(real.body.details.reasons).toEqual(r.body.reasons);
      expect(await opCount()).toBe(before);
    });

    it('reports maximum investment, funds and status failures', async () => {
      const max = await check(offering, { amount: '900' }, usA.headers);
      expect(max.body.reasons).toEqual([
        expect.objectContaining({
          rule: 'maximum investment',
          message: expect.stringMatching(/above the maximum of 1,000 /),
        }),
      ]);
      const staffCheck = await check(draft, { amount: '10', identityId: de.identityId }, agent);
      expect(staffCheck.status).toBe(200);
      const status = staffCheck.body.checks.find((c: { check: string }) => c.check === 'status');
      expect(status).toMatchObject({
        outcome: 'failed',
        detail: expect.stringMatching(/is draft; it is not open/),
      });
      expect(staffCheck.body.checks.find((c: { check: string }) => c.check === 'window').outcome).toBe(
        'skipped',
      );
    });

    it('refuses checks for someone else, for hidden offerings and from the wrong roles', async () => {
      const other = await check(offering, { amount: '10', identityId: usA.identityId }, de.headers);
      expect(other.status).toBe(403);
      expect((await check(draft, { amount: '10' }, de.headers)).status).toBe(404);
      expect((await check(offering, { amount: '10' }, auditor)).status).toBe(403);
      const stranger = await registerInvestor(w.app, 'stranger@investor.example');
      const none = await check(offering, { amount: '10' }, stranger.headers);
      expect(none.status).toBe(422);
      expect(none.body.message).toMatch(/complete onboarding/);
      expect((await check(offering, { amount: '-1' }, de.headers)).status).toBe(400);
    });
  });

  describe('GET /assets/:id/holders', () => {
    it('joins the chain’s holders with investor identities and ownership', async () => {
      const t = await w.ok('GET', `/assets/${equity.id}/holders`, undefined, issuer);
      expect(t.totalSupply).toBe('1000');
      const kinds = t.holders.map((h: { kind: string }) => h.kind).sort();
      expect(kinds).toEqual(['investor', 'issuer']);
      const inv = t.holders.find((h: { kind: string }) => h.kind === 'investor');
      expect(inv).toMatchObject({
        did: usA.did,
        investor: { identityId: usA.identityId, email: 'usbuyer@investor.example' },
        balance: '100',
        free: '100',
        locked: '0',
        ownershipPercent: '10',
      });
      expect(t.holders[0].ownershipPercent).toBe('90');
    });

    it('pages through the holders, largest first, each page joined with its investors', async () => {
      const whole = await w.ok('GET', `/assets/${usd.id}/holders`, undefined, issuer);
      expect(whole).toMatchObject({ total: whole.holders.length, limit: 500, offset: 0 });
      expect(whole.holders.length).toBeGreaterThanOrEqual(4);
      const units = whole.holders.map((h: { balance: string }) => Number(h.balance));
      expect(units).toEqual([...units].sort((a, b) => b - a));
      const pages = [];
      for (let offset = 0; offset < whole.total + 2; offset += 2) {
        const page = await w.ok(
          'GET',
          `/assets/${usd.id}/holders?limit=2&offset=${offset}`,
          undefined,
          issuer,
        );
        expect(page).toMatchObject({ total: whole.total, limit: 2, offset });
        expect(page.holders.length).toBeLessThanOrEqual(2);
        pages.push(...page.holders);
      }
      expect(pages).toEqual(whole.holders);
      const de_ = pages.find((h: { did: string }) => h.did === de.did);
      expect(de_).toMatchObject({ kind: 'investor', investor: { identityId: de.identityId } });
      const bad = await w.call('GET', `/assets/${usd.id}/holders?limit=0`, undefined, issuer);
      expect(bad.status).toBe(400);
    });

    it('is for issuer staff and auditors only', async () => {
      expect((await w.call('GET', `/assets/${equity.id}/holders`, undefined, auditor)).status).toBe(200);
      expect((await w.call('GET', `/assets/${equity.id}/holders`, undefined, usA.headers)).status).toBe(403);
      expect((await w.call('GET', `/assets/${equity.id}/holders`, undefined, {})).status).toBe(401);
      const missing = await w.call(
        'GET',
        '/assets/00000000-0000-4000-8000-000000000000/holders',
        undefined,
        issuer,
      );
      expect(missing.status).toBe(404);
    });
  });

  describe('GET /assets/:id/rules/history', () => {
    it('lists rule changes newest first with who, when and the diff', async () => {
      await w.ok(
        'PUT',
        `/assets/${equity.id}/rules`,
        {
          templates: [{ template: 'reg-d-506c' }, { template: 'max-holders', count: 99 }],
        },
        issuer,
      );
      const h = await w.ok('GET', `/assets/${equity.id}/rules/history`, undefined, auditor);
      expect(h.items).toHaveLength(2);
      const [changed, set] = h.items;
      expect(changed).toMatchObject({
        action: 'compliance.rules-changed',
        version: 2,
        actorName: 'issuer@portal.example',
        live: true,
        diff: { added: ['At most 99 holders'], removed: [expect.stringMatching(/^Reg S/)], changed: [] },
      });
      expect(changed.actor).toMatch(/^user:/);
      expect(set).toMatchObject({
        action: 'compliance.rules-set',
        version: 1,
        actor: 'operator',
        actorName: null,
      });
      expect(set.diff.added).toHaveLength(2);
      expect(Date.parse(changed.at)).toBeGreaterThanOrEqual(Date.parse(set.at));
    });

    it('refuses investors and answers 404 for an unknown asset', async () => {
      expect((await w.call('GET', `/assets/${equity.id}/rules/history`, undefined, de.headers)).status).toBe(
        403,
      );
      const missing = await w.call(
        'GET',
        '/assets/00000000-0000-4000-8000-000000000000/rules/history',
        undefined,
        agent,
      );
      expect(missing.status).toBe(404);
    });
  });

  describe('the investor’s own portfolio', () => {
    it('GET /identities/me/portfolio gives balances per asset from the chain', async () => {
      const p = await w.ok('GET', '/identities/me/portfolio', undefined, usA.headers);
      expect(p.did).toBe(usA.did);
      expect(p.holdings).toEqual([
        {
          assetId: equity.id,
          chainId: equity.chainId,
          name: 'Acme Common',
          ticker: 'ACME',
          total: '100',
          free: '100',
          locked: '0',
          inEscrow: '0',
          escrowNote: null,
        },
        {
          assetId: usd.id,
          chainId: usd.chainId,
          name: 'Stoa USD',
          ticker: null,
          total: '9800',
          free: '9800',
          locked: '0',
          inEscrow: '0',
          escrowNote: null,
        },
      ]);
    });

    it('GET /identities/me/subscriptions lists their subscriptions with status and operation', async () => {
      const s = await w.ok('GET', '/identities/me/subscriptions', undefined, usA.headers);
      expect(s.items).toEqual([
        expect.objectContaining({
          offeringId: offering,
          offeringName: 'Series A',
          amount: '100',
          cost: '200',
          status: 'settled',
          operationId: subscriptionOp,
        }),
      ]);
      expect((await w.ok('GET', '/identities/me/subscriptions', undefined, de.headers)).items).toEqual([]);
    });

    it('refuses staff (403) and investors without an identity (404)', async () => {
      for (const url of [
        '/identities/me/portfolio',
        '/identities/me/subscriptions',
        '/identities/me/instructions',
      ]) {
        expect((await w.call('GET', url, undefined, issuer)).status).toBe(403);
        const fresh = await registerInvestor(w.app, `fresh-${url.length}-${url.at(-3)}@investor.example`);
        const r = await w.call('GET', url, undefined, fresh.headers);
        expect(r.status).toBe(404);
        expect(r.body.message).toMatch(/complete onboarding/);
      }
    });
  });

  describe('the investor’s pending instructions', () => {
    it('lists instructions involving them and lets them affirm their own', async () => {
      const s = await w.instruct(de, usd.id, '50');
      const list = await w.ok('GET', '/identities/me/instructions', undefined, de.headers);
      expect(list.items).toEqual([
        expect.objectContaining({
          settlementId: s.id,
          legs: [{ direction: 'in', asset: 'Stoa USD', amount: '50' }],
          myAffirmation: 'Pending',
        }),
      ]);
      expect((await w.ok('GET', '/identities/me/instructions', undefined, usA.headers)).items).toEqual([]);
      const affirmed = await w.call('POST', `/settlements/${s.id}/affirm`, {}, de.headers);
      expect(affirmed.status).toBe(202);
      await w.queue.drain();
      expect(await env.ledger.assetBalance(usd.chainId, de.did)).toBe('10050');
      expect((await w.ok('GET', '/identities/me/instructions', undefined, de.headers)).items).toEqual([]);
      const audit = await w.ok('GET', `/audit?subjectId=${s.id}&action=settlement.affirm`);
      expect(audit.items).toEqual([expect.objectContaining({ actor: expect.stringMatching(/^user:/) })]);
    });

    it('lets them reject, but not withdraw', async () => {
      const s = await w.instruct(de, usd.id, '5');
      expect((await w.call('POST', `/settlements/${s.id}/withdraw`, {}, de.headers)).status).toBe(403);
      expect((await w.call('POST', `/settlements/${s.id}/reject`, {}, de.headers)).status).toBe(202);
      await w.queue.drain();
      expect((await w.ok('GET', `/settlements/${s.id}`)).status).toBe('Rejected');
    });

    it('refuses instructions that do not involve them, and acting for someone else', async () => {
      const s = await w.instruct(de, usd.id, '7');
      const before = await opCount();
      const notMine = await w.call('POST', `/settlements/${s.id}/affirm`, {}, usA.headers);
      expect(notMine.status).toBe(403);
      expect(notMine.body.message).toMatch(/does not involve your identity/);
      const forOther = await w.call(
        'POST',
        `/settlements/${s.id}/affirm`,
        { identityId: usA.identityId },
        de.headers,
      );
      expect(forOther.status).toBe(403);
      expect((await w.call('GET', `/settlements/${s.id}`, undefined, usA.headers)).status).toBe(404);
      expect((await w.call('GET', `/settlements/${s.id}`, undefined, de.headers)).status).toBe(200);
      expect(await opCount()).toBe(before);
      expect(await env.ledger.assetBalance(usd.chainId, de.did)).toBe('10050');
    });
  });
});
