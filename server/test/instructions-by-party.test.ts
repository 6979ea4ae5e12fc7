import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKFILL_SETTLEMENT_PARTIES } from '../src/migrations/Migration20261201133530_PartyIndex.js';
import { Settlement, partiesOf } from '../src/modules/settlements/entity.js';
import { involves } from '../src/modules/settlements/service.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, type Investor } from './offering-helpers.js';

type World = Awaited<ReturnType<typeof offeringWorld>>;

/** `GET /identities/me/instructions` reads by party through the indexed `parties` column. */
describe('instructions by party', () => {
  let env: TestEnv;
  let w: World;
  let usd: { id: string; chainId: string };
  let investors: Investor[];

  /** The former read: every settlement on the platform, filtered in memory, pending on chain. */
  const oldPendingIds = async (did: string) => {
    const rows = await env.db.orm.em
      .fork()
      .find(Settlement, { instructionId: { $ne: null } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
    const out: string[] = [];
    for (const s of rows.filter((r) => involves(r.legs, did))) {
      const chain = await env.ledger.instruction(s.instructionId!);
      if (chain?.status.type === 'Pending') out.push(s.id);
    }
    return out;
  };
  const listed = async (inv: Investor, query = '') =>
    (await w.ok('GET', `/identities/me/instructions${query}`, undefined, inv.headers)) as {
      items: { settlementId: string }[];
      limit: number;
      offset: number;
      next: number | null;
    };

  beforeAll(async () => {
    env = await createTestEnv();
    w = await offeringWorld(env);
    investors = [
      await w.onboard('Partya', 'DE', false),
      await w.onboard('Partyb', 'FR', false),
      await w.onboard('Partyc', 'IT', false),
    ];
    usd = await w.createAsset({ name: 'Stoa USD', assetType: 'StableCoin', divisible: true });
    await w.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000000' });
    const [a, b, c] = investors as [Investor, Investor, Investor];
    for (const inv of investors) await w.fund(inv, usd.id, '1000');
    // Pending from the operator to each, several to A; one between A and B; one to C settled.
    await w.instruct(a, usd.id, '1');
    await w.instruct(a, usd.id, '2');
    await w.instruct(b, usd.id, '3');
    await w.ok('POST', '/settlements', {
      settlementType: { type: 'SettleOnAffirmation' },
      legs: [{ type: 'Fungible', from: { did: a.did }, to: { did: b.did }, assetId: usd.id, amount: '4' }],
    });
    const settled = await w.instruct(c, usd.id, '5');
    await w.ok('POST', `/settlements/${settled.id}/affirm`, { identityId: c.identityId });
    await w.instruct(c, usd.id, '6');
  }, 180_000);
  afterAll(async () => env.close());

  it('answers as the in-memory filter did, for every investor, and never lists another investor’s', async () => {
    const all = await env.db.orm.em.fork().find(Settlement, {});
    for (const inv of investors) {
      const ids = (await listed(inv)).items.map((i) => i.settlementId);
      expect(ids).toEqual(await oldPendingIds(inv.did));
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) {
        const s = all.find((x) => x.id === id)!;
        expect(involves(s.legs, inv.did)).toBe(true);
      }
    }
    const [a, b, c] = investors as [Investor, Investor, Investor];
    expect((await listed(a)).items).toHaveLength(3); // 1, 2 and the A→B leg
    expect((await listed(b)).items).toHaveLength(2); // 3 and the A→B leg
    expect((await listed(c)).items).toHaveLength(1); // 6; 5 has settled
  });

  it('records each settlement’s parties when it is created', async () => {
    for (const s of await env.db.orm.em.fork().find(Settlement, {})) {
      expect(s.parties).toEqual(partiesOf(s.legs));
      expect(s.parties.length).toBe(2);
    }
  });

  it('pages through the investor’s settlements newest first', async () => {
    const a = investors[0]!;
    const whole = (await listed(a)).items.map((i) => i.settlementId);
    const pages: string[] = [];
    // Following `next` from the first page to null visits every settlement of the investor once.
    let visited = 0;
    for (let offset: number | null = 0; offset !== null; visited++) {
      const page = await listed(a, `?limit=1&offset=${offset}`);
      expect(page).toMatchObject({ limit: 1, offset });
      expect(page.items.length).toBeLessThanOrEqual(1);
      pages.push(...page.items.map((i) => i.settlementId));
      expect(page.next === null || page.next === offset + 1).toBe(true);
      offset = page.next;
      expect(visited).toBeLessThan(100);
    }
    expect(pages).toEqual(whole);
    expect(visited).toBeGreaterThanOrEqual(whole.length);
    const bad = await w.call('GET', '/identities/me/instructions?limit=0', undefined, a.headers);
    expect(bad.status).toBe(400);
  });

  it('the migration backfills parties of existing rows from their legs', async () => {
    const conn = env.db.orm.em.getConnection();
    await conn.execute(`update "settlement" set "parties" = '{}'`);
    expect((await listed(investors[0]!)).items).toEqual([]);
    await conn.execute(BACKFILL_SETTLEMENT_PARTIES);
    for (const s of await env.db.orm.em.fork().find(Settlement, {})) {
      expect([...s.parties].sort()).toEqual(partiesOf(s.legs));
    }
    for (const inv of investors)
      expect((await listed(inv)).items.map((i) => i.settlementId)).toEqual(await oldPendingIds(inv.did));
  });
});
