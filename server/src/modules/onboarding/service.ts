import { randomBytes } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { cryptoWaitReady, signatureVerify } from '@polkadot/util-crypto';
import { AppError } from '../../errors.js';
import type { AuditService } from '../audit/service.js';
import type { Principal } from '../auth/service.js';
import { CAN } from '../auth/roles.js';
import { accreditationFlags, assertAdult } from './checks.js';
import { isUsPerson } from './countries.js';
import { Application, ApplicationDocument } from './entity.js';
import { regCfLimit } from './regcf.js';
import type { ApplicationInputT } from './schemas.js';
import { assertTransition, EDITABLE, type ApplicationStatus } from './state.js';
import { profileContext } from '../keys/contexts.js';
import type { KeyRing } from '../keys/keyring.js';
import type { SealedProfile } from './view.js';
import { applicationDecided, decisionNotice } from '../notifications/events.js';
import type { NotifyInput } from '../notifications/notify.js';

export const DEFAULT_ACCREDITATION_DAYS = 90;
const DAY = 86_400_000;

export const isReviewer = (p: Principal) =>
  p.roles.includes('admin') || CAN.reviewApplications.some((r) => p.roles.includes(r));

/** Onboarding applications: the investor's data, the state machine, accreditation review. */
export class OnboardingService {
  constructor(
    private readonly orm: MikroORM,
    private readonly audit: AuditService,
    private readonly keys: KeyRing,
    /** Called after a submission commits (starts KYC with the configured provider). */
    private readonly afterSubmit: (app: Application) => Promise<void>,
  ) {}

  em(): EntityManager {
    return this.orm.em.fork();
  }

  /** Copies the input onto the application, sealing the personal data; inside `tx`. */
  private async apply(tx: EntityManager, app: Application, input: ApplicationInputT): Promise<void> {
    assertAdult(input);
    const profile: SealedProfile = { financials: input.financials };
    if (input.kind === 'individual') {
      if (!input.individual || input.entity) {
        throw new AppError(
          'VALIDATION_FAILED',
          'kind "individual" needs an `individual` profile and no `entity`',
          {
            fields: [{ field: '/body/individual', message: 'is required for kind individual' }],
          },
        );
      }
      profile.individual = input.individual;
    } else {
      if (!input.entity || input.individual) {
        throw new AppError(
          'VALIDATION_FAILED',
          'kind "entity" needs an `entity` profile and no `individual`',
          {
            fields: [{ field: '/body/entity', message: 'is required for kind entity' }],
          },
        );
      }
      profile.entity = input.entity;
    }
    app.kind = input.kind;
    app.residenceCountry = input.residenceCountry;
    app.citizenshipCountry = input.citizenshipCountry;
    app.taxResidencyCountry = input.taxResidencyCountry;
    app.investorType = input.investorType;
    app.usPerson = isUsPerson([input.residenceCountry, input.citizenshipCountry, input.taxResidencyCountry]);
    app.regCfLimit = input.financials
      ? regCfLimit(input.financials.annualIncome, input.financials.netWorth)
      : null;
    app.accreditationMethod = input.accreditationMethod ?? null;
    app.accreditationStatus = input.accreditationMethod ? 'pending' : 'not-claimed';
    app.accreditationExpiresAt = null;
    app.profileSealed = await this.keys.sealJson(tx, 'profile', profile, profileContext(app.id));
  }

  async create(p: Principal, input: ApplicationInputT): Promise<Application> {
    if (!p.userId) throw new AppError('FORBIDDEN', 'Applications belong to investor users; log in as one');
    return this.em().transactional(async (tx) => {
      const open = await tx.findOne(Application, {
        userId: p.userId!,
        status: { $nin: ['rejected', 'approved'] },
      });
      if (open) {
        throw new AppError(
          'CONFLICT',
          `You already have an open application (${open.id}); update it instead`,
        );
      }
      const app = new Application();
      app.userId = p.userId!;
      await this.apply(tx, app, input);
      tx.persist(app);
      await this.audit.append(tx, {
        actor: p.id,
        action: 'application.created',
        subjectType: 'application',
        subjectId: app.id,
        data: { kind: app.kind, residenceCountry: app.residenceCountry, investorType: app.investorType },
      });
      return app;
    });
  }

