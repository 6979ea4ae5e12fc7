import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BullMqQueue } from '../src/jobs/bullmq.js';
import { InlineQueue } from '../src/jobs/inline.js';
import type { JobQueue } from '../src/jobs/queue.js';
import { QUEUE_MODES } from './helpers.js';

/** The contract every JobQueue implementation passes. */
describe.each(QUEUE_MODES)('JobQueue contract (%s)', (mode) => {
  let queue: JobQueue;
  const make = () => {
    queue =
      mode === 'bullmq'
        ? new BullMqQueue(process.env.REDIS_URL!, `stoa-contract-${randomBytes(4).toString('hex')}`)
        : new InlineQueue();
    return queue;
  };
  afterEach(async () => {
    if (queue instanceof BullMqQueue) await queue.obliterate();
    await queue.close();
  });

  it('runs a job with its data', async () => {
    const q = make();
    const seen: number[] = [];
    q.register<{ n: number }>('work', async (d) => {
      seen.push(d.n);
    });
    await q.start();
    await q.enqueue('work', { n: 1 });
    await q.enqueue('work', { n: 2 });
    await q.drain();
    expect(seen.sort()).toEqual([1, 2]);
  });

  it('holds jobs enqueued before start until start', async () => {
    const q = make();
    const seen: string[] = [];
    q.register<string>('work', async (d) => {
      seen.push(d);
    });
    await q.enqueue('work', 'early');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([]);
    await q.start();
    await q.drain();
    expect(seen).toEqual(['early']);
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    const q = make();
    const attempts: number[] = [];
    q.register<null>(
      'flaky',
      async (_d, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error('not yet');
      },
      { attempts: 5, backoffMs: 10 },
    );
    await q.start();
    await q.enqueue('flaky', null);
    await q.drain();
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('gives up after the configured attempts', async () => {
    const q = make();
    let runs = 0;
    q.register<null>(
      'broken',
      async () => {
        runs++;
        throw new Error('always');
      },
      { attempts: 2, backoffMs: 10 },
    );
    await q.start();
    await q.enqueue('broken', null);
    await q.drain();
    expect(runs).toBe(2);
    expect((await q.health()).failed).toBe(1);
  });

  it('lets a job that ran out of attempts be queued again under its id', async () => {
    const q = make();
    let runs = 0;
    q.register<null>(
      'flaky',
      async () => {
        runs++;
        if (runs <= 2) throw new Error('down for now');
      },
      { attempts: 2, backoffMs: 10 },
    );
    await q.start();
    await q.enqueue('flaky', null, { jobId: 'op-1' });
    await q.drain();
    expect(runs).toBe(2);
    await q.enqueue('flaky', null, { jobId: 'op-1' });
    await q.drain();
    expect(runs).toBe(3);
  });

  it('does not queue a job twice while one with the same id is waiting', async () => {
    const q = make();
    let runs = 0;
    q.register<null>('once', async () => {
      runs++;
    });
    await q.enqueue('once', null, { jobId: 'same' });
    await q.enqueue('once', null, { jobId: 'same' });
    await q.start();
    await q.drain();
    expect(runs).toBe(1);
  });

  it('respects concurrency 1', async () => {
    const q = make();
    let running = 0;
    let maxRunning = 0;
    q.register<number>(
      'serial',
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
      { concurrency: 1 },
    );
    await q.start();
    await Promise.all([1, 2, 3, 4, 5].map((n) => q.enqueue('serial', n)));
    await q.drain();
    expect(maxRunning).toBe(1);
  });

  it('reports health with its mode', async () => {
    const q = make();
    q.register('x', async () => undefined);
    await q.start();
    const h = await q.health();
    expect(h).toMatchObject({ status: 'ok', mode });
  });
});
