import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toUnits } from '../src/lib/units.js';
import { offeringTotals, raisedBy } from '../src/modules/offerings/eligibility.js';
import { Subscription, type SubscriptionStatus } from '../src/modules/offerings/entity.js';
import { BACKFILL_OFFERING_TOTALS } from '../src/migrations/Migration20261201151000_OfferingRunningTotals.js';
import { createTestEnv, type TestEnv } from './helpers.js';

/** The offering's running totals (kept by a trigger) equal the sums over its subscriptions. */
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

  /** The totals recomputed from the subscriptions, as the former aggregate did. */
  const truth = async (offeringId: string, identityId: string) => {
    const [row] = await env.db.orm.em
      .fork()
      .getConnection()
      .execute<{ raised: string; sold: string; subscriptions: string; investors: string; mine: string }[]>(
        `select coalesce(sum("cost"), 0)::text as raised, coalesce(sum("amount"), 0)::text as sold,
                count(*)::text as subscriptions, count(distinct "identity_id")::text as investors,
                coalesce(sum("cost") filter (where "identity_id" = ?), 0)::text as mine
           from "subscription" where "offering_id" = ? and "status" in ('pending', 'settled')`,
        [identityId, offeringId],
      );
    return {
      raised: toUnits(row!.raised),
      sold: toUnits(row!.sold),
      subscriptions: Number(row!.subscriptions),
      investors: Number(row!.investors),
      investorCost: toUnits(row!.mine),
    };
  };

  const subscription = (offeringId: string, identityId: string, cost: string, status: SubscriptionStatus) => {
    const s = new Subscription();
    Object.assign(s, { offeringId, identityId, did: 'did', amount: '2', cost, status });
    return s;
  };

  it('follows a subscription that settles at another cost, fails, is refunded or deleted', async () => {
    const o = randomUUID();
    const [a, b] = [randomUUID(), randomUUID()];
    const em = env.db.orm.em.fork();
    const s1 = subscription(o, a, '100.25', 'pending');
    const s2 = subscription(o, a, '50', 'pending');
    const s3 = subscription(o, b, '7.000001', 'pending');
    await em.persist([s1, s2, s3]).flush();
    const read = () => offeringTotals(env.db.orm.em.fork(), o, a);
    expect(await read()).toEqual({
      raised: toUnits('157.250001'),
      sold: toUnits('6'),
      subscriptions: 3,
      investors: 2,
      investorCost: toUnits('150.25'),
    });
    s1.status = 'settled';
    s1.cost = '99.75'; // the chain's cost once settled
    await em.flush();
    expect((await read()).raised).toBe(toUnits('156.750001'));
    expect((await read()).investorCost).toBe(toUnits('149.75'));
    s3.status = 'failed';
    await em.flush();
    expect(await read()).toMatchObject({ raised: toUnits('149.75'), subscriptions: 2, investors: 1 });
    s2.status = 'refunding';
    await em.flush();
    expect(await read()).toMatchObject({ raised: toUnits('99.75'), subscriptions: 1, investors: 1 });
    s2.status = 'refunded';
    s1.status = 'refunding';
    await em.flush();
    expect(await read()).toEqual({ raised: 0n, sold: 0n, subscriptions: 0, investors: 0, investorCost: 0n });
    s3.status = 'pending'; // back in (a retried investment)
    await em.flush();
    expect(await read()).toMatchObject({ raised: toUnits('7.000001'), subscriptions: 1, investors: 1 });
    await em.remove(s3).flush();
    expect(await read()).toEqual({ raised: 0n, sold: 0n, subscriptions: 0, investors: 0, investorCost: 0n });
    expect(await read()).toEqual(await truth(o, a));
  });

  it('stays exact under concurrent subscriptions and status changes of one offering', async () => {
    const o = randomUUID();
    const people = Array.from({ length: 5 }, () => randomUUID());
    const statuses: SubscriptionStatus[] = ['settled', 'failed', 'refunded', 'pending'];
    await Promise.all(
      Array.from({ length: 40 }, (_, k) =>
        env.db.orm.em.fork().transactional(async (tx) => {
          const s = subscription(o, people[k % people.length]!, `${k + 1}.5`, 'pending');
          await tx.persist(s).flush();
          s.status = statuses[k % statuses.length]!;
          await tx.flush();
        }),
      ),
    );
    for (const id of people)
      expect(await offeringTotals(env.db.orm.em.fork(), o, id)).toEqual(await truth(o, id));
    const t = await offeringTotals(env.db.orm.em.fork(), o);
    expect(t.subscriptions).toBe(20); // 40 less the 20 failed or refunded
    expect(t.investors).toBe(5);
  });

  it('is rebuilt from the subscriptions by the migration’s backfill', async () => {
    const conn = env.db.orm.em.fork().getConnection();
    await conn.execute(`update "offering_total" set "raised" = 1, "investors" = 99`);
    await conn.execute(`delete from "offering_investor_total"`);
    for (const sql of BACKFILL_OFFERING_TOTALS) await conn.execute(sql);
    for (const id of investors)
      expect(await offeringTotals(env.db.orm.em.fork(), offering, id)).toEqual(await truth(offering, id));
    expect((await offeringTotals(env.db.orm.em.fork(), offering)).raised).toBe(oldSum(offering).cost);
  });
});
