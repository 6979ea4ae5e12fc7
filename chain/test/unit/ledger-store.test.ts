/**
 * The embedded ledger's storage: events and receipts on disk with a bounded window in memory,
 * state snapshots every N blocks and on close, and what an open does with a torn or foreign
 * snapshot or event store. The block log stays the source of truth: every answer after a
 * snapshot + tail must equal the answer after a full replay.
 */
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { Address, AssetId, LedgerEvent } from '../../src/index.js';
import { EmbeddedLedger, type LedgerNotice } from '../../src/embedded/index.js';
import { DAY, Harness, type Party } from '../conformance/harness.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(join(tmpdir(), 'stoa-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const flip = (b: Buffer, at: number) => b.writeUInt8(b.readUInt8(at) ^ 0xff, at);
const GENESIS = Date.parse('2025-01-01T00:00:00Z');
const EVERY = 5;

/** A crash image: the folder's files as they are now, without the lock. */
function copyFolder(from: string, only?: (name: string) => boolean): string {
  const to = tmp();
  for (const f of fs.readdirSync(from)) {
    if (f === 'blocks.lock' || (only && !only(f))) continue;
    fs.copyFileSync(join(from, f), join(to, f));
  }
  return to;
}
const snapshots = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => /^snapshot-\d+\.bin$/.test(f))
    .sort();

interface World {
  issuer: Party;
  holder: Party;
  buyer: Party;
  assetId: AssetId;
  currency: AssetId;
  caId: number;
  signers: Address[];
}

/** Settlements, an offering, a checkpoint, a dividend with a claim, a clock move, a failed call. */
async function history(h: Harness): Promise<World> {
  const issuer = await h.issuer();
  const holder = await h.investor();
  const buyer = await h.investor();
  const assetId = await h.createAsset(issuer, { name: 'Store Equity' });
  const currency = await h.createAsset(issuer, { name: 'Store USD' });
  await h.issue(issuer, assetId, '10000');
  await h.issue(issuer, currency, '100000');
  await h.seedHolder(issuer, currency, buyer, '5000');
  await h.submit(holder.address, { name: 'asset.preApproveAsset', args: { assetId } });
  // A settlement executed in the block after it (scheduled work, a block with no transactions).
  await h.submit(issuer.address, {
    name: 'settlement.addAndAffirmInstruction',
    args: {
      settlementType: { type: 'SettleOnAffirmation' },
      legs: [
        { type: 'Fungible', from: { did: issuer.did }, to: { did: holder.did }, assetId, amount: '300' },
      ],
      portfolios: [{ did: issuer.did }],
    },
  });
  const venueId = (
    await h.submit(issuer.address, {
      name: 'settlement.createVenue',
      args: { details: 'primary', type: 'Sto' },
    })
  ).result.venueId;
  const fundraiserId = (
    await h.submit(issuer.address, {
      name: 'sto.createFundraiser',
      args: {
        offeringPortfolio: { did: issuer.did },
        assetId,
        raisingPortfolio: { did: issuer.did },
        raisingAssetId: currency,
        tiers: [
          { total: '100', price: '1' },
          { total: '100', price: '2' },
        ],
        venueId,
        minimumInvestment: '10',
        name: 'Series A',
      },
    })
  ).result.fundraiserId;
  await h.submit(buyer.address, {
    name: 'sto.invest',
    args: {
      investmentPortfolio: { did: buyer.did },
      fundingPortfolio: { did: buyer.did },
      assetId,
      fundraiserId,
      purchaseAmount: '150',
    },
  });
  const cp = (await h.submit(issuer.address, { name: 'checkpoint.createCheckpoint', args: { assetId } }))
    .result.checkpointId;
  const caId = (
    await h.submit(issuer.address, {
      name: 'corporateAction.initiateCorporateAction',
      args: {
        assetId,
        kind: 'PredictableBenefit',
        declDate: '2024-12-31T00:00:00Z',
        recordDate: { type: 'Existing', checkpointId: cp },
        details: 'FY dividend',
      },
    })
  ).result.caId;
  await h.submit(issuer.address, {
    name: 'capitalDistribution.distribute',
    args: {
      assetId,
      caId,
      currency,
      perShare: '2',
      amount: '1000',
      paymentAt: await h.isoIn(DAY),
      expiresAt: await h.isoIn(10 * DAY),
    },
  });
  h.advance(DAY + 1);
  await h.submit(holder.address, { name: 'capitalDistribution.claim', args: { assetId, caId } });
  // Included and failed: its nonce is used, its receipt carries the error.
  await h.refuse(
    holder.address,
    { name: 'capitalDistribution.claim', args: { assetId, caId } },
    'HolderAlreadyPaid',
  );
  // A tail after the last periodic snapshot: the crash image below replays it.
  for (let i = 0; i < 4 || (await h.ledger.info()).blockHeight % EVERY !== 2; i++) {
    await h.submit(h.alice, { name: 'system.remark', args: { remark: `tail ${i}` } });
  }
  // A clock move after the last block: only the log (or a snapshot taken after it) knows it.
  h.advance(DAY);
  return {
    issuer,
    holder,
    buyer,
    assetId,
    currency,
    caId,
    signers: [h.alice, issuer.address, holder.address, buyer.address],
  };
}

