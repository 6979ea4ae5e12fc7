import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Subscription } from '../src/modules/offerings/entity.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld } from './offering-helpers.js';
import { registerInvestor } from './onboarding-helpers.js';

/** The issuer's investor list, a page at a time, newest first, the same however long it is. */
describe('offering investors, paged', () => {
  let env: TestEnv;
  let w: Awaited<ReturnType<typeof offeringWorld>>;
  let offeringId: string;
  const rows: { id: string; createdAt: Date }[] = [];

  beforeAll(async () => {
    env = await createTestEnv();
    w = await offeringWorld(env);
    const usd = await w.createAsset({ name: 'Page USD', assetType: 'StableCoin', divisible: true });
    const asset = await w.createAsset({ name: 'Page Fund', assetType: 'Fund', divisible: true });
    const draft = await w.ok('POST', `/assets/${asset.id}/offerings`, {
      name: 'Paged round',
      paymentAssetId: usd.id,
      end: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      tiers: [{ amount: '10000', price: '1' }],
      minInvestment: '10',
    });
    offeringId = draft.id as string;
    const em = env.db.orm.em.fork();
    const t0 = Date.now() - 3_600_000;
    for (let i = 0; i < 121; i++) {
      const s = new Subscription();
      // Pairs share a creation time: the id breaks the tie, so no row is skipped or repeated.
      const createdAt = new Date(t0 + Math.floor(i / 2) * 1000);
      Object.assign(s, {
        offeringId,
        identityId: randomUUID(),
        did: `0x${'cd'.repeat(32)}`,
        amount: `${i + 1}`,
        cost: `${i + 1}`,
        status: 'settled',
        createdAt,
      });
      em.persist(s);
      rows.push({ id: s.id, createdAt });
    }
    await em.flush();
  }, 120_000);
  afterAll(async () => env.close());

  it('shows the newest page in the offering view and every row exactly once across the pages', async () => {
    const view = await w.ok('GET', `/offerings/${offeringId}`);
    expect(view.investors).toHaveLength(50);
    expect(typeof view.investorsNextCursor).toBe('string');
    const seen: string[] = view.investors.map((i: { subscriptionId: string }) => i.subscriptionId);
    let cursor: string | null = view.investorsNextCursor;
    let pages = 1;
    while (cursor) {
      const page = await w.ok(
        'GET',
        `/offerings/${offeringId}/investors?cursor=${encodeURIComponent(cursor)}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(50);
      seen.push(...page.items.map((i: { subscriptionId: string }) => i.subscriptionId));
      cursor = page.nextCursor;
      pages++;
    }
    expect(pages).toBe(3);
    const expected = [...rows]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);
    expect(seen).toEqual(expected);
    const small = await w.ok('GET', `/offerings/${offeringId}/investors?limit=7`);
    expect(small.items).toHaveLength(7);
    expect(small.items.map((i: { subscriptionId: string }) => i.subscriptionId)).toEqual(
      expected.slice(0, 7),
    );
  });

  it('says what is wrong with a cursor it did not give, and keeps the list from investors', async () => {
    const bad = await w.call('GET', `/offerings/${offeringId}/investors?cursor=not-a-cursor`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/not one this list gave/);
    const tooMany = await w.call('GET', `/offerings/${offeringId}/investors?limit=1000`);
    expect(tooMany.status).toBe(400);
    const investor = await registerInvestor(w.app, 'page-nosy@investor.example');
    const res = await w.app.inject({
      method: 'GET',
      url: `/offerings/${offeringId}/investors`,
      headers: investor.headers,
    });
    expect(res.statusCode).toBe(403);
  });
});
