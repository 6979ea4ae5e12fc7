/** The block log on disk: torn tails, damage, durability before a receipt, one owner at a time. */
import { spawn } from 'node:child_process';
import fs, { type fdatasync as FdataSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedLedger, type LedgerNotice } from '../../src/embedded/index.js';
import { lockStore, StoreInUseError } from '../../src/embedded/lock.js';

// fdatasync can be held back, to see what the ledger does while a block is not yet on disk.
const sync = vi.hoisted(() => ({
  hold: false,
  calls: 0,
  held: [] as { fd: number; cb: (err: NodeJS.ErrnoException | null) => void }[],
  failWith: null as NodeJS.ErrnoException | null,
  real: null as unknown as typeof FdataSync,
}));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  sync.real = real.fdatasync;
  const fdatasync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    sync.calls++;
    if (sync.failWith) return cb(sync.failWith);
    if (sync.hold) sync.held.push({ fd, cb });
    else real.fdatasync(fd, cb);
  };
  return { ...real, default: { ...real, fdatasync }, fdatasync };
});

const releaseHeld = () => {
  sync.hold = false;
  for (const { fd, cb } of sync.held.splice(0)) sync.real(fd, cb);
};

const dirs: string[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(join(tmpdir(), 'stoa-blocklog-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  releaseHeld();
  sync.failWith = null;
});
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const GENESIS = Date.parse('2025-01-01T00:00:00Z');
const open = (dataDir: string, onNotice?: (n: LedgerNotice) => void) =>
  EmbeddedLedger.open({ dataDir, clock: 'manual', genesisTime: GENESIS, onNotice });
const remark = (l: EmbeddedLedger, signer: string, text: string) =>
  l.submit({ name: 'system.remark', args: { remark: text } }, { signer });

describe('block log', () => {
  it('a torn last line is cut off on open, and the log keeps working across reopens', async () => {
    const dataDir = tmp();
    const a = await open(dataDir);
    const alice = await a.addSigner({ uri: '//Alice' });
    await remark(a, alice, 'one');
    await remark(a, alice, 'two');
    const before = await a.info();
    await a.close();
    const path = join(dataDir, 'blocks.jsonl');
    const good = fs.readFileSync(path);
    // A crash in the middle of appending the next block.
    fs.appendFileSync(path, '{"t":"block","n":3,"ts":173568960');

    const notices: LedgerNotice[] = [];
    const b = await open(dataDir, (n) => notices.push(n));
    expect(notices).toContainEqual({
      level: 'warn',
      message: expect.stringMatching(/cut off an unfinished last entry \(33 bytes\)/),
    });
    expect(fs.readFileSync(path)).toEqual(good);
    expect(await b.info()).toEqual(before);
    await b.addSigner({ uri: '//Alice' });
    await remark(b, alice, 'three');
    await b.close();

    const c = await open(dataDir);
    expect((await c.info()).blockHeight).toBe(before.blockHeight + 1);
    expect(await c.nonce(alice)).toBe(3);
    await c.close();
  });

  it('a damaged line before the end refuses to open, naming the line', async () => {
    const dataDir = tmp();
    const a = await open(dataDir);
    const alice = await a.addSigner({ uri: '//Alice' });
    await remark(a, alice, 'one');
    await remark(a, alice, 'two');
    await a.close();
    const path = join(dataDir, 'blocks.jsonl');
    const lines = fs.readFileSync(path, 'utf8').split('\n');
    lines[1] = lines[1]!.slice(0, 20);
    fs.writeFileSync(path, lines.join('\n'));
    await expect(open(dataDir)).rejects.toThrow(/damaged at line 2 .*restore the data folder from a backup/);
    // The failed open let go of the lock: the folder can be repaired and reopened.
    expect(fs.existsSync(join(dataDir, 'blocks.lock'))).toBe(false);
  });

  it('a receipt, its events and its lookup wait until the block is on disk', async () => {
    const l = await open(tmp());
    const alice = await l.addSigner({ uri: '//Alice' });
    const bob = await l.addSigner({ uri: '//Bob' });
    await remark(l, alice, 'warm-up');
    const events: string[] = [];
    await l.subscribeEvents((await l.info()).blockHeight + 1, (e) => events.push(e.name));

    sync.hold = true;
    let settled = false;
    const first = remark(l, alice, 'held').finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    expect(events).toEqual([]);
    expect(await l.findTransaction(alice, 1)).toBeNull();
    const info = await l.info();
    expect(info.finalizedHeight).toBe(info.blockHeight - 1);
    // Blocks sealed while one sync runs share the next sync (group commit).
    const second = remark(l, bob, 'grouped');
    const third = remark(l, alice, 'grouped');
    const callsBefore = sync.calls;
    releaseHeld();
    const [r1, r2, r3] = await Promise.all([first, second, third]);
    expect(sync.calls - callsBefore).toBe(1);
    expect([r2.blockNumber, r3.blockNumber]).toEqual([r1.blockNumber + 1, r1.blockNumber + 2]);
    expect(events.filter((n) => n === 'ExtrinsicSuccess')).toHaveLength(3);
    expect(await l.findTransaction(alice, 1)).toMatchObject({ status: 'success' });
    await l.close();
  });

  it('a failed sync fails the submission and stops the ledger taking more', async () => {
    const l = await open(tmp());
    const alice = await l.addSigner({ uri: '//Alice' });
    sync.failWith = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    await expect(remark(l, alice, 'lost')).rejects.toMatchObject({
      code: 'NotConnected',
      message: expect.stringMatching(/could not be written to disk: EIO.*until the server restarts/),
    });
    sync.failWith = null;
    await expect(remark(l, alice, 'after')).rejects.toMatchObject({ code: 'NotConnected' });
    await l.close();
  });
});

describe('snapshots and the block log', () => {
  const snaps = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('snapshot-'));

  it('a periodic snapshot is written only once its block is on disk', async () => {
    const dataDir = tmp();
    const l = await EmbeddedLedger.open({
      dataDir,
      clock: 'manual',
      genesisTime: GENESIS,
      snapshotEveryBlocks: 2,
    });
    const alice = await l.addSigner({ uri: '//Alice' });
    await remark(l, alice, 'one');
    sync.hold = true;
    const second = remark(l, alice, 'two');
    await new Promise((r) => setTimeout(r, 30));
    expect(snaps(dataDir)).toEqual([]);
    releaseHeld();
    await second;
    expect(snaps(dataDir)).toEqual(['snapshot-0000000002.bin']);
    await l.close();
    // Nothing new since: close writes no second one.
    expect(snaps(dataDir)).toEqual(['snapshot-0000000002.bin']);
  });

  it('a ledger whose log failed to sync writes no snapshot on close', async () => {
    const dataDir = tmp();
    const l = await open(dataDir);
    const alice = await l.addSigner({ uri: '//Alice' });
    await remark(l, alice, 'kept');
    sync.failWith = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    await expect(remark(l, alice, 'lost')).rejects.toMatchObject({ code: 'NotConnected' });
    sync.failWith = null;
    await l.close();
    expect(snaps(dataDir)).toEqual([]);
  });
});