  async update(p: Principal, id: string, input: ApplicationInputT): Promise<Application> {
    return this.em().transactional(async (tx) => {
      const app = await this.ownedForEdit(tx, p, id);
      await this.apply(tx, app, input);
      await this.audit.append(tx, {
        actor: p.id,
        action: 'application.updated',
        subjectType: 'application',
        subjectId: app.id,
        data: { status: app.status },
      });
      return app;
    });
  }

  /** The investor's own application in an editable state, locked for the transaction. */
  async ownedForEdit(tx: EntityManager, p: Principal, id: string): Promise<Application> {
    const app = await this.loadFor(tx, p, id, LockMode.PESSIMISTIC_WRITE);
    if (app.userId !== p.userId)
      throw new AppError('FORBIDDEN', 'Only the applicant may change the application');
    if (!EDITABLE.has(app.status)) {
      throw new AppError(
        'RULE_VIOLATION',
        `The application is ${app.status}; it can only be changed while draft or needs-more-info`,
      );
    }
    return app;
  }

  /** An application the principal may read: their own, or any for reviewers. */
  async loadFor(em: EntityManager, p: Principal, id: string, lockMode?: LockMode): Promise<Application> {
    const app = await em.findOne(Application, { id }, lockMode ? { lockMode } : {});
    if (!app || (app.userId !== p.userId && !isReviewer(p))) throw AppError.notFound('Application', id);
    return app;
  }

  async documents(em: EntityManager, applicationId: string): Promise<ApplicationDocument[]> {
    return em.find(ApplicationDocument, { applicationId }, { orderBy: { createdAt: 'asc' } });
  }

  /** Moves the application and records who, when and why. Call inside a transaction. */
  async transition(
    tx: EntityManager,
    app: Application,
    to: ApplicationStatus,
    actor: string,
    reason: string | null,
    data: Record<string, unknown> = {},
    /** Collects the notice to send it with others (`notifyMany`) instead of sending it here. */
    notices?: NotifyInput[],
  ): Promise<void> {
    const from = app.status;
    assertTransition(from, to);
    app.status = to;
    if (to === 'submitted') app.submittedAt = new Date();
    if (to === 'approved' || to === 'rejected' || to === 'needs-more-info') {
      app.decidedAt = new Date();
      app.decidedBy = actor;
      app.decisionReason = reason;
    }
    await this.audit.append(tx, {
      actor,
      action: `application.${to}`,
      subjectType: 'application',
      subjectId: app.id,
      data: { from, to, reason, ...data },
    });
    if (notices) {
      const notice = decisionNotice(app, to, actor, reason);
      if (notice) notices.push(notice);
    } else await applicationDecided(tx, app, to, actor, reason);
  }

  /** Submits; `scenario` is the sandbox verdict the applicant picked (sandbox mode only). */
  async submit(
    p: Principal,
    id: string,
    provider: string,
    scenario: string | null = null,
  ): Promise<Application> {
    const app = await this.em().transactional(async (tx) => {
      const a = await this.ownedForEdit(tx, p, id);
      const docs = await this.documents(tx, a.id);
      const types = new Set(docs.map((d) => d.docType));
      const needed =
        a.kind === 'entity' ? ['company-registration', 'beneficial-ownership'] : ['id', 'proof-of-address'];
      if (a.accreditationMethod) needed.push('accreditation-evidence');
      const missing = needed.filter((t) => !types.has(t as never));
      if (missing.length > 0) {
        throw new AppError(
          'RULE_VIOLATION',
          `Upload these documents before submitting: ${missing.join(', ')}`,
          {
            missingDocuments: missing,
          },
        );
      }
      await this.transition(tx, a, 'submitted', p.id, null);
      // A resubmission to another vendor starts a new applicant there.
      if (a.kycProvider !== provider) a.kycApplicantId = null;
      // The sandbox vendor's applicant id is known in advance (it lives in this server).
      if (provider === 'sandbox' && !a.kycApplicantId) {
        a.kycApplicantId = `sandbox-${a.id}`;
        await this.audit.append(tx, {
          actor: 'kyc:sandbox',
          action: 'kyc.applicant-created',
          subjectType: 'application',
          subjectId: a.id,
          data: { provider, applicantId: a.kycApplicantId },
        });
      }
      const profile = await this.profile(a, tx);
      const flags = accreditationFlags({
        investorType: a.investorType,
        accreditationMethod: a.accreditationMethod,
        financials: profile.financials,
      });
      // The reviewer sees these on the application; the trail shows they were raised, and when.
      if (flags.length > 0) {
        await this.audit.append(tx, {
          actor: 'system',
          action: 'application.flagged',
          subjectType: 'application',
          subjectId: a.id,
          data: { flags },
        });
      }
      a.kycProvider = provider;
      a.kycStatus = 'pending';
      a.kycScenario = scenario;
      return a;
    });
    await this.afterSubmit(app);
    return app;
  }

