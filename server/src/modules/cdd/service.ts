import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Ledger, Scope } from '@stoa/chain';
import {
  cryptoWaitReady,
  encodeAddress,
  mnemonicGenerate,
  mnemonicToMiniSecret,
  sr25519PairFromSeed,
} from '@polkadot/util-crypto';
import { lockRow } from '../../db/locks.js';
import { AppError } from '../../errors.js';
import { chainNow } from '../../lib/chain-time.js';
import type { AuditService } from '../audit/service.js';
import type { KeyRing } from '../keys/keyring.js';
import type { Principal } from '../auth/service.js';
import { Application } from '../onboarding/entity.js';
import { User } from '../auth/entity.js';
import { CAN } from '../auth/roles.js';
import type { OnboardingService } from '../onboarding/service.js';
import type { ChainOperation } from '../operations/entity.js';
import type { OperationService } from '../operations/service.js';
import { Attestation, IdentityClaimRecord, InvestorIdentity } from '../identities/entity.js';
import { Asset } from '../assets/entity.js';
import { AssetRules } from '../compliance/entity.js';
import { CddApproval, type ApprovalGround } from './approval.js';
import { claimsRevoked } from '../notifications/events.js';
import { CDD_CLAIM, claimKey, plannedClaims, type ClaimPlan, type PlannedClaim } from './claims.js';

const YEAR = 365 * 86_400_000;
export const DEFAULT_POLYX = '100';

export interface AttestInput {
  account?: 'custodial' | 'proven-address';
  cddExpiresAt?: string;
  claimsExpireAt?: string;
  assetIds?: string[];
  polyx?: string;
  /** Why the reviewer approves; required to override a RED verdict. */
  reason?: string;
}

export type AttestResult =
  | { kind: 'attested'; att: Attestation; identity: InvestorIdentity; ops: ChainOperation[] }
  | { kind: 'first-approval'; approval: CddApproval; app: Application };

/** The person behind a principal: the same reviewer by session or by API key. */
export const reviewerOf = (p: Principal) => (p.userId ? `user:${p.userId}` : p.id);

/** Why an application needs two reviewers, if it does. */
export function approvalGrounds(app: Application): ApprovalGround[] {
  const grounds: ApprovalGround[] = [];
  if (app.screening?.pepHit || app.screening?.sanctionsHit) grounds.push('enhanced-due-diligence');
  if (app.kycStatus === 'red') grounds.push('red-override');
  return grounds;
}

/** The CDD provider's decisions: attest (through the outbox), reject, revoke. */
export class CddService {
  constructor(
    private readonly orm: MikroORM,
    private readonly audit: AuditService,
    readonly operations: OperationService,
    private readonly onboarding: OnboardingService,
    private readonly ledger: Ledger,
    private readonly keys: KeyRing,
    readonly operatorAddress: () => string,
  ) {}

