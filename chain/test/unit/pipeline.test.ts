/**
 * The embedded ledger's way in: signatures checked on worker threads in batches, transactions
 * applied in submission order, the future-nonce queue (as in a node's pool) and nonces handed
 * out to concurrent submissions.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LedgerError, type Address, type Receipt } from '../../src/index.js';
import { EmbeddedLedger, type EmbeddedLedgerOptions } from '../../src/embedded/index.js';

const GENESIS = Date.parse('2025-01-01T00:00:00Z');
const opened: EmbeddedLedger[] = [];
afterEach(async () => {
  for (const l of opened.splice(0)) await l.close();
});

async function open(opts: EmbeddedLedgerOptions = {}): Promise<{ l: EmbeddedLedger; alice: Address }> {
  const l = await EmbeddedLedger.open({ clock: 'manual', genesisTime: GENESIS, ...opts });
  opened.push(l);
  return { l, alice: await l.addSigner({ uri: '//Alice' }) };
}

const remark = (text: string) => ({ name: 'system.remark' as const, args: { remark: text } });
const tick = () => new Promise((r) => setTimeout(r, 20));

/** Outcome of a promise without awaiting it: pending until it settles. */
function watch<T>(p: Promise<T>): { state: () => 'pending' | 'ok' | 'refused'; error: () => unknown } {
  let state: 'pending' | 'ok' | 'refused' = 'pending';
  let error: unknown;
  p.then(
    () => (state = 'ok'),
    (e: unknown) => {
      state = 'refused';
      error = e;
    },
  );
  return { state: () => state, error: () => error };
}

/** Starts the worker threads and waits for them, so the bursts below are checked on them. */
async function warmWorkers(l: EmbeddedLedger, threads: number): Promise<void> {
  expect(await l.startSignatureThreads()).toBe(threads);
}

