/**
 * Signature work of the embedded ledger off the main thread: a small pool of worker threads
 * (verify-worker.ts) checks the signatures of submitted transactions, and signs for the keys
 * the ledger holds, in batches (one message per batch, so postMessage costs little per
 * transaction). Results are delivered in submission order, so the main thread applies
 * transactions in the order they came.
 *
 * Workers start on the first burst (more than one transaction waiting at once): a caller that
 * submits one transaction at a time is served on this thread, without a round trip. When
 * workers cannot start (no worker entry, no TypeScript loader under a dev runner) or one dies,
 * the work runs on this thread instead, and `onNotice` says so.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Address } from '../ledger.js';
import { runSignatureJob, type SignatureJob, type SignatureResult, type SigningKey } from './signing.js';
import type { FromWorker, ToWorker } from './verify-worker.js';

export interface VerifierOptions<T> {
  /** Worker threads to start on the first burst; 0 keeps everything on this thread. */
  threads: number;
  /** Keys for `sign` jobs run on this thread. */
  keyOf: (address: Address) => SigningKey | undefined;
  /** Called once per submitted item, in submission order. */
  deliver: (item: T, result: SignatureResult) => void;
  onNotice?: (notice: { level: 'info' | 'warn'; message: string }) => void;
}

interface Entry<T> {
  item: T;
  job: SignatureJob | null;
  result?: SignatureResult;
}

interface Slot<T> {
  worker: Worker;
  ready: boolean;
  /** Jobs sent and not answered. */
  outstanding: number;
  batches: Map<number, Entry<T>[]>;
}

/**
 * Largest batch in one message: big enough to amortise the message, small enough that the
 * main thread applies the first batches of a burst while the workers check the next ones.
 */
const MAX_BATCH = 32;

/**
 * The worker's entry: the compiled JavaScript beside this file (`npm start`), or, when this
 * file runs as TypeScript source (tsx, vitest), a small bootstrap that registers tsx in the
 * worker (loader hooks of the main thread do not reach workers on Node 20) and imports the
 * TypeScript entry.
 */
function workerEntry(): { code: URL | string; eval: boolean } {
  if (!import.meta.url.endsWith('.ts'))
    return { code: new URL('./verify-worker.js', import.meta.url), eval: false };
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
  const entry = new URL('./verify-worker.ts', import.meta.url).href;
  return {
    code: `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`,
    eval: true,
  };
}

export class Verifier<T> {
  /** Submitted entries in order; `head` is the first not yet delivered. */
  private fifo: (Entry<T> | undefined)[] = [];
  private head = 0;
  /** Entries not yet sent anywhere. */
  private queued: Entry<T>[] = [];
  private scheduled = false;
  private slots: Slot<T>[] = [];
  private started = false;
  private closing = false;
  private readonly keys: SigningKey[] = [];
  private nextBatch = 1;
  private idleWaiters: (() => void)[] = [];
  private readyWaiters: (() => void)[] = [];

  constructor(private readonly opts: VerifierOptions<T>) {}