  async decide(p: Principal, id: string, to: 'in-review' | 'needs-more-info' | 'rejected', reason: string) {
    return this.em().transactional(async (tx) => {
      // Locked: a decision racing an attestation or a verdict must see the state it changes.
      const app = await this.loadFor(tx, p, id, LockMode.PESSIMISTIC_WRITE);
      await this.transition(tx, app, to, p.id, reason);
      return app;
    });
  }

  async reviewAccreditation(
    p: Principal,
    id: string,
    input: { decision: 'verified' | 'rejected'; expiresAt?: string; reason: string },
  ): Promise<Application> {
    return this.em().transactional(async (tx) => {
      const app = await this.loadFor(tx, p, id);
      if (!app.accreditationMethod) {
        throw new AppError(
          'RULE_VIOLATION',
          'The applicant claimed no accreditation method; nothing to review',
        );
      }
      if (app.status === 'draft' || app.status === 'rejected') {
        throw new AppError(
          'RULE_VIOLATION',
          `Accreditation is reviewed on submitted applications; this one is ${app.status}`,
        );
      }
      const expiresAt = input.expiresAt
        ? new Date(input.expiresAt)
        : new Date(Date.now() + DEFAULT_ACCREDITATION_DAYS * DAY);
      if (input.decision === 'verified' && expiresAt <= new Date()) {
        throw new AppError('VALIDATION_FAILED', 'expiresAt must be in the future');
      }
      app.accreditationStatus = input.decision;
      app.accreditationExpiresAt = input.decision === 'verified' ? expiresAt : null;
      app.accreditationReviewedBy = p.id;
      await this.audit.append(tx, {
        actor: p.id,
        action: `accreditation.${input.decision}`,
        subjectType: 'application',
        subjectId: app.id,
        data: {
          method: app.accreditationMethod,
          expiresAt: app.accreditationExpiresAt?.toISOString() ?? null,
          reason: input.reason,
        },
      });
      return app;
    });
  }

  /** A one-time message the investor signs with the key of the address they want to use. */
  async addressChallenge(p: Principal, id: string): Promise<string> {
    return this.em().transactional(async (tx) => {
      const app = await this.loadFor(tx, p, id);
      if (app.userId !== p.userId) throw new AppError('FORBIDDEN', 'Only the applicant may prove an address');
      app.addressChallenge = `stoa:prove-address:${app.id}:${randomBytes(16).toString('hex')}`;
      return app.addressChallenge;
    });
  }

  async proveAddress(p: Principal, id: string, address: string, signature: string): Promise<Application> {
    await cryptoWaitReady();
    return this.em().transactional(async (tx) => {
      const app = await this.loadFor(tx, p, id);
      if (app.userId !== p.userId) throw new AppError('FORBIDDEN', 'Only the applicant may prove an address');
      if (!app.addressChallenge) {
        throw new AppError(
          'RULE_VIOLATION',
          'Ask for a challenge first (POST .../address-challenge), then sign it',
        );
      }
      let valid: boolean;
      try {
        valid = signatureVerify(app.addressChallenge, signature, address).isValid;
      } catch {
        throw new AppError(
          'VALIDATION_FAILED',
          'address is not a valid SS58 address or the signature is malformed',
        );
      }
      if (!valid) {
        throw new AppError(
          'VALIDATION_FAILED',
          'The signature does not match the challenge for this address; sign the exact challenge text with its key',
        );
      }
      app.provenAddress = address;
      app.addressChallenge = null;
      await this.audit.append(tx, {
        actor: p.id,
        action: 'application.address-proven',
        subjectType: 'application',
        subjectId: app.id,
        data: { address },
      });
      return app;
    });
  }

  /** The application's personal data (pass `em` when inside a transaction). */
  async profile(app: Application, em?: EntityManager): Promise<SealedProfile> {
    return this.keys.openJson<SealedProfile>('profile', app.profileSealed, profileContext(app.id), em);
  }
}