describe('one owner per block log', () => {
  it('a second open of the same folder is refused until the first closes', async () => {
    const dataDir = tmp();
    const a = await open(dataDir);
    await expect(open(dataDir)).rejects.toThrow(StoreInUseError);
    await a.close();
    const b = await open(dataDir);
    await b.close();
  });

  it('a lock left by a process that is gone is replaced; one held by a running process is not', async () => {
    const dataDir = tmp();
    const lockPath = join(dataDir, 'blocks.lock');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const owner = { pid: child.pid, host: hostname(), since: '2025-01-01T00:00:00.000Z' };
      fs.writeFileSync(lockPath, JSON.stringify(owner));
      await expect(open(dataDir)).rejects.toThrow(
        new RegExp(`in use by another process \\(pid ${child.pid}, .*delete ${lockPath}`),
      );
      fs.writeFileSync(lockPath, JSON.stringify({ ...owner, host: 'elsewhere' }));
      await expect(open(dataDir)).rejects.toThrow(/on host elsewhere/);
    } finally {
      child.kill();
    }
    await new Promise((r) => child.once('exit', r));
    fs.writeFileSync(lockPath, JSON.stringify({ pid: child.pid, host: hostname(), since: 'then' }));
    const l = await open(dataDir);
    expect(JSON.parse(fs.readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: process.pid });
    await l.close();
    expect(fs.existsSync(lockPath)).toBe(false);
  });

  it('holds the lock for its owner only', () => {
    const path = join(tmp(), 'x.lock');
    const lock = lockStore(path, 'The store');
    expect(() => lockStore(path, 'The store')).toThrow(/The store is already open in this process/);
    lock.release();
    lockStore(path, 'The store').release();
  });
});
