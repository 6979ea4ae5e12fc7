import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Ledger, Scope } from '@stoa/chain';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { lockRow } from '../../db/locks.js';
import { AppError } from '../../errors.js';
import { chainNow } from '../../lib/chain-time.js';
import type { AuditService } from '../audit/service.js';
import type { KeyRing } from '../keys/keyring.js';
import { newCustodialKey } from '../keys/custodial.js';
import type { Principal } from '../auth/service.js';
import { Application } from '../onboarding/entity.js';
import { User } from '../auth/entity.js';
import { CAN } from '../auth/roles.js';
import type { OnboardingService } from '../onboarding/service.js';
import type { ChainOperation } from '../operations/entity.js';
import type { OperationService, RecordOperationInput } from '../operations/service.js';
import type { PolyxFunding } from '../polyx/funding.js';
import { Attestation, IdentityClaimRecord, InvestorIdentity } from '../identities/entity.js';
import { CddApproval, type ApprovalGround } from './approval.js';
import { claimsRevoked } from '../notifications/events.js';
import { notifyMany, type NotifyInput } from '../notifications/notify.js';
import { CDD_CLAIM, claimKey, plannedClaims, type ClaimPlan, type PlannedClaim } from './claims.js';

const YEAR = 365 * 86_400_000;

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

