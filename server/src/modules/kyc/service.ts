import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { retryOnDeadlock } from '../../db/locks.js';
import { AppError } from '../../errors.js';
import type { JobQueue } from '../../jobs/queue.js';
import { sha256Hex } from '../../lib/crypto.js';
import type { AuditService } from '../audit/service.js';
import { User } from '../auth/entity.js';
import { Application } from '../onboarding/entity.js';
import type { OnboardingService } from '../onboarding/service.js';
import type { ChainOperation } from '../operations/entity.js';
import { KycWebhookEvent } from './entity.js';
import {
  WebhookRejected,
  type Headers,
  type KycEvent,
  type KycProvider,
  type ProviderName,
} from './provider.js';

export const CREATE_APPLICANT_JOB = 'kyc.create-applicant';
export const WEBHOOK_JOB = 'kyc.webhook';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Called when an approved investor gets an adverse verdict (e.g. a sanctions hit): revoke. */
export type AdverseHook = (
  tx: EntityManager,
  app: Application,
  actor: string,
  reason: string,
) => Promise<ChainOperation[]>;

/**
 * KYC/AML: starts applicants with the configured vendor, verifies and records webhooks, and
 * applies verdicts to applications in jobs that are idempotent per event.
 */
export class KycService {
  private adverse: AdverseHook | null = null;
  private afterAdverse: (ops: ChainOperation[]) => Promise<void> = async () => undefined;

  constructor(
    private readonly orm: MikroORM,
    private readonly audit: AuditService,
    private readonly queue: JobQueue,
    private readonly providers: Map<ProviderName, KycProvider>,
    readonly providerName: ProviderName,
    private readonly onboarding: OnboardingService,
    private readonly log: FastifyBaseLogger,
  ) {
    queue.register<{ applicationId: string }>(
      CREATE_APPLICANT_JOB,
      (d) => this.createApplicant(d.applicationId),
      {
        attempts: 8,
        backoffMs: 1000,
        concurrency: 2,
      },
    );
    queue.register<{ id: string }>(WEBHOOK_JOB, (d) => this.process(d.id), {
      attempts: 8,
      backoffMs: 500,
      concurrency: 2,
    });
  }

  onAdverseVerdict(hook: AdverseHook, dispatch: (ops: ChainOperation[]) => Promise<void>): void {
    this.adverse = hook;
    this.afterAdverse = dispatch;
  }

  provider(name: string): KycProvider {
    const p = this.providers.get(name as ProviderName);
    if (!p) throw new AppError('NOT_FOUND', `KYC provider "${name}" is not configured on this server`);
    return p;
  }

  async startApplicant(app: Application): Promise<void> {
    await this.queue.enqueue(
      CREATE_APPLICANT_JOB,
      { applicationId: app.id },
      { jobId: `applicant-${app.id}` },
    );
  }

  async createApplicant(applicationId: string): Promise<void> {
    const em = this.orm.em.fork();
    const app = await em.findOne(Application, { id: applicationId });
    if (!app || app.kycApplicantId || app.kycStatus !== 'pending') return;
    const user = await em.findOneOrFail(User, { id: app.userId });
    const profile = await this.onboarding.profile(app);
    const provider = this.provider(app.kycProvider ?? this.providerName);
    const { applicantId } = await provider.createApplicant({
      applicationId: app.id,
      email: user.email,
      kind: app.kind,
      firstName: profile.individual?.firstName ?? profile.entity?.signatory.firstName,
      lastName: profile.individual?.lastName ?? profile.entity?.signatory.lastName,
      legalName: profile.entity?.legalName,
      dateOfBirth: profile.individual?.dateOfBirth,
      country: app.residenceCountry,
    });
    await em.transactional(async (tx) => {
      const row = await tx.findOneOrFail(Application, { id: app.id });
      row.kycApplicantId ??= applicantId;
      await this.audit.append(tx, {
        actor: `kyc:${provider.name}`,
        action: 'kyc.applicant-created',
        subjectType: 'application',
        subjectId: app.id,
        data: { provider: provider.name, applicantId },
      });
    });
  }

  private async refuse(provider: string, err: WebhookRejected, raw: Buffer, ip: string): Promise<never> {
    await this.orm.em.fork().transactional((tx) =>
      this.audit.append(tx, {
        actor: `kyc:${provider}`,
        action: 'kyc.webhook-rejected',
        subjectType: 'kyc_webhook',
        subjectId: provider,
        data: { reason: err.reason, message: err.message, ip, bodySha256: sha256Hex(raw) },
      }),
    );
    throw new AppError('UNAUTHENTICATED', `Webhook refused: ${err.message}`, { reason: err.reason });
  }