  /** Worker threads running and ready (for tests and benchmarks). */
  get threads(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  /** Starts the workers now (not on the first burst); resolves once they are ready or gone. */
  warm(): Promise<number> {
    this.start();
    if (this.slots.every((s) => s.ready)) return Promise.resolve(this.threads);
    return new Promise((resolve) => this.readyWaiters.push(() => resolve(this.threads)));
  }

  private checkReady(): void {
    if (this.slots.every((s) => s.ready)) for (const resolve of this.readyWaiters.splice(0)) resolve();
  }

  addKey(key: SigningKey): void {
    this.keys.push(key);
    for (const s of this.slots) this.post(s, { t: 'keys', keys: [key] });
  }

  /** Queues `job` for `item`; with `result`, the item only keeps its place in the order. */
  submit(item: T, job: SignatureJob | null, result?: SignatureResult): void {
    const e: Entry<T> = job ? { item, job } : { item, job: null, result };
    this.fifo.push(e);
    if (job) this.queued.push(e);
    if (!this.scheduled) {
      this.scheduled = true;
      // After the current I/O callbacks and microtasks: a burst of submissions is one batch.
      setImmediate(() => this.flush());
    }
  }

  /** Resolves once every submitted item has been delivered. */
  idle(): Promise<void> {
    if (this.head === this.fifo.length) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closing = true;
    const slots = this.slots;
    this.slots = [];
    this.checkReady();
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return this.deliver();
    const ready = this.slots.filter((s) => s.ready);
    const busy = this.slots.some((s) => s.outstanding > 0);
    if (ready.length > 0 && (batch.length > 1 || busy)) {
      this.dispatch(batch, ready);
    } else {
      if (batch.length > 1) this.start();
      this.runHere(batch);
    }
    this.deliver();
  }

  private runHere(entries: Entry<T>[]): void {
    for (const e of entries) if (e.job) e.result = runSignatureJob(e.job, this.opts.keyOf);
  }

  private dispatch(batch: Entry<T>[], slots: Slot<T>[]): void {
    slots.sort((a, b) => a.outstanding - b.outstanding);
    const size = Math.min(MAX_BATCH, Math.ceil(batch.length / slots.length));
    for (let i = 0, s = 0; i < batch.length; i += size, s = (s + 1) % slots.length) {
      const chunk = batch.slice(i, i + size);
      const slot = slots[s] as Slot<T>;
      const id = this.nextBatch++;
      if (slot.outstanding === 0) slot.worker.ref();
      slot.outstanding += chunk.length;
      slot.batches.set(id, chunk);
      if (!this.post(slot, { t: 'jobs', id, jobs: chunk.map((e) => e.job as SignatureJob) })) {
        // Not cloneable (or the worker is gone): this thread does it.
        this.settle(slot, id);
        this.runHere(chunk);
      }
    }
  }

  private post(slot: Slot<T>, m: ToWorker): boolean {
    try {
      slot.worker.postMessage(m);
      return true;
    } catch {
      return false;
    }
  }

  /** Forgets batch `id` of `slot`; returns its entries. */
  private settle(slot: Slot<T>, id: number): Entry<T>[] {
    const chunk = slot.batches.get(id) ?? [];
    slot.batches.delete(id);
    slot.outstanding -= chunk.length;
    // An idle worker must not keep the process alive; a busy one must (its caller awaits it).
    if (slot.outstanding === 0) slot.worker.unref();
    return chunk;
  }

  private deliver(): void {
    while (this.head < this.fifo.length) {
      const e = this.fifo[this.head] as Entry<T>;
      if (!e.result) break;
      this.fifo[this.head++] = undefined;
      this.opts.deliver(e.item, e.result);
    }
    if (this.head === this.fifo.length) {
      this.fifo = [];
      this.head = 0;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    } else if (this.head > 4096 && this.head * 2 > this.fifo.length) {
      this.fifo = this.fifo.slice(this.head);
      this.head = 0;
    }
  }

  private start(): void {
    if (this.started || this.closing || this.opts.threads <= 0) return;
    this.started = true;
    let entry: { code: URL | string; eval: boolean };
    try {
      entry = workerEntry();
    } catch (err) {
      this.notice(`cannot find the signature worker (${String(err)})`);
      return;
    }
    for (let i = 0; i < this.opts.threads; i++) {
      let worker: Worker;
      try {
        worker = new Worker(entry.code, { eval: entry.eval });
      } catch (err) {
        this.notice(`cannot start a signature worker (${err instanceof Error ? err.message : String(err)})`);
        return;
      }
      worker.unref();
      const slot: Slot<T> = { worker, ready: false, outstanding: 0, batches: new Map() };
      this.slots.push(slot);
      if (this.keys.length > 0) this.post(slot, { t: 'keys', keys: this.keys });
      worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
      worker.on('error', (err) => this.lost(slot, err.message));
      worker.on('exit', (code) => this.lost(slot, `exited with code ${code}`));
    }
  }

  private onMessage(slot: Slot<T>, m: FromWorker): void {
    if (m.t === 'ready') {
      slot.ready = true;
      this.checkReady();
      return;
    }
    const chunk = this.settle(slot, m.id);
    chunk.forEach((e, i) => {
      e.result = m.results[i] ?? { ok: false, error: 'no answer from the signature worker' };
    });
    this.deliver();
  }

  /** A worker failed or stopped: its unanswered jobs run here; the others carry on. */
  private lost(slot: Slot<T>, why: string): void {
    const at = this.slots.indexOf(slot);
    if (at < 0) return;
    this.slots.splice(at, 1);
    this.checkReady();
    if (this.closing) return;
    this.notice(`a signature worker stopped (${why})`);
    for (const id of [...slot.batches.keys()]) this.runHere(this.settle(slot, id));
    void slot.worker.terminate();
    this.deliver();
  }

  private notice(why: string): void {
    const left = this.slots.length;
    this.opts.onNotice?.({
      level: 'warn',
      message: `embedded ledger: ${why}; ${left > 0 ? `${left} worker(s) left` : 'signatures are checked on the main thread'}`,
    });
  }
}