/** Everything the port answers about the world, and the runtime's whole state. */
async function answers(l: EmbeddedLedger, w: World) {
  const info = await l.info();
  const lookups = [];
  for (const s of w.signers) {
    const n = await l.nonce(s);
    for (let nonce = 0; nonce <= n; nonce++) lookups.push(await l.findTransaction(s, nonce));
  }
  const events = async (from: number) => {
    const out: LedgerEvent[] = [];
    (await l.subscribeEvents(from, (e) => out.push(e)))();
    return out;
  };
  return {
    info,
    lookups,
    ranged: await l.findTransaction(w.holder.address, 0, { fromBlock: 1, toBlock: 3 }),
    eventsFrom0: await events(0),
    eventsFromMid: await events(Math.floor(info.blockHeight / 2)),
    queries: {
      asset: await l.asset(w.assetId),
      holders: await l.holders(w.assetId),
      balances: await Promise.all(
        [w.issuer, w.holder, w.buyer].map((p) => l.assetBalance(w.currency, p.did)),
      ),
      checkpoints: await l.checkpoints(w.assetId),
      ca: await l.corporateAction(w.assetId, w.caId),
      distribution: await l.distribution(w.assetId, w.caId),
      paid: await l.distributionPaid(w.assetId, w.caId, w.holder.did),
      fundraisers: await l.fundraisers(w.assetId),
      instructions: await l.instructionsOf(w.holder.did),
      polyx: await l.polyxBalance(w.issuer.address),
    },
    state: l.runtime.rt.state.containers.map((c) => c.dump()),
  };
}

const open = (dataDir: string, notices: LedgerNotice[] = [], extra: { eventWindowBlocks?: number } = {}) =>
  EmbeddedLedger.open({
    dataDir,
    clock: 'manual',
    genesisTime: GENESIS,
    snapshotEveryBlocks: EVERY,
    onNotice: (n) => notices.push(n),
    ...extra,
  });

/** One recorded history (built once): the folder after close, a crash image, and the answers. */
const recorded = (async () => {
  const dir = tmp();
  const h = await Harness.create({ dataDir: dir, snapshotEveryBlocks: EVERY });
  const world = await history(h);
  const embedded = h.embedded as EmbeddedLedger;
  const expected = await answers(embedded, world);
  const crashImage = copyFolder(dir);
  await h.close();
  return { dir, world, expected, crashImage };
})();

