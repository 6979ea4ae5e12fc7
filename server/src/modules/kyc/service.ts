import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { retryOnDeadlock } from '../../db/locks.js';
import { AppError } from '../../errors.js';
import type { JobQueue } from '../../jobs/queue.js';
import { sha256Hex } from '../../lib/crypto.js';
import type { AuditService } from '../audit/service.js';
import { User } from '../auth/entity.js';
import type { DocumentService } from '../onboarding/documents.js';
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
  type SdkToken,
} from './provider.js';
import { isSandboxScenario, SandboxProvider, sandboxWebhook } from './sandbox.js';

export const CREATE_APPLICANT_JOB = 'kyc.create-applicant';
export const WEBHOOK_JOB = 'kyc.webhook';
export const SANDBOX_DELIVERY_JOB = 'kyc.sandbox-delivery';

/** Posts a signed webhook to this server's own webhook route; resolves with the HTTP status. */
export type SelfDelivery = (
  provider: ProviderName,
  body: string,
  headers: Record<string, string>,
) => Promise<number>;

export interface KycServiceOptions {
  /** Sandbox mode: ms between a submission and the sandbox's verdict; null = never by itself. */
  sandboxDelayMs: number | null;
}
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
  private deliver: SelfDelivery | null = null;
  private afterAdverse: (ops: ChainOperation[]) => Promise<void> = async () => undefined;

  constructor(
    private readonly orm: MikroORM,
    private readonly audit: AuditService,
    private readonly queue: JobQueue,
    private readonly providers: Map<ProviderName, KycProvider>,
    readonly providerName: ProviderName,
    private readonly onboarding: OnboardingService,
    private readonly documents: DocumentService,
    private readonly log: FastifyBaseLogger,
    private readonly opts: KycServiceOptions = { sandboxDelayMs: null },
  ) {
    queue.register<{ applicationId: string; submittedAt?: string }>(
      CREATE_APPLICANT_JOB,
      (d) => this.sendSubmission(d.applicationId, d.submittedAt),
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
    queue.register<{ applicationId: string; submittedAt: string }>(
      SANDBOX_DELIVERY_JOB,
      (d) => this.deliverSandboxVerdict(d.applicationId, d.submittedAt),
      { attempts: 8, backoffMs: 1000, concurrency: 2 },
    );
  }

  /** Sandbox mode: the sandbox vendor is the provider of new applications. */
  get sandboxMode(): boolean {
    return this.providerName === 'sandbox' && this.providers.has('sandbox');
  }

  get sandboxDelayMs(): number | null {
    return this.opts.sandboxDelayMs;
  }

  /** Whether the configured vendor hands the portal a web SDK token. */
  get hasSdk(): boolean {
    return Boolean(this.providers.get(this.providerName)?.sdkToken);
  }

  /** How the sandbox vendor reaches this server's webhook route (set by the plugin). */
  onSelfDelivery(deliver: SelfDelivery): void {
    this.deliver = deliver;
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
    const submittedAt = app.submittedAt?.toISOString();
    await this.queue.enqueue(
      CREATE_APPLICANT_JOB,
      { applicationId: app.id, submittedAt },
      { jobId: `applicant-${app.id}-${app.submittedAt?.getTime() ?? 0}` },
    );
  }

  /**
   * At start: submissions that never reached their vendor are sent again, and sandbox verdicts
   * still owed are scheduled again (at their original time), so neither is lost by a restart.
   */
  async resume(): Promise<number> {
    const em = this.orm.em.fork();
    const open = await em.find(Application, { status: 'submitted', kycStatus: 'pending' });
    let unsent = 0;
    for (const app of open) {
      if (!app.submittedAt) continue;
      if (!app.kycSentAt || app.kycSentAt < app.submittedAt) {
        unsent += 1;
        await this.startApplicant(app);
      } else if (app.kycProvider === 'sandbox') await this.scheduleSandbox(app);
    }
    if (unsent > 0)
      this.log.info({ count: unsent }, 'sending KYC submissions that have not reached their vendor');
    return open.length;
  }

  /** Kept for callers of earlier versions: one submission's vendor work. */
  async createApplicant(applicationId: string): Promise<void> {
    await this.sendSubmission(applicationId);
  }

  /**
   * The submission job: creates the applicant (once per application), sends the documents and
   * asks the vendor for a review/check (once per submission, `kycSentAt`), then — in sandbox
   * mode — schedules the sandbox's verdict.
   */
  async sendSubmission(applicationId: string, submittedAt?: string): Promise<void> {
    const em = this.orm.em.fork();
    const app = await em.findOne(Application, { id: applicationId });
    if (!app || app.kycStatus !== 'pending' || app.status !== 'submitted' || !app.submittedAt) return;
    if (submittedAt && app.submittedAt.toISOString() !== submittedAt) return; // a later submission
    const provider = this.provider(app.kycProvider ?? this.providerName);
    let applicantId = app.kycApplicantId;
    if (!applicantId) {
      const user = await em.findOneOrFail(User, { id: app.userId });
      const profile = await this.onboarding.profile(app);
      ({ applicantId } = await provider.createApplicant({
        applicationId: app.id,
        email: user.email,
        kind: app.kind,
        firstName: profile.individual?.firstName ?? profile.entity?.signatory.firstName,
        lastName: profile.individual?.lastName ?? profile.entity?.signatory.lastName,
        legalName: profile.entity?.legalName,
        dateOfBirth: profile.individual?.dateOfBirth,
        country: app.residenceCountry,
      }));
      await em.fork().transactional(async (tx) => {
        const row = await tx.findOneOrFail(
          Application,
          { id: app.id },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
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
    if (app.kycSentAt && app.kycSentAt >= app.submittedAt) {
      if (provider.name === 'sandbox') await this.scheduleSandbox(app);
      return;
    }
    const docs = await this.onboarding.documents(em, app.id);
    const documents = [];
    for (const d of docs) {
      documents.push({
        docType: d.docType,
        filename: d.filename,
        contentType: d.contentType,
        content: await this.documents.read(d),
      });
    }
    const { checkId } = await provider.submit({
      applicationId: app.id,
      applicantId: applicantId!,
      country: app.residenceCountry,
      documents,
    });
    const sent = await em.fork().transactional(async (tx) => {
      const row = await tx.findOneOrFail(
        Application,
        { id: app.id },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (row.submittedAt?.getTime() !== app.submittedAt!.getTime()) return null;
      row.kycSentAt = new Date();
      await this.audit.append(tx, {
        actor: `kyc:${provider.name}`,
        action: 'kyc.submitted-to-vendor',
        subjectType: 'application',
        subjectId: app.id,
        data: {
          provider: provider.name,
          applicantId,
          checkId: checkId ?? null,
          documents: docs.map((d) => ({ type: d.docType, sha256: d.sha256 })),
          ...(provider.name === 'sandbox' ? { scenario: row.kycScenario ?? 'clear' } : {}),
        },
      });
      return row;
    });
    if (sent && provider.name === 'sandbox') await this.scheduleSandbox(sent);
  }

  private async scheduleSandbox(app: Application): Promise<void> {
    if (this.opts.sandboxDelayMs === null || !app.submittedAt) return;
    const due = (app.kycSentAt ?? app.submittedAt).getTime() + this.opts.sandboxDelayMs;
    await this.queue.enqueue(
      SANDBOX_DELIVERY_JOB,
      { applicationId: app.id, submittedAt: app.submittedAt.toISOString() },
      {
        jobId: `sandbox-${app.id}-${app.submittedAt.getTime()}`,
        delayMs: Math.max(0, due - Date.now()),
      },
    );
  }

  /**
   * The sandbox vendor's delivery: its signed verdict for this submission, POSTed to the
   * server's own webhook route like any vendor's. The event id is the submission's, so a
   * second delivery (a retry, a restart) is recognised as the same event and applied once.
   */
  async deliverSandboxVerdict(applicationId: string, submittedAt: string): Promise<void> {
    const sandbox = this.providers.get('sandbox');
    if (!(sandbox instanceof SandboxProvider) || !this.deliver) return;
    const app = await this.orm.em.fork().findOne(Application, { id: applicationId });
    if (!app || app.kycProvider !== 'sandbox' || app.submittedAt?.toISOString() !== submittedAt) return;
    if (app.kycStatus !== 'pending') return;
    const scenario = isSandboxScenario(app.kycScenario) ? app.kycScenario : 'clear';
    const { body, headers } = sandboxWebhook(sandbox.secret, {
      applicationId: app.id,
      applicantId: app.kycApplicantId ?? undefined,
      scenario,
      eventId: `sandbox-${app.id}-${app.submittedAt.getTime()}`,
    });
    const status = await this.deliver('sandbox', body, headers);
    if (status < 200 || status >= 300) {
      throw new Error(`the webhook route answered ${status} to the sandbox verdict`);
    }
  }

  /** A token for the vendor's web SDK, for the applicant's own submitted application. */
  async sdkToken(app: Application): Promise<SdkToken> {
    const provider = this.provider(app.kycProvider ?? this.providerName);
    if (!provider.sdkToken) {
      throw new AppError(
        'RULE_VIOLATION',
        'Your verification provider has no web app to open; nothing to do here',
      );
    }
    if (!app.kycApplicantId) {
      throw new AppError(
        'RULE_VIOLATION',
        'Your verification is still being set up; try again in a few seconds',
      );
    }
    return provider.sdkToken(app.kycApplicantId, app.id);
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
        if (seen) return seen;
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
        // A re-delivery racing the first one: the event is recorded once; answer as for it.
        row = await this.orm.em
          .fork()
          .findOneOrFail(KycWebhookEvent, { provider: provider.name, eventId: event.eventId });
      } else throw err;
    }
    // A re-delivery of an event not yet applied queues it again (same job id: never twice at once).
    if (!row.processedAt) await this.queue.enqueue(WEBHOOK_JOB, { id: row.id }, { jobId: row.id });
    return row;
  }

  /** The job: applies one event's verdict, once. */
  async process(id: string): Promise<void> {
    const em = this.orm.em.fork();
    const row = await em.findOne(KycWebhookEvent, { id });
    if (!row || row.processedAt) return;
    let event = row.event;
    const provider = this.provider(row.provider);
    // The vendor's API, not the delivery, is the verdict (Onfido's webhook has none; Sumsub's is
    // confirmed by reading the applicant's review).
    let claimed: KycEvent['verdict'] = null;
    // Only ask the vendor about an applicant that is ours (Onfido's events name none: ask first).
    const ours =
      event.applicantId || event.applicationId ? (await this.findApplication(em, event, false)).app : true;
    if (ours && provider.resolveVerdict && (provider.confirms?.(event) ?? Boolean(event.checkId))) {
      claimed = event.verdict;
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
        const found = await this.findApplication(tx, event);
        if (!found.app) {
          r.outcome = found.refused ? 'refused' : 'no-application';
          if (found.refused) {
            r.applicationId = found.refused.applicationId;
            await this.audit.append(tx, {
              actor: `kyc:${event.provider}`,
              action: 'kyc.verdict-refused',
              subjectType: 'application',
              subjectId: found.refused.applicationId,
              data: { eventId: event.eventId, reason: found.refused.reason, applicantId: event.applicantId },
            });
          }
          this.log.warn({ eventId: event.eventId, refused: found.refused?.reason }, 'KYC event not applied');
          return;
        }
        const app = found.app;
        r.applicationId = app.id;
        r.outcome = event.verdict ?? (claimed ? 'unconfirmed' : 'no-verdict');
        if (!event.verdict) return;
        if (claimed && claimed !== event.verdict) {
          this.log.warn(
            { eventId: event.eventId, claimed, confirmed: event.verdict },
            'webhook and API disagree',
          );
        }
        // A verdict is for the submission under review: not for a draft being edited again.
        if (app.kycStatus !== 'pending' && app.status !== 'approved') {
          r.outcome = `late-${event.verdict}`;
          return;
        }
        ops = await this.applyVerdict(tx, app, event);
      }),
    );
    if (ops.length > 0) await this.afterAdverse(ops);
  }

  /**
   * The application the event is about: the one sent to this vendor under this applicant id.
   * An event naming (by external id) an application of another vendor, or another applicant, is
   * refused.
   */
  private async findApplication(
    tx: EntityManager,
    e: KycEvent,
    lock = true,
  ): Promise<{ app: Application | null; refused?: { applicationId: string; reason: string } }> {
    const lockOpts = lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {};
    const byId =
      e.applicationId && UUID.test(e.applicationId)
        ? await tx.findOne(Application, { id: e.applicationId }, lockOpts)
        : null;
    if (byId && byId.kycProvider !== e.provider) {
      return {
        app: null,
        refused: {
          applicationId: byId.id,
          reason: `the application was sent to ${byId.kycProvider ?? 'no vendor'}, not ${e.provider}`,
        },
      };
    }
    if (!e.applicantId) return { app: null };
    const app = await tx.findOne(
      Application,
      { kycApplicantId: e.applicantId, kycProvider: e.provider },
      lockOpts,
    );
    if (byId && (!app || app.id !== byId.id)) {
      return {
        app: null,
        refused: {
          applicationId: byId.id,
          reason: `the application's ${e.provider} applicant is ${byId.kycApplicantId ?? 'not created'}, not ${e.applicantId}`,
        },
      };
    }
    return { app };
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
