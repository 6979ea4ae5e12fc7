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
import type { AuditService } from '../audit/service.js';
import type { KeyRing } from '../keys/keyring.js';
import type { Principal } from '../auth/service.js';
import { Application } from '../onboarding/entity.js';
import type { OnboardingService } from '../onboarding/service.js';
import type { ChainOperation } from '../operations/entity.js';
import type { OperationService } from '../operations/service.js';
import { Attestation, IdentityClaimRecord, InvestorIdentity } from '../identities/entity.js';
import { Asset } from '../assets/entity.js';
import { AssetRules } from '../compliance/entity.js';
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

  async attest(p: Principal, applicationId: string, input: AttestInput) {
    await cryptoWaitReady();
    const providerDid = await this.operatorDid();
    const scopedAssets = [
      ...new Set([...(input.assetIds ?? []), ...(await this.assetsNeedingScopedClaims())]),
    ];
    const now = new Date();
    const future = (v: string | undefined, name: string) => {
      const d = v ? new Date(v) : new Date(now.getTime() + YEAR);
      if (d <= now) throw new AppError('VALIDATION_FAILED', `${name} must be in the future`);
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
      if (app.kycStatus !== 'green') {
        throw new AppError(
          'RULE_VIOLATION',
          `KYC verdict is ${app.kycStatus}; only a GREEN verdict can be attested`,
        );
      }
      if (app.screening?.sanctionsHit) {
        throw new AppError(
          'RULE_VIOLATION',
          'Sanctions screening reported a hit; this investor cannot be attested',
        );
      }
      if (app.status !== 'in-review' && app.status !== 'approved') {
        throw new AppError(
          'RULE_VIOLATION',
          `The application is ${app.status}; attest applications that are in-review (or approved, to renew)`,
        );
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
      att.plan = { ...plan, claims: plannedClaims(app, plan, now) };
      tx.persist(att);
      if (app.status === 'in-review')
        await this.onboarding.transition(tx, app, 'approved', p.id, 'Attested by the CDD provider');
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
      return { att, identity, ops };
    });
    for (const op of result.ops) await this.operations.dispatch(op);
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
    await claimsRevoked(tx, identity, att.id, actor, reason);
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