/** One application's outcome in a batch: attested (or first approval), or why not. */
export type AttestItemResult = { ok: true; result: AttestResult } | { ok: false; error: AppError };

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
    readonly polyx: PolyxFunding,
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
    // One statement, the rules' JSON looked at by PostgreSQL: an attestation does not load every
    // asset's compiled rules.
    const rows = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ chain_id: string }[]>(
        `select a.chain_id from asset_rules r join asset a on a.id = r.asset_id
          where a.chain_id is not null
            and exists (select 1 from jsonb_array_elements(coalesce(r.compiled->'stats', '[]'::jsonb)) st
                         where coalesce(st->'claimIssuer', 'null'::jsonb) not in ('null'::jsonb, 'false'::jsonb, '""'::jsonb))
          order by a.chain_id`,
      );
    return rows.map((r) => r.chain_id);
  }

  async attest(p: Principal, applicationId: string, input: AttestInput): Promise<AttestResult> {
    const [one] = await this.attestMany(p, [{ ...input, applicationId }], { together: false });
    if (!one!.ok) throw one!.error;
    return one!.result;
  }

  /**
   * Attests several applications (a CDD provider's batch): each is decided as `attest` decides
   * it, and they are recorded together — their rows read and written a table at a time in one
   * transaction, so a batch of a hundred costs about what a few single attestations cost. An
   * application that cannot be attested gets its refusal in its own result and does not hold
   * back the others. If the shared transaction fails (a concurrent change to one of them), each
   * is attested on its own.
   */
  async attestMany(
    p: Principal,
    items: (AttestInput & { applicationId: string })[],
    opts: { together?: boolean } = {},
  ): Promise<AttestItemResult[]> {
    await cryptoWaitReady();
    if (items.length === 0) return [];
    const providerDid = await this.operatorDid();
    const scoped = await this.assetsNeedingScopedClaims();
    const now = new Date();
    // Claims expire by the chain's time (ahead of the wall clock once the development clock moved).
    const chainTime = await chainNow(this.ledger);
    const plans = items.map((input) => {
      try {
        return { ok: true as const, plan: this.planOf(input, providerDid, scoped, chainTime) };
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return { ok: false as const, error };
      }
    });
    // Read before the transaction: an investor-supplied address may already have a DID on chain.
    const pre = await this.orm.em
      .fork()
      .find(
        Application,
        { id: { $in: [...new Set(items.map((i) => i.applicationId))] } },
        { fields: ['id', 'userId', 'provenAddress'] },
      );
    const chainDids = new Map<string, string | null>();
    for (const a of pre)
      if (a.provenAddress) chainDids.set(a.id, await this.ledger.identityOf(a.provenAddress));
    // Keys for the custodial accounts new identities will get, made before any row is locked:
    // none for an investor who has an identity already (a renewal) or will use a proven address.
    const preById = new Map(pre.map((a) => [a.id, a]));
    const known = new Set(
      (
        await this.orm.em
          .fork()
          .find(InvestorIdentity, { userId: { $in: pre.map((a) => a.userId) } }, { fields: ['userId'] })
      ).map((i) => i.userId),
    );
    const keys = await Promise.all(
      items.map((i) => {
        const a = preById.get(i.applicationId);
        const custodial = i.account === 'custodial' || (i.account === undefined && !a?.provenAddress);
        return a && custodial && !known.has(a.userId) ? newCustodialKey() : null;
      }),
    );
    const run = (subset: number[]) =>
      this.orm.em
        .fork()
        .transactional((tx) => this.decideAll(tx, p, subset, items, plans, chainDids, keys, now, chainTime));
    const all = items.map((_, i) => i);
    let results: AttestItemResult[];
    if (opts.together !== false && items.length > 1) {
      try {
        results = await run(all);
      } catch (err) {
        if (err instanceof AppError) throw err;
        results = [];
        for (const i of all) results.push((await run([i]))[0]!);
      }
    } else {
      results = await run(all);
    }
    for (const r of results)
      if (r.ok && r.result.kind === 'attested')
        for (const op of r.result.ops) await this.operations.dispatch(op);
    return results;
  }

  /** The claim plan of one request: expiries checked (by the chain's time `now`), scopes named. */
  private planOf(input: AttestInput, providerDid: string, scoped: string[], now: Date) {
    const scopedAssets = [...new Set([...(input.assetIds ?? []), ...scoped])];
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
      polyx: input.polyx ?? this.polyx.config.grant,
    };
    return plan;
  }

  /**
   * The decisions of a batch inside one transaction: the applications locked in one statement
   * (in id order, as every batch locks them), identities and open attestations read a table at a
   * time, each application decided in the order given, every row written at the one flush.
   */
  private async decideAll(
    tx: EntityManager,
    p: Principal,
    subset: number[],
    items: (AttestInput & { applicationId: string })[],
    plans: ({ ok: true; plan: ClaimPlan } | { ok: false; error: AppError })[],
    chainDids: Map<string, string | null>,
    keys: ({ mnemonic: string; address: string } | null)[],
    now: Date,
    chainTime: Date,
  ): Promise<AttestItemResult[]> {
    const ids = [...new Set(subset.map((i) => items[i]!.applicationId))].sort();
    const apps = await tx.find(
      Application,
      { id: { $in: ids } },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
    );
    const appById = new Map(apps.map((a) => [a.id, a]));
    const identities = await tx.find(InvestorIdentity, {
      userId: { $in: [...new Set(apps.map((a) => a.userId))] },
    });
    const identityByUser = new Map(identities.map((i) => [i.userId, i]));
    const busyRows = identities.length
      ? await tx.find(
          Attestation,
          { identityId: { $in: identities.map((i) => i.id) }, status: 'in-progress' },
          { fields: ['id', 'identityId'] },
        )
      : [];
    const busy = new Set(busyRows.map((a) => a.identityId));
    const registers: { index: number; att: Attestation; identity: InvestorIdentity; cdd: PlannedClaim }[] =
      [];
    const renewals: {
      index: number;
      att: Attestation;
      identity: InvestorIdentity;
      claims: PlannedClaim[];
    }[] = [];
    const notices: NotifyInput[] = [];
    const results = new Map<number, AttestItemResult>();
    const attested = new Map<number, { att: Attestation; identity: InvestorIdentity }>();
    const fresh = new Set<string>();

    for (const i of subset) {
      const input = items[i]!;
      const planned = plans[i]!;
      try {
        if (!planned.ok) throw planned.error;
        const plan = planned.plan;
        const app = appById.get(input.applicationId);
        if (!app) throw AppError.notFound('Application', input.applicationId);
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
        // Every refusal comes before the first write: an application refused here leaves nothing
        // behind in the batch's transaction.
        const existing = identityByUser.get(app.userId);
        if (existing && busy.has(existing.id))
          throw new AppError(
            'CONFLICT',
            'An attestation for this investor is still in progress; wait for its operations',
          );
        if (existing?.standing === 'revoked') {
          throw new AppError(
            'RULE_VIOLATION',
            `The investor's identity was revoked (${existing.standingReason ?? 'no reason'}); it cannot be re-attested`,
          );
        }
        if (!existing && input.account === 'proven-address' && !app.provenAddress) {
          throw new AppError(
            'RULE_VIOLATION',
            'The investor has not proven an address; use account "custodial" or ask them to sign a challenge',
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
          if (open.length === 0) {
            results.set(i, { ok: true, result: { kind: 'first-approval', approval, app } });
            continue;
          }
          approvals = [open[0]!, approval];
        }
        let identity = existing;
        if (!identity) {
          identity = await this.newIdentity(tx, app, input.account, keys[i] ?? null);
          tx.persist(identity);
          identityByUser.set(app.userId, identity);
          fresh.add(identity.id);
        }
        const chainDid = chainDids.get(app.id) ?? null;
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
            notices,
          );
        identity.lastAttestedAt = now;
        busy.add(identity.id);
        const cdd = { key: claimKey(CDD_CLAIM), claim: CDD_CLAIM, expiry: plan.cddExpiry };
        // Re-attestation (or an address that already has an identity): renew the CDD claim and the rest.
        if (identity.did)
          renewals.push({ index: i, att, identity, claims: [cdd, ...(att.plan.claims as PlannedClaim[])] });
        else registers.push({ index: i, att, identity, cdd });
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
        attested.set(i, { att, identity });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        results.set(i, { ok: false, error });
      }
    }

    const opsByIndex = new Map<number, ChainOperation[]>();
    // Each registration, then the account's POLYX for its own transaction fees: the operator's
    // next transaction, so it reaches the account once the registration gave it the CDD claim a
    // transfer needs.
    const inputs: RecordOperationInput[] = [];
    const grantAt = new Map<number, number>();
    registers.forEach(({ att, identity, cdd }, k) => {
      inputs.push({
        idempotencyKey: `att-${att.id}-register`,
        call: {
          name: 'identity.cddRegisterDid',
          args: { targetAccount: identity.account, cddClaim: true, expiry: cdd.expiry! },
        },
        signer: this.operatorAddress(),
        requestedBy: p.id,
        subject: { type: 'attestation', id: att.id },
      });
      const grant = this.polyx.grantInput({
        account: identity.account,
        attestationId: att.id,
        requestedBy: p.id,
        amount: String(att.plan.polyx ?? this.polyx.config.grant),
      });
      if (grant) {
        grantAt.set(k, inputs.length);
        inputs.push(grant);
      }
    });
    const recorded = await this.operations.recordMany(tx, inputs);
    const registered: ChainOperation[] = [];
    let pos = 0;
    registers.forEach((_r, k) => {
      registered.push(recorded[pos]!);
      pos += grantAt.has(k) ? 2 : 1;
    });
    const known = registers.filter((r) => !fresh.has(r.identity.id));
    const records = known.length
      ? await tx.find(IdentityClaimRecord, {
          identityId: { $in: known.map((r) => r.identity.id) },
          claimKey: claimKey(CDD_CLAIM),
        })
      : [];
    registers.forEach(({ index, att, identity, cdd }, k) => {
      // An identity created just now has no claim records to look up.
      const rec = records.find((r) => r.identityId === identity.id) ?? null;
      this.fillClaim(tx, rec, att, identity, cdd, registered[k]!.id);
      const g = grantAt.get(k);
      opsByIndex.set(index, g === undefined ? [registered[k]!] : [registered[k]!, recorded[g]!]);
    });
    const renewedOps = await this.addClaimsFor(tx, renewals);
    let at = 0;
    for (const r of renewals) {
      const ops = renewedOps.slice(at, at + r.claims.length);
      // A custodial account running low gets its fees topped up with the renewal.
      const topUp = r.identity.custodial ? await this.polyx.topUpIfLow(tx, r.identity.account, p.id) : null;
      opsByIndex.set(r.index, topUp ? [...ops, topUp] : ops);
      at += r.claims.length;
    }
    await notifyMany(tx, notices);
    for (const [i, { att, identity }] of attested)
      results.set(i, { ok: true, result: { kind: 'attested', att, identity, ops: opsByIndex.get(i) ?? [] } });
    return subset.map((i) => results.get(i)!);
  }

  private async newIdentity(
    tx: EntityManager,
    app: Application,
    mode: AttestInput['account'],
    key: { mnemonic: string; address: string } | null = null,
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
      const { mnemonic, address } = key ?? (await newCustodialKey());
      identity.account = address;
      identity.custodial = true;
      identity.keySealed = await this.keys.sealMnemonic(tx, identity.id, mnemonic);
    }
    return identity;
  }

  /** The claim's record (`rec`, or a new one) made pending on `operationId`. */
  private fillClaim(
    tx: EntityManager,
    found: IdentityClaimRecord | null,
    att: Attestation,
    identity: InvestorIdentity,
    c: PlannedClaim,
    operationId: string,
  ): IdentityClaimRecord {
    let rec = found;
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

  /**
   * Records one addClaim per planned claim (the DIDs must be known) for several attestations at
   * once: one read of the idempotency keys, one of the claim records, the rows inserted together
   * at the next flush. Operations in the given order.
   */
  async addClaimsFor(
    tx: EntityManager,
    items: { att: Attestation; identity: InvestorIdentity; claims: PlannedClaim[] }[],
  ): Promise<ChainOperation[]> {
    const planned = items.flatMap(({ att, identity, claims }) => claims.map((c) => ({ att, identity, c })));
    if (planned.length === 0) return [];
    const ops = await this.operations.recordMany(
      tx,
      planned.map(({ att, identity, c }) => ({
        idempotencyKey: `att-${att.id}-claim-${c.key}`.slice(0, 200),
        call: {
          name: 'identity.addClaim',
          args: { target: identity.did!, claim: c.claim, ...(c.expiry ? { expiry: c.expiry } : {}) },
        },
        signer: this.operatorAddress(),
        requestedBy: att.requestedBy,
        subject: { type: 'attestation', id: att.id },
      })),
    );
    const records = await tx.find(IdentityClaimRecord, {
      identityId: { $in: [...new Set(items.map((i) => i.identity.id))] },
    });
    const byKey = new Map(records.map((r) => [`${r.identityId} ${r.claimKey}`, r]));
    planned.forEach(({ att, identity, c }, i) => {
      const key = `${identity.id} ${c.key}`;
      byKey.set(key, this.fillClaim(tx, byKey.get(key) ?? null, att, identity, c, ops[i]!.id));
    });
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
