import { LockMode } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { User } from '../auth/entity.js';
import { Notification } from '../identities/entity.js';
import type { Mail, Mailer } from '../mail/mailer.js';

export interface DeliveryOptions {
  /** The portal's address, for the link in each mail. */
  publicUrl: string;
  /** Tries per notice before it is given up (recorded as failed). */
  maxAttempts?: number;
  /** How long a claimed notice is left to its sender before another may try (a crashed one). */
  leaseMs?: number;
  /** Backoff base after a failed try: base · 2^(attempt−1). */
  backoffMs?: number;
  batch?: number;
}

export interface DeliveryRun {
  sent: number;
  skipped: number;
  failed: number;
}

/**
 * E-mails every notification once: the rows are the outbox. A run claims each pending row
 * under `FOR UPDATE SKIP LOCKED` (so instances never take the same one) with a lease, sends it
 * outside any transaction, then records it sent. A sender that dies after sending leaves the
 * lease to expire and the notice is sent again under the same message id: SMTP clients show
 * one message, the `.eml` folder holds one file.
 */
export class NotificationMailer {
  private readonly maxAttempts: number;
  private readonly leaseMs: number;
  private readonly backoffMs: number;
  private readonly batch: number;
  private running: Promise<DeliveryRun> | null = null;

  constructor(
    private readonly orm: MikroORM,
    private readonly mailer: Mailer,
    private readonly log: FastifyBaseLogger,
    private readonly opts: DeliveryOptions,
  ) {
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.leaseMs = opts.leaseMs ?? 120_000;
    this.backoffMs = opts.backoffMs ?? 30_000;
    this.batch = opts.batch ?? 50;
  }

  /** Sends what is due; overlapping calls share one run. */
  deliverPending(now = new Date()): Promise<DeliveryRun> {
    this.running ??= this.run(now).finally(() => (this.running = null));
    return this.running;
  }

  /**
   * For /health: notices waiting for e-mail and given up. `attention` (failures, or a notice
   * waiting over ten minutes) asks an operator to look at the mail server; it is not downtime.
   */
  async health(now = new Date()) {
    const em = this.orm.em.fork();
    const waiting = await em.count(Notification, { emailStatus: 'pending' });
    const failed = await em.count(Notification, { emailStatus: 'failed' });
    const oldest = await em.findOne(
      Notification,
      { emailStatus: 'pending' },
      { fields: ['createdAt'], orderBy: { createdAt: 'asc' } },
    );
    const oldestWaitingSeconds = oldest
      ? Math.floor((now.getTime() - oldest.createdAt.getTime()) / 1000)
      : null;
    const late = oldestWaitingSeconds !== null && oldestWaitingSeconds > 600;
    return {
      status: failed > 0 || late ? ('attention' as const) : ('ok' as const),
      mode: this.mailer.mode,
      waiting,
      failed,
      oldestWaitingSeconds,
    };
  }

  /** Resolves when no run is in progress (shutdown). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async run(now: Date): Promise<DeliveryRun> {
    const out: DeliveryRun = { sent: 0, skipped: 0, failed: 0 };
    const due = await this.orm.em
      .fork()
      .find(
        Notification,
        { emailStatus: 'pending', $or: [{ emailNextAt: null }, { emailNextAt: { $lte: now } }] },
        { fields: ['id'], orderBy: { createdAt: 'asc' }, limit: this.batch },
      );
    for (const { id } of due) {
      const r = await this.deliver(id, now);
      if (r) out[r]++;
    }
    return out;
  }

  /** One notice: claim, send, record. Null when another sender has it or it is done. */
  async deliver(id: string, now = new Date()): Promise<keyof DeliveryRun | null> {
    const claimed = await this.orm.em.fork().transactional(async (tx) => {
      const n = await tx.findOne(Notification, { id }, { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE });
      if (!n || n.emailStatus !== 'pending' || (n.emailNextAt && n.emailNextAt > now)) return null;
      const user = await tx.findOne(User, { id: n.userId });
      if (!user || user.disabled || !user.email) {
        n.emailStatus = 'skipped';
        n.emailError = !user
          ? 'no such user'
          : user.disabled
            ? 'the account is disabled'
            : 'no e-mail address';
        return 'skipped' as const;
      }
      n.emailAttempts++;
      n.emailNextAt = new Date(now.getTime() + this.leaseMs);
      return { mail: this.compose(n, user), attempt: n.emailAttempts };
    });
    if (claimed === null || claimed === 'skipped') return claimed;
    try {
      await this.mailer.send(claimed.mail);
    } catch (err) {
      const given = claimed.attempt >= this.maxAttempts;
      await this.orm.em.fork().nativeUpdate(
        Notification,
        { id, emailStatus: 'pending' },
        {
          emailStatus: given ? 'failed' : 'pending',
          emailError: String((err as Error).message ?? err).slice(0, 2000),
          emailNextAt: given ? null : new Date(now.getTime() + this.backoffMs * 2 ** (claimed.attempt - 1)),
        },
      );
      this.log.warn({ err, notificationId: id, attempt: claimed.attempt }, 'could not e-mail a notification');
      return 'failed';
    }
    await this.orm.em
      .fork()
      .nativeUpdate(
        Notification,
        { id },
        { emailStatus: 'sent', emailedAt: new Date(), emailError: null, emailNextAt: null },
      );
    return 'sent';
  }

  private compose(n: Notification, user: User): Mail {
    const link = typeof n.data.link === 'string' ? `${this.opts.publicUrl}${n.data.link}` : undefined;
    const title = typeof n.data.title === 'string' ? n.data.title : 'News about your Stoa account';
    const lines = [
      `Hello ${user.displayName},`,
      '',
      n.message,
      ...(link ? ['', `Open it in the portal: ${link}`] : []),
      '',
      `All your notifications: ${this.opts.publicUrl}/notifications`,
      '',
      'You receive this e-mail because you have an account on Stoa.',
    ];
    return { id: `notification-${n.id}`, to: user.email, subject: title, text: lines.join('\n') };
  }
}