  async operatorDid(): Promise<string> {
    const did = await this.ledger.identityOf(this.operatorAddress());
    if (!did)
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'The operator signer has no identity on chain; it cannot act as CDD provider',
      );
    return did;
  }

  /**
   * Assets whose rules keep claim-keyed statistics (per-country caps): Polymesh keys those by
   * the holder's claim scoped to the asset (POLYMESH.md §6), so attestation issues copies of the
   * investor's claims in each such asset's scope as well.
   */
  async assetsNeedingScopedClaims(): Promise<string[]> {
    const em = this.orm.em.fork();
    const rules = await em.find(AssetRules, {});
    const ids = rules.filter((r) => r.compiled.stats.some((st) => st.claimIssuer)).map((r) => r.assetId);
    if (ids.length === 0) return [];
    const assets = await em.find(Asset, { id: { $in: ids }, chainId: { $ne: null } });
    return assets.map((a) => a.chainId!);
  }

  async attest(p: Principal, applicationId: string, input: AttestInput): Promise<AttestResult> {
    await cryptoWaitReady();
    const providerDid = await this.operatorDid();
    const scopedAssets = [
      ...new Set([...(input.assetIds ?? []), ...(await this.assetsNeedingScopedClaims())]),
    ];
    const now = new Date();
    // Claims expire by the chain's time (ahead of the wall clock once the development clock moved).
    const chainTime = await chainNow(this.ledger);
    const future = (v: string | undefined, name: string) => {
      const d = v ? new Date(v) : new Date(chainTime.getTime() + YEAR);
      if (d <= chainTime) throw new AppError('VALIDATION_FAILED', `${name} must be in the future`);
      return d.toISOString();
    };
    const plan: ClaimPlan = {
      cddExpiry: future(input.cddExpiresAt, 'cddExpiresAt'),
      claimsExpiry: future(input.claimsExpireAt, 'claimsExpireAt'),
      scopes: [
        { type: 'Identity', value: providerDid },
        ...scopedAssets.map((a): Scope => ({ type: 'Asset', value: a })),
      ],
      polyx: input.polyx ?? DEFAULT_POLYX,
    };
    // Read before the transaction: an investor-supplied address may already have a DID on chain.
    const pre = await this.orm.em.fork().findOne(Application, { id: applicationId });
    const chainDid = pre?.provenAddress ? await this.ledger.identityOf(pre.provenAddress) : null;

    const em = this.orm.em.fork();
    const result = await em.transactional(async (tx) => {
      const app = await tx.findOne(
        Application,
        { id: applicationId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!app) throw AppError.notFound('Application', applicationId);
      if (app.kycStatus !== 'green' && app.kycStatus !== 'red') {
        throw new AppError(
          'RULE_VIOLATION',
          `The identity check has no final verdict yet (${app.kycStatus}); attest once it is GREEN`,
        );
      }
      if (app.status !== 'in-review' && app.status !== 'approved') {
        throw new AppError(
          'RULE_VIOLATION',
          `The application is ${app.status}; attest applications that are in-review (or approved, to renew)`,
        );
      }
      const grounds = approvalGrounds(app);
      const reason = input.reason?.trim() || null;
      if (grounds.includes('red-override') && !reason) {
        throw new AppError(
          'RULE_VIOLATION',
          'The identity check returned RED. Overriding it needs a written reason from each of two different reviewers',
          { fields: [{ field: '/body/reason', message: 'Write why you override the RED verdict' }] },
        );
      }
      let approvals: CddApproval[] = [];
      if (grounds.length > 0) {
        const reviewer = reviewerOf(p);
        // Approvals from before the latest submission were given on other data; they do not count.
        const open = await tx.find(
          CddApproval,
          { applicationId: app.id, consumedAt: null, createdAt: { $gte: app.submittedAt ?? new Date(0) } },
          { orderBy: { createdAt: 'asc' } },
        );
        if (open.some((a) => a.reviewer === reviewer)) {
          throw new AppError(
            'CONFLICT',
            'You already gave the first approval; a second reviewer, other than you, must give the other',
          );
        }
        const approval = new CddApproval();
        approval.applicationId = app.id;
        approval.reviewer = reviewer;
        approval.actor = p.id;
        approval.grounds = grounds;
        approval.reason = reason;
        tx.persist(approval);
        await this.audit.append(tx, {
          actor: p.id,
          action: open.length === 0 ? 'cdd.first-approval' : 'cdd.second-approval',
          subjectType: 'application',
          subjectId: app.id,
          data: {
            approvalId: approval.id,
            grounds,
            reason,
            kycStatus: app.kycStatus,
            screening: app.screening,
            ...(open.length ? { firstApproval: { id: open[0]!.id, actor: open[0]!.actor } } : {}),
          },
        });
        if (open.length === 0) return { kind: 'first-approval' as const, approval, app };
        approvals = [open[0]!, approval];
      }
      let identity = await tx.findOne(InvestorIdentity, { userId: app.userId });
      if (identity) {
        const busy = await tx.count(Attestation, { identityId: identity.id, status: 'in-progress' });
        if (busy > 0)
          throw new AppError(
            'CONFLICT',
            'An attestation for this investor is still in progress; wait for its operations',
          );
      } else {
        identity = await this.newIdentity(tx, app, input.account);
        tx.persist(identity);
      }
      if (identity.standing === 'revoked') {
        throw new AppError(
          'RULE_VIOLATION',
          `The investor's identity was revoked (${identity.standingReason ?? 'no reason'}); it cannot be re-attested`,
        );
      }
      if (!identity.did && chainDid && identity.account === app.provenAddress) identity.did = chainDid;
      const att = new Attestation();
      att.applicationId = app.id;
      att.identityId = identity.id;
      att.kind = 'attest';
      att.requestedBy = p.id;
      att.plan = {
        ...plan,
        claims: plannedClaims(app, plan, chainTime),
        ...(approvals.length
          ? {
              approvals: approvals.map((a) => ({
                id: a.id,
                actor: a.actor,
                grounds: a.grounds,
                reason: a.reason,
              })),
            }
          : {}),
      };
      tx.persist(att);
      for (const a of approvals) {
        a.consumedAt = now;
        a.attestationId = att.id;
      }
      if (app.status === 'in-review')
        await this.onboarding.transition(
          tx,
          app,
          'approved',
          p.id,
          'Attested by the CDD provider',
          approvals.length ? { approvals: approvals.map((a) => a.actor), grounds, reason } : {},
        );
      identity.lastAttestedAt = now;
      let ops: ChainOperation[];
      if (identity.did) {
        // Re-attestation (or an address that already has an identity): renew the CDD claim and the rest.
        ops = await this.addClaims(tx, att, identity, [
          { key: claimKey(CDD_CLAIM), claim: CDD_CLAIM, expiry: plan.cddExpiry },
          ...(att.plan.claims as PlannedClaim[]),
        ]);
      } else {
        const op = await this.operations.record(tx, {
          idempotencyKey: `att-${att.id}-register`,
          call: {
            name: 'identity.cddRegisterDid',
            args: { targetAccount: identity.account, cddClaim: true, expiry: plan.cddExpiry },
          },
          signer: this.operatorAddress(),
          requestedBy: p.id,
          subject: { type: 'attestation', id: att.id },
        });
        await this.upsertClaim(
          tx,
          att,
          identity,
          { key: claimKey(CDD_CLAIM), claim: CDD_CLAIM, expiry: plan.cddExpiry },
          op.id,
        );
        ops = [op];
      }
      await this.audit.append(tx, {
        actor: p.id,
        action: 'cdd.attested',
        subjectType: 'application',
        subjectId: app.id,
        data: {
          attestationId: att.id,
          identityId: identity.id,
          account: identity.account,
          custodial: identity.custodial,
          renew: !!identity.did,
          plan: att.plan,
        },
      });
      return { kind: 'attested' as const, att, identity, ops };
    });
    if (result.kind === 'attested') for (const op of result.ops) await this.operations.dispatch(op);
    return result;
  }

  private async newIdentity(
    tx: EntityManager,
    app: Application,
    mode: AttestInput['account'],
  ): Promise<InvestorIdentity> {
    const identity = new InvestorIdentity();
    identity.userId = app.userId;
    identity.applicationId = app.id;
    const useProven = mode === 'proven-address' || (mode === undefined && app.provenAddress);
    if (useProven) {
      if (!app.provenAddress) {
        throw new AppError(
          'RULE_VIOLATION',
          'The investor has not proven an address; use account "custodial" or ask them to sign a challenge',
        );
      }
      identity.account = app.provenAddress;
      identity.custodial = false;
    } else {
      const mnemonic = mnemonicGenerate(24);
      identity.account = encodeAddress(sr25519PairFromSeed(mnemonicToMiniSecret(mnemonic)).publicKey, 42);
      identity.custodial = true;
      identity.keySealed = await this.keys.sealMnemonic(tx, identity.id, mnemonic);
    }
    return identity;
  }

  async upsertClaim(
    tx: EntityManager,
    att: Attestation,
    identity: InvestorIdentity,
    c: PlannedClaim,
    operationId: string,
  ) {
    let rec = await tx.findOne(IdentityClaimRecord, { identityId: identity.id, claimKey: c.key });
    if (!rec) {
      rec = new IdentityClaimRecord();
      rec.identityId = identity.id;
      rec.claimKey = c.key;
      tx.persist(rec);
    }
    rec.claimType = c.claim.type;
    rec.claim = c.claim;
    rec.expiresAt = c.expiry ? new Date(c.expiry) : null;
    rec.status = 'pending';
    rec.operationId = operationId;
    rec.attestationId = att.id;
    rec.notifiedAt = null;
    return rec;
  }

  /** Records one addClaim per planned claim (the DID must be known). */
  async addClaims(tx: EntityManager, att: Attestation, identity: InvestorIdentity, claims: PlannedClaim[]) {
    const ops: ChainOperation[] = [];
    for (const c of claims) {
      const op = await this.operations.record(tx, {
        idempotencyKey: `att-${att.id}-claim-${c.key}`.slice(0, 200),
        call: {
          name: 'identity.addClaim',
          args: { target: identity.did!, claim: c.claim, ...(c.expiry ? { expiry: c.expiry } : {}) },
        },
        signer: this.operatorAddress(),
        requestedBy: att.requestedBy,
        subject: { type: 'attestation', id: att.id },
      });
      await this.upsertClaim(tx, att, identity, c, op.id);
      ops.push(op);
    }
    return ops;
  }

  /** Assigns the application to a reviewer (`me`, a user id) or unassigns it (null); audited. */
  async assign(p: Principal, applicationId: string, to: string | null): Promise<Application> {
    return this.orm.em.fork().transactional(async (tx) => {
      const app = await lockRow(tx, Application, applicationId);
      if (!app) throw AppError.notFound('Application', applicationId);
      let assignee: string | null = null;
      if (to === 'me') {
        if (!p.userId) throw new AppError('FORBIDDEN', 'Only a signed-in reviewer can take an application');
        assignee = `user:${p.userId}`;
      } else if (to) {
        const user = await tx.findOne(User, { id: to });
        const can = ['admin', ...CAN.decideApplications] as string[];
        if (!user || user.disabled || !user.roles.some((r) => can.includes(r))) {
          throw new AppError(
            'VALIDATION_FAILED',
            'Choose a reviewer who can decide applications (a CDD provider or compliance officer)',
            { fields: [{ field: '/body/reviewer', message: 'is not an active reviewer' }] },
          );
        }
        assignee = `user:${user.id}`;
      }
      const from = app.assignedTo;
      app.assignedTo = assignee;
      await this.audit.append(tx, {
        actor: p.id,
        action: assignee ? 'application.assigned' : 'application.unassigned',
        subjectType: 'application',
        subjectId: app.id,
        data: { from, to: assignee },
      });
      return app;
    });
  }

  async reject(p: Principal, applicationId: string, reason: string): Promise<Application> {
    return this.onboarding.decide(p, applicationId, 'rejected', reason);
  }

  /** Revokes every claim the platform issued to the investor (e.g. after a sanctions hit). */
  async revokeInTx(
    tx: EntityManager,
    identity: InvestorIdentity,
    actor: string,
    reason: string,
  ): Promise<ChainOperation[]> {
    const att = new Attestation();
    att.applicationId = identity.applicationId;
    att.identityId = identity.id;
    att.kind = 'revoke';
    att.requestedBy = actor;
    att.plan = { reason };
    tx.persist(att);
    identity.standing = 'revoked';
    identity.standingReason = reason;
    const ops: ChainOperation[] = [];
    const claims = await tx.find(IdentityClaimRecord, { identityId: identity.id, status: 'active' });
    for (const rec of claims) {
      const op = await this.operations.record(tx, {
        idempotencyKey: `att-${att.id}-revoke-${rec.claimKey}`.slice(0, 200),
        call: { name: 'identity.revokeClaim', args: { target: identity.did!, claim: rec.claim } },
        signer: this.operatorAddress(),
        requestedBy: actor,
        subject: { type: 'attestation', id: att.id },
      });
      rec.status = 'revoking';
      rec.operationId = op.id;
      ops.push(op);
    }
    if (ops.length === 0) att.status = 'completed';
    await claimsRevoked(tx, identity, att.id);
    await this.audit.append(tx, {
      actor,
      action: 'cdd.revoked',
      subjectType: 'identity',
      subjectId: identity.id,
      data: { attestationId: att.id, reason, did: identity.did, claims: claims.map((c) => c.claimKey) },
    });
    return ops;
  }

  async revoke(p: Principal, identityId: string, reason: string) {
    const { ops, identity } = await this.orm.em.fork().transactional(async (tx) => {
      // Locked: two revocations at once would both pass the check and revoke every claim twice.
      const identity = await lockRow(tx, InvestorIdentity, identityId);
      if (!identity) throw AppError.notFound('Identity', identityId);
      if (identity.standing === 'revoked') throw new AppError('CONFLICT', 'The identity is already revoked');
      return { ops: await this.revokeInTx(tx, identity, p.id, reason), identity };
    });
    for (const op of ops) await this.operations.dispatch(op);
    return { identity, ops };
  }

  /** For `KycService.onAdverseVerdict`: revoke the investor of an approved application. */
  adverse = async (tx: EntityManager, app: Application, actor: string, reason: string) => {
    const found = await tx.findOne(InvestorIdentity, { userId: app.userId }, { fields: ['id'] });
    // Locked like `revoke`, so a revocation by a reviewer at the same moment does not run twice.
    const identity = found && (await lockRow(tx, InvestorIdentity, found.id));
    if (!identity || identity.standing === 'revoked') return [];
    return this.revokeInTx(tx, identity, actor, reason);
  };
}
