import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { Deposit } from '../src/modules/treasury/entity.js';
import { BANK_SIGNATURE_HEADER, signBankStatement } from '../src/modules/treasury/webhook.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, type Investor } from './offering-helpers.js';
import { staff } from './onboarding-helpers.js';

const BANK_SECRET = 'bank-webhook-secret-0123456789';

/**
 * Money in and out, as an investor and a treasury operator do it: the platform stablecoin exists
 * from the first start, a deposit becomes stablecoin in the investor's portfolio without them
 * affirming it (pre-approval), the bank's webhook credits a payment once, and a withdrawal
 * cannot spend the same balance twice.
 */
describe('treasury journey', () => {
  let env: TestEnv;
  let world: Awaited<ReturnType<typeof offeringWorld>>;
  let app: FastifyInstance;
  let ann: Investor;
  let treasurer: Record<string, string>;
  let reference: string;

  const money = async (who: Investor) => world.ok('GET', '/treasury/me', undefined, who.headers);
  const deliver = (body: object, opts: { secret?: string; t?: number } = {}) => {
    const raw = JSON.stringify(body);
    const t = opts.t ?? Math.floor(Date.now() / 1000);
    return app.inject({
      method: 'POST',
      url: '/treasury/webhooks/bank',
      headers: {
        'content-type': 'application/json',
        [BANK_SIGNATURE_HEADER]: signBankStatement(opts.secret ?? BANK_SECRET, raw, t),
      },
      payload: raw,
    });
  };

  beforeAll(async () => {
    env = await createTestEnv();
    env.config.treasury = {
      ...env.config.treasury,
      stablecoin: { ...env.config.treasury.stablecoin, atStart: true },
      webhookSecret: BANK_SECRET,
    };
    world = await offeringWorld(env);
    app = world.app;
    await world.queue.drain();
    treasurer = (await staff(app, 'treasury@stoa.example', ['treasury'])).headers;
    ann = await world.onboard('Annabel', 'US', true);
  }, 120_000);
  afterAll(async () => {
    await env.close();
  });

  it('creates the platform stablecoin at start, once, also across restarts', async () => {
    const list = async () => {
      const assets = (await world.ok('GET', '/assets')) as { ticker: string; status: string }[];
      return assets.filter((a) => a.ticker === 'USDS');
    };
    expect(await list()).toMatchObject([{ ticker: 'USDS', status: 'active' }]);
    // A restart on the same database and chain finds it and creates nothing.
    const queue = env.makeQueue('inline');
    const again = await env.app({ queue });
    await queue.drain();
    await again.close();
    expect(await list()).toHaveLength(1);
    const creates = await env.db.orm.em.fork().find(ChainOperation, { kind: 'asset.createAsset' });
    expect(creates.filter((o) => o.idempotencyKey === 'asset-create:platform-stablecoin')).toHaveLength(1);
    const operatorPre = await env.db.orm.em
      .fork()
      .find(ChainOperation, { idempotencyKey: 'platform-stablecoin:operator-pre-approval' });
    expect(operatorPre.map((o) => o.status)).toEqual(['finalised']);
  });

  it('shows the investor deposit instructions with a reference of their own, and pre-approves the stablecoin', async () => {
    const first = await money(ann);
    reference = first.instructions.reference;
    expect(reference).toMatch(/^STOA-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    expect(first.instructions).toMatchObject({
      accountName: 'Stoa Client Money Account',
      iban: expect.any(String),
    });
    expect(first.currency).toMatchObject({ name: 'Stoa USD', ticker: 'USDS', ready: true });
    expect(first.balance).toEqual({ total: '0', available: '0', held: '0' });
    // Pre-approved when the attestation completed, before any deposit.
    expect(first.preApproved).toBe(true);
    await world.queue.drain();
    const second = await money(ann);
    expect(second.instructions.reference).toBe(reference);
    expect(second.preApproved).toBe(true);
    const other = await world.onboard('Bartholomew', 'US', true);
    expect((await money(other)).instructions.reference).not.toBe(reference);
  }, 60_000);

  it('refuses deposits from other roles and investors', async () => {
    const body = { reference, amount: '10', bankTxId: 'NOPE-1' };
    const r1 = await world.call('POST', '/treasury/deposits', body, ann.headers);
    expect(r1.status).toBe(403);
    const cdd = await staff(app, 'cdd2@provider.example', ['cdd-provider']);
    expect((await world.call('POST', '/treasury/deposits', body, cdd.headers)).status).toBe(403);
  });

  it('a deposit recorded by the treasury arrives as stablecoin without the investor affirming it', async () => {
    const lookup = await world.ok(
      'GET',
      `/treasury/accounts/${reference.toLowerCase()}`,
      undefined,
      treasurer,
    );
    expect(lookup).toMatchObject({
      reference,
      canReceive: true,
      investor: { email: 'annabel@investor.example' },
    });
    const r = await world.call(
      'POST',
      '/treasury/deposits',
      { reference, amount: '1000', bankTxId: 'BANK-0001' },
      treasurer,
    );
    expect(r.status).toBe(202);
    await world.queue.drain();
    const m = await money(ann);
    expect(m.balance).toEqual({ total: '1000', available: '1000', held: '0' });
    expect(m.history).toMatchObject([
      { kind: 'deposit', amount: '1000', status: 'credited', description: 'Deposit credited' },
    ]);
    const usd = m.currency.assetId as string;
    const chainId = (await world.ok('GET', `/assets/${usd}`)).chainId as string;
    expect(await env.ledger.assetBalance(chainId, ann.did)).toBe('1000');
    // Nothing waits for the investor's affirmation.
    const pending = await world.ok('GET', '/identities/me/instructions', undefined, ann.headers);
    expect(pending.items).toHaveLength(0);
    const notes = await world.ok('GET', '/notifications', undefined, ann.headers);
    expect(notes.items.map((n: { message: string }) => n.message)).toContain(
      'Your deposit of 1,000.00 Stoa USD has arrived. You can use it to subscribe to offerings.',
    );
  }, 60_000);

  it('records a bank transaction once: the same id again answers the first deposit, other details are refused', async () => {
    const again = await world.call(
      'POST',
      '/treasury/deposits',
      { reference, amount: '1000', bankTxId: 'BANK-0001' },
      treasurer,
    );
    expect(again.status).toBe(200);
    const changed = await world.call(
      'POST',
      '/treasury/deposits',
      { reference, amount: '999', bankTxId: 'BANK-0001' },
      treasurer,
    );
    expect(changed.status).toBe(409);
    expect(changed.body.message).toContain('already recorded');
    const unknown = await world.call(
      'POST',
      '/treasury/deposits',
      { reference: 'STOA-2222-2222', amount: '5', bankTxId: 'BANK-X' },
      treasurer,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('No investor has the deposit reference');
    const bad = await world.call(
      'POST',
      '/treasury/deposits',
      { reference, amount: '-5', bankTxId: 'BANK-Y' },
      treasurer,
    );
    expect(bad.status).toBe(400);
    await world.queue.drain();
    expect((await money(ann)).balance.total).toBe('1000');
  });

  it('the signed bank webhook credits a payment once; forged and stale deliveries get 401', async () => {
    const statement = {
      entries: [
        { bankTxId: 'STMT-77', reference, amount: '250.50' },
        { bankTxId: 'STMT-78', reference: 'nobody', amount: '3' },
      ],
    };
    const first = await deliver(statement);
    expect(first.statusCode).toBe(200);
    expect(first.json().entries).toMatchObject([
      { bankTxId: 'STMT-77', outcome: 'recorded' },
      { bankTxId: 'STMT-78', outcome: 'unmatched' },
    ]);
    const redelivered = await deliver(statement);
    expect(redelivered.statusCode).toBe(200);
    expect(redelivered.json().entries[0]).toMatchObject({ outcome: 'duplicate' });
    expect((await deliver(statement, { secret: 'someone-else-entirely' })).statusCode).toBe(401);
    expect((await deliver(statement, { t: Math.floor(Date.now() / 1000) - 3600 })).statusCode).toBe(401);
    const unsigned = await app.inject({
      method: 'POST',
      url: '/treasury/webhooks/bank',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(statement),
    });
    expect(unsigned.statusCode).toBe(401);
    await world.queue.drain();
    expect((await money(ann)).balance.available).toBe('1250.5');
    const rows = await env.db.orm.em.fork().find(Deposit, { bankTxId: 'STMT-77' });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.source).toBe('webhook');
  }, 60_000);

  it('concurrent withdrawals cannot overdraw the free balance', async () => {
    const ask = (amount: string) =>
      world.call(
        'POST',
        '/treasury/me/withdrawals',
        { amount, payTo: 'DE89 3704 0044 0532 0130 00' },
        ann.headers,
      );
    const answers = await Promise.all([ask('1000'), ask('1000'), ask('1000')]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([202, 422, 422]);
    const refused = answers.find((a) => a.status === 422)!;
    // 250.50, or less while the accepted withdrawal's outcome is still being recorded.
    expect(refused.body.message).toMatch(/^You have (250\.50|0\.00) Stoa USD available to withdraw/);
    await world.queue.drain();
    const m = await money(ann);
    expect(m.balance).toEqual({ total: '250.5', available: '250.5', held: '0' });
    const w = (await world.ok('GET', '/treasury/withdrawals', undefined, treasurer)).items[0];
    expect(w).toMatchObject({
      amount: '1000',
      status: 'awaiting-payout',
      investor: { name: expect.any(String) },
    });
  }, 60_000);

  it('the treasury marks the withdrawal paid out; the investor is told and sees it in the history', async () => {
    const w = (await world.ok('GET', '/treasury/withdrawals', undefined, treasurer)).items[0];
    const forbidden = await world.call(
      'POST',
      `/treasury/withdrawals/${w.id}/paid`,
      { bankReference: 'X' },
      ann.headers,
    );
    expect(forbidden.status).toBe(403);
    const paid = await world.ok(
      'POST',
      `/treasury/withdrawals/${w.id}/paid`,
      { bankReference: 'SEPA-991' },
      treasurer,
    );
    expect(paid).toMatchObject({ status: 'paid', bankReference: 'SEPA-991' });
    const twice = await world.call(
      'POST',
      `/treasury/withdrawals/${w.id}/paid`,
      { bankReference: 'SEPA-992' },
      treasurer,
    );
    expect(twice.status).toBe(409);
    const m = await money(ann);
    expect(
      m.history.map((h: { kind: string; amount: string; status: string }) => [h.kind, h.amount, h.status]),
    ).toEqual(
      expect.arrayContaining([
        ['withdrawal', '-1000', 'paid'],
        ['deposit', '1000', 'credited'],
        ['deposit', '250.5', 'credited'],
      ]),
    );
    const notes = await world.ok('GET', '/notifications', undefined, ann.headers);
    expect(
      notes.items.some((n: { message: string }) => n.message.startsWith('We have sent 1,000.00 Stoa USD')),
    ).toBe(true);
    const actions = (await env.db.orm.em.fork().find(AuditEntry, { action: { $like: 'treasury.%' } })).map(
      (a) => a.action,
    );
    for (const a of [
      'treasury.deposit-recorded',
      'treasury.deposit-credited',
      'treasury.pre-approved',
      'treasury.deposit-unmatched',
      'treasury.withdrawal-requested',
      'treasury.withdrawal-redeemed',
      'treasury.withdrawal-paid',
    ])
      expect(actions).toContain(a);
  }, 60_000);

  it('offerings default to the platform stablecoin, and a short balance says how to deposit', async () => {
    const asset = await world.createAsset({ name: 'Harbour Fund', assetType: 'Fund', divisible: false });
    const o = await world.ok('POST', `/assets/${asset.id}/offerings`, {
      name: 'Harbour round',
      tiers: [{ amount: '1000', price: '1' }],
      minInvestment: '1',
      end: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    const m = await money(ann);
    expect(o.paymentAssetId).toBe(m.currency.assetId);
    await world.ok('POST', `/offerings/${o.id}/launch`);
    const dry = await world.call(
      'POST',
      `/offerings/${o.id}/subscriptions/check`,
      { amount: '500' },
      ann.headers,
    );
    const reason = (dry.body.reasons ?? []).find((r: { rule: string }) => r.rule === 'funds');
    expect(reason).toMatchObject({ link: '/investor/money' });
    expect(reason.message).toContain('you have 250.5 USDS available');
  }, 60_000);
  it('a deposit recorded just before the server stops is credited exactly once after the restart', async () => {
    const before = (await money(ann)).balance.total as string;
    const first = env.makeQueue('inline');
    const a = await env.app({ queue: first });
    const r = await a.inject({
      method: 'POST',
      url: '/treasury/deposits',
      headers: treasurer,
      payload: { reference, amount: '40', bankTxId: 'BANK-BEFORE-STOP' },
    });
    expect(r.statusCode).toBe(202);
    await a.close();
    const second = env.makeQueue('inline');
    const b = await env.app({ queue: second });
    try {
      for (let i = 0; i < 50; i++) {
        await second.drain();
        const d = await env.db.orm.em.fork().findOneOrFail(Deposit, { bankTxId: 'BANK-BEFORE-STOP' });
        if (d.status === 'credited') break;
        await new Promise((res) => setTimeout(res, 100));
      }
      const d = await env.db.orm.em.fork().findOneOrFail(Deposit, { bankTxId: 'BANK-BEFORE-STOP' });
      expect(d.status).toBe('credited');
      const ops = await env.db.orm.em
        .fork()
        .find(ChainOperation, { subjectType: 'deposit', subjectId: d.id });
      expect(ops.map((o) => [o.kind, o.status]).sort()).toEqual([
        ['asset.issue', 'finalised'],
        ['settlement.addAndAffirmInstruction', 'finalised'],
      ]);
      const m = await b.inject({ method: 'GET', url: '/treasury/me', headers: ann.headers });
      expect(m.json().balance.total).toBe(String(Number(before) + 40));
    } finally {
      await b.close();
    }
  }, 90_000);
});
