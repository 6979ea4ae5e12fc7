import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityClaimRecord } from '../src/modules/identities/entity.js';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { Subscription } from '../src/modules/offerings/entity.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, signed, type Investor } from './offering-helpers.js';

/**
 * Limits under concurrency: many subscriptions sent at once, each limit holding for their sum.
 * The inline queue runs the outbox alongside, so investments land on chain while later
 * subscriptions are being checked.
 */
describe('regulatory limits under concurrent subscriptions', () => {
  let env: TestEnv;
  let world: Awaited<ReturnType<typeof offeringWorld>>;
  let usd: { id: string; chainId: string };
  let crowdfunded: Investor;
  let accredited: Investor[];

  const subscribe = (offeringId: string, investor: Investor, amount: string) =>
    world.call(
      'POST',
      `/offerings/${offeringId}/subscriptions`,
      { amount, agreement: signed(investor) },
      investor.headers,
    );
  /** `count` subscriptions at once from each investor; the answers in order. */
  const burst = (offeringId: string, investors: Investor[], count: number, amount: string) =>
    Promise.all(
      investors.flatMap((inv) => Array.from({ length: count }, () => subscribe(offeringId, inv, amount))),
    );
  const accepted = (answers: { status: number }[]) => answers.filter((a) => a.status === 202).length;
  const balance = (chainId: string, inv: Investor) => env.ledger.assetBalance(chainId, inv.did);

  async function fund(investor: Investor, amount: string) {
    await world.fund(investor, usd.id, amount);
  }

  async function offering(rules: object[], terms: object) {
    const asset = await world.createAsset({
      name: `Limits ${Math.random()}`,
      assetType: 'Fund',
      divisible: true,
    });
    if (rules.length) await world.ok('PUT', `/assets/${asset.id}/rules`, { templates: rules });
    const id = await world.launch(asset.id, usd.id, { name: 'Limits', minInvestment: '1', ...terms });
    expect((await world.ok('GET', `/offerings/${id}`)).status).toBe('live');
    return { id, asset };
  }

  /** Every accepted subscription settled on chain: nothing accepted was beyond what the chain allows. */
  async function settled(offeringId: string) {
    await world.queue.drain();
    const subs = await env.db.orm.em.fork().find(Subscription, { offeringId });
    expect(subs.map((s) => s.status).filter((s) => s !== 'settled')).toEqual([]);
    return subs;
  }

  beforeAll(async () => {
    env = await createTestEnv();
    world = await offeringWorld(env);
    // Income 40,000 and net worth 30,000: the Reg CF limit is the $2,500 floor.
    crowdfunded = await world.onboard('Crowdfunder', 'US', false, {
      annualIncome: '40000',
      netWorth: '30000',
    });
    accredited = [];
    for (const name of ['Alpha', 'Bravo', 'Charlie']) accredited.push(await world.onboard(name, 'US', true));
    usd = await world.createAsset({ name: 'Stoa USD', assetType: 'StableCoin', divisible: true });
    await world.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000000' });
    await fund(crowdfunded, '50000');
    for (const inv of accredited) await fund(inv, '20000');
  }, 180_000);
  afterAll(async () => env.close());

  it('accepts at most the Reg CF 12-month limit from 10 concurrent subscriptions of 2,000 (limit 2,500)', async () => {
    const { id, asset } = await offering([{ template: 'reg-cf' }], {
      tiers: [{ amount: '100000', price: '1' }],
    });
    const answers = await burst(id, [crowdfunded], 10, '2000');
    expect(accepted(answers)).toBe(1);
    for (const refused of answers.filter((a) => a.status !== 202)) {
      expect(refused.status).toBe(422);
      expect(refused.body.message).toMatch(/Reg CF 12-month limit of 2500 USD \(already invested 2000\)/);
    }
    await settled(id);
    expect(await balance(asset.chainId, crowdfunded)).toBe('2000');
    // The limit spans offerings: the 500 left is all another offering can take.
    const other = await offering([{ template: 'reg-cf' }], { tiers: [{ amount: '100000', price: '1' }] });
    expect(accepted(await burst(other.id, [crowdfunded], 5, '400'))).toBe(1);
    await settled(other.id);
  }, 60_000);

  it('accepts at most the maximum investment from 10 concurrent subscriptions of 60 (maximum 100)', async () => {
    const { id, asset } = await offering([], {
      tiers: [{ amount: '10000', price: '1' }],
      maxInvestment: '100',
    });
    const answers = await burst(id, [accredited[0]!], 10, '60');
    expect(accepted(answers)).toBe(1);
    expect(answers.find((a) => a.status === 422)?.body.message).toMatch(
      /you would invest 120 Stoa USD, above the maximum of 100 Stoa USD per investor/,
    );
    await settled(id);
    expect(await balance(asset.chainId, accredited[0]!)).toBe('60');
  }, 60_000);

  it('fills the hard cap exactly and no further from several investors at once', async () => {
    const { id } = await offering([], { tiers: [{ amount: '10000', price: '1' }], hardCap: '500' });
    const answers = await burst(id, accredited, 4, '100');
    expect(accepted(answers)).toBe(5);
    const subs = await settled(id);
    expect(subs.reduce((s, x) => s + Number(x.cost), 0)).toBe(500);
    expect((await world.ok('GET', `/offerings/${id}`)).dashboard.raised).toBe('500');
  }, 60_000);

  it('sells no more tokens than the tiers hold, pricing each subscription on the tiers left after the ones before', async () => {
    // 300 tokens: 100 at 1, then 200 at 2; the hard cap (500) is what the tiers raise. Quoted on
    // the chain's tiers alone, ten subscriptions of 50 would all cost 50 and all fit the cap.
    const { id, asset } = await offering([], {
      tiers: [
        { amount: '100', price: '1' },
        { amount: '200', price: '2' },
      ],
    });
    const answers = await burst(id, accredited, 4, '50');
    expect(accepted(answers)).toBe(6);
    for (const refused of answers.filter((a) => a.status !== 202)) {
      expect(refused.body.message).toMatch(/only 0 tokens are left/);
    }
    const subs = await settled(id);
    expect(subs.reduce((s, x) => s + Number(x.amount), 0)).toBe(300);
    expect(subs.reduce((s, x) => s + Number(x.cost), 0)).toBe(500);
    const held = await Promise.all(accredited.map((inv) => balance(asset.chainId, inv)));
    expect(held.reduce((s, x) => s + Number(x), 0)).toBe(300);
  }, 60_000);

  it('spends no investor’s funds twice', async () => {
    const poor = await world.onboard('Thinwallet', 'US', true);
    await fund(poor, '150');
    const { id } = await offering([], { tiers: [{ amount: '10000', price: '1' }] });
    const answers = await burst(id, [poor], 10, '50');
    expect(accepted(answers)).toBe(3);
    // How much is still held depends on how many investments the chain has taken meanwhile.
    expect(answers.find((a) => a.status === 422)?.body.message).toMatch(
      /you have 0 Stoa USD available( \([\d,]+ Stoa USD more is held for subscriptions in progress\))?, and this subscription costs 50 Stoa USD\. Deposit at least 50 Stoa USD more from your Money page/,
    );
    await settled(id);
    expect(await env.ledger.assetBalance(usd.chainId, poor.did)).toBe('0');
  }, 90_000);

  it('admits no more new holders than the holder cap, counting first purchases still in progress', async () => {
    // At most 2 holders: two investors (the issuer's inventory does not take a place).
    const { id, asset } = await offering(
      [{ template: 'reg-d-506c' }, { template: 'max-holders', count: 2 }],
      {
        tiers: [{ amount: '10000', price: '1' }],
      },
    );
    const answers = await burst(id, accredited, 2, '10');
    const holders = new Set((await settled(id)).map((s) => s.identityId));
    expect(holders.size).toBe(2);
    expect(accepted(answers)).toBeLessThanOrEqual(4);
    expect(answers.filter((a) => a.status === 422).map((a) => a.body.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/maximum of 2 holders/)]),
    );
    // The chain counts the issuer's identity too.
    expect((await env.ledger.holders(asset.chainId)).length).toBe(3);
  }, 60_000);

  it('takes a subscription retried with one Idempotency-Key once, and counts it once against the limits', async () => {
    const { id } = await offering([], { tiers: [{ amount: '10000', price: '1' }], maxInvestment: '100' });
    const investor = accredited[1]!;
    const send = (key: string, amount: string) =>
      world.call(
        'POST',
        `/offerings/${id}/subscriptions`,
        { amount, agreement: signed(investor) },
        { ...investor.headers, 'idempotency-key': key },
      );
    const answers = await Promise.all(Array.from({ length: 5 }, () => send('subscribe-0001', '60')));
    const ids = new Set(answers.filter((a) => a.status === 202).map((a) => a.body.id));
    expect(ids.size).toBe(1);
    expect(answers.every((a) => a.status === 202 || a.status === 409)).toBe(true);
    // As if the server died after committing, before storing the answer: once its hold on the
    // key lapses, the retry runs again and finds the first subscription.
    await env.db.orm.em
      .fork()
      .getConnection()
      .execute(
        `update idempotency_record set status = 'processing', locked_until = now() - interval '1 second' where key = ?`,
        ['subscribe-0001'],
      );
    const rerun = await send('subscribe-0001', '60');
    expect(rerun.status).toBe(202);
    expect(rerun.body.id).toBe([...ids][0]);
    // 60 is counted once: 40 more fit under the maximum of 100.
    expect((await send('subscribe-0002', '40')).status).toBe(202);
    expect((await send('subscribe-0003', '1')).status).toBe(422);
    const subs = await settled(id);
    expect(subs.map((s) => Number(s.amount)).sort()).toEqual([40, 60]);
  }, 60_000);

  it('launches and closes once however many times the issuer asks at once', async () => {
    const asset = await world.createAsset({ name: 'Twice', assetType: 'Fund', divisible: true });
    const draft = await world.ok('POST', `/assets/${asset.id}/offerings`, {
      paymentAssetId: usd.id,
      name: 'Twice',
      tiers: [{ amount: '1000', price: '1' }],
      minInvestment: '1',
      end: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const launches = await Promise.all(
      Array.from({ length: 5 }, () => world.call('POST', `/offerings/${draft.id}/launch`)),
    );
    // While the launch runs a repeat answers with its operations; once they are done, with a
    // conflict naming the state. Never a second launch.
    const [first, ...rest] = launches;
    expect(first!.status).toBe(202);
    for (const l of rest) {
      if (l.status === 202)
        expect(l.body.operations).toEqual(first!.body.operations.map(() => expect.anything()));
      else expect(l.body.message).toMatch(/is (launching|live); only a draft can be launched/);
    }
    const ids = launches
      .filter((l) => l.status === 202)
      .map((l) => l.body.operations.map((o: { id: string }) => o.id).join());
    expect(new Set(ids).size).toBe(1);
    await world.queue.drain();
    expect((await world.ok('GET', `/offerings/${draft.id}`)).status).toBe('live');
    const again = await world.call('POST', `/offerings/${draft.id}/launch`);
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/is live; only a draft can be launched/);

    const closes = await Promise.all(
      Array.from({ length: 5 }, () => world.call('POST', `/offerings/${draft.id}/close`)),
    );
    const closing = closes.filter((c) => c.status === 202);
    expect(new Set(closing.map((c) => c.body.operations[0].id)).size).toBe(1);
    for (const c of closes.filter((x) => x.status !== 202))
      expect(c.body.message).toMatch(/is (closing|closed); this needs it to be live or frozen/);
    await world.queue.drain();
    expect((await world.ok('GET', `/offerings/${draft.id}`)).status).toBe('closed');
    const em = env.db.orm.em.fork();
    expect(await em.count(ChainOperation, { subjectId: draft.id, kind: 'sto.stop' })).toBe(1);
    expect(await em.count(ChainOperation, { subjectId: draft.id, kind: 'asset.issue' })).toBe(1);
    expect((await world.call('POST', `/offerings/${draft.id}/close`)).status).toBe(409);
  }, 60_000);

  it('affirms a settlement once however many times the investor asks at once, and not again once settled', async () => {
    const investor = accredited[2]!;
    const s = await world.instruct(investor, usd.id, '5');
    const affirm = () =>
      world.call(
        'POST',
        `/settlements/${s.id}/affirm`,
        { identityId: investor.identityId },
        investor.headers,
      );
    const answers = await Promise.all(Array.from({ length: 5 }, affirm));
    const ops = new Set(answers.filter((a) => a.status === 202).map((a) => a.body.id));
    expect(ops.size).toBe(1);
    for (const a of answers.filter((x) => x.status !== 202))
      expect(a.body.message).toMatch(/already affirmed|is Success on chain/);
    await world.queue.drain();
    expect((await world.ok('GET', `/settlements/${s.id}`)).status).toBe('Success');
    const late = await affirm();
    expect(late.status).toBe(409);
    expect(late.body.message).toMatch(/is Success on chain; it can no longer be affirmed/);
    const em = env.db.orm.em.fork();
    expect(await em.count(ChainOperation, { subjectId: s.id, kind: 'settlement.affirmInstruction' })).toBe(1);
  }, 60_000);

  it('revokes an investor once however many times the CDD provider asks at once', async () => {
    const investor = await world.onboard('Revokedonce', 'DE', false);
    const claims = await env.db.orm.em
      .fork()
      .count(IdentityClaimRecord, { identityId: investor.identityId, status: 'active' });
    expect(claims).toBeGreaterThan(0);
    const revoke = () =>
      world.call(
        'POST',
        `/cdd/identities/${investor.identityId}/revoke`,
        { reason: 'sanctions list match' },
        world.cddKey,
      );
    const answers = await Promise.all(Array.from({ length: 4 }, revoke));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 202)) {
      expect(a.status).toBe(409);
      expect(a.body.message).toBe('The identity is already revoked');
    }
    await world.queue.drain();
    const revocations = await env.db.orm.em
      .fork()
      .count(ChainOperation, { kind: 'identity.revokeClaim', call: { args: { target: investor.did } } });
    expect(revocations).toBe(claims);
  }, 60_000);
});
