import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { AcquisitionLot } from '../src/modules/lockups/entity.js';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { InlineQueue } from '../src/jobs/inline.js';
import { Order, Trade } from '../src/modules/trading/entity.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, type Investor } from './offering-helpers.js';
import { staff } from './onboarding-helpers.js';

/** A queue whose jobs never run: the server "crashes" with its chain work still ahead of it. */
class HeldQueue extends InlineQueue {
  override async start(): Promise<void> {}
}

/**
 * The ATS as investors use it: orders checked and reserved at entry, matched with price-time
 * priority, each match settled as one instruction at the ATS venue; failures reported in words.
 */
describe('ATS order book', () => {
  let env: TestEnv;
  let world: Awaited<ReturnType<typeof offeringWorld>>;
  let app: FastifyInstance;
  let treasurer: Record<string, string>;
  let ta: Record<string, string>;
  let ann: Investor; // seller
  let bob: Investor; // buyer
  let cal: Investor; // US, not accredited
  let dee: Investor; // second buyer
  let equity: { id: string; chainId: string };
  let usdChain: string;

  const place = (who: Investor, body: object, key?: string) =>
    app.inject({
      method: 'POST',
      url: `/assets/${equity.id}/orders`,
      headers: { ...who.headers, ...(key ? { 'idempotency-key': key } : {}) },
      payload: { consent: true, ...body },
    });
  const placed = async (who: Investor, body: object) => {
    const r = await place(who, body);
    expect(r.statusCode, r.body).toBe(201);
    await world.queue.drain();
    return r.json() as { order: { id: string; status: string; remaining: string }; trades: { id: string }[] };
  };
  const book = () => world.ok('GET', `/assets/${equity.id}/book`, undefined, ann.headers);
  const trades = (who: Investor) => world.ok('GET', `/trades?assetId=${equity.id}`, undefined, who.headers);
  const orders = (who: Investor) => world.ok('GET', `/orders?assetId=${equity.id}`, undefined, who.headers);
  const money = async (who: Investor) =>
    (await world.ok('GET', '/treasury/me', undefined, who.headers)).balance;
  const tokens = (who: Investor) => env.ledger.assetBalance(equity.chainId, who.did);
  const cancelAll = async (who: Investor) => {
    for (const o of (await orders(who)).items)
      if (o.status === 'open' || o.status === 'partially-filled')
        await world.ok('POST', `/orders/${o.id}/cancel`, undefined, who.headers);
  };

  async function deposit(who: Investor, amount: string, bankTxId: string) {
    const me = await world.ok('GET', '/treasury/me', undefined, who.headers);
    await world.ok(
      'POST',
      '/treasury/deposits',
      { reference: me.instructions.reference, amount, bankTxId },
      treasurer,
    );
  }

  beforeAll(async () => {
    env = await createTestEnv();
    env.config.treasury = {
      ...env.config.treasury,
      stablecoin: { ...env.config.treasury.stablecoin, atStart: true },
    };
    world = await offeringWorld(env);
    app = world.app;
    await world.queue.drain();
    treasurer = (await staff(app, 'treasury@stoa.example', ['treasury'])).headers;
    ta = (await staff(app, 'agent@stoa.example', ['transfer-agent'])).headers;
    ann = await world.onboard('Annabel', 'US', true);
    bob = await world.onboard('Bartholomew', 'US', true);
    cal = await world.onboard('Calvin', 'US', false);
    dee = await world.onboard('Deirdre', 'US', true);
    equity = await world.createAsset({
      name: 'Acme Common',
      ticker: 'ACME',
      assetType: 'EquityCommon',
      divisible: false,
    });
    await world.ok('PUT', `/assets/${equity.id}/rules`, { templates: [{ template: 'reg-d-506c' }] });
    await world.ok('POST', `/assets/${equity.id}/issue`, { amount: '10000' });
    await world.fund(ann, equity.id, '500');
    await deposit(bob, '5000', 'BANK-B1');
    await deposit(dee, '5000', 'BANK-D1');
    await deposit(ann, '1000', 'BANK-A1');
    usdChain = (await world.ok('GET', '/treasury/me', undefined, bob.headers)).currency.assetId;
    usdChain = (await world.ok('GET', `/assets/${usdChain}`)).chainId;
    expect(await tokens(ann)).toBe('500');
  }, 180_000);
  afterAll(async () => env.close());

  it('a sell of 100 at 12 and a buy of 60 at 13 trade 60 at 12, settled at the ATS venue in one instruction', async () => {
    const sell = await placed(ann, { side: 'sell', price: '12', quantity: '100' });
    expect(sell.order.status).toBe('open');
    expect((await book()).asks).toEqual([{ price: '12', quantity: '100', orders: 1 }]);
    const buy = await placed(bob, { side: 'buy', price: '13', quantity: '60' });
    expect(buy.trades).toHaveLength(1);
    const [t] = (await trades(bob)).items;
    expect(t).toMatchObject({
      side: 'buy',
      price: '12',
      quantity: '60',
      value: '720',
      status: 'settled',
      failureReason: null,
    });
    expect((await trades(ann)).items[0]).toMatchObject({ side: 'sell', status: 'settled' });
    expect(await tokens(bob)).toBe('60');
    expect(await tokens(ann)).toBe('440');
    expect(await env.ledger.assetBalance(usdChain, bob.did)).toBe('4280');
    expect(await env.ledger.assetBalance(usdChain, ann.did)).toBe('1720');
    // The rest of the sell order stays on the book; the buyer's order is filled and holds nothing.
    const b = await book();
    expect(b).toMatchObject({
      asks: [{ price: '12', quantity: '40', orders: 1 }],
      bids: [],
      lastPrice: '12',
    });
    expect(b.trades[0]).toMatchObject({ price: '12', quantity: '60', settled: true });
    expect((await orders(bob)).items[0]).toMatchObject({ status: 'filled', remaining: '0', settled: '60' });
    expect(await money(bob)).toMatchObject({ available: '4280', held: '0' });
    // One instruction at the ATS venue with both legs, executed by the operator.
    const trade = await env.db.orm.em.fork().findOneOrFail(Trade, { id: t.id });
    const ops = await env.db.orm.em.fork().find(ChainOperation, { subjectType: 'trade', subjectId: t.id });
    expect(ops.map((o) => o.kind).sort()).toEqual([
      'settlement.addInstruction',
      'settlement.affirmInstruction',
      'settlement.affirmInstruction',
      'settlement.executeManualInstruction',
    ]);
    expect(ops.every((o) => o.status === 'finalised')).toBe(true);
    expect(await env.ledger.instructionStatus(trade.instructionId!)).toMatchObject({ type: 'Success' });
    const instruct = ops.find((o) => o.kind === 'settlement.addInstruction')!;
    expect((instruct.call.args as { venueId: number }).venueId).toBe(trade.venueId);
    expect((await env.ledger.venue(trade.venueId))?.type).toBe('Exchange');
    // The purchase is the buyer's acquisition lot (lock-ups count from it); the seller's lot shrinks.
    const lots = await env.db.orm.em
      .fork()
      .find(AcquisitionLot, { assetId: equity.id }, { orderBy: { createdAt: 'asc' } });
    const investorLots = lots.filter((l) => l.holderDid === ann.did || l.holderDid === bob.did);
    expect(investorLots.map((l) => [l.holderDid, l.source, String(l.quantity), String(l.remaining)])).toEqual(
      [
        [ann.did, 'transfer', '500.000000', '440.000000'],
        [bob.did, 'settlement', '60.000000', '60.000000'],
      ],
    );
    // Consent is in the audit trail with the order; both sides are told in words.
    const placedAudit = await env.db.orm.em
      .fork()
      .findOneOrFail(AuditEntry, { action: 'trading.order-placed', subjectId: buy.order.id });
    expect(JSON.stringify(placedAudit.data)).toContain(
      'I agree that Stoa settles a match of this order for me',
    );
    const notes = await world.ok('GET', '/notifications', undefined, bob.headers);
    expect(notes.items.map((n: { message: string }) => n.message)).toContain(
      'You bought 60 ACME at 12 Stoa USD (720 Stoa USD in total). It has settled.',
    );
  }, 60_000);

  it('refuses at entry, in words: a non-accredited buyer, more than you hold, more money than you have, no consent', async () => {
    const r1 = await place(cal, { side: 'buy', price: '12', quantity: '1' });
    expect(r1.statusCode).toBe(422);
    expect(r1.json().message).toMatch(/you are not accredited/);
    const r2 = await place(ann, { side: 'sell', price: '12', quantity: '401' });
    expect(r2.statusCode).toBe(422);
    expect(r2.json().message).toBe(
      'You can sell at most 400 ACME now (the rest is in your other open orders or settling trades)',
    );
    const r3 = await place(bob, { side: 'buy', price: '100', quantity: '50' });
    expect(r3.statusCode).toBe(422);
    expect(r3.json().message).toMatch(/needs 5,000 Stoa USD and you have 4,280 Stoa USD available/);
    const r4 = await place(bob, { side: 'buy', price: '12', quantity: '1', consent: false });
    expect(r4.statusCode).toBe(400);
    expect(r4.json().message).toMatch(/I agree that Stoa settles a match/);
    const r5 = await place(bob, { side: 'buy', price: '12', quantity: '1.5' });
    expect(r5.statusCode).toBe(422);
    expect(r5.json().message).toMatch(/whole number/);
  });

  it('matches best price first, then oldest; partial fills; never against your own order', async () => {
    await cancelAll(ann);
    const a1 = await placed(ann, { side: 'sell', price: '11', quantity: '10' });
    const a2 = await placed(ann, { side: 'sell', price: '10', quantity: '10' });
    // Bob's sell at 10 comes after Ann's at 10: later in time at the same price.
    const b1 = await placed(bob, { side: 'sell', price: '10', quantity: '10' });
    // Ann's own buy at 11 passes over her sells and takes Bob's.
    const self = await placed(ann, { side: 'buy', price: '10', quantity: '5' });
    expect(self.trades).toHaveLength(1);
    const mine = (await trades(ann)).items.filter((t: { side: string }) => t.side === 'buy');
    expect(mine[0]).toMatchObject({ price: '10', quantity: '5', status: 'settled' });
    // Dee buys 20 at 11: Ann's 10 at 10 (best, oldest), Bob's remaining 5 at 10, then 5 of Ann's 11.
    const d = await placed(dee, { side: 'buy', price: '11', quantity: '20' });
    expect(d.trades).toHaveLength(3);
    const dt = (await trades(dee)).items.reverse();
    expect(dt.map((t: { price: string; quantity: string }) => `${t.quantity}@${t.price}`)).toEqual([
      '10@10',
      '5@10',
      '5@11',
    ]);
    expect(dt.every((t: { status: string }) => t.status === 'settled')).toBe(true);
    const os = await orders(ann);
    expect(os.items.find((o: { id: string }) => o.id === a2.order.id)).toMatchObject({ status: 'filled' });
    expect(os.items.find((o: { id: string }) => o.id === a1.order.id)).toMatchObject({
      status: 'partially-filled',
      remaining: '5',
    });
    expect((await orders(bob)).items.find((o: { id: string }) => o.id === b1.order.id)).toMatchObject({
      status: 'filled',
    });
    expect(await tokens(dee)).toBe('20');
    await cancelAll(ann);
  }, 120_000);

  it('ten concurrent sells that together exceed what is free: only as many as fit', async () => {
    await cancelAll(ann);
    const free = BigInt(await tokens(ann)); // 440 - 20 + 5 = 425
    const each = 60n;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => place(ann, { side: 'sell', price: '50', quantity: String(each) })),
    );
    const ok = results.filter((r) => r.statusCode === 201).length;
    expect(ok).toBe(Number(free / each));
    expect(results.filter((r) => r.statusCode === 422)).toHaveLength(10 - ok);
    const open = (await orders(ann)).items.filter((o: { status: string }) => o.status === 'open');
    expect(open).toHaveLength(ok);
    await cancelAll(ann);
    // Cancelling gives it all back.
    expect((await place(ann, { side: 'sell', price: '50', quantity: String(free) })).statusCode).toBe(201);
    await cancelAll(ann);
  }, 60_000);

  it('ten concurrent buys share the buyer’s money without spending it twice', async () => {
    const available = BigInt((await money(dee)).available.split('.')[0]);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => place(dee, { side: 'buy', price: '1', quantity: '1000' })),
    );
    const ok = results.filter((r) => r.statusCode === 201).length;
    expect(ok).toBe(Number(available / 1000n));
    expect(BigInt((await money(dee)).held)).toBe(BigInt(ok) * 1000n);
    await cancelAll(dee);
    expect((await money(dee)).held).toBe('0');
  }, 60_000);

  it('a price band refuses orders too far from the last trade', async () => {
    const issuer = await world.call('PUT', `/assets/${equity.id}/trading`, {
      bandPercent: '10',
      requireMediation: false,
    });
    expect(issuer.status).toBe(200);
    const last = (await book()).lastPrice;
    expect(last).toBe('11');
    const r = await place(bob, { side: 'buy', price: '13', quantity: '1' });
    expect(r.statusCode).toBe(422);
    expect(r.json().message).toBe(
      'The price must be within 10% of the last trade (11 Stoa USD): between 9.9 and 12.1 Stoa USD',
    );
    const byInvestor = await world.call(
      'PUT',
      `/assets/${equity.id}/trading`,
      { bandPercent: '50', requireMediation: false },
      bob.headers,
    );
    expect(byInvestor.status).toBe(403);
    await world.ok('PUT', `/assets/${equity.id}/trading`, { bandPercent: null, requireMediation: false });
  });

  it('a trade that waits for the transfer agent settles on approval; one the chain refuses fails in words and releases both sides', async () => {
    await world.ok('PUT', `/assets/${equity.id}/trading`, { bandPercent: null, requireMediation: true });
    await placed(ann, { side: 'sell', price: '20', quantity: '10' });
    await placed(bob, { side: 'buy', price: '20', quantity: '10' });
    let [t] = (await trades(bob)).items;
    expect(t).toMatchObject({ status: 'mediating', needsApproval: true });
    expect((await world.call('POST', `/trades/${t.id}/approve`, undefined, bob.headers)).status).toBe(403);
    const queue = await world.ok('GET', '/trades?status=mediating', undefined, ta);
    expect(queue.items.map((x: { id: string }) => x.id)).toContain(t.id);
    const bobTokens = await tokens(bob);
    await world.ok('POST', `/trades/${t.id}/approve`, undefined, ta);
    [t] = (await trades(bob)).items;
    expect(t.status).toBe('settled');
    expect(BigInt(await tokens(bob))).toBe(BigInt(bobTokens) + 10n);

    // Now the asset is frozen between the match and the approval: execution is refused by the chain.
    await placed(ann, { side: 'sell', price: '20', quantity: '10' });
    await placed(bob, { side: 'buy', price: '20', quantity: '10' });
    [t] = (await trades(bob)).items;
    expect(t.status).toBe('mediating');
    const held = await money(bob);
    expect(held.held).toBe('0'); // affirmed: the chain itself locks the money now
    await world.ok('POST', `/assets/${equity.id}/freeze`, { reason: 'court order under review' });
    const annBefore = await tokens(ann);
    const bobMoneyBefore = await env.ledger.assetBalance(usdChain, bob.did);
    await world.ok('POST', `/trades/${t.id}/approve`, undefined, ta);
    [t] = (await trades(bob)).items;
    expect(t).toMatchObject({
      status: 'failed',
      failureReason: 'The asset is frozen: no transfers until the issuer unfreezes it.',
    });
    // The order whose only match failed is over, and says why.
    expect((await orders(bob)).items[0]).toMatchObject({
      status: 'cancelled',
      failureReason:
        'A match of 10 at 20 did not settle: The asset is frozen: no transfers until the issuer unfreezes it.',
    });
    const seen = (await trades(ann)).items.find((x: { id: string }) => x.id === t.id);
    expect(seen.failureReason).toBe(t.failureReason);
    // Both sides' balances are free again: the instruction was rejected, its locks released.
    const trade = await env.db.orm.em.fork().findOneOrFail(Trade, { id: t.id });
    expect(await env.ledger.instructionStatus(trade.instructionId!)).toMatchObject({ type: 'Rejected' });
    expect(await tokens(ann)).toBe(annBefore);
    expect(await env.ledger.assetBalance(usdChain, bob.did)).toBe(bobMoneyBefore);
    const [bobFunds] = await env.ledger.portfolioBalances({ did: bob.did }, usdChain);
    expect(bobFunds!.locked).toBe('0');
    const [annTokens] = await env.ledger.portfolioBalances({ did: ann.did }, equity.chainId);
    expect(annTokens!.locked).toBe('0');
    const settlement = await world.ok('GET', `/settlements/${trade.settlementId}`);
    expect(settlement.failureReason).toBe('The asset is frozen: no transfers until the issuer unfreezes it.');
    const notes = await world.ok('GET', '/notifications', undefined, ann.headers);
    expect(notes.items.map((n: { message: string }) => n.message)).toContain(
      'Your trade of 10 ACME at 20 Stoa USD did not settle: The asset is frozen: no transfers until the issuer unfreezes it. Whatever it held for you is released.',
    );
    await world.ok('POST', `/assets/${equity.id}/unfreeze`, { reason: 'court order lifted' });
    await world.ok('PUT', `/assets/${equity.id}/trading`, { bandPercent: null, requireMediation: false });
  }, 120_000);

  it('a trade not settled by its deadline is cancelled and its instruction rejected', async () => {
    await world.ok('PUT', `/assets/${equity.id}/trading`, { bandPercent: null, requireMediation: true });
    await placed(ann, { side: 'sell', price: '20', quantity: '5' });
    await placed(bob, { side: 'buy', price: '20', quantity: '5' });
    let [t] = (await trades(bob)).items;
    expect(t.status).toBe('mediating');
    expect(await app.trading.expireDue(new Date(Date.now() + 25 * 3_600_000))).toBe(1);
    await world.queue.drain();
    [t] = (await trades(bob)).items;
    expect(t).toMatchObject({
      status: 'failed',
      failureReason: expect.stringMatching(/not completed within a day/),
    });
    const trade = await env.db.orm.em.fork().findOneOrFail(Trade, { id: t.id });
    expect(await env.ledger.instructionStatus(trade.instructionId!)).toMatchObject({ type: 'Rejected' });
    await world.ok('PUT', `/assets/${equity.id}/trading`, { bandPercent: null, requireMediation: false });
  }, 60_000);

  it('the lock-up and holder-cap seams: locked tokens cannot be sold, a full holder list takes no new buyer', async () => {
    const defaults = app.trading.lockups;
    try {
      app.trading.lockups = {
        sellable: async (_em, _asset, did) => ({
          sellable: did === ann.did ? '5' : null,
          locked: [{ amount: '400', until: null }],
        }),
        // One place left, and Dee (who holds none… yet) counts once she has an open buy order.
        holderHeadroom: async () => 1,
      };
      const locked = await place(ann, { side: 'sell', price: '12', quantity: '6' });
      expect(locked.statusCode).toBe(422);
      expect(locked.json().message).toBe('You can sell at most 5 ACME now (the rest is locked up)');
      expect((await place(ann, { side: 'sell', price: '99', quantity: '5' })).statusCode).toBe(201);
      await cancelAll(ann);
      const eve = await world.onboard('Evangeline', 'US', true);
      await deposit(eve, '100', 'BANK-E1');
      const fred = await world.onboard('Frederick', 'US', true);
      await deposit(fred, '100', 'BANK-F1');
      // Eve takes the last place with an open order; Fred, who holds none either, is refused.
      expect((await place(eve, { side: 'buy', price: '1', quantity: '1' })).statusCode).toBe(201);
      const full = await place(fred, { side: 'buy', price: '1', quantity: '1' });
      expect(full.statusCode).toBe(422);
      expect(full.json().message).toMatch(
        /has room for 1 more holder, and 1 investor who holds none yet already has buy orders open/,
      );
      // A holder is not a new holder: Bob may still buy.
      expect((await place(bob, { side: 'buy', price: '1', quantity: '1' })).statusCode).toBe(201);
      await cancelAll(eve);
      await cancelAll(bob);
    } finally {
      app.trading.lockups = defaults;
    }
  }, 120_000);

  it('a retried placement with the same Idempotency-Key answers the first order', async () => {
    const r1 = await place(dee, { side: 'buy', price: '1', quantity: '3' }, 'dee-order-1');
    const r2 = await place(dee, { side: 'buy', price: '1', quantity: '3' }, 'dee-order-1');
    expect(r1.statusCode).toBe(201);
    expect(r2.statusCode).toBe(201);
    expect(r2.json().order.id).toBe(r1.json().order.id);
    await cancelAll(dee);
  });

  it('a restart mid-settlement settles each trade once', async () => {
    const em = () => env.db.orm.em.fork();
    const opsOf = (tradeId: string) =>
      em().find(ChainOperation, { subjectType: 'trade', subjectId: tradeId });
    const annBefore = BigInt(await tokens(ann));
    const bobBefore = BigInt(await tokens(bob));
    // First server: orders placed and matched, but none of the chain work runs before it stops.
    const first = await env.app({ queue: new HeldQueue() });
    const inject = (who: Investor, body: object) =>
      first.inject({
        method: 'POST',
        url: `/assets/${equity.id}/orders`,
        headers: who.headers,
        payload: { consent: true, ...body },
      });
    expect((await inject(ann, { side: 'sell', price: '15', quantity: '7' })).statusCode).toBe(201);
    const r = await inject(bob, { side: 'buy', price: '15', quantity: '7' });
    expect(r.statusCode).toBe(201);
    const tradeId = r.json().trades[0].id as string;
    // It gets as far as the instruction: the affirmations are recorded, not sent.
    const instruct = (await opsOf(tradeId)).find((o) => o.kind === 'settlement.addInstruction')!;
    await first.services.operations.process(instruct.id);
    const midway = await opsOf(tradeId);
    expect(midway.map((o) => `${o.kind}:${o.status}`).sort()).toEqual([
      'settlement.addInstruction:finalised',
      'settlement.affirmInstruction:pending',
      'settlement.affirmInstruction:pending',
    ]);
    await first.close();
    // The next start sweeps what was left and settles it.
    const second = await env.app({ queue: env.makeQueue('inline') });
    for (let i = 0; i < 200; i++) {
      const t = await em().findOneOrFail(Trade, { id: tradeId });
      if (t.status === 'settled' || t.status === 'failed') break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const trade = await em().findOneOrFail(Trade, { id: tradeId });
    expect(trade.status).toBe('settled');
    // A third start finds nothing to do again.
    const third = await env.app({ queue: env.makeQueue('inline') });
    await third.services.operations.sweep();
    const ops = await opsOf(tradeId);
    expect(ops.map((o) => o.kind).sort()).toEqual([
      'settlement.addInstruction',
      'settlement.affirmInstruction',
      'settlement.affirmInstruction',
      'settlement.executeManualInstruction',
    ]);
    expect(ops.every((o) => o.status === 'finalised')).toBe(true);
    expect(BigInt(await tokens(ann))).toBe(annBefore - 7n);
    expect(BigInt(await tokens(bob))).toBe(bobBefore + 7n);
    const o = await em().findOneOrFail(Order, { id: trade.buyOrderId });
    expect(o.settled).toMatch(/^7(\.0+)?$/);
    await second.close();
    await third.close();
  }, 120_000);
});
