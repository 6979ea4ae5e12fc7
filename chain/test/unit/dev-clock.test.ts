import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedLedger, POLYMESH_BLOCK_TIME_MS } from '../../src/embedded/index.js';
import type { AssetId, LedgerEvent } from '../../src/index.js';
import { Harness, type Party } from '../conformance/harness.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * The development clock of the embedded ledger (`Ledger.devClock`): time only moves forward, and
 * the blocks a node would have produced meanwhile for scheduled work are produced at their time.
 */
describe('development clock', () => {
  let dir: string;
  let h: Harness;
  let ledger: EmbeddedLedger;
  let issuer: Party;
  let buyer: Party;
  let assetId: AssetId;
  let venueId: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stoa-devclock-'));
    h = await Harness.create({ dataDir: dir });
    ledger = h.embedded!;
    issuer = await h.issuer();
    buyer = await h.investor({ polyx: '1000' });
    assetId = await h.createAsset(issuer);
    await h.issue(issuer, assetId, '1000');
    venueId = (
      await h.submit(issuer.address, {
        name: 'settlement.createVenue',
        args: { details: 'Clock venue', type: 'Other' },
      })
    ).result.venueId;
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const onBlock = async (block: number) => {
    const instruction = await h.submit(issuer.address, {
      name: 'settlement.addInstruction',
      args: {
        venueId,
        settlementType: { type: 'SettleOnBlock', block },
        legs: [{ type: 'Fungible', from: { did: issuer.did }, to: { did: buyer.did }, assetId, amount: '5' }],
      },
    });
    const id = instruction.result.instructionId;
    for (const p of [issuer, buyer])
      await h.submit(p.address, {
        name: 'settlement.affirmInstruction',
        args: { id, portfolios: [{ did: p.did }] },
      });
    return id;
  };

  it('moves the time forward and refuses to go back, stand still or read a non-date', async () => {
    const before = await ledger.info();
    const to = new Date(Date.parse(before.time) + 30 * DAY).toISOString();
    const moved = await ledger.devClock.advanceTo(to);
    expect(moved).toEqual({ from: before.time, to, blocksProduced: 0, blockHeight: before.blockHeight });
    expect((await ledger.info()).time).toBe(to);
    for (const bad of [to, new Date(Date.parse(to) - 1).toISOString(), 'next tuesday']) {
      await expect(ledger.devClock.advanceTo(bad)).rejects.toMatchObject({
        code: 'ValidationError',
        message: expect.stringMatching(/only moves forward|ISO-8601/),
      });
    }
    expect((await ledger.info()).time).toBe(to);
  });

  it('lets a claim expire: CDD valid before the advance, expired after it', async () => {
    const now = Date.parse((await ledger.info()).time);
    const investor = await h.investor({ expiry: new Date(now + 10 * DAY).toISOString() });
    expect(await ledger.hasValidCdd(investor.did)).toBe(true);
    await ledger.devClock.advanceTo(new Date(now + 11 * DAY).toISOString());
    expect(await ledger.hasValidCdd(investor.did)).toBe(false);
  });

  it('produces the blocks up to a SettleOnBlock execution that falls due, each at its time', async () => {
    const events: LedgerEvent[] = [];
    const stop = await ledger.subscribeEvents((await ledger.info()).blockHeight + 1, (e) => events.push(e));
    const start = await ledger.info();
    const due = start.blockHeight + 40;
    const id = await onBlock(due);
    const afterAffirm = await ledger.info();
    const from = Date.parse(afterAffirm.time);
    const moved = await ledger.devClock.advanceTo(new Date(from + HOUR).toISOString());
    stop();
    expect(moved.blocksProduced).toBe(due - afterAffirm.blockHeight);
    expect(moved.blockHeight).toBe(due);
    expect(await ledger.instructionStatus(id)).toEqual({ type: 'Success', block: due });
    const executed = events.find((e) => e.name === 'InstructionExecuted' && e.data['instructionId'] === id);
    expect(executed?.block).toBe(due);
    // The produced blocks are in the log at a node's pace: block n at from + (n - height) × 6 s.
    const logged = readFileSync(join(dir, 'blocks.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: string; n?: number; ts?: number; txs?: unknown[] })
      .filter((e) => e.t === 'block' && e.n! > afterAffirm.blockHeight);
    expect(logged.map((e) => e.n)).toEqual(
      Array.from({ length: due - afterAffirm.blockHeight }, (_, i) => afterAffirm.blockHeight + 1 + i),
    );
    expect(logged.at(-1)?.ts).toBe(from + (due - afterAffirm.blockHeight) * POLYMESH_BLOCK_TIME_MS);
    expect(logged.every((e) => e.txs!.length === 0)).toBe(true);
    expect((await ledger.info()).time).toBe(new Date(from + HOUR).toISOString());
  });

  it('leaves work a node would not have reached yet for later, and produces nothing for it', async () => {
    const start = await ledger.info();
    const id = await onBlock(start.blockHeight + 1000);
    const height = (await ledger.info()).blockHeight;
    const from = Date.parse((await ledger.info()).time);
    // One minute is ten blocks on a node: block +1000 is still far off.
    const moved = await ledger.devClock.advanceTo(new Date(from + 60_000).toISOString());
    expect(moved).toMatchObject({ blocksProduced: 0, blockHeight: height });
    expect((await ledger.instruction(id))?.status.type).toBe('Pending');
    // A day later it is due.
    await ledger.devClock.advanceTo(new Date(from + DAY).toISOString());
    expect(await ledger.instructionStatus(id)).toEqual({
      type: 'Success',
      block: start.blockHeight + 1000,
    });
  });

  it('replays the produced blocks from the log: the same head, time and balances after a reopen', async () => {
    const before = await ledger.info();
    const balance = await ledger.assetBalance(assetId, buyer.did);
    expect(balance).toBe('10');
    await h.close();
    const reopened = await EmbeddedLedger.open({ dataDir: dir, clock: 'manual', snapshotEveryBlocks: 0 });
    try {
      expect(await reopened.info()).toEqual(before);
      expect(await reopened.assetBalance(assetId, buyer.did)).toBe(balance);
    } finally {
      await reopened.close();
    }
    h = await Harness.create({ dataDir: dir });
  });

  it('is absent from the Polymesh SDK adapter: a node keeps its own time', async () => {
    const { PolymeshLedger } = await import('../../src/polymesh/index.js');
    // A class instance without a connection (its constructor opens none).
    const Ctor = PolymeshLedger as unknown as new (...a: unknown[]) => { devClock?: unknown };
    expect(new Ctor(...new Array<undefined>(PolymeshLedger.length).fill(undefined)).devClock).toBeUndefined();
  });
});