describe('future-nonce queue', { timeout: 30_000 }, () => {
  it('transactions sent with nonces out of order are applied in nonce order once the gap fills', async () => {
    const { l, alice } = await open({ futureNonces: 16 });
    const n = await l.nonce(alice);
    const txs = [0, 1, 2, 3].map((i) => l.signTransaction(remark(`n${i}`), { signer: alice, nonce: n + i }));
    const late = [3, 1, 2].map((i) => l.submitSigned(txs[i]!));
    const seen = late.map(watch);
    await tick();
    expect(seen.map((s) => s.state())).toEqual(['pending', 'pending', 'pending']);
    expect(await l.nonce(alice)).toBe(n);
    const first = await l.submitSigned(txs[0]!);
    const rest = await Promise.all(late);
    const byNonce = [first, rest[1]!, rest[2]!, rest[0]!] as Receipt[];
    expect(byNonce.map((r) => r.nonce)).toEqual([n, n + 1, n + 2, n + 3]);
    // One block each, in nonce order.
    const blocks = byNonce.map((r) => r.blockNumber);
    expect(blocks).toEqual([...blocks].sort((a, b) => a - b));
    expect(new Set(blocks).size).toBe(4);
    expect(await l.nonce(alice)).toBe(n + 4);
  });

  it('a nonce below the next is refused at once (InvalidNonce, with the expected one)', async () => {
    const { l, alice } = await open({ futureNonces: 16 });
    await l.submit(remark('a'), { signer: alice });
    await expect(l.submit(remark('b'), { signer: alice, nonce: 0 })).rejects.toMatchObject({
      code: 'InvalidNonce',
      details: { expected: 1 },
    });
  });

  it('a gap that never fills leaves later nonces waiting, and close() lets them go (NotConnected)', async () => {
    const { l, alice } = await open({ futureNonces: 16 });
    const n = await l.nonce(alice);
    const waiting = [
      l.submit(remark('x'), { signer: alice, nonce: n + 1 }),
      l.submit(remark('y'), { signer: alice, nonce: n + 2 }),
    ];
    const seen = waiting.map(watch);
    await tick();
    expect(seen.map((s) => s.state())).toEqual(['pending', 'pending']);
    opened.splice(opened.indexOf(l), 1);
    await l.close();
    for (const s of seen) {
      expect(s.state()).toBe('refused');
      expect(s.error()).toMatchObject({
        code: 'NotConnected',
        message: expect.stringMatching(/closed while nonce/),
      });
    }
    expect(await l.nonce(alice)).toBe(n);
  });

  it('a refusal before inclusion leaves the next nonces waiting; the next submit without a nonce fills the gap', async () => {
    const { l, alice } = await open({ futureNonces: 16 });
    const n = await l.nonce(alice);
    // Unknown call: refused before inclusion, its nonce stays free.
    const bad = l.submit({ name: 'nope.nothing', args: {} } as never, { signer: alice, nonce: n });
    const next = watch(l.submit(remark('after'), { signer: alice, nonce: n + 1 }));
    await expect(bad).rejects.toMatchObject({ code: 'Unsupported' });
    await tick();
    expect(next.state()).toBe('pending');
    const filler = await l.submit(remark('filler'), { signer: alice });
    expect(filler.nonce).toBe(n);
    await tick();
    expect(next.state()).toBe('ok');
    expect(await l.nonce(alice)).toBe(n + 2);
  });

  it('is bounded per account: beyond the bound, and for a nonce already waiting, InvalidNonce', async () => {
    const { l, alice } = await open({ futureNonces: 3 });
    const bob = await l.addSigner({ uri: '//Bob' });
    const n = await l.nonce(alice);
    const held = [1, 2, 3].map((i) => l.submit(remark(`h${i}`), { signer: alice, nonce: n + i }));
    await expect(l.submit(remark('over'), { signer: alice, nonce: n + 4 })).rejects.toMatchObject({
      code: 'InvalidNonce',
      details: { expected: n, pool: 'full', limit: 3 },
    });
    await expect(l.submit(remark('again'), { signer: alice, nonce: n + 2 })).rejects.toMatchObject({
      code: 'InvalidNonce',
      details: { expected: n, pool: 'duplicate' },
    });
    // The bound is per account.
    const bobNonce = await l.nonce(bob);
    const bobs = watch(l.submit(remark('bob'), { signer: bob, nonce: bobNonce + 1 }));
    await tick();
    expect(bobs.state()).toBe('pending');
    await l.submit(remark('h0'), { signer: alice, nonce: n });
    expect((await Promise.all(held)).map((r) => r.nonce)).toEqual([n + 1, n + 2, n + 3]);
    await l.submit(remark('bob0'), { signer: bob, nonce: bobNonce });
    await tick();
    expect(bobs.state()).toBe('ok');
  });

  it('is off by default: a nonce above the next is refused as before', async () => {
    const { l, alice } = await open();
    await expect(l.submit(remark('x'), { signer: alice, nonce: 5 })).rejects.toMatchObject({
      code: 'InvalidNonce',
    });
  });
});

