import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../../errors.js';
import { ChainOperation } from '../operations/entity.js';
import type { JobQueue } from '../../jobs/queue.js';
import { Offering } from './entity.js';
import type { offeringActions } from './lifecycle.js';
import type { OfferingService } from './service.js';

export const CLOSE_DUE_JOB = 'offerings.close-due';
/** The Idempotency scope of the automatic close: one per offering and attempt (see OfferingService.record). */
export const AUTO_CLOSE_SCOPE = 'auto-close';
/** Automatic closes the chain refused before the scans stop trying (a person closes it then). */
export const AUTO_CLOSE_ATTEMPTS = 5;

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
      const scope = await this.scopeFor(o.id);
      if (scope === null) continue;
      try {
        const { fresh } = await this.actions.close(o.id, 'system', scope);
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

  /**
   * The scope of this scan's close: the first attempt's while it is unfinished or succeeded (so
   * repeats answer with it), a new one after the chain refused every earlier attempt — an
   * offering whose close failed (a node that refused it, a busy fundraiser) is closed by a later
   * scan — and null after `AUTO_CLOSE_ATTEMPTS` refusals.
   */
  private async scopeFor(offeringId: string): Promise<string | null> {
    const head = `offering.close:${offeringId}:`;
    const ops = await this.svc.orm.em
      .fork()
      .find(
        ChainOperation,
        { idempotencyKey: { $like: `${head}${AUTO_CLOSE_SCOPE}%` } },
        { fields: ['idempotencyKey', 'status'] },
      );
    // Keys are `<head><scope>:<call index>`: the operations of one attempt share a scope.
    const attempts = new Map<string, string[]>();
    for (const op of ops) {
      const scope = op.idempotencyKey.slice(head.length, op.idempotencyKey.lastIndexOf(':'));
      attempts.set(scope, [...(attempts.get(scope) ?? []), op.status]);
    }
    const live = [...attempts.entries()].find(([, statuses]) => statuses.some((x) => x !== 'failed'));
    if (live) return live[0];
    const refused = attempts.size;
    if (refused >= AUTO_CLOSE_ATTEMPTS) {
      this.log.warn(
        { offeringId, attempts: refused },
        'automatic close refused every time; an issuer must close it',
      );
      return null;
    }
    return refused === 0 ? AUTO_CLOSE_SCOPE : `${AUTO_CLOSE_SCOPE}-${refused + 1}`;
  }
}
