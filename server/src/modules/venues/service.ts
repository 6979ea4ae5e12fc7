import { createHash } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { chainErrorText, type Ledger, type LedgerCall } from '@stoa/chain';
import { lockRow, retryOnDeadlock } from '../../db/locks.js';
import { AppError } from '../../errors.js';
import { chainNow } from '../../lib/chain-time.js';
import { formatAmount } from '../../lib/format.js';
import { canonicalAmount, fromUnits, mulUnits, toUnits } from '../../lib/units.js';
import { Asset, Issuer } from '../assets/entity.js';
import type { AuditService } from '../audit/service.js';
import { canonicalJson } from '../audit/service.js';
import { User } from '../auth/entity.js';
import type { Principal } from '../auth/service.js';
import type { TransferCheckService } from '../compliance/checks.js';
import { present } from '../compliance/policy.js';
import type { Reason } from '../compliance/reasons.js';
import { InvestorIdentity } from '../identities/entity.js';
import { ownIdentity } from '../identities/directory.js';
import { Offering } from '../offerings/entity.js';
import { ChainOperation } from '../operations/entity.js';
import type { OperationService } from '../operations/service.js';
import { Settlement } from '../settlements/entity.js';
import type { SettlementService } from '../settlements/service.js';
import type { WebhookDelivery } from '../webhooks/entity.js';
import { newWebhookSecret } from '../webhooks/signature.js';
import type { WebhookService } from '../webhooks/service.js';
import {
  AssetTrading,
  Venue,
  VenueApproval,
  VenueAuthorisation,
  VenueTrade,
  type TradingWindow,
  type VenueChainType,
} from './entity.js';
import type { TradingVenues } from './ports.js';
import { insideWindow, localTime, windowProblem } from './window.js';

export const PLATFORM_ATS_NAME = 'Stoa ATS';
const ATS_CREATE_KEY = 'venue-create:platform-ats';
/** Most pairs one batch pre-trade check takes. */
export const MAX_PRETRADE_PAIRS = 1000;

export interface RegisterVenueInput {
  name: string;
  venueType: VenueChainType;
  organisation: string;
  /** E-mail of the venue-operator user whose API keys act for the venue. */
  operatorEmail: string;
  signers?: string[];
}

export interface TradeInput {
  tradeId: string;
  assetId: string;
  seller: string;
  buyer: string;
  quantity: string;
  price: string;
  paymentAssetId?: string;
}

export interface PretradePair {
  assetId: string;
  from: string;
  to: string;
  amount: string;
}

type Ops = (ChainOperation | null | undefined)[];
const only = (ops: Ops): ChainOperation[] => ops.filter((o): o is ChainOperation => !!o);

/**
 * The venue registry (the platform ATS and licensed external venues, all created on chain by the
 * operator through the outbox), the issuer's approvals per asset (venue filtering on chain),
 * trading halts and windows, and the trades external venues submit for settlement.
 */
