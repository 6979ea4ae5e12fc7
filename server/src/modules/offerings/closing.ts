import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../../errors.js';
import type { JobQueue } from '../../jobs/queue.js';
import { Offering } from './entity.js';
import type { offeringActions } from './lifecycle.js';
import type { OfferingService } from './service.js';

export const CLOSE_DUE_JOB = 'offerings.close-due';
/** The Idempotency scope of the automatic close: one per offering, ever (see OfferingService.record). */
export const AUTO_CLOSE_SCOPE = 'auto-close';

/**
 * Offerings close by themselves at their end: a periodic trigger queues one scan per time
 * bucket (BullMQ or inline, the same handler); the scan closes each live or frozen offering
 * whose end has passed through the issuer's own close action under a fixed scope, so however
 * often it runs — retries, restarts, several instances — an offering is closed once. The close
 * hook then releases the escrow (soft cap met) or refunds (missed).
 */
export class OfferingCloser {
  constructor(
    private readonly svc: OfferingService,
    private readonly actions: ReturnType<typeof offeringActions>,
    private readonly queue: JobQueue,
    private readonly log: FastifyBaseLogger,
  ) {
    queue.register<{ at: string }>(CLOSE_DUE_JOB, async (d) => void (await this.closeDue(new Date(d.at))), {
      attempts: 3,
      backoffMs: 5000,
      concurrency: 1,
    });
  }

  async schedule(now = new Date(), bucketMs = 60_000): Promise<void> {
    const bucket = Math.floor(now.getTime() / bucketMs);
    await this.queue.enqueue(CLOSE_DUE_JOB, { at: now.toISOString() }, { jobId: `close-due-${bucket}` });
  }

  /** Closes every offering due at `now`; returns the ids closed by this run. */
  async closeDue(now: Date): Promise<string[]> {
    const open = await this.svc.orm.em.fork().find(Offering, { status: { $in: ['live', 'frozen'] } });
    const closed: string[] = [];
    for (const o of open) {
      if (Date.parse(o.terms.end) > now.getTime()) continue;
      try {
        const { fresh } = await this.actions.close(o.id, 'system', AUTO_CLOSE_SCOPE);
        if (fresh) closed.push(o.id);
      } catch (err) {
        // Another change in flight (an issuer's close, a freeze): the next scan looks again.
        if (err instanceof AppError && err.code === 'CONFLICT') {
          this.log.info({ offeringId: o.id, reason: err.message }, 'offering due to close is busy');
          continue;
        }
        throw err;
      }
    }
    return closed;
  }
}
