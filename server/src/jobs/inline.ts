import { randomUUID } from 'node:crypto';
import {
  backoffDelay,
  DEFAULT_JOB_OPTIONS,
  type EnqueueOptions,
  type JobHandler,
  type JobOptions,
  type JobQueue,
  type QueueHealth,
} from './queue.js';

interface Pending {
  name: string;
  id: string;
  data: unknown;
  attempt: number;
}

interface Registered {
  handler: JobHandler<unknown>;
  opts: JobOptions;
  running: number;
  queue: Pending[];
}

/**
 * In-process queue for the embedded default: same handlers and retry policy as BullMQ, no
 * Redis. Nothing here is durable — durability comes from the outbox rows, which the start-up
 * sweep re-queues.
 */
export class InlineQueue implements JobQueue {
  readonly mode = 'inline' as const;
  private readonly handlers = new Map<string, Registered>();
  private readonly known = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private started = false;
  private closed = false;
  private failed = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly onError?: (err: unknown, job: { name: string; id: string; attempt: number }) => void,
  ) {}

  register<T>(name: string, handler: JobHandler<T>, opts: Partial<JobOptions> = {}): void {
    this.handlers.set(name, {
      handler: handler as JobHandler<unknown>,
      opts: { ...DEFAULT_JOB_OPTIONS, ...opts },
      running: 0,
      queue: [],
    });
  }

  async enqueue<T>(name: string, data: T, opts: EnqueueOptions = {}): Promise<void> {
    if (this.closed) throw new Error('queue is closed');
    const reg = this.handlers.get(name);
    if (!reg) throw new Error(`no handler registered for job ${name}`);
    const id = opts.jobId ?? randomUUID();
    const key = `${name}:${id}`;
    if (this.known.has(key)) return;
    this.known.add(key);
    const job: Pending = { name, id, data, attempt: 1 };
    if (opts.delayMs && opts.delayMs > 0) this.later(opts.delayMs, () => this.push(reg, job));
    else this.push(reg, job);
  }

  async start(): Promise<void> {
    this.started = true;
    for (const reg of this.handlers.values()) this.pump(reg);
  }

  private push(reg: Registered, job: Pending): void {
    reg.queue.push(job);
    this.pump(reg);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private pump(reg: Registered): void {
    if (!this.started || this.closed) return;
    while (reg.running < reg.opts.concurrency && reg.queue.length > 0) {
      const job = reg.queue.shift()!;
      reg.running++;
      void this.run(reg, job);
    }
    this.checkIdle();
  }

  private async run(reg: Registered, job: Pending): Promise<void> {
    try {
      await reg.handler(job.data, { attempt: job.attempt, jobId: job.id });
      this.known.delete(`${job.name}:${job.id}`);
    } catch (err) {
      this.onError?.(err, job);
      if (job.attempt < reg.opts.attempts && !this.closed) {
        const next = { ...job, attempt: job.attempt + 1 };
        this.later(backoffDelay(reg.opts.backoffMs, job.attempt), () => this.push(reg, next));
      } else {
        this.failed++;
        this.known.delete(`${job.name}:${job.id}`);
      }
    } finally {
      reg.running--;
      this.pump(reg);
    }
  }

  private isIdle(): boolean {
    if (this.timers.size > 0) return false;
    for (const reg of this.handlers.values()) if (reg.running > 0 || reg.queue.length > 0) return false;
    return true;
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  drain(timeoutMs = 30_000): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`queue did not drain within ${timeoutMs} ms`)), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async health(): Promise<QueueHealth> {
    let waiting = 0;
    let active = 0;
    for (const reg of this.handlers.values()) {
      waiting += reg.queue.length;
      active += reg.running;
    }
    return { status: this.closed ? 'down' : 'ok', mode: 'inline', waiting, active, failed: this.failed };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const reg of this.handlers.values()) reg.queue.length = 0;
    // Let running handlers finish so no chain write is abandoned half-recorded.
    const deadline = Date.now() + 10_000;
    while ([...this.handlers.values()].some((r) => r.running > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    this.checkIdle();
  }
}