export class VenueService implements TradingVenues {
  /** The platform stablecoin's id, which trades are priced in unless they name another. */
  defaultPaymentAsset: (em: EntityManager) => Promise<string | null> = async () => null;
  /** Webhook URLs must be https (production): signed or not, outcomes do not travel in clear. */
  httpsWebhooksOnly = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly operations: OperationService,
    private readonly audit: AuditService,
    private readonly settlements: SettlementService,
    private readonly checks: TransferCheckService,
    readonly webhooks: WebhookService,
    private readonly operatorAddress: () => string,
  ) {
    operations.onFinal('venue', (tx, op) => this.onVenueOperation(tx, op));
    operations.onFinal('venue-approval', (tx, op) => this.onApprovalOperation(tx, op));
    operations.onFinal('asset', (tx, op) => this.onAssetCreated(tx, op));
    operations.onFinal('offering', (tx, op) => this.onOfferingVenue(tx, op));
    operations.onFinal('settlement', (tx, op) => this.onSettlementOperation(tx, op));
  }

  // ---------------------------------------------------------------- registry

  async list(em: EntityManager): Promise<Venue[]> {
    return em.find(Venue, {}, { orderBy: { kind: 'desc', name: 'asc' } });
  }

  async get(em: EntityManager, id: string): Promise<Venue> {
    const v = await em.findOne(Venue, { id });
    if (!v) throw AppError.notFound('Venue', id);
    return v;
  }

  /** An external venue, created on chain by the operator (the venue's signers given). */
  async register(input: RegisterVenueInput, actor: string): Promise<{ venue: Venue; op: ChainOperation }> {
    const out = await this.orm.em.fork().transactional(async (tx) => {
      if (await tx.findOne(Venue, { name: input.name }))
        throw new AppError('CONFLICT', `A venue named "${input.name}" already exists; choose another name`);
      const user = await tx.findOne(User, { email: input.operatorEmail.toLowerCase() });
      if (!user)
        throw new AppError(
          'RULE_VIOLATION',
          `No user has the e-mail address ${input.operatorEmail}; create the venue operator's account first`,
        );
      if (!user.roles.includes('venue-operator'))
        throw new AppError(
          'RULE_VIOLATION',
          `${input.operatorEmail} does not hold the venue-operator role; give it to them on the Users page first`,
        );
      if (await tx.findOne(Venue, { operatorUserId: user.id }))
        throw new AppError('CONFLICT', `${input.operatorEmail} already operates another venue`);
      const venue = new Venue();
      Object.assign(venue, {
        name: input.name,
        kind: 'external',
        venueType: input.venueType,
        organisation: input.organisation,
        operatorUserId: user.id,
        signers: [...new Set(input.signers ?? [])],
        registeredBy: actor,
      });
      tx.persist(venue);
      const op = await this.createOnChain(tx, venue, `venue-create:${venue.id}`, actor);
      await this.audit.append(tx, {
        actor,
        action: 'venue.registered',
        subjectType: 'venue',
        subjectId: venue.id,
        data: {
          name: venue.name,
          organisation: venue.organisation,
          venueType: venue.venueType,
          operator: input.operatorEmail,
          signers: venue.signers,
        },
      });
      return { venue, op };
    });
    await this.operations.dispatch(out.op);
    return out;
  }

  private createOnChain(
    tx: EntityManager,
    venue: Venue,
    key: string,
    actor: string,
  ): Promise<ChainOperation> {
    return this.operations.record(tx, {
      idempotencyKey: key,
      call: {
        name: 'settlement.createVenue',
        args: {
          details: venue.name,
          type: venue.venueType,
          ...(venue.signers.length > 0 ? { signers: venue.signers } : {}),
        },
      },
      signer: this.operatorAddress(),
      requestedBy: actor,
      subject: { type: 'venue', id: venue.id },
    });
  }

  /** The platform ATS row, created (and its chain venue recorded) on first use in `tx`. */
  private async ensureAts(tx: EntityManager): Promise<{ venue: Venue; op: ChainOperation | null }> {
    const found = await tx.findOne(Venue, { kind: 'platform-ats' });
    if (found) return { venue: found, op: null };
    const venue = new Venue();
    Object.assign(venue, {
      name: PLATFORM_ATS_NAME,
      kind: 'platform-ats',
      venueType: 'Exchange',
      registeredBy: 'system',
    });
    tx.persist(venue);
    const op = await this.createOnChain(tx, venue, ATS_CREATE_KEY, 'system');
    await this.audit.append(tx, {
      actor: 'system',
      action: 'venue.registered',
      subjectType: 'venue',
      subjectId: venue.id,
      data: { name: venue.name, kind: venue.kind, venueType: venue.venueType },
    });
    return { venue, op };
  }

  /** TradingVenues: the platform ATS's chain venue id (created through the outbox on first use). */
  async atsVenue(em: EntityManager): Promise<number> {
    const found = await em.findOne(Venue, { kind: 'platform-ats' });
    if (found?.chainVenueId != null) return found.chainVenueId;
    if (found?.status === 'failed')
      throw new AppError(
        'CONFLICT',
        `The platform ATS could not be created on chain (${found.error ?? 'refused'})`,
      );
    if (!found) {
      const { op } = await this.orm.em.fork().transactional((tx) => this.ensureAts(tx));
      if (op) await this.operations.dispatch(op);
    }
    throw new AppError('CONFLICT', 'The platform ATS is being set up on chain; try again in a minute');
  }

  /** Replaces the venue's signers on chain (`updateVenueSigners`, one add and one removal). */
  async setSigners(
    id: string,
    signers: string[],
    actor: string,
  ): Promise<{ venue: Venue; ops: ChainOperation[] }> {
    const out = await this.orm.em.fork().transactional(async (tx) => {
      const venue = await lockRow(tx, Venue, id);
      if (!venue) throw AppError.notFound('Venue', id);
      if (venue.chainVenueId === null)
        throw new AppError(
          'CONFLICT',
          `Venue ${venue.name} is not on chain yet; change its signers once it is`,
        );
      const want = [...new Set(signers)];
      const add = want.filter((s) => !venue.signers.includes(s));
      const remove = venue.signers.filter((s) => !want.includes(s));
      const n = await tx.count(ChainOperation, { subjectType: 'venue', subjectId: venue.id });
      const ops: ChainOperation[] = [];
      for (const [list, isAdd] of [
        [add, true],
        [remove, false],
      ] as const) {
        if (list.length === 0) continue;
        ops.push(
          await this.operations.record(tx, {
            idempotencyKey: `venue-signers:${venue.id}:${n + ops.length}`,
            call: {
              name: 'settlement.updateVenueSigners',
              args: { venueId: venue.chainVenueId, signers: list, add: isAdd },
            },
            signer: this.operatorAddress(),
            requestedBy: actor,
            subject: { type: 'venue', id: venue.id },
          }),
        );
      }
      venue.signers = want;
      await this.audit.append(tx, {
        actor,
        action: 'venue.signers-changed',
        subjectType: 'venue',
        subjectId: venue.id,
        data: { added: add, removed: remove },
      });
      return { venue, ops };
    });
    for (const op of out.ops) await this.operations.dispatch(op);
    return out;
  }

  // ---------------------------------------------------------------- approvals per asset

  private async assetAndIssuer(tx: EntityManager, assetId: string) {
    const asset = await lockRow(tx, Asset, assetId);
    if (!asset) throw AppError.notFound('Asset', assetId);
    if (asset.status !== 'active' || !asset.chainId)
      throw new AppError(
        'CONFLICT',
        `Asset ${asset.name} is not on chain yet; wait until its creation is final`,
      );
    const issuer = await tx.findOneOrFail(Issuer, { id: asset.issuerId });
    return { asset: asset as Asset & { chainId: string }, issuer };
  }

  private async tradingRow(tx: EntityManager, assetId: string, lock = false): Promise<AssetTrading> {
    const found = await tx.findOne(
      AssetTrading,
      { assetId },
      lock ? { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true } : {},
    );
    if (found) return found;
    const t = new AssetTrading();
    t.assetId = assetId;
    tx.persist(t);
    return t;
  }

  /**
   * Venue filtering on for the asset, once: from then on only allowed venues settle it. Offering
   * venues the asset already has are allowed with it (its primary offerings keep settling).
   */
  private async ensureFiltering(
    tx: EntityManager,
    asset: Asset & { chainId: string },
    issuer: Issuer,
    trading: AssetTrading,
    actor: string,
  ): Promise<ChainOperation[]> {
    if (trading.filteringOperationId) return [];
    const op = await this.operations.record(tx, {
      idempotencyKey: `venue-filtering:${asset.id}`,
      call: { name: 'settlement.setVenueFiltering', args: { assetId: asset.chainId, enabled: true } },
      signer: issuer.account,
      requestedBy: actor,
      subject: { type: 'asset-trading', id: trading.id },
    });
    trading.filteringOperationId = op.id;
    const offerings = await tx.find(Offering, { assetId: asset.id, venueId: { $ne: null } });
    const venues = [...new Set(offerings.map((o) => o.venueId!))];
    const ops = [op];
    if (venues.length > 0)
      ops.push(
        await this.operations.record(tx, {
          idempotencyKey: `venue-filtering:${asset.id}:offerings`,
          call: { name: 'settlement.allowVenues', args: { assetId: asset.chainId, venues } },
          signer: issuer.account,
          requestedBy: actor,
          subject: { type: 'asset-trading', id: trading.id },
        }),
      );
    return ops;
  }

  /**
   * Records the decision and, when the venue is on chain, the allow / disallow. An approval of a
   * venue still being created waits for it (the venue's creation hook allows it).
   */
  private async decide(
    tx: EntityManager,
    asset: Asset & { chainId: string },
    issuer: Issuer,
    venue: Venue,
    approved: boolean,
    actor: string,
    reason: string | null,
  ): Promise<{ approval: VenueApproval; op: ChainOperation | null }> {
    let approval = await tx.findOne(VenueApproval, { assetId: asset.id, venueId: venue.id });
    if (approval && approval.approved === approved) return { approval, op: null }; // Nothing changes: approving an approved venue again is a no-op.
    if (!approval) {
      if (!approved)
        throw new AppError(
          'CONFLICT',
          `Venue ${venue.name} is not approved for ${asset.name}; there is nothing to revoke`,
        );
      approval = new VenueApproval();
      approval.assetId = asset.id;
      approval.venueId = venue.id;
      tx.persist(approval);
    }
    approval.approved = approved;
    approval.decidedBy = actor;
    approval.reason = reason;
    let op: ChainOperation | null = null;
    if (venue.chainVenueId !== null) {
      const n = await tx.count(ChainOperation, { subjectType: 'venue-approval', subjectId: approval.id });
      op = await this.operations.record(tx, {
        idempotencyKey: `venue-approval:${approval.id}:${n}`,
        call: {
          name: approved ? 'settlement.allowVenues' : 'settlement.disallowVenues',
          args: { assetId: asset.chainId, venues: [venue.chainVenueId] },
        },
        signer: issuer.account,
        requestedBy: actor,
        subject: { type: 'venue-approval', id: approval.id },
      });
      approval.onChain = false;
    } else {
      // Not on chain yet: nothing to disallow; an approval is sent once the venue exists.
      approval.onChain = !approved;
    }
    approval.operationId = op?.id ?? null;
    await this.audit.append(tx, {
      actor,
      action: approved ? 'venue.approved' : 'venue.revoked',
      subjectType: 'asset',
      subjectId: asset.id,
      data: { venue: venue.name, venueId: venue.id, chainVenueId: venue.chainVenueId, reason },
    });
    return { approval, op };
  }

  /** The issuer approves or revokes a venue for an asset. */
  async setApproval(
    assetId: string,
    venueId: string,
    approved: boolean,
    actor: string,
    reason?: string,
  ): Promise<VenueApproval> {
    const out = await retryOnDeadlock(() =>
      this.orm.em.fork().transactional(async (tx) => {
        const { asset, issuer } = await this.assetAndIssuer(tx, assetId);
        const venue = await tx.findOne(Venue, { id: venueId });
        if (!venue) throw AppError.notFound('Venue', venueId);
        if (venue.status === 'failed')
          throw new AppError(
            'CONFLICT',
            `Venue ${venue.name} could not be created on chain; it cannot be approved`,
          );
        const trading = await this.tradingRow(tx, asset.id, true);
        const ops = await this.ensureFiltering(tx, asset, issuer, trading, actor);
        const { approval, op } = await this.decide(tx, asset, issuer, venue, approved, actor, reason ?? null);
        return { approval, ops: only([...ops, op]) };
      }),
    );
    for (const op of out.ops) await this.operations.dispatch(op);
    return out.approval;
  }

  /** Every venue with its approval for the asset, and what a revocation would touch. */
  async forAsset(em: EntityManager, assetId: string) {
    const asset = await em.findOne(Asset, { id: assetId });
    if (!asset) throw AppError.notFound('Asset', assetId);
    const [venues, approvals, trading, pending] = await Promise.all([
      this.list(em),
      em.find(VenueApproval, { assetId }),
      em.findOne(AssetTrading, { assetId }),
      em.find(VenueTrade, { assetId, status: 'pending' }, { fields: ['venueId'] }),
    ]);
    return {
      asset,
      trading,
      venues: venues.map((venue) => {
        const a = approvals.find((x) => x.venueId === venue.id) ?? null;
        return {
          venue,
          approval: a,
          pendingTrades: pending.filter((t) => t.venueId === venue.id).length,
        };
      }),
    };
  }

  // ---------------------------------------------------------------- halts and windows

  async halt(assetId: string, reason: string, actor: string): Promise<AssetTrading> {
    return this.changeTrading(assetId, actor, 'trading.halted', (t) => {
      if (t.halted)
        throw new AppError('CONFLICT', `Trading is already halted (${t.haltReason ?? 'no reason given'})`);
      t.halted = true;
      t.haltReason = reason;
      t.haltedBy = actor;
      t.haltedAt = new Date();
      return { reason };
    });
  }

  async resume(assetId: string, actor: string): Promise<AssetTrading> {
    return this.changeTrading(assetId, actor, 'trading.resumed', (t) => {
      if (!t.halted) throw new AppError('CONFLICT', 'Trading is not halted; there is nothing to resume');
      const was = t.haltReason;
      t.halted = false;
      t.haltReason = null;
      t.haltedBy = null;
      t.haltedAt = null;
      return { haltedFor: was };
    });
  }

  async setWindow(assetId: string, window: TradingWindow | null, actor: string): Promise<AssetTrading> {
    if (window) {
      const problem = windowProblem(window);
      if (problem) throw new AppError('VALIDATION_FAILED', problem);
    }
    return this.changeTrading(assetId, actor, 'trading.window-set', (t) => {
      const before = t.window;
      t.window = window;
      return { before, after: window };
    });
  }

  private async changeTrading(
    assetId: string,
    actor: string,
    action: string,
    change: (t: AssetTrading) => Record<string, unknown>,
  ): Promise<AssetTrading> {
    return retryOnDeadlock(() =>
      this.orm.em.fork().transactional(async (tx) => {
        const asset = await lockRow(tx, Asset, assetId);
        if (!asset) throw AppError.notFound('Asset', assetId);
        const t = await this.tradingRow(tx, asset.id, true);
        const data = change(t);
        await this.audit.append(tx, { actor, action, subjectType: 'asset', subjectId: asset.id, data });
        return t;
      }),
    );
  }

  /** TradingVenues: refuses (409, in words) a trade that may not settle at this venue now. */
  async assertOpen(em: EntityManager, assetId: string, chainVenueId: number): Promise<void> {
    const refusal = await this.whyClosed(em, assetId, chainVenueId);
    if (refusal) throw new AppError('CONFLICT', refusal);
  }

  /** Why the asset may not trade at the venue now, or null. */
  async whyClosed(em: EntityManager, assetId: string, chainVenueId: number): Promise<string | null> {
    const [asset, trading, venue] = await Promise.all([
      em.findOne(Asset, { id: assetId }),
      em.findOne(AssetTrading, { assetId }),
      em.findOne(Venue, { chainVenueId }),
    ]);
    if (!asset) return `Asset ${assetId} does not exist`;
    if (trading?.halted)
      return `Trading in ${asset.name} is halted: ${trading.haltReason ?? 'no reason given'}. It resumes when the issuer or its compliance officer lifts the halt.`;
    if (trading?.window) {
      const now = await chainNow(this.ledger);
      if (!insideWindow(trading.window, now)) {
        const w = trading.window;
        return `${asset.name} trades from ${w.start} to ${w.end} (${w.timeZone} time); it is ${localTime(now, w.timeZone)} there now.`;
      }
    }
    if (!venue) return `Chain venue ${chainVenueId} is not a venue registered with the platform`;
    const approval = await em.findOne(VenueApproval, { assetId, venueId: venue.id });
    if (!approval?.approved) return `${venue.name} is not approved by the issuer to settle ${asset.name}.`;
    if (!approval.onChain)
      return `${venue.name}'s approval for ${asset.name} is still being recorded on chain; try again in a minute.`;
    return null;
  }

  // ---------------------------------------------------------------- investor authorisations

  async investorVenues(em: EntityManager, principal: Principal) {
    const identity = await ownIdentity(em, principal);
    const venues = await em.find(Venue, { kind: 'external', status: 'active' }, { orderBy: { name: 'asc' } });
    const mine = identity ? await em.find(VenueAuthorisation, { identityId: identity.id, active: true }) : [];
    return venues.map((venue) => ({
      venue,
      authorised: mine.some((a) => a.venueId === venue.id),
      since: mine.find((a) => a.venueId === venue.id)?.updatedAt ?? null,
    }));
  }

  async setAuthorisation(
    principal: Principal,
    venueId: string,
    authorised: boolean,
  ): Promise<VenueAuthorisation> {
    return this.orm.em.fork().transactional(async (tx) => {
      const identity = await ownIdentity(tx, principal);
      if (!identity?.did)
        throw new AppError(
          'RULE_VIOLATION',
          'You can let venues settle for you once your identity is on chain',
        );
      if (!identity.custodial)
        throw new AppError(
          'RULE_VIOLATION',
          'You hold your own key: the platform cannot affirm for you; affirm each trade yourself',
        );
      const venue = await tx.findOne(Venue, { id: venueId, kind: 'external' });
      if (!venue) throw AppError.notFound('Venue', venueId);
      let a = await tx.findOne(VenueAuthorisation, { identityId: identity.id, venueId });
      if (!a) {
        if (!authorised) throw new AppError('CONFLICT', `${venue.name} may not settle for you already`);
        a = new VenueAuthorisation();
        a.identityId = identity.id;
        a.venueId = venue.id;
        tx.persist(a);
      } else if (a.active === authorised) {
        throw new AppError(
          'CONFLICT',
          authorised
            ? `${venue.name} may already settle for you`
            : `${venue.name} may not settle for you already`,
        );
      }
      a.active = authorised;
      a.changedBy = principal.id;
      await this.audit.append(tx, {
        actor: principal.id,
        action: authorised ? 'venue.authorisation-granted' : 'venue.authorisation-withdrawn',
        subjectType: 'investor_identity',
        subjectId: identity.id,
        data: { venue: venue.name, venueId: venue.id },
      });
      return a;
    });
  }

  // ---------------------------------------------------------------- the external venue API

  /** The venue a venue-operator principal acts for. */
  async ownVenue(em: EntityManager, principal: Principal): Promise<Venue> {
    const venue = principal.userId ? await em.findOne(Venue, { operatorUserId: principal.userId }) : null;
    if (!venue)
      throw new AppError(
        'FORBIDDEN',
        'This API is for venue operators: use an API key of the account that operates your venue',
      );
    return venue;
  }

  private activeChainId(venue: Venue): number {
    if (venue.status !== 'active' || venue.chainVenueId === null)
      throw new AppError(
        'CONFLICT',
        venue.status === 'failed'
          ? `${venue.name} could not be created on chain; ask the platform operator`
          : `${venue.name} is still being created on chain; try again in a minute`,
      );
    return venue.chainVenueId;
  }

  /**
   * Up to 1,000 transfers checked at once with every reason: the receivers' facts in one query,
   * each asset's rules from the check cache, the chain asked per pair. The venue's own standing
   * for the asset (approved, halted, window) is one more reason.
   */
  async pretrade(principal: Principal, pairs: PretradePair[]) {
    if (pairs.length > MAX_PRETRADE_PAIRS)
      throw new AppError(
        'VALIDATION_FAILED',
        `At most ${formatAmount(String(MAX_PRETRADE_PAIRS))} pairs can be checked in one call; you sent ${formatAmount(String(pairs.length))}. Split them into several calls.`,
      );
    const em = this.orm.em.fork();
    const venue = await this.ownVenue(em, principal);
    const chainVenueId = this.activeChainId(venue);
    const facts = await this.checks.receivers(
      em,
      pairs.map((p) => p.to),
    );
    const closed = new Map<string, string | null>();
    const out: { index: number; allowed: boolean; reasons: Reason[] }[] = [];
    for (const [index, p] of pairs.entries()) {
      if (!closed.has(p.assetId)) closed.set(p.assetId, await this.whyClosed(em, p.assetId, chainVenueId));
      const why = closed.get(p.assetId)!;
      if (why?.startsWith(`Asset ${p.assetId} does not exist`)) {
        out.push({
          index,
          allowed: false,
          reasons: [{ rule: 'asset', message: 'There is no such asset on the platform' }],
        });
        continue;
      }
      const reasons: Reason[] = why ? [{ rule: 'venue', message: why }] : [];
      if (p.from === p.to)
        reasons.push({ rule: 'parties', message: 'The seller and the buyer are the same identity' });
      else {
        const report = await this.checks.check(
          em,
          p.assetId,
          { from: { did: p.from }, to: { did: p.to }, amount: p.amount },
          facts.get(p.to),
        );
        reasons.push(...present(report, { kind: 'staff' }).reasons);
      }
      out.push({ index, allowed: reasons.length === 0, reasons });
    }
    return out;
  }

  private tradeHash(t: Required<TradeInput>): string {
    return createHash('sha256')
      .update(
        canonicalJson({
          assetId: t.assetId,
          paymentAssetId: t.paymentAssetId,
          seller: t.seller,
          buyer: t.buyer,
          quantity: canonicalAmount(t.quantity),
          price: canonicalAmount(t.price),
        }),
      )
      .digest('hex');
  }

  /**
   * A matched trade → one instruction at the venue (token leg seller → buyer, payment leg
   * buyer → seller). Idempotent by the venue's trade id: the same id with the same terms answers
   * with the first trade; with other terms it is refused. Under the venue's row lock, so
   * concurrent submissions of one id record one instruction.
   */
  async submitTrade(
    principal: Principal,
    input: TradeInput,
  ): Promise<{ trade: VenueTrade; created: boolean }> {
    const em = this.orm.em.fork();
    const paymentAssetId = input.paymentAssetId ?? (await this.defaultPaymentAsset(em));
    if (!paymentAssetId)
      throw new AppError(
        'RULE_VIOLATION',
        'The platform stablecoin is not set up yet; name the paymentAssetId to settle in',
      );
    if (input.seller === input.buyer)
      throw new AppError('VALIDATION_FAILED', 'The seller and the buyer are the same identity');
    const full = { ...input, paymentAssetId };
    const hash = this.tradeHash(full);
    const value = mulUnits(toUnits(input.quantity), toUnits(input.price));
    if (value === 0n)
      throw new AppError(
        'VALIDATION_FAILED',
        'The trade is worth nothing: give a price and quantity above zero',
      );
    const out = await retryOnDeadlock(() =>
      this.orm.em.fork().transactional(async (tx) => {
        const mine = await this.ownVenue(tx, principal);
        const venue = (await lockRow(tx, Venue, mine.id))!;
        const earlier = await tx.findOne(VenueTrade, { venueId: venue.id, tradeId: input.tradeId });
        if (earlier) {
          if (earlier.contentHash !== hash)
            throw new AppError(
              'CONFLICT',
              `Trade ${input.tradeId} was already submitted with other terms (${formatAmount(canonicalAmount(earlier.quantity))} at ${formatAmount(canonicalAmount(earlier.price))}); a new trade needs a new trade id`,
            );
          return { trade: earlier, op: null, created: false };
        }
        const chainVenueId = this.activeChainId(venue);
        if (!(await tx.findOne(Asset, { id: input.assetId }, { fields: ['id'] })))
          throw new AppError('NOT_FOUND', `There is no asset ${input.assetId} on the platform`);
        await this.assertOpen(tx, input.assetId, chainVenueId);
        const payment = await tx.findOne(Asset, { id: paymentAssetId });
        if (!payment?.chainId)
          throw new AppError('RULE_VIOLATION', `Payment asset ${paymentAssetId} is not on chain`);
        const legs = [
          {
            assetId: input.assetId,
            from: input.seller,
            to: input.buyer,
            amount: canonicalAmount(input.quantity),
          },
          { assetId: paymentAssetId, from: input.buyer, to: input.seller, amount: fromUnits(value) },
        ];
        const facts = await this.checks.receivers(tx, [input.buyer, input.seller]);
        const reasons: Reason[] = [];
        for (const l of legs) {
          const report = await this.checks.check(
            tx,
            l.assetId,
            { from: { did: l.from }, to: { did: l.to }, amount: l.amount },
            facts.get(l.to),
          );
          const side = l.assetId === input.assetId ? 'the tokens' : 'the payment';
          reasons.push(
            ...present(report, { kind: 'staff' }).reasons.map((r) => ({
              ...r,
              message: `${side}: ${r.message}`,
            })),
          );
        }
        if (reasons.length > 0)
          throw new AppError(
            'RULE_VIOLATION',
            `The trade is refused: ${reasons.map((r) => r.message).join('; ')}`,
            { reasons },
          );
        const { settlement, op } = await this.settlements.record(
          tx,
          {
            venueId: chainVenueId,
            settlementType: { type: 'SettleOnAffirmation' },
            legs: legs.map((l) => ({
              type: 'Fungible' as const,
              from: { did: l.from },
              to: { did: l.to },
              assetId: l.assetId,
              amount: l.amount,
            })),
            ...(Buffer.byteLength(input.tradeId) <= 32 ? { memo: input.tradeId } : {}),
            purpose: `venue trade ${venue.name}`.slice(0, 100),
          },
          principal.id,
          `venue-trade:${venue.id}:${input.tradeId}`,
        );
        const trade = new VenueTrade();
        Object.assign(trade, {
          venueId: venue.id,
          tradeId: input.tradeId,
          contentHash: hash,
          assetId: input.assetId,
          paymentAssetId,
          sellerDid: input.seller,
          buyerDid: input.buyer,
          quantity: canonicalAmount(input.quantity),
          price: canonicalAmount(input.price),
          settlementId: settlement.id,
          submittedBy: principal.id,
        });
        tx.persist(trade);
        await this.audit.append(tx, {
          actor: principal.id,
          action: 'venue.trade-submitted',
          subjectType: 'venue_trade',
          subjectId: trade.id,
          data: { venue: venue.name, tradeId: input.tradeId, legs, settlementId: settlement.id },
        });
        return { trade, op, created: true };
      }),
    );
    if (out.op) await this.operations.dispatch(out.op);
    return { trade: out.trade, created: out.created };
  }

  async trade(principal: Principal, tradeId: string): Promise<VenueTrade> {
    const em = this.orm.em.fork();
    const venue = await this.ownVenue(em, principal);
    const t = await em.findOne(VenueTrade, { venueId: venue.id, tradeId });
    if (!t) throw new AppError('NOT_FOUND', `Your venue submitted no trade with id ${tradeId}`);
    if (t.status === 'pending') return (await this.reconcile(t.id)) ?? t;
    return t;
  }

  /** Which parties still have to affirm a pending trade (in the portal), by the chain. */
  async awaiting(em: EntityManager, t: VenueTrade): Promise<('seller' | 'buyer')[]> {
    if (t.status !== 'pending') return [];
    const s = await em.findOne(Settlement, { id: t.settlementId });
    if (s?.instructionId == null) return [];
    const chain = await this.ledger.instruction(s.instructionId);
    const waiting = new Set(
      (chain?.affirmations ?? []).filter((a) => a.status !== 'Affirmed').map((a) => a.portfolio.did),
    );
    return [
      ...(waiting.has(t.sellerDid) ? (['seller'] as const) : []),
      ...(waiting.has(t.buyerDid) ? (['buyer'] as const) : []),
    ];
  }

  async instructionOf(em: EntityManager, t: VenueTrade): Promise<number | null> {
    return (
      (await em.findOne(Settlement, { id: t.settlementId }, { fields: ['instructionId'] }))?.instructionId ??
      null
    );
  }

  /** Looks at a pending trade's instruction on chain; settled or failed → recorded, webhook queued. */
  async reconcile(tradeId: string): Promise<VenueTrade | null> {
    const out = await retryOnDeadlock(() =>
      this.orm.em.fork().transactional(async (tx) => {
        const t = await lockRow(tx, VenueTrade, tradeId);
        if (!t || t.status !== 'pending') return { t, d: null };
        const s = await tx.findOne(Settlement, { id: t.settlementId });
        if (s?.instructionId == null) return { t, d: null };
        return { t, d: await this.checkOutcome(tx, t, s.instructionId) };
      }),
    );
    await this.webhooks.queued([out.d]);
    return out.t;
  }

  /** Moves every pending trade whose instruction finished on chain (the sweep timer). */
  async reconcilePending(): Promise<void> {
    const pending = await this.orm.em.fork().find(VenueTrade, { status: 'pending' }, { fields: ['id'] });
    for (const t of pending) await this.reconcile(t.id);
  }

  private async checkOutcome(
    tx: EntityManager,
    t: VenueTrade,
    instructionId: number,
  ): Promise<WebhookDelivery | null> {
    const status = await this.ledger.instructionStatus(instructionId);
    if (!status || status.type === 'Pending') return null;
    if (status.type === 'Success') {
      t.status = 'settled';
      t.settledAt = new Date();
    } else {
      t.status = 'failed';
      t.failureReason =
        status.type === 'Rejected'
          ? 'A party rejected the settlement instruction; nothing moved.'
          : await this.explainFailure(tx, t);
    }
    return this.outcome(tx, t, instructionId);
  }

  /** Why an instruction failed at execution: the transfer rules as they stand now, in words. */
  private async explainFailure(tx: EntityManager, t: VenueTrade): Promise<string> {
    const value = fromUnits(mulUnits(toUnits(t.quantity), toUnits(t.price)));
    const reasons: string[] = [];
    for (const [assetId, from, to, amount] of [
      [t.assetId, t.sellerDid, t.buyerDid, t.quantity],
      [t.paymentAssetId, t.buyerDid, t.sellerDid, value],
    ] as const) {
      const report = await this.checks.check(tx, assetId, { from: { did: from }, to: { did: to }, amount });
      reasons.push(...present(report, { kind: 'staff' }).reasons.map((r) => r.message));
    }
    return reasons.length > 0
      ? `The chain could not execute the settlement: ${reasons.join('; ')}. Nothing moved.`
      : 'The chain could not execute the settlement; nothing moved.';
  }

  /** The trade's final outcome: audited, and a webhook for the venue in the same transaction. */
  private async outcome(
    tx: EntityManager,
    t: VenueTrade,
    instructionId: number | null,
  ): Promise<WebhookDelivery | null> {
    await this.audit.append(tx, {
      actor: 'system',
      action: t.status === 'settled' ? 'venue.trade-settled' : 'venue.trade-failed',
      subjectType: 'venue_trade',
      subjectId: t.id,
      data: { tradeId: t.tradeId, instructionId, failureReason: t.failureReason },
    });
    return this.webhooks.record(tx, t.venueId, `trade.${t.status}`, `trade.${t.status}:${t.id}`, {
      tradeId: t.tradeId,
      status: t.status,
      assetId: t.assetId,
      seller: t.sellerDid,
      buyer: t.buyerDid,
      quantity: canonicalAmount(t.quantity),
      price: canonicalAmount(t.price),
      instructionId,
      failureReason: t.failureReason,
      settledAt: t.settledAt?.toISOString() ?? null,
    });
  }

  // ---------------------------------------------------------------- webhooks settings

  /** Sets the venue's webhook URL; a secret is made the first time (and shown only then). */
  async setWebhook(principal: Principal, url: string): Promise<{ venue: Venue; secret: string | null }> {
    if (this.httpsWebhooksOnly && !url.startsWith('https://'))
      throw new AppError('VALIDATION_FAILED', 'The webhook URL must start with https://', {
        fields: [{ field: '/body/url', message: 'must start with https://' }],
      });
    return this.orm.em.fork().transactional(async (tx) => {
      const mine = await this.ownVenue(tx, principal);
      const venue = (await tx.findOne(
        Venue,
        { id: mine.id },
        { populate: ['webhookSecret'], lockMode: LockMode.PESSIMISTIC_WRITE },
      ))!;
      venue.webhookUrl = url;
      let secret: string | null = null;
      if (!venue.webhookSecret) venue.webhookSecret = secret = newWebhookSecret();
      await this.audit.append(tx, {
        actor: principal.id,
        action: 'venue.webhook-set',
        subjectType: 'venue',
        subjectId: venue.id,
        data: { url, secretCreated: secret !== null },
      });
      return { venue, secret };
    });
  }

  async rotateSecret(principal: Principal): Promise<string> {
    return this.orm.em.fork().transactional(async (tx) => {
      const mine = await this.ownVenue(tx, principal);
      const venue = (await tx.findOne(
        Venue,
        { id: mine.id },
        { populate: ['webhookSecret'], lockMode: LockMode.PESSIMISTIC_WRITE },
      ))!;
      const secret = newWebhookSecret();
      venue.webhookSecret = secret;
      await this.audit.append(tx, {
        actor: principal.id,
        action: 'venue.webhook-secret-rotated',
        subjectType: 'venue',
        subjectId: venue.id,
        data: {},
      });
      return secret;
    });
  }

  // ---------------------------------------------------------------- outcome hooks

  private async onVenueOperation(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    if (op.kind !== 'settlement.createVenue') return [];
    const venue = await tx.findOne(Venue, { id: op.subjectId! });
    if (!venue) return [];
    if (op.status === 'failed') {
      venue.status = 'failed';
      venue.error = chainErrorText(op.errorCode ?? 'failed');
      return [];
    }
    venue.chainVenueId = (op.result as { venueId: number }).venueId;
    venue.status = 'active';
    // Approvals given while the venue was being created are sent now.
    const waiting = await tx.find(VenueApproval, { venueId: venue.id, approved: true, operationId: null });
    const ops: ChainOperation[] = [];
    for (const a of waiting) {
      const asset = await tx.findOne(Asset, { id: a.assetId });
      if (!asset?.chainId) continue;
      const issuer = await tx.findOneOrFail(Issuer, { id: asset.issuerId });
      const sent = await this.operations.record(tx, {
        idempotencyKey: `venue-approval:${a.id}:created`,
        call: {
          name: 'settlement.allowVenues',
          args: { assetId: asset.chainId, venues: [venue.chainVenueId] },
        },
        signer: issuer.account,
        requestedBy: 'system',
        subject: { type: 'venue-approval', id: a.id },
      });
      a.operationId = sent.id;
      a.onChain = false;
      ops.push(sent);
    }
    return ops;
  }

  private async onApprovalOperation(tx: EntityManager, op: ChainOperation): Promise<void> {
    const a = await tx.findOne(VenueApproval, { id: op.subjectId! });
    if (!a || a.operationId !== op.id) return; // A later decision superseded this one.
    if (op.status === 'finalised') {
      a.onChain = true;
      return;
    }
    await this.audit.append(tx, {
      actor: 'system',
      action: 'venue.approval-failed',
      subjectType: 'asset',
      subjectId: a.assetId,
      data: {
        venueId: a.venueId,
        approved: a.approved,
        error: op.errorCode,
        message: chainErrorText(op.errorCode ?? ''),
      },
    });
  }

  /**
   * A new security token trades only at approved venues: venue filtering on, the platform ATS
   * allowed (created on first use). The platform stablecoin (and any stablecoin) is left open:
   * it is the payment leg, and the security's own filtering already gates the trade.
   */
  private async onAssetCreated(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    if (op.kind !== 'asset.createAsset' || op.status !== 'finalised') return [];
    const asset = await tx.findOne(Asset, { id: op.subjectId! });
    const chainId = (op.result as { assetId?: string } | null)?.assetId;
    if (!asset || !chainId || asset.assetType === 'StableCoin') return [];
    const active = Object.assign(asset, { chainId });
    const issuer = await tx.findOneOrFail(Issuer, { id: asset.issuerId });
    const trading = await this.tradingRow(tx, asset.id);
    const ops = await this.ensureFiltering(tx, active, issuer, trading, 'system');
    const { venue: ats, op: created } = await this.ensureAts(tx);
    const { op: allowed } = await this.decide(
      tx,
      active,
      issuer,
      ats,
      true,
      'system',
      'new assets trade at the platform ATS',
    );
    return only([...ops, created, allowed]);
  }

  /** An offering's own (Sto) venue is allowed for its asset once created, when filtering is on. */
  private async onOfferingVenue(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    if (op.kind !== 'settlement.createVenue' || op.status !== 'finalised') return [];
    const o = await tx.findOne(Offering, { id: op.subjectId! });
    if (!o) return [];
    const trading = await tx.findOne(AssetTrading, { assetId: o.assetId });
    if (!trading?.filteringOperationId) return [];
    const asset = await tx.findOneOrFail(Asset, { id: o.assetId });
    const issuer = await tx.findOneOrFail(Issuer, { id: asset.issuerId });
    const venueId = (op.result as { venueId: number }).venueId;
    return [
      await this.operations.record(tx, {
        idempotencyKey: `offering-venue-allowed:${o.id}`,
        call: { name: 'settlement.allowVenues', args: { assetId: asset.chainId!, venues: [venueId] } },
        signer: issuer.account,
        requestedBy: 'system',
        subject: { type: 'offering', id: o.id },
      }),
    ];
  }

  /**
   * A venue trade's instruction: once created, the platform affirms for each custodial party who
   * authorised the venue (the others affirm in the portal); after an affirmation, the chain's
   * status decides the trade (settled or failed) and the venue's webhook is recorded with it.
   */
  private async onSettlementOperation(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    const t = await tx.findOne(
      VenueTrade,
      { settlementId: op.subjectId! },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (!t || t.status !== 'pending') return [];
    const created =
      op.kind === 'settlement.addInstruction' || op.kind === 'settlement.addAndAffirmInstruction';
    const ours = op.idempotencyKey.startsWith(`venue-trade:${t.id}:affirm:`);
    if (op.status === 'failed') {
      if (!created && !ours) return []; // A party's own action in the portal: the trade still waits.
      t.status = 'failed';
      t.failureReason = `${chainErrorText(op.errorCode ?? 'failed')} Nothing moved.`;
      const d = await this.outcome(tx, t, null);
      await this.afterCommit(d);
      return [];
    }
    if (created) {
      const instructionId = (op.result as { instructionId: number }).instructionId;
      const ops: ChainOperation[] = [];
      for (const did of [t.sellerDid, t.buyerDid]) {
        const identity = await tx.findOne(InvestorIdentity, { did });
        if (!identity?.custodial) continue;
        const consent = await tx.findOne(VenueAuthorisation, {
          identityId: identity.id,
          venueId: t.venueId,
          active: true,
        });
        if (!consent) continue;
        const call: LedgerCall = {
          name: 'settlement.affirmInstruction',
          args: { id: instructionId, portfolios: [{ did }] },
        };
        ops.push(
          await this.operations.record(tx, {
            idempotencyKey: `venue-trade:${t.id}:affirm:${did}`,
            call,
            signer: identity.account,
            requestedBy: 'system',
            subject: { type: 'settlement', id: t.settlementId },
          }),
        );
        await this.audit.append(tx, {
          actor: 'system',
          action: 'venue.trade-affirmed-for-investor',
          subjectType: 'venue_trade',
          subjectId: t.id,
          data: { tradeId: t.tradeId, identityId: identity.id, consent: consent.id },
        });
      }
      return ops;
    }
    const s = await tx.findOne(Settlement, { id: t.settlementId });
    if (s?.instructionId != null) await this.afterCommit(await this.checkOutcome(tx, t, s.instructionId));
    return [];
  }

  /**
   * Deliveries recorded inside an outbox hook are queued from it, a moment later: the delivery
   * job waits for the row to be committed (and the start-up sweep re-queues it if the process
   * stops first).
   */
  private async afterCommit(d: WebhookDelivery | null): Promise<void> {
    await this.webhooks.queued([d], 100);
  }
}
