import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toUnits } from '../src/lib/units.js';
import { offeringTotals, raisedBy } from '../src/modules/offerings/eligibility.js';
import { Subscription, type SubscriptionStatus } from '../src/modules/offerings/entity.js';
import { createTestEnv, type TestEnv } from './helpers.js';

/** The offering's running totals come from one SQL aggregate; they equal the former in-memory sums. */
describe('offering totals', () => {
  let env: TestEnv;
  const offering = randomUUID();
  const other = randomUUID();
  const investors = [randomUUID(), randomUUID(), randomUUID()];
  const rows: {
    offeringId: string;
    identityId: string;
    amount: string;
    cost: string;
    status: SubscriptionStatus;
  }[] = [];

  /** What `raisedBy` and the maximum-investment check computed before: load and reduce. */
  const oldSum = (offeringId: string, identityId?: string) =>
    rows
      .filter(
        (r) =>
          r.offeringId === offeringId &&
          ['pending', 'settled'].includes(r.status) &&
          (identityId === undefined || r.identityId === identityId),
      )
      .reduce((s, r) => ({ cost: s.cost + toUnits(r.cost), amount: s.amount + toUnits(r.amount) }), {
        cost: 0n,
        amount: 0n,
      });

  beforeAll(async () => {
    env = await createTestEnv();
    const statuses: SubscriptionStatus[] = ['pending', 'settled', 'failed', 'refunding', 'refunded'];
    for (let i = 0; i < 40; i++) {
      rows.push({
        offeringId: i % 7 === 0 ? other : offering,
        identityId: investors[i % investors.length]!,
        amount: `${i + 1}.${String(i * 37)
          .padStart(6, '0')
          .slice(0, 6)}`,
        cost: `${(i + 1) * 3}.${String(i * 1234567).slice(0, 6)}`,
        status: statuses[i % statuses.length]!,
      });
    }
    const em = env.db.orm.em.fork();
    for (const r of rows) {
      const s = new Subscription();
      Object.assign(s, { ...r, did: `0x${'ab'.repeat(32)}` });
      em.persist(s);
    }
    await em.flush();
  }, 60_000);
  afterAll(async () => env.close());

  it('sums raised, sold, counts and each investor’s commitment exactly, ignoring failed and refunded', async () => {
    const em = env.db.orm.em.fork();
    for (const id of investors) {
      const t = await offeringTotals(em, offering, id);
      const all = oldSum(offering);
      expect(t.raised).toBe(all.cost);
      expect(t.sold).toBe(all.amount);
      expect(t.investorCost).toBe(oldSum(offering, id).cost);
      expect(t.investorCost).toBeGreaterThan(0n);
    }
    const t = await offeringTotals(em, offering);
    const live = rows.filter((r) => r.offeringId === offering && ['pending', 'settled'].includes(r.status));
    expect(t.subscriptions).toBe(live.length);
    expect(t.investors).toBe(new Set(live.map((r) => r.identityId)).size);
    expect(t.investorCost).toBe(0n);
    expect(await raisedBy(em, other)).toBe(oldSum(other).cost);
    expect(await offeringTotals(em, randomUUID())).toEqual({
      raised: 0n,
      sold: 0n,
      subscriptions: 0,
      investors: 0,
      investorCost: 0n,
    });
  });

  it('reads on the caller’s transaction: it sees the transaction’s own rows, and nothing once rolled back', async () => {
    const before = await raisedBy(env.db.orm.em.fork(), offering);
    await env.db.orm.em
      .fork()
      .transactional(async (tx) => {
        const s = new Subscription();
        Object.assign(s, {
          offeringId: offering,
          identityId: investors[0],
          did: 'did',
          amount: '1',
          cost: '10.5',
          status: 'pending',
        });
        await tx.persist(s).flush();
        expect(await raisedBy(tx, offering)).toBe(before + toUnits('10.5'));
        throw new Error('roll back');
      })
      .catch((e: Error) => expect(e.message).toBe('roll back'));
    expect(await raisedBy(env.db.orm.em.fork(), offering)).toBe(before);
  });
});
