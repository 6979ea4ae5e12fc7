import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, type Investor } from './offering-helpers.js';

/**
 * Issue 13's settlement failures, as a tester met them: a resale refused by the rules ended
 * Failed with no reason and the seller's tokens locked; a retry answered Unauthorized; an
 * instruction nobody affirmed stayed Pending for ever.
 */
describe('settlements that fail explain themselves and let go', () => {
  let env: TestEnv;
  let world: Awaited<ReturnType<typeof offeringWorld>>;
  let app: FastifyInstance;
  let ann: Investor; // accredited holder
  let bob: Investor; // accredited
  let cal: Investor; // not accredited: Reg D refuses him
  let equity: { id: string; chainId: string };

  const settled = async () => {
    for (let i = 0; i < 100; i++) {
      await world.queue.drain();
      await app.tokenization.settlementWatcher.idle();
      await world.queue.drain();
      const open = await env.db.orm.em
        .fork()
        .count(ChainOperation, { status: { $nin: ['finalised', 'failed'] } });
      if (open === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const resale = (to: Investor, settlementType: object, amount = '10') =>
    world.ok('POST', '/settlements', {
      settlementType,
      legs: [{ type: 'Fungible', from: { did: ann.did }, to: { did: to.did }, assetId: equity.id, amount }],
    });
  const waitFor = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await settled();
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('condition never met');
  };
  const free = async (who: Investor) =>
    (await env.ledger.portfolioBalances({ did: who.did }, equity.chainId))[0]?.free ?? '0';

  beforeAll(async () => {
    env = await createTestEnv();
    world = await offeringWorld(env);
    app = world.app;
    ann = await world.onboard('Annabel', 'US', true);
    bob = await world.onboard('Bartholomew', 'US', true);
    cal = await world.onboard('Calvin', 'US', false);
    equity = await world.createAsset({
      name: 'Acme Common',
      ticker: 'ACME',
      assetType: 'EquityCommon',
      divisible: false,
    });
    await world.ok('PUT', `/assets/${equity.id}/rules`, { templates: [{ template: 'reg-d-506c' }] });
    await world.ok('POST', `/assets/${equity.id}/issue`, { amount: '1000' });
    await world.fund(ann, equity.id, '100');
    await settled();
  }, 180_000);
  afterAll(async () => env.close());

  it('a resale the rules refuse ends with the chain’s reason in words, both told, and the seller’s tokens released', async () => {
    const s = await resale(cal, { type: 'SettleOnAffirmation' });
    await settled();
    await world.ok('POST', `/settlements/${s.id}/affirm`, {}, ann.headers);
    await world.ok('POST', `/settlements/${s.id}/affirm`, {}, cal.headers);
    await waitFor(async () => (await world.ok('GET', `/settlements/${s.id}`)).status === 'Rejected');
    const view = await world.ok('GET', `/settlements/${s.id}`, undefined, ann.headers);
    expect(view.failureReason).toBe('The transfer does not meet the asset’s compliance rules.');
    expect(await free(ann)).toBe('100');
    expect(await env.ledger.assetBalance(equity.chainId, cal.did)).toBe('0');
    const audit = await env.db.orm.em
      .fork()
      .find(AuditEntry, { action: 'settlement.failed', subjectId: s.id });
    expect(audit).toHaveLength(1);
    for (const who of [ann, cal]) {
      const notes = await world.ok('GET', '/notifications', undefined, who.headers);
      expect(notes.items.map((n: { message: string }) => n.message)).toContain(
        'A settlement involving your account did not go through: The transfer does not meet the asset’s compliance rules. Nothing moved, and what it held for you is released.',
      );
    }
  }, 60_000);

  it('a party may execute a manual instruction (it answered Unauthorized before)', async () => {
    const height = (await env.ledger.info()).blockHeight;
    const s = await resale(bob, { type: 'SettleManual', block: height + 1 });
    await settled();
    await world.ok('POST', `/settlements/${s.id}/affirm`, {}, ann.headers);
    await world.ok('POST', `/settlements/${s.id}/affirm`, {}, bob.headers);
    await settled();
    const r = await world.call('POST', `/settlements/${s.id}/execute`, undefined, bob.headers);
    expect(r.status).toBe(202);
    await settled();
    const op = await world.ok('GET', `/operations/${r.body.id}`);
    expect(op.status).toBe('finalised');
    expect((await world.ok('GET', `/settlements/${s.id}`)).status).toBe('Success');
    expect(await env.ledger.assetBalance(equity.chainId, bob.did)).toBe('10');
    // An investor who is not a party may not.
    const other = await resale(bob, { type: 'SettleManual', block: height + 1 }, '1');
    await settled();
    expect(
      (await world.call('POST', `/settlements/${other.id}/execute`, undefined, cal.headers)).status,
    ).toBe(403);
    // Staff may: signed by a custodial party.
    await world.ok('POST', `/settlements/${other.id}/affirm`, {}, ann.headers);
    await world.ok('POST', `/settlements/${other.id}/affirm`, {}, bob.headers);
    await settled();
    const staffRun = await world.call('POST', `/settlements/${other.id}/execute`);
    expect(staffRun.status).toBe(202);
    await settled();
    expect((await world.ok('GET', `/settlements/${other.id}`)).status).toBe('Success');
  }, 60_000);

  it('an instruction nobody completes is rejected at its deadline and its locks released', async () => {
    const s = await resale(bob, { type: 'SettleOnAffirmation' }, '5');
    await settled();
    await world.ok('POST', `/settlements/${s.id}/affirm`, {}, ann.headers);
    await settled();
    expect(await free(ann)).toBe('84');
    expect(await app.tokenization.settlements.expireDue(new Date(Date.now() + 8 * 86_400_000))).toBe(1);
    await settled();
    const view = await world.ok('GET', `/settlements/${s.id}`);
    expect(view).toMatchObject({
      status: 'Rejected',
      failureReason: 'The settlement was not completed by its deadline, so the platform cancelled it.',
    });
    expect(await free(ann)).toBe('89');
    expect(await app.tokenization.settlements.expireDue(new Date(Date.now() + 8 * 86_400_000))).toBe(0);
  }, 60_000);
});
