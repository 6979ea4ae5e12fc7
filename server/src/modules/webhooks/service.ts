import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { lockRow } from '../../db/locks.js';
import type { JobQueue } from '../../jobs/queue.js';
import { backoffDelay } from '../../jobs/queue.js';
import type { AuditService } from '../audit/service.js';
import { Venue } from '../venues/entity.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signPayload } from './signature.js';
import { WebhookDelivery } from './entity.js';

export const DELIVER_JOB = 'webhook.deliver';

export interface WebhookOptions {
  /** Runs per delivery, the first included. */
  attempts?: number;
  /** Base of the exponential backoff between runs (doubling each time). */
  backoffMs?: number;
  /** Give up on one POST after this long. */
  timeoutMs?: number;
  /** How often pending deliveries are re-queued (besides at start); 0 = only at start. */
  sweepIntervalMs?: number;
  /** The HTTP client (tests pass one that fails on purpose). */
  fetch?: typeof fetch;
}

/**
 * Signed webhooks to venues. A delivery is a row recorded in the transaction that decided the
 * outcome it reports, so an outcome is never without its delivery and never has two. A job
 * POSTs it, retried with exponential backoff; at start (and every sweep) pending deliveries are
 * queued again, so a restart loses none. A crash between the receiver's 2xx and the row's
 * update sends it again: receivers drop event ids they have seen.
 */
export class WebhookService {
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly orm: MikroORM,
    private readonly queue: JobQueue,
    private readonly audit: AuditService,
    private readonly log: FastifyBaseLogger,
    opts: WebhookOptions = {},
  ) {
    this.attempts = opts.attempts ?? 8;
    this.backoffMs = opts.backoffMs ?? 2000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.fetch = opts.fetch ?? fetch;
    queue.register<{ deliveryId: string }>(
      DELIVER_JOB,
      (data, ctx) => this.deliver(data.deliveryId, ctx.attempt),
      {
        attempts: this.attempts,
        backoffMs: this.backoffMs,
        concurrency: 4,
      },
    );
  }

  /**
   * Records an event for the venue in the caller's transaction (none when the venue has no
   * webhook URL, or the event was recorded before: `dedupeKey`). Queue it after commit (`queued`).
   */
  async record(
    tx: EntityManager,
    venueId: string,
    eventType: string,
    dedupeKey: string,
    data: Record<string, unknown>,
  ): Promise<WebhookDelivery | null> {
    const venue = await tx.findOne(Venue, { id: venueId });
    if (!venue?.webhookUrl) return null;
    if (await tx.findOne(WebhookDelivery, { dedupeKey })) return null;
    const d = new WebhookDelivery();
    d.venueId = venueId;
    d.dedupeKey = dedupeKey;
    d.eventType = eventType;
    d.payload = { id: d.id, type: eventType, createdAt: d.createdAt.toISOString(), data };
    d.nextAttemptAt = new Date();
    tx.persist(d);
    return d;
  }

  /** Queues deliveries after the transaction that recorded them committed. */
  async queued(deliveries: (Pick<WebhookDelivery, 'id' | 'status'> | null)[], delayMs = 0): Promise<void> {
    for (const d of deliveries)
      if (d && d.status === 'pending')
        await this.queue.enqueue(
          DELIVER_JOB,
          { deliveryId: d.id },
          { jobId: d.id, ...(delayMs ? { delayMs } : {}) },
        );
  }

  /** Re-queues every pending delivery (at start and on the sweep timer). */
  async sweep(): Promise<number> {
    const pending = await this.orm.em
      .fork()
      .find(WebhookDelivery, { status: 'pending' }, { fields: ['id', 'status'] });
    await this.queued(pending);
    return pending.length;
  }

  async list(em: EntityManager, venueId: string, limit = 50): Promise<WebhookDelivery[]> {
    return em.find(WebhookDelivery, { venueId }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit });
  }

  /** One POST of the delivery; throws (the job retries later) unless delivered or out of attempts. */
  private async deliver(id: string, attempt: number): Promise<void> {
    const em = this.orm.em.fork();
    const d = await em.findOne(WebhookDelivery, { id });
    // Queued from inside the transaction that records it: not visible until that commits.
    if (!d) throw new Error(`webhook delivery ${id} is not committed yet`);
    if (d.status !== 'pending') return;
    const venue = await em.findOne(Venue, { id: d.venueId }, { populate: ['webhookSecret'] });
    if (!venue?.webhookUrl || !venue.webhookSecret) {
      await this.finish(d.id, { ok: false, error: 'the venue has no webhook URL or secret any more' }, true);
      return;
    }
    const body = JSON.stringify(d.payload);
    let outcome: { ok: boolean; status?: number; error?: string };
    try {
      const res = await this.fetch(venue.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signPayload(venue.webhookSecret, body, Date.now()),
          [EVENT_ID_HEADER]: d.id,
          'user-agent': 'Stoa-Webhooks/1',
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'manual',
      });
      await res.body?.cancel().catch(() => undefined);
      outcome = res.ok
        ? { ok: true, status: res.status }
        : { ok: false, status: res.status, error: `the receiver answered ${res.status}` };
    } catch (err) {
      outcome = { ok: false, error: `could not reach the receiver: ${(err as Error).message}` };
    }
    const last = attempt >= this.attempts;
    await this.finish(d.id, outcome, last, attempt);
    if (!outcome.ok && !last) throw new Error(`webhook ${d.id}: ${outcome.error}`);
  }

  private async finish(
    id: string,
    outcome: { ok: boolean; status?: number; error?: string },
    last: boolean,
    attempt = 1,
  ): Promise<void> {
    await this.orm.em.fork().transactional(async (tx) => {
      const d = await lockRow(tx, WebhookDelivery, id);
      if (!d || d.status !== 'pending') return;
      d.attempts += 1;
      d.lastStatusCode = outcome.status ?? null;
      d.lastError = outcome.ok ? null : (outcome.error ?? null);
      if (outcome.ok) {
        d.status = 'delivered';
        d.deliveredAt = new Date();
        d.nextAttemptAt = null;
      } else if (last) {
        d.status = 'failed';
        d.nextAttemptAt = null;
        await this.audit.append(tx, {
          actor: 'system',
          action: 'webhook.failed',
          subjectType: 'webhook_delivery',
          subjectId: d.id,
          data: { venueId: d.venueId, eventType: d.eventType, attempts: d.attempts, error: d.lastError },
        });
      } else {
        d.nextAttemptAt = new Date(Date.now() + backoffDelay(this.backoffMs, attempt));
      }
    });
    if (!outcome.ok) this.log.info({ deliveryId: id, error: outcome.error }, 'webhook delivery failed');
  }
}
