import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import {
  backoffDelay,
  DEFAULT_JOB_OPTIONS,
  type EnqueueOptions,
  type JobHandler,
  type JobOptions,
  type JobQueue,
  type QueueHealth,
} from './queue.js';

interface Registered {
  handler: JobHandler<unknown>;
  opts: JobOptions;
  queue: Queue;
  worker?: Worker;
}

/** BullMQ on Redis: one BullMQ queue per job name, retries with exponential backoff. */
export class BullMqQueue implements JobQueue {
  readonly mode = 'bullmq' as const;
  private readonly connection: Redis;
  private readonly registered = new Map<string, Registered>();
  private started = false;
  /** Jobs that ran out of attempts in this process (BullMQ removes them, see `enqueue`). */
  private exhausted = 0;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    private readonly onError?: (err: unknown, job: { name: string; id: string; attempt: number }) => void,
  ) {
    // BullMQ workers block on Redis; it requires maxRetriesPerRequest: null.
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  }

  private get conn(): ConnectionOptions {
    return this.connection;
  }

  register<T>(name: string, handler: JobHandler<T>, opts: Partial<JobOptions> = {}): void {
    const full = { ...DEFAULT_JOB_OPTIONS, ...opts };
    const queue = new Queue(name, { connection: this.conn, prefix: this.prefix });
    this.registered.set(name, { handler: handler as JobHandler<unknown>, opts: full, queue });
  }

  async enqueue<T>(name: string, data: T, opts: EnqueueOptions = {}): Promise<void> {
    const reg = this.registered.get(name);
    if (!reg) throw new Error(`no handler registered for job ${name}`);
    await reg.queue.add(name, data, {
      jobId: opts.jobId,
      delay: opts.delayMs,
      attempts: reg.opts.attempts,
      backoff: { type: 'exponential', delay: reg.opts.backoffMs },
      removeOnComplete: true,
      // A job that ran out of attempts must not block its id: the outbox sweep re-queues the operation.
      removeOnFail: true,
    });
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const [name, reg] of this.registered) {
      reg.worker = new Worker(
        name,
        async (job) => {
          await reg.handler(job.data, { attempt: job.attemptsMade + 1, jobId: job.id ?? '' });
        },
        { connection: this.conn, prefix: this.prefix, concurrency: reg.opts.concurrency, autorun: true },
      );
      reg.worker.on('failed', (job, err) => {
        if (!job) return;
        this.onError?.(err, { name, id: job.id ?? '', attempt: job.attemptsMade });
        if (job.attemptsMade >= (job.opts.attempts ?? 1)) this.exhausted++;
      });
    }
  }

  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let busy = 0;
      for (const reg of this.registered.values()) {
        const c = await reg.queue.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'prioritized',
          'waiting-children',
        );
        busy += Object.values(c).reduce((a, b) => a + b, 0);
      }
      if (busy === 0) return;
      if (Date.now() > deadline) throw new Error(`queue did not drain within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async health(): Promise<QueueHealth> {
    try {
      const info = await this.connection.info('server');
      const version = /redis_version:([^\r\n]+)/.exec(info)?.[1];
      let waiting = 0;
      let active = 0;
      for (const reg of this.registered.values()) {
        const c = await reg.queue.getJobCounts('waiting', 'active', 'delayed');
        waiting += (c.waiting ?? 0) + (c.delayed ?? 0);
        active += c.active ?? 0;
      }
      const failed = this.exhausted;
      return {
        status: 'ok',
        mode: 'bullmq',
        waiting,
        active,
        failed,
        version: version ? `redis ${version}` : undefined,
      };
    } catch (err) {
      return { status: 'down', mode: 'bullmq', error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Test helper: removes every job of this prefix (used to isolate test runs). */
  async obliterate(): Promise<void> {
    for (const reg of this.registered.values()) await reg.queue.obliterate({ force: true });
  }

  async close(): Promise<void> {
    for (const reg of this.registered.values()) {
      await reg.worker?.close();
      await reg.queue.close();
    }
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}

export { backoffDelay };