describe('state snapshots', () => {
  it('snapshot + tail, snapshot at the head, and a full replay all give the same state and answers', async () => {
    const { dir, world, expected, crashImage } = await recorded;
    expect(expected.info.blockHeight).toBeGreaterThan(3 * EVERY);
    expect(expected.eventsFrom0.length).toBeGreaterThan(50);
    expect(expected.lookups.filter((x) => x?.status === 'failed')).toHaveLength(1);
    expect(snapshots(dir).at(-1)).toBe(`snapshot-${String(expected.info.blockHeight).padStart(10, '0')}.bin`);

    // Clean close: the newest snapshot is the head, nothing is replayed.
    const n1: LedgerNotice[] = [];
    const atHead = await open(dir, n1);
    expect(n1.map((n) => n.message)).toContainEqual(
      expect.stringMatching(
        new RegExp(`replayed 0 blocks .* after the snapshot at block ${expected.info.blockHeight}`),
      ),
    );
    expect(await answers(atHead, world)).toEqual(expected);
    await atHead.close();

    // Crash image: the last periodic snapshot, then the log's tail.
    const n2: LedgerNotice[] = [];
    const tail = await open(crashImage, n2);
    const used = Number(/after the snapshot at block (\d+)/.exec(n2.map((n) => n.message).join('\n'))?.[1]);
    expect(used % EVERY).toBe(0);
    expect(used).toBeLessThan(expected.info.blockHeight);
    expect(used).toBeGreaterThan(0);
    expect(await answers(tail, world)).toEqual(expected);
    await tail.close();

    // The block log alone: full replay, rebuilding the event store.
    const logOnly = copyFolder(dir, (f) => f === 'blocks.jsonl');
    const full = await open(logOnly);
    expect(await answers(full, world)).toEqual(expected);
    // A full replay is not repeated: it leaves a snapshot at the head.
    expect(full.storageStats().lastSnapshotHeight).toBe(expected.info.blockHeight);
    await full.close();
  });

  it('goes on from a snapshot: new blocks after it are replayed and looked up like the others', async () => {
    const { dir, world } = await recorded;
    const work = copyFolder(dir);
    const a = await open(work);
    await a.addSigner({ uri: '//Alice' });
    const r = await a.submit(
      { name: 'system.remark', args: { remark: 'after restart' } },
      { signer: world.signers[0]! },
    );
    await a.close();
    const b = await open(copyFolder(work, (f) => f === 'blocks.jsonl'));
    const c = await open(work);
    for (const l of [b, c]) {
      expect(await l.findTransaction(r.signer, r.nonce)).toEqual({ status: 'success', receipt: r });
    }
    expect(await answers(c, world)).toEqual(await answers(b, world));
    await b.close();
    await c.close();
  });

  it('a torn or damaged snapshot is ignored with a notice, and the one before it is used', async () => {
    const { dir, world, expected } = await recorded;
    const work = copyFolder(dir);
    const [older, newest] = snapshots(work).slice(-2) as [string, string];
    const bytes = fs.readFileSync(join(work, newest));
    fs.writeFileSync(join(work, newest), bytes.subarray(0, bytes.length - 7));
    const notices: LedgerNotice[] = [];
    const l = await open(work, notices);
    expect(notices).toContainEqual({
      level: 'warn',
      message: expect.stringMatching(new RegExp(`snapshot .*${newest} ignored: torn`)),
    });
    expect(notices.map((n) => n.message)).toContainEqual(
      expect.stringMatching(new RegExp(`after the snapshot at block ${Number(older.slice(9, 19))}`)),
    );
    expect(await answers(l, world)).toEqual(expected);
    await l.close();

    const flipped = copyFolder(dir);
    const b = fs.readFileSync(join(flipped, newest));
    flip(b, b.length - 100);
    fs.writeFileSync(join(flipped, newest), b);
    const n2: LedgerNotice[] = [];
    const l2 = await open(flipped, n2);
    expect(n2.map((n) => n.message)).toContainEqual(expect.stringMatching(/ignored: damaged \(checksum\)/));
    expect(await answers(l2, world)).toEqual(expected);
    await l2.close();
  });

  it('a snapshot taken after another log of the same genesis is never trusted', async () => {
    const { dir, world, expected } = await recorded;
    // Another chain from the same genesis time, with different blocks and a snapshot at a height
    // this log also has.
    const other = tmp();
    const o = await open(other);
    const alice = await o.addSigner({ uri: '//Alice' });
    for (let i = 0; i < EVERY * 2; i++)
      await o.submit({ name: 'system.remark', args: { remark: `x${i}` } }, { signer: alice });
    await o.close();
    const work = copyFolder(dir);
    for (const f of snapshots(work)) fs.rmSync(join(work, f));
    const foreign = snapshots(other).at(-1) as string;
    fs.copyFileSync(join(other, foreign), join(work, foreign));
    const notices: LedgerNotice[] = [];
    const l = await open(work, notices);
    expect(notices).toContainEqual({
      level: 'warn',
      message: expect.stringMatching(
        /ignored: the block log's first \d+ bytes are not the ones it was taken after/,
      ),
    });
    expect(await answers(l, world)).toEqual(expected);
    await l.close();
  });

  it('a snapshot that checks out but cannot be restored is set aside for a full replay', async () => {
    const { dir, world, expected } = await recorded;
    const work = copyFolder(dir);
    const newest = snapshots(work).at(-1) as string;
    const bytes = fs.readFileSync(join(work, newest));
    const snap = deserialize(bytes.subarray(20)) as { state: Buffer };
    // Well-formed and checksummed, but holding fewer containers than this code has.
    const payload = serialize({ ...snap, state: serialize([new Map()]) });
    const head = Buffer.from(bytes.subarray(0, 20));
    head.writeUInt32LE(crc32(payload), 12);
    head.writeUInt32LE(payload.length, 16);
    fs.writeFileSync(join(work, newest), Buffer.concat([head, payload]));
    const notices: LedgerNotice[] = [];
    const l = await open(work, notices);
    expect(notices).toContainEqual({
      level: 'warn',
      message: expect.stringMatching(/ignored: snapshot holds a different number of containers; replaying/),
    });
    expect(notices.map((n) => n.message)).toContainEqual(
      expect.stringMatching(/replayed \d+ blocks in [\d.]+ s$/),
    );
    expect(await answers(l, world)).toEqual(expected);
    await l.close();
  });

  it('no snapshots with snapshotEveryBlocks 0', async () => {
    const d = tmp();
    const l = await EmbeddedLedger.open({
      dataDir: d,
      clock: 'manual',
      genesisTime: GENESIS,
      snapshotEveryBlocks: 0,
    });
    const alice = await l.addSigner({ uri: '//Alice' });
    for (let i = 0; i < 3; i++)
      await l.submit({ name: 'system.remark', args: { remark: `r${i}` } }, { signer: alice });
    await l.close();
    expect(snapshots(d)).toEqual([]);
  });
});