  /** Verifies and records a webhook, then queues its processing. Bad or replayed → 401, audited. */
  async receive(providerName: string, raw: Buffer, headers: Headers, ip: string): Promise<KycWebhookEvent> {
    const provider = this.provider(providerName);
    let event: KycEvent;
    try {
      event = provider.verifyWebhook(raw, headers, new Date());
    } catch (err) {
      if (err instanceof WebhookRejected) return this.refuse(provider.name, err, raw, ip);
      throw err;
    }
    const em = this.orm.em.fork();
    let row: KycWebhookEvent;
    try {
      row = await em.transactional(async (tx) => {
        const seen = await tx.findOne(KycWebhookEvent, { provider: provider.name, eventId: event.eventId });
        if (seen) throw new WebhookRejected('replayed', `Event ${event.eventId} was already received`);
        const r = new KycWebhookEvent();
        r.provider = provider.name;
        r.eventId = event.eventId;
        r.type = event.type;
        r.event = event;
        r.payloadSha256 = sha256Hex(raw);
        tx.persist(r);
        await tx.flush();
        await this.audit.append(tx, {
          actor: `kyc:${provider.name}`,
          action: 'kyc.webhook-received',
          subjectType: 'kyc_webhook',
          subjectId: r.id,
          data: { eventId: event.eventId, type: event.type, applicationId: event.applicationId },
        });
        return r;
      });
    } catch (err) {
      if (err instanceof WebhookRejected) return this.refuse(provider.name, err, raw, ip);
      if (err instanceof UniqueConstraintViolationException) {
        return this.refuse(
          provider.name,
          new WebhookRejected('replayed', `Event ${event.eventId} was already received`),
          raw,
          ip,
        );
      }
      throw err;
    }
    await this.queue.enqueue(WEBHOOK_JOB, { id: row.id }, { jobId: row.id });
    return row;
  }

  /** The job: applies one event's verdict, once. */
  async process(id: string): Promise<void> {
    const em = this.orm.em.fork();
    const row = await em.findOne(KycWebhookEvent, { id });
    if (!row || row.processedAt) return;
    let event = row.event;
    const provider = this.provider(row.provider);
    if (!event.verdict && provider.resolveVerdict && event.checkId) {
      event = { ...event, ...(await provider.resolveVerdict(event)) };
    }
    let ops: ChainOperation[] = [];
    // The verdict's audit entry comes before an adverse revocation locks the identity (the
    // reverse of a reviewer's revoke): PostgreSQL may break that cycle; the event is applied again.
    await retryOnDeadlock(() =>
      em.fork().transactional(async (tx) => {
        ops = [];
        const r = await tx.findOneOrFail(KycWebhookEvent, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (r.processedAt) return;
        r.processedAt = new Date();
        const app = await this.findApplication(tx, event);
        if (!app) {
          r.outcome = 'no-application';
          this.log.warn({ eventId: event.eventId }, 'KYC event for an unknown applicant');
          return;
        }
        r.applicationId = app.id;
        r.outcome = event.verdict ?? 'no-verdict';
        if (!event.verdict) return;
        ops = await this.applyVerdict(tx, app, event);
      }),
    );
    if (ops.length > 0) await this.afterAdverse(ops);
  }

  private async findApplication(tx: EntityManager, e: KycEvent): Promise<Application | null> {
    if (e.applicationId && UUID.test(e.applicationId)) {
      const app = await tx.findOne(Application, { id: e.applicationId });
      if (app) return app;
    }
    if (e.applicantId)
      return tx.findOne(Application, { kycApplicantId: e.applicantId, kycProvider: e.provider });
    return null;
  }

  private async applyVerdict(tx: EntityManager, app: Application, e: KycEvent): Promise<ChainOperation[]> {
    const actor = `kyc:${e.provider}`;
    const verdict = e.verdict!;
    app.kycApplicantId ??= e.applicantId;
    app.kycCheckedAt = new Date();
    app.screening = e.screening
      ? { ...e.screening, checkedAt: app.kycCheckedAt.toISOString() }
      : app.screening;
    app.kycStatus = verdict === 'GREEN' ? 'green' : verdict === 'RED' ? 'red' : 'retry';
    await this.audit.append(tx, {
      actor,
      action: 'kyc.verdict',
      subjectType: 'application',
      subjectId: app.id,
      data: { eventId: e.eventId, verdict, screening: app.screening },
    });
    // Reasons here reach the investor (needs-more-info): plain words; the vendor's labels stay
    // in the audit entry above.
    if (verdict === 'GREEN' && app.status === 'submitted') {
      await this.onboarding.transition(tx, app, 'in-review', actor, 'KYC/AML check passed (GREEN)');
    } else if (verdict === 'RETRY' && (app.status === 'submitted' || app.status === 'in-review')) {
      await this.onboarding.transition(
        tx,
        app,
        'needs-more-info',
        actor,
        'The identity check could not confirm your identity from the documents provided. Please upload clearer copies (all corners visible, no glare) and submit again.',
      );
    } else if (verdict === 'RED') {
      const labels = e.screening?.labels.join(', ') || 'none';
      const reason = `KYC/AML check failed (RED; labels: ${labels})`;
      if (app.status === 'approved') return this.adverse ? this.adverse(tx, app, actor, reason) : [];
      // A person decides: reject in their own words, or override with two reviewers and a reason.
      if (app.status === 'submitted') {
        await this.onboarding.transition(tx, app, 'in-review', actor, 'KYC/AML check failed (RED)', {
          labels: e.screening?.labels ?? [],
        });
      }
    }
    return [];
  }
}
