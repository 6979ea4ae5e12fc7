/** When signature workers cannot start, or one dies with work in hand, the main thread does it. */
import type * as WorkerThreads from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedLedger, type LedgerNotice } from '../../src/embedded/index.js';

const mode = vi.hoisted(() => ({ current: 'cannot-start' as 'cannot-start' | 'dies-on-work', started: 0 }));
vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof WorkerThreads>();
  const { EventEmitter } = await import('node:events');
  /** A worker that gets ready, then dies on the first batch it is given. */
  class FakeWorker extends EventEmitter {
    constructor() {
      super();
      if (mode.current === 'cannot-start') throw new Error('worker threads are not available here');
      mode.started++;
      setImmediate(() => this.emit('message', { t: 'ready' }));
    }
    postMessage(m: { t: string }): void {
      if (m.t !== 'jobs') return;
      setImmediate(() => {
        this.emit('error', new Error('worker crashed'));
        this.emit('exit', 1);
      });
    }
    ref(): void {}
    unref(): void {}
    async terminate(): Promise<number> {
      return 1;
    }
  }
  return { ...real, Worker: FakeWorker };
});

const opened: EmbeddedLedger[] = [];
afterEach(async () => {
  for (const l of opened.splice(0)) await l.close();
});

async function burst(notices: LedgerNotice[]) {
  const l = await EmbeddedLedger.open({ signatureThreads: 2, onNotice: (n) => notices.push(n) });
  opened.push(l);
  const alice = await l.addSigner({ uri: '//Alice' });
  const threads = await l.startSignatureThreads();
  const n = await l.nonce(alice);
  const receipts = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      l.submit({ name: 'system.remark', args: { remark: `r${i}` } }, { signer: alice }),
    ),
  );
  return { l, threads, nonces: receipts.map((r) => r.nonce - n), after: (await l.nonce(alice)) - n };
}

describe('signature workers unavailable', () => {
  it('no worker can start: a warning, and every transaction is checked on the main thread', async () => {
    mode.current = 'cannot-start';
    const notices: LedgerNotice[] = [];
    const { l, threads, nonces, after } = await burst(notices);
    expect(threads).toBe(0);
    expect(l.signatureThreads).toBe(0);
    expect(nonces).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(after).toBe(50);
    expect(notices).toContainEqual({
      level: 'warn',
      message: expect.stringMatching(
        /cannot start a signature worker .*not available.*checked on the main thread/,
      ),
    });
  });

  it('workers that die with batches in hand: those batches are checked here, in order, once', async () => {
    mode.current = 'dies-on-work';
    mode.started = 0;
    const notices: LedgerNotice[] = [];
    const { l, threads, nonces, after } = await burst(notices);
    expect(threads).toBe(2);
    expect(mode.started).toBe(2);
    expect(nonces).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(after).toBe(50);
    expect(l.signatureThreads).toBe(0);
    expect(
      notices.filter((n) => /a signature worker stopped \(worker crashed\)/.test(n.message)),
    ).toHaveLength(2);
  });
});