describe('event store', () => {
  it('a torn or damaged event store is rebuilt from the block log', async () => {
    const { dir, world, expected } = await recorded;
    const torn = copyFolder(dir);
    const store = join(torn, 'events.bin');
    fs.truncateSync(store, fs.statSync(store).size - 10);
    const n1: LedgerNotice[] = [];
    const a = await open(torn, n1);
    expect(n1).toContainEqual({
      level: 'warn',
      message: expect.stringMatching(
        /events\.bin is shorter .* rebuilding the event store from the block log/,
      ),
    });
    expect(await answers(a, world)).toEqual(expected);
    await a.close();
    // Rebuilt and snapshotted again: the next open trusts it.
    const n2: LedgerNotice[] = [];
    const again = await open(torn, n2);
    expect(n2.filter((n) => n.level === 'warn')).toEqual([]);
    await again.close();

    const flipped = copyFolder(dir);
    const bytes = fs.readFileSync(join(flipped, 'events.bin'));
    flip(bytes, bytes.length - 20);
    fs.writeFileSync(join(flipped, 'events.bin'), bytes);
    const n3: LedgerNotice[] = [];
    const b = await open(flipped, n3);
    expect(n3.map((n) => n.message)).toContainEqual(
      expect.stringMatching(/events\.bin.*damaged.*rebuilding/),
    );
    expect(await answers(b, world)).toEqual(expected);
    await b.close();
  });

  it('bytes past what the snapshot vouches for (a crash after it) are cut off and rebuilt', async () => {
    const { dir, world, expected } = await recorded;
    const work = copyFolder(dir);
    fs.appendFileSync(join(work, 'events.bin'), Buffer.from('half a record'));
    const l = await open(work);
    expect(await answers(l, world)).toEqual(expected);
    await l.close();
  });

  it('damage in an older record is reported by the read that meets it, naming the way out', async () => {
    const { dir } = await recorded;
    const work = copyFolder(dir);
    const bytes = fs.readFileSync(join(work, 'events.bin'));
    flip(bytes, 40);
    fs.writeFileSync(join(work, 'events.bin'), bytes);
    const l = await open(work, [], { eventWindowBlocks: 2 });
    await expect(l.subscribeEvents(0, () => undefined)).rejects.toThrow(
      /events\.bin: record at byte \d+ is damaged; delete the file and the snapshots beside it/,
    );
    await l.close();
  });

  it('keeps a bounded window in memory; older receipts and events come from disk', async () => {
    const d = tmp();
    const l = await open(d, [], { eventWindowBlocks: 4 });
    const alice = await l.addSigner({ uri: '//Alice' });
    const receipts = [];
    for (let i = 0; i < 30; i++)
      receipts.push(await l.submit({ name: 'system.remark', args: { remark: `w${i}` } }, { signer: alice }));
    expect(l.storageStats()).toMatchObject({ height: 30, inMemoryBlocks: 4, onDisk: true });
    expect(await l.findTransaction(alice, 0)).toEqual({ status: 'success', receipt: receipts[0] });
    expect(await l.findTransaction(alice, 29)).toEqual({ status: 'success', receipt: receipts[29] });
    expect(await l.findTransaction(alice, 0, { fromBlock: 2 })).toBeNull();
    expect(await l.findTransaction(alice, 30)).toBeNull();
    const seen: LedgerEvent[] = [];
    const unsub = await l.subscribeEvents(3, (e) => seen.push(e));
    expect(seen.filter((e) => e.name === 'Remarked')).toHaveLength(28);
    expect(seen[0]?.block).toBe(3);
    expect(l.storageStats().inMemoryBlocks).toBe(4);
    // Live after history, in order.
    await l.submit({ name: 'system.remark', args: { remark: 'live' } }, { signer: alice });
    expect(seen.at(-1)).toMatchObject({ block: 31, name: 'ExtrinsicSuccess' });
    unsub();
    await l.close();

    // Memory-only: everything stays in memory, nothing on disk.
    const m = await EmbeddedLedger.open({ clock: 'manual', genesisTime: GENESIS });
    const a2 = await m.addSigner({ uri: '//Alice' });
    for (let i = 0; i < 10; i++)
      await m.submit({ name: 'system.remark', args: { remark: `m${i}` } }, { signer: a2 });
    expect(m.storageStats()).toMatchObject({ height: 10, inMemoryBlocks: 10, onDisk: false });
    await m.close();
  });
});