describe('signature worker threads', { timeout: 60_000 }, () => {
  it('concurrent submits without a nonce get consecutive nonces and never collide', async () => {
    for (const futureNonces of [0, 64]) {
      const { l, alice } = await open({ futureNonces, signatureThreads: 2 });
      await warmWorkers(l, 2);
      const n = await l.nonce(alice);
      const receipts = await Promise.all(
        Array.from({ length: 300 }, (_, i) => l.submit(remark(`c${i}`), { signer: alice })),
      );
      expect(receipts.map((r) => r.nonce)).toEqual(Array.from({ length: 300 }, (_, i) => n + i));
      expect(await l.nonce(alice)).toBe(n + 300);
    }
  });

  it('a bad signature checked on a worker is refused (BadSignature); the rest of the batch goes on', async () => {
    const { l, alice } = await open({ signatureThreads: 2 });
    const bob = await l.addSigner({ uri: '//Bob' });
    await warmWorkers(l, 2);
    const n = await l.nonce(alice);
    const good = Array.from({ length: 40 }, (_, i) =>
      l.signTransaction(remark(`g${i}`), { signer: alice, nonce: n + i }),
    );
    const genuine = l.signTransaction(remark('bob'), { signer: bob });
    const results = await Promise.allSettled([
      ...good.slice(0, 20).map((tx) => l.submitSigned(tx)),
      // Bob's transaction with its call changed, and Alice claiming Bob's signature.
      l.submitSigned({ ...genuine, call: remark('forged') }),
      l.submitSigned({ ...genuine, signer: alice, nonce: n + 20 }),
      ...good.slice(20).map((tx) => l.submitSigned(tx)),
    ]);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(LedgerError);
      expect(r.reason).toMatchObject({ code: 'BadSignature' });
    }
    // The refusal consumed nothing: Alice's own n + 20 was next and went in.
    expect(await l.nonce(alice)).toBe(n + 40);
    expect(await l.nonce(bob)).toBe(genuine.nonce);
    expect((await l.submitSigned(genuine)).signer).toBe(bob);
  });

  it('transactions of many senders in one burst come out as they would one by one', async () => {
    const ref = await open({ signatureThreads: 0 });
    const par = await open({ signatureThreads: 2 });
    await warmWorkers(par.l, 2);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => ref.l.submit(remark(`warm ${i}`), { signer: ref.alice })),
    );
    const uris = ['//Bob', '//Charlie', '//Dave', '//Eve'];
    const send = async (l: EmbeddedLedger) => {
      const who = await Promise.all(uris.map((uri) => l.addSigner({ uri })));
      const rs = await Promise.all(
        Array.from({ length: 200 }, (_, i) => l.submit(remark(`m${i}`), { signer: who[i % who.length]! })),
      );
      return rs.map((r) => ({ signer: r.signer, nonce: r.nonce, events: r.events.map((e) => e.name) }));
    };
    const [a, b] = [await send(ref.l), await send(par.l)];
    expect(b).toEqual(a);
    expect(par.l.signatureThreads).toBe(2);
    expect(ref.l.signatureThreads).toBe(0);
  });
});

// Both ways the ledger runs: TypeScript source (tsx: `npm run dev`, scripts) and compiled
// JavaScript (`npm start`). Each in its own process, which must end by itself after close().
describe('worker entry in a process of its own', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = resolve(here, '../../..');
  const fixture = join(here, 'fixtures', 'pipeline-child.mjs');

  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((done, fail) => {
      const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new Error(`child did not end by itself within 90 s\n${out}\n${err}`));
      }, 90_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        done({ code, out, err });
      });
    });

  const expectRun = (r: { code: number | null; out: string; err: string }) => {
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(result).toEqual({
      threads: 2,
      nonces: 'consecutive',
      forged: 'BadSignature',
      waiting: 'NotConnected',
      notices: [],
    });
  };

  it('from TypeScript source (tsx)', { timeout: 120_000 }, async () => {
    const src = pathToFileURL(join(root, 'chain/src/embedded/index.ts')).href;
    expectRun(await run(['--import', 'tsx', fixture, src]));
  });

  it('from compiled JavaScript (tsc output)', { timeout: 180_000 }, async () => {
    // Compiled inside node_modules so the output resolves the workspace's packages.
    const out = join(root, 'node_modules', '.cache', `stoa-chain-dist-${process.pid}`);
    mkdirSync(out, { recursive: true });
    try {
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      const build = await run([
        tsc,
        '-p',
        join(root, 'chain/tsconfig.json'),
        '--outDir',
        out,
        '--tsBuildInfoFile',
        join(out, '.tsbuildinfo'),
        '--composite',
        'false',
        '--declaration',
        'false',
        '--declarationMap',
        'false',
        '--sourceMap',
        'false',
      ]);
      expect(build.code, build.out + build.err).toBe(0);
      writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
      expectRun(await run([fixture, pathToFileURL(join(out, 'embedded/index.js')).href]));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
