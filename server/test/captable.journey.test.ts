import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, type Investor } from './offering-helpers.js';

type World = Awaited<ReturnType<typeof offeringWorld>>;
interface Row {
  did: string;
  name: string;
  kind: string;
  investorType: string;
  jurisdiction: string | null;
  balance: string;
  ownershipPercent: string;
}
const hundredths = (rows: { ownershipPercent?: string; percent?: string }[]) =>
  rows.reduce((s, r) => s + Number((r.ownershipPercent ?? r.percent)!.replace('.', '')), 0);

describe('checkpoints and the cap table at a checkpoint', () => {
  let env: TestEnv;
  let w: World;
  let alice: Investor;
  let bruno: Investor;
  let chloe: Investor;
  let asset: { id: string; chainId: string };

  beforeAll(async () => {
    env = await createTestEnv();
    w = await offeringWorld(env);
    alice = await w.onboard('Adams', 'US', true);
    bruno = await w.onboard('Berger', 'DE', false);
    chloe = await w.onboard('Chevalier', 'FR', false);
    asset = await w.createAsset({ name: 'Delta Shares', assetType: 'EquityCommon', divisible: false });
    await w.ok('POST', `/assets/${asset.id}/issue`, { amount: '3000' });
    await w.fund(alice, asset.id, '1000');
    await w.fund(bruno, asset.id, '1000');
    await w.fund(chloe, asset.id, '1000');
  }, 180_000);
  afterAll(async () => env.close());

  it('a checkpoint taken before a batch of trades keeps the balances of its time, summing to 100.00 %', async () => {
    const before = await w.ok('GET', `/assets/${asset.id}/cap-table`);
    const op = await w.ok('POST', `/assets/${asset.id}/checkpoints`);
    const finished = await w.ok('GET', `/operations/${op.id}`);
    expect(finished.status).toBe('finalised');
    const checkpointId = finished.result.checkpointId as number;

    // The trades after it: more issued, some moved.
    await w.ok('POST', `/assets/${asset.id}/issue`, { amount: '7000' });
    await w.fund(alice, asset.id, '500');
    await w.fund(bruno, asset.id, '2');

    const at = await w.ok('GET', `/assets/${asset.id}/cap-table?checkpoint=${checkpointId}`);
    expect(at.checkpointId).toBe(checkpointId);
    expect(at.totalSupply).toBe('3000');
    const balances = (t: { holders: Row[] }) => Object.fromEntries(t.holders.map((h) => [h.did, h.balance]));
    expect(balances(at)).toEqual(balances(before));
    for (const did of [alice.did, bruno.did, chloe.did])
      expect(at.holders.find((h: Row) => h.did === did).balance).toBe(
        await env.ledger.balanceAtCheckpoint(asset.chainId, checkpointId, did),
      );
    // Three equal holders: 33.34 + 33.33 + 33.33, exactly 100.00.
    expect(at.holders.map((h: Row) => h.ownershipPercent)).toEqual(['33.34', '33.33', '33.33']);
    expect(hundredths(at.holders)).toBe(10_000);
    expect(hundredths(at.byJurisdiction)).toBe(10_000);
    expect(hundredths(at.byInvestorType)).toBe(10_000);
    expect(at.byJurisdiction.map((g: { label: string }) => g.label).sort()).toEqual([
      'France',
      'Germany',
      'United States',
    ]);
    expect(at.byInvestorType).toEqual([
      expect.objectContaining({ key: 'retail', holders: 2, balance: '2000', percent: '66.67' }),
      expect.objectContaining({ key: 'accredited', holders: 1, balance: '1000', percent: '33.33' }),
    ]);
    expect(at.holders.find((h: Row) => h.did === alice.did)).toMatchObject({
      kind: 'investor',
      name: 'adams@investor.example', // the account's display name (the test investor's is its e-mail)
      investorType: 'accredited',
      jurisdiction: 'US',
    });

    // Now is different: the issuer holds the unsold 6,498; still exactly 100.00.
    const now = await w.ok('GET', `/assets/${asset.id}/cap-table`);
    expect(now.checkpointId).toBeNull();
    expect(now.totalSupply).toBe('10000');
    expect(now.holders[0]).toMatchObject({ kind: 'issuer', investorType: 'issuer', balance: '6498' });
    expect(now.investorCount).toBe(3);
    expect(hundredths(now.holders)).toBe(10_000);
    expect(now.top10Percent).toBe('100.00');

    const list = await w.ok('GET', `/assets/${asset.id}/checkpoints`);
    expect(list.checkpoints).toEqual([
      expect.objectContaining({
        id: checkpointId,
        totalSupply: '3000',
        holderCount: 3,
        top10Percent: '100.00',
      }),
    ]);
    const history = await w.ok('GET', `/assets/${asset.id}/holders/${alice.did}/history`);
    expect(history.history).toEqual([expect.objectContaining({ checkpointId, balance: '1000' })]);
    expect(history.now.balance).toBe('1500');
  }, 120_000);

  it('exports the cap table at a checkpoint as CSV, and the export is audited', async () => {
    const res = await w.app.inject({
      method: 'GET',
      url: `/assets/${asset.id}/cap-table/export?checkpoint=1`,
      headers: auth,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="cap-table-Delta-Shares-checkpoint-1.csv"',
    );
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toBe('Holder,Kind,Investor type,Jurisdiction,Balance,Ownership %,Identity (DID)');
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).map((l) => l.split(',')[5])).toEqual(['33.34', '33.33', '33.33']);
    const audited = await env.db.orm.em
      .fork()
      .find(AuditEntry, { action: 'captable.exported', subjectId: asset.id });
    expect(audited).toHaveLength(1);
    expect(audited[0]!.data).toMatchObject({ checkpointId: 1, holders: 3 });
  });

  it('refuses in words: an unknown checkpoint, past schedule points, and investors', async () => {
    const missing = await w.call('GET', `/assets/${asset.id}/cap-table?checkpoint=99`);
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('Delta Shares has no checkpoint 99');
    const past = await w.call('POST', `/assets/${asset.id}/checkpoint-schedules`, {
      points: [new Date(Date.now() - 86_400_000).toISOString()],
    });
    expect(past.status).toBe(400);
    expect(past.body.message).toMatch(/is not in the future/);
    const bad = await w.call('GET', `/assets/${asset.id}/cap-table?checkpoint=first`);
    expect(bad.status).toBe(400);
    const investor = await w.call('GET', `/assets/${asset.id}/cap-table`, undefined, alice.headers);
    expect(investor.status).toBe(403);
    const take = await w.call('POST', `/assets/${asset.id}/checkpoints`, undefined, alice.headers);
    expect(take.status).toBe(403);
  });

  it('schedules future checkpoints; the chain takes them at the next transfer after each point', async () => {
    const info = await env.ledger.info();
    const point = new Date(Date.parse(info.time) + 60_000).toISOString();
    const op = await w.ok('POST', `/assets/${asset.id}/checkpoint-schedules`, { points: [point] });
    expect((await w.ok('GET', `/operations/${op.id}`)).status).toBe('finalised');
    const list = await w.ok('GET', `/assets/${asset.id}/checkpoints`);
    expect(list.schedules).toEqual([expect.objectContaining({ pending: [point], checkpoints: [] })]);
  });
});
