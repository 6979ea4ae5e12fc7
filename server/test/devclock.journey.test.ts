import { readFileSync } from 'node:fs';
import type { Ledger } from '@stoa/chain';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { parseKey } from '../src/modules/keys/master.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, signed, type Investor } from './offering-helpers.js';
import { staff } from './onboarding-helpers.js';

const DAY = 86_400_000;
/** The test ledger's clock follows the wall clock: "unchanged" means no jump, only seconds passing. */
const SLACK = 60_000;
type World = Awaited<ReturnType<typeof offeringWorld>>;
type Headers = Record<string, string>;

/**
 * An administrator moves the embedded ledger's clock through the API: refused to everyone else, on
 * a node and in production; audited; and what the chain now holds to be past shows through the
 * product's own routes — a lock-up ends, an offering closes, claims expire.
 */
describe('development clock', () => {
  let env: TestEnv;
  let w: World;
  let app: FastifyInstance;
  let admin: { headers: Headers; user: { id: string } };
  let issuer: Headers;
  let alpha: Investor;
  let bravo: Investor;
  let equity: { id: string; chainId: string };
  let offeringId: string;

  const inject = (method: 'GET' | 'POST', url: string, headers?: Headers, payload?: object, on = app) =>
    on.inject({ method, url, ...(headers ? { headers } : {}), ...(payload ? { payload } : {}) });
  const chainTime = async () => Date.parse((await env.ledger.info()).time);
  const clockEntries = () => env.db.orm.em.fork().count(AuditEntry, { action: 'chain.clock-advanced' });
  const lockupCheck = () =>
    w.ok('POST', `/assets/${equity.id}/transfer-checks`, {
      from: { did: alpha.did },
      to: { did: bravo.did },
      amount: '10',
    });

  beforeAll(async () => {
    env = await createTestEnv();
    w = await offeringWorld(env);
    app = w.app;
    admin = await staff(app, 'admin@stoa.example', ['admin']);
    issuer = (await staff(app, 'issuer@acme.example', ['issuer-admin', 'compliance-officer'])).headers;
    alpha = await w.onboard('Alpha', 'US', true);
    bravo = await w.onboard('Bravo', 'DE', false);
    const usd = await w.createAsset({ name: 'Stoa USD', assetType: 'StableCoin', divisible: true });
    await w.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000000' });
    await w.fund(alpha, usd.id, '1000');
    equity = await w.createAsset({ name: 'Acme Common', assetType: 'EquityCommon', divisible: true });
    await w.ok('PUT', `/assets/${equity.id}/rules`, {
      templates: [{ template: 'lockup', holdingPeriodDays: 30 }],
    });
    // Ends 30 days from now (offeringWorld's default window).
    offeringId = await w.launch(equity.id, usd.id, {
      name: 'Acme Seed',
      tiers: [{ amount: '1000', price: '1' }],
      minInvestment: '10',
    });
    const bought = await w.call(
      'POST',
      `/offerings/${offeringId}/subscriptions`,
      { amount: '100', agreement: signed(alpha) },
      alpha.headers,
    );
    expect(bought.status).toBe(202);
    await w.queue.drain();
    expect(await env.ledger.assetBalance(equity.chainId, alpha.did)).toBe('100');
  }, 180_000);
  afterAll(async () => env.close());

  it('answers administrators only: 401 without credentials, 403 for other staff and investors', async () => {
    for (const [method, url] of [
      ['GET', '/dev/clock'],
      ['POST', '/dev/clock/advance'],
    ] as const) {
      expect((await inject(method, url, undefined, { by: { days: 1 } })).statusCode).toBe(401);
      for (const headers of [issuer, alpha.headers, w.cddKey]) {
        const res = await inject(method, url, headers, { by: { days: 1 } });
        expect(res.statusCode).toBe(403);
        expect(res.json().message).toBe('This endpoint needs one of the roles: admin');
      }
    }
    const before = await chainTime();
    for (const headers of [admin.headers, auth]) {
      const res = await inject('GET', '/dev/clock', headers);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        time: expect.any(String),
        blockHeight: (await env.ledger.info()).blockHeight,
        adapter: 'embedded',
        movable: true,
        refusal: null,
        maxDays: 3650,
      });
      expect(Date.parse(res.json().time) - before).toBeGreaterThanOrEqual(0);
      expect(Date.parse(res.json().time) - before).toBeLessThan(SLACK);
    }
    expect(await clockEntries()).toBe(0);
  });

  it('refuses what names no forward move, and leaves the clock where it was', async () => {
    const before = await chainTime();
    const cases: [object, number, RegExp][] = [
      [{}, 400, /either by .* or to/],
      [{ by: { days: 1 }, to: new Date(before + DAY).toISOString() }, 400, /not both/],
      [{ by: {} }, 400, /at least a minute/],
      [{ by: { days: 0, hours: 0 } }, 400, /at least a minute/],
      [{ by: { days: -1 } }, 400, /\/body\/by\/days/],
      [{ by: { days: 3650, hours: 1 } }, 400, /at most 3650 days/],
      [{ by: { weeks: 1 } }, 400, /weeks/],
      [{ to: 'next tuesday' }, 400, /\/body\/to/],
      [{ to: new Date(before - DAY).toISOString() }, 400, /never goes back/],
      [{ to: new Date(before).toISOString() }, 400, /never goes back/],
      [{ to: new Date(before + 3651 * DAY).toISOString() }, 400, /at most 3650 days/],
    ];
    for (const [body, status, message] of cases) {
      const res = await inject('POST', '/dev/clock/advance', admin.headers, body);
      expect({ body, status: res.statusCode }).toEqual({ body, status });
      expect(res.json().message).toMatch(message);
    }
    expect((await chainTime()) - before).toBeLessThan(SLACK);
    expect(await clockEntries()).toBe(0);
  });

  it('refuses on a Polymesh node and in production, with the reason, and records nothing', async () => {
    // The SDK adapter has no devClock: a ledger that reports itself as a node, without one.
    const node = new Proxy(env.ledger, {
      get: (target, prop) => {
        if (prop === 'kind') return 'polymesh';
        if (prop === 'devClock') return undefined;
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as Ledger;
    const onNode = await env.app({ ledger: node });
    // Production needs ENCRYPTION_KEY: the one this server generated on its first start.
    const key = parseKey(readFileSync(env.config.encryption.keyFile, 'utf8'));
    const inProduction = await env.app({
      config: { env: 'production', encryption: { ...env.config.encryption, key } },
    });
    const before = await chainTime();
    for (const [server, reason] of [
      [onNode, /Polymesh node \(POLYMESH_NODE_URL is set\).*nobody can move it/],
      [inProduction, /cannot be moved in production \(NODE_ENV=production\)/],
    ] as const) {
      const status = await inject('GET', '/dev/clock', auth, undefined, server);
      expect(status.json()).toMatchObject({ movable: false, refusal: expect.stringMatching(reason) });
      const res = await inject('POST', '/dev/clock/advance', auth, { by: { days: 30 } }, server);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(reason) });
    }
    expect((await inject('GET', '/dev/clock', auth, undefined, onNode)).json().adapter).toBe('polymesh');
    expect((await chainTime()) - before).toBeLessThan(SLACK);
    expect(await clockEntries()).toBe(0);
    await onNode.close();
    await inProduction.close();
  });

  it('moves the clock 31 days: the lock-up ends and the ended offering closes, audited', async () => {
    const locked = await lockupCheck();
    expect(locked.allowed).toBe(false);
    // The lots say what the chain's SellLockup claim cannot: how much unlocks when.
    expect(locked.reasons.map((r: { message: string }) => r.message)).toEqual([
      expect.stringMatching(/^the sender can sell no Acme Common yet \(lock-up\): 100 from \d+ \w+ \d{4}$/),
    ]);
    expect((await w.ok('GET', `/offerings/${offeringId}`)).status).toBe('live');

    const before = await chainTime();
    const once = { ...admin.headers, 'idempotency-key': 'clock-forward-31-days' };
    const res = await inject('POST', '/dev/clock/advance', once, { by: { days: 31 } });
    expect(res.statusCode).toBe(200);
    // A retry of the same request (a lost answer) gets the first move's answer; it moves nothing.
    const retry = await inject('POST', '/dev/clock/advance', once, { by: { days: 31 } });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual(res.json());
    // The move is counted from the chain's time as the request read it.
    const moved = res.json();
    const to = Date.parse(moved.to);
    expect(to - before - 31 * DAY).toBeGreaterThanOrEqual(0);
    expect(to - before - 31 * DAY).toBeLessThan(SLACK);
    expect(Date.parse(moved.from) - before).toBeLessThan(SLACK);
    expect(moved).toMatchObject({
      blocksProduced: 0,
      claims: { expired: 0, lapsedIdentities: 0 },
      offeringsClosed: 1,
    });
    expect((await chainTime()) - to).toBeLessThan(SLACK);
    expect(Date.parse((await inject('GET', '/dev/clock', admin.headers)).json().time) - to).toBeLessThan(
      SLACK,
    );

    await w.queue.drain();
    expect((await w.ok('GET', `/offerings/${offeringId}`)).status).toBe('closed');
    expect(await lockupCheck()).toMatchObject({ allowed: true, reasons: [] });

    const [entry, ...others] = await env.db.orm.em
      .fork()
      .find(AuditEntry, { action: 'chain.clock-advanced' }, { orderBy: { at: 'asc' } });
    expect(others).toEqual([]);
    expect(entry).toMatchObject({
      actor: `user:${admin.user.id}`,
      subjectType: 'chain',
      subjectId: (await env.ledger.info()).genesisHash,
      data: { from: moved.from, to: moved.to, blocksProduced: 0, requested: { by: { days: 31 } } },
    });
    // Auditors read it on the trail like any decision.
    const trail = await w.ok('GET', '/audit?action=chain.clock-advanced');
    expect(trail.items.map((i: { actor: string }) => i.actor)).toEqual([`user:${admin.user.id}`]);
  });

  it('moves the clock past a year: the investors’ claims expire and they lose good standing', async () => {
    const me = () => w.ok('GET', '/identities/me', undefined, alpha.headers);
    expect((await me()).standing).toBe('good');
    expect(await env.ledger.hasValidCdd(alpha.did)).toBe(true);
    const now = await chainTime();
    const res = await inject('POST', '/dev/clock/advance', auth, {
      to: new Date(now + 340 * DAY).toISOString(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().claims.lapsedIdentities).toBeGreaterThanOrEqual(2);
    expect(await env.ledger.hasValidCdd(alpha.did)).toBe(false);
    const after = await me();
    expect(after.standing).toBe('not-in-good-standing');
    expect(after.claims.every((c: { status: string }) => c.status === 'expired')).toBe(true);
    const check = await lockupCheck();
    expect(check.allowed).toBe(false);
    expect(check.reasons.map((r: { message: string }) => r.message)).toEqual(
      expect.arrayContaining([
        'the sender has no valid CDD (identity verification lapsed or missing)',
        expect.stringMatching(/^the receiver is not in good standing \(Claims expired: CustomerDueDiligence/),
      ]),
    );
    expect(await clockEntries()).toBe(2);
    const [last] = await env.db.orm.em
      .fork()
      .find(AuditEntry, { action: 'chain.clock-advanced' }, { orderBy: { at: 'desc' }, limit: 1 });
    expect(last!.actor).toBe('operator');
  });

  it("dates what comes next by the chain's time: a new attestation, a new offering's window", async () => {
    const now = await chainTime();
    const charlie = await w.onboard('Charlie', 'US', true);
    const me = await w.ok('GET', '/identities/me', undefined, charlie.headers);
    expect(me.standing).toBe('good');
    const cdd = me.claims.find((c: { type: string }) => c.type === 'CustomerDueDiligence');
    // A year from the chain's time (the wall clock is a year behind it now).
    expect(Date.parse(cdd.expiresAt) - now - 365 * DAY).toBeGreaterThanOrEqual(0);
    expect(Date.parse(cdd.expiresAt) - now - 365 * DAY).toBeLessThan(SLACK);
    expect(await env.ledger.hasValidCdd(charlie.did)).toBe(true);
    // An end ten days after the wall clock has passed on the chain: refused before any launch.
    const draft = await w.call('POST', `/assets/${equity.id}/offerings`, {
      name: 'Acme Late',
      paymentAssetId: (await w.ok('GET', `/offerings/${offeringId}`)).paymentAssetId,
      end: new Date(Date.now() + 10 * DAY).toISOString(),
      tiers: [{ amount: '10', price: '1' }],
      minInvestment: '1',
    });
    expect(draft.status).toBe(400);
    expect(draft.body.message).toMatch(/end must be after start/);
  });
});
