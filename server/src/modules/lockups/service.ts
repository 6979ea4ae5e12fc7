import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { InstructionLeg, Ledger, LedgerCall } from '@stoa/chain';
import { lockRow } from '../../db/locks.js';
import type { JobQueue } from '../../jobs/queue.js';
import { chainNow } from '../../lib/chain-time.js';
import { formatAmount, formatDay } from '../../lib/format.js';
import { fromUnits, toUnits } from '../../lib/units.js';
import { Asset, Issuer } from '../assets/entity.js';
import type { AuditService } from '../audit/service.js';
import type { CompiledRules } from '../compliance/compiler.js';
import { AssetRules } from '../compliance/entity.js';
import { thirdPerson, type Finding, type Reason, type Subject } from '../compliance/reasons.js';
import { investorDirectory } from '../identities/directory.js';
import { InvestorIdentity } from '../identities/entity.js';
import { Offering, Subscription } from '../offerings/entity.js';
import type { ChainOperation } from '../operations/entity.js';
import type { OperationService } from '../operations/service.js';
import { Settlement } from '../settlements/entity.js';
import { Trade } from '../trading/entity.js';
import { AcquisitionLot, HolderSale, type LotSource } from './entity.js';

const DAY_MS = 86_400_000;
/** Looks again at a fully affirmed settlement the chain had not executed yet. */
export const EXECUTED_JOB = 'lockups.settlement-executed';
/** Rule 144(e)'s window: the affiliate's sales of the last three months. */
export const AFFILIATE_WINDOW_MS = 91 * DAY_MS;

export interface LockedQuantity {
  quantity: string;
  /** ISO time the quantity becomes sellable. */
  unlocksAt: string;
}

export interface Sellable {
  /** What the holder may sell at `at`: its lots unlocked by then, net of sales. */
  sellable: string;
  /** Still locked at `at`, by unlock time, earliest first. */
  locked: LockedQuantity[];
}

/**
 * What a holder may sell of an asset at `at`, from its acquisition lots: the unlocked remainder
 * is sellable, the rest is listed by unlock time. Reads only; inside a transaction that acts on
 * the answer, hold the asset's row lock (db/locks.ts) so a concurrent sale is seen.
 * `assetId` is the platform's asset id. Holdings the platform has no lot for (tokens held before
 * lots were kept) are not counted here: see `saleFindings`. Pass the chain's time (lib/chain-time.ts).
 */
export async function sellable(
  em: EntityManager,
  assetId: string,
  did: string,
  at: Date = new Date(),
): Promise<Sellable> {
  const lots = await em.find(
    AcquisitionLot,
    { assetId, holderDid: did, remaining: { $gt: '0' } },
    { orderBy: { unlocksAt: 'asc' } },
  );
  let free = 0n;
  const locked = new Map<number, bigint>();
  for (const l of lots) {
    const left = toUnits(String(l.remaining));
    if (l.unlocksAt.getTime() <= at.getTime()) free += left;
    else locked.set(l.unlocksAt.getTime(), (locked.get(l.unlocksAt.getTime()) ?? 0n) + left);
  }
  return {
    sellable: fromUnits(free),
    locked: [...locked].map(([t, q]) => ({ quantity: fromUnits(q), unlocksAt: new Date(t).toISOString() })),
  };
}

export interface HolderHeadroom {
  /** The investor cap of the asset's rules. */
  max: number;
  /** DIDs counted: holders other than the issuer, and investors whose first purchase is in progress. */
  counted: Set<string>;
  /** Places left for new investors (never below 0). */
  left: number;
}

/**
 * The holder cap counted in investors: holders of the asset other than the issuer (from the
 * lots, the platform's holding read model) plus investors whose first purchase is still in
 * progress (pending subscriptions). Null when the asset has no holder cap. Call it inside the
 * transaction that admits the new holder, holding the asset's row lock, so concurrent admissions
 * run one after the other and each sees the ones before it.
 */
export async function holderHeadroom(em: EntityManager, assetId: string): Promise<HolderHeadroom | null> {
  const rules = await em.findOne(AssetRules, { assetId });
  const compiled = rules?.compiled;
  const max =
    compiled?.offChain.maxInvestors ??
    compiled?.restrictions.find((r) => r.type === 'MaxInvestorCount')?.count ??
    null;
  if (max === null || max === undefined) return null;
  const asset = await em.findOneOrFail(Asset, { id: assetId });
  const issuer = await em.findOne(Issuer, { id: asset.issuerId });
  const rows = await em.execute<{ did: string }[]>(
    `select distinct holder_did as did from acquisition_lot where asset_id = ? and remaining > 0
     union
     select distinct s.did from subscription s join offering o on o.id = s.offering_id
      where o.asset_id = ? and s.status = 'pending' and s.did is not null`,
    [assetId, assetId],
    'all',
  );
  const counted = new Set(rows.map((r) => r.did).filter((d) => d !== issuer?.did));
  return { max, counted, left: Math.max(0, max - counted.size) };
}

/**
 * The holder cap, in investors, for `did` becoming a holder: null when it fits (no cap, already
 * counted, or a place left). Hold the asset's row lock when acting on the answer.
 */
export async function holderCapReason(
  em: EntityManager,
  assetId: string,
  did: string,
): Promise<Reason | null> {
  const room = await holderHeadroom(em, assetId);
  if (!room || room.counted.has(did) || room.left > 0) return null;
  return {
    rule: 'MaxInvestorCount',
    message: `the asset already has its maximum of ${room.max} holders; a new holder cannot be added`,
  };
}

/** "500 ACME now; 300 more from 1 June 2027" in the reader's voice. */
export function sellableWords(s: Sellable, unit: string, who: Subject): string {
  const later = s.locked.map((l) => `${formatAmount(l.quantity)} more from ${formatDay(l.unlocksAt)}`);
  if (toUnits(s.sellable) === 0n)
    return `${who.name} can sell no ${unit} yet (lock-up): ${later.join('; ').replace(' more from', ' from')}`;
  return `${who.name} can sell ${formatAmount(s.sellable)} ${unit} now; ${later.join('; ')}`;
}

/**
 * The lock-up findings of a sale of `amount` by `did` at `at`: more than the holder's sellable
 * quantity while some of its lots are locked, and, for affiliates under a template with a volume
 * limit, more than that share of the supply in three months. Empty when nothing refuses.
 * Holdings without lots are not refused here (the chain's balance check covers them).
 */
export async function saleFindings(
  em: EntityManager,
  ledger: Ledger,
  input: {
    assetId: string;
    did: string;
    amount: string;
    at: Date;
    issuerDid?: string | null;
    /** The asset's compiled rules when the caller has them (else read here). */
    compiled?: CompiledRules | null;
  },
): Promise<Finding[]> {
  const { assetId, did, amount, at } = input;
  const compiled =
    input.compiled !== undefined
      ? input.compiled
      : ((await em.findOne(AssetRules, { assetId }))?.compiled ?? null);
  // Rules without a lock-up release what earlier rules locked: the holding period is the rules'.
  if (!compiled?.offChain.lockupDays && !compiled?.offChain.affiliateVolumePercent) return [];
  const asset = await em.findOne(Asset, { id: assetId });
  if (!asset?.chainId) return [];
  if (input.issuerDid && did === input.issuerDid) return [];
  const unit = asset.ticker ?? asset.name;
  const out: Finding[] = [];
  const s = await sellable(em, assetId, did, at);
  if (compiled.offChain.lockupDays && s.locked.length > 0 && toUnits(amount) > toUnits(s.sellable)) {
    out.push({
      rule: 'lock-up',
      about: ['sender'],
      holdings: true,
      say: ({ sender }) => sellableWords(s, unit, sender),
    });
  }
  const percent = compiled.offChain.affiliateVolumePercent;
  if (percent && (await isAffiliate(ledger, did))) {
    const since = new Date(at.getTime() - AFFILIATE_WINDOW_MS);
    const [row] = await em.execute<{ sold: string | null }[]>(
      `select coalesce(sum(quantity), 0)::text as sold from holder_sale
        where asset_id = ? and holder_did = ? and sold_at > ?`,
      [assetId, did, since],
    );
    const sold = toUnits(row?.sold ?? '0');
    const supply = toUnits((await ledger.asset(asset.chainId))?.totalSupply ?? '0');
    const limit = (supply * toUnits(percent)) / (100n * 1_000_000n);
    if (sold + toUnits(amount) > limit) {
      const left = limit > sold ? limit - sold : 0n;
      out.push({
        rule: 'affiliate volume',
        about: ['sender'],
        holdings: true,
        say: ({ sender }) =>
          `${sender.name} ${sender.is} an affiliate of the issuer and may sell at most ${percent}% of the supply (${formatAmount(fromUnits(limit))} ${unit}) in any 3 months; ${sender.name} ${sender.has} sold ${formatAmount(fromUnits(sold))} ${unit} in that time, so ${formatAmount(fromUnits(left))} ${unit} more is possible now`,
      });
    }
  }
  return out;
}

/** An affiliate of the issuer: an unexpired Affiliate claim on the identity. */
async function isAffiliate(ledger: Ledger, did: string): Promise<boolean> {
  const claims = await ledger.claims(did, { claimType: 'Affiliate' });
  return claims.length > 0;
}

interface Acquisition {
  assetId: string;
  holderDid: string;
  quantity: string;
  source: LotSource;
  sourceId: string;
  sourceKey: string;
  /** The identity that sent the tokens (its lots are consumed), when known. */
  fromDid: string | null;
}

/**
 * Acquisition lots from final acquisitions, exactly once per source (unique key), in the
 * outcome's transaction (outbox hooks); sales consume the sender's lots oldest-unlocked first;
 * while none of a holder's balance is sellable, its asset-scoped SellLockup claim is (re)issued
 * through the outbox with the earliest unlock as expiry.
 */
export class LockupService {
  constructor(
    private readonly ledger: Ledger,
    private readonly operations: OperationService,
    private readonly audit: AuditService,
    private readonly operatorAddress: () => string,
    /** For settlements that execute after their last outcome (a node's next block). */
    private readonly orm?: MikroORM,
    private readonly queue?: JobQueue,
  ) {
    queue?.register<{ settlementId: string }>(EXECUTED_JOB, (d) => this.settlementExecuted(d.settlementId), {
      attempts: 10,
      backoffMs: 3_000,
    });
    for (const type of ['subscription', 'settlement', 'asset', 'offering', 'trade'])
      operations.onFinal(type, (tx, op) => this.onOutcome(tx, op));
  }

  /** The outbox hook of every subject that moves tokens; safe to run again for the same outcome. */
  onOutcome(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    switch (op.subjectType) {
      case 'subscription':
        return this.onSubscription(tx, op);
      case 'settlement':
        return this.onSettlement(tx, op);
      case 'trade':
        return this.onTrade(tx, op);
      default:
        return this.onAssetCall(tx, op, null);
    }
  }

  private async onSubscription(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    if (op.status !== 'finalised') return [];
    const s = await tx.findOne(Subscription, { id: op.subjectId! });
    if (!s?.did) return [];
    const o = await tx.findOneOrFail(Offering, { id: s.offeringId });
    if (op.kind === 'sto.invest') {
      const issuerDid = await this.issuerDid(tx, o.assetId);
      return this.acquire(tx, {
        assetId: o.assetId,
        holderDid: s.did,
        quantity: s.amount,
        source: 'offering',
        sourceId: s.id,
        sourceKey: `subscription:${s.id}`,
        fromDid: issuerDid,
      });
    }
    // A refund's reclaim moves the tokens back to the issuer.
    return this.onAssetCall(tx, op, s.id);
  }

  /** Issues, redemptions and controller transfers, whatever they belong to. */
  private async onAssetCall(
    tx: EntityManager,
    op: ChainOperation,
    sourceId: string | null,
  ): Promise<ChainOperation[]> {
    if (op.status !== 'finalised') return [];
    const call = op.call;
    if (
      call.name !== 'asset.issue' &&
      call.name !== 'asset.redeem' &&
      call.name !== 'asset.controllerTransfer'
    )
      return [];
    const asset = await tx.findOne(Asset, { chainId: call.args.assetId });
    if (!asset || asset.assetType === 'StableCoin') return [];
    const issuerDid = await this.issuerDid(tx, asset.id);
    if (!issuerDid) return [];
    const amount = call.args.amount;
    if (call.name === 'asset.redeem') {
      return this.consume(tx, asset.id, issuerDid, amount, `redeem:${op.id}`, await chainNow(this.ledger));
    }
    return this.acquire(tx, {
      assetId: asset.id,
      holderDid: issuerDid,
      quantity: amount,
      source: call.name === 'asset.issue' ? 'issuance' : 'transfer',
      sourceId: sourceId ?? op.id,
      sourceKey: `${call.name}:${op.id}`,
      fromDid: call.name === 'asset.controllerTransfer' ? call.args.from.did : null,
    });
  }

  /**
   * A settlement's outcome: once the chain reports the instruction executed, each fungible leg
   * of a platform asset is a lot of its receiver and a sale of its sender. On the embedded ledger
   * the execution is visible when the last affirmation is final; an instruction still waiting
   * is recorded by the outcome that executes it.
   */
  private async onSettlement(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    if (op.status !== 'finalised') return [];
    const s = await tx.findOne(Settlement, { id: op.subjectId! });
    if (!s) return [];
    const instructionId =
      s.instructionId ?? (op.result as { instructionId?: number } | null)?.instructionId ?? null;
    if (instructionId === null) return [];
    const status = await this.ledger.instructionStatus(instructionId);
    if (status?.type === 'Success') return this.recordExecuted(tx, s);
    // On a node a fully affirmed instruction executes in the next block, after this outcome:
    // a job looks again until the chain says how it ended.
    // A manual instruction executes only when someone executes it: that operation's outcome
    // comes back here.
    const chain =
      status?.type === 'Pending' && s.settlementType.type !== 'SettleManual'
        ? await this.ledger.instruction(instructionId)
        : null;
    if (chain && chain.pendingAffirmations === 0 && this.queue)
      await this.queue.enqueue(
        EXECUTED_JOB,
        { settlementId: s.id },
        { jobId: `${EXECUTED_JOB}:${s.id}`, delayMs: 6_000 },
      );
    return [];
  }

  /**
   * An ATS trade settles through its own operations (subject `trade`): once its instruction has
   * executed, the buyer's purchase is a lot and the seller's lots are consumed, as for any
   * settlement.
   */
  private async onTrade(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    if (op.status !== 'finalised' || op.kind !== 'settlement.executeManualInstruction') return [];
    const trade = await tx.findOne(Trade, { id: op.subjectId! });
    const s = trade ? await tx.findOne(Settlement, { id: trade.settlementId }) : null;
    if (!s?.instructionId) return [];
    const status = await this.ledger.instructionStatus(s.instructionId);
    return status?.type === 'Success' ? this.recordExecuted(tx, s) : [];
  }

  /**
   * The job behind `onSettlement`: once the instruction has executed, its lots are written (in a
   * transaction of its own, under the settlement's row lock) and their claims dispatched; while
   * it still waits the job fails and is retried with backoff; failed or rejected, nothing moved.
   */
  async settlementExecuted(settlementId: string): Promise<void> {
    if (!this.orm) return;
    const ops = await this.orm.em.fork().transactional(async (tx) => {
      const s = await lockRow(tx, Settlement, settlementId);
      if (!s?.instructionId) return [];
      const status = (await this.ledger.instructionStatus(s.instructionId))?.type;
      if (status === 'Success') return this.recordExecuted(tx, s);
      if (status === 'Pending') throw new Error(`settlement ${settlementId} has not executed yet`);
      return [];
    });
    for (const op of ops) await this.operations.dispatch(op);
  }

  /** An executed instruction: each fungible leg of a platform asset is a lot of its receiver. */
  private async recordExecuted(tx: EntityManager, s: Settlement): Promise<ChainOperation[]> {
    const out: ChainOperation[] = [];
    const paid = (leg: InstructionLeg & { type: 'Fungible' }) =>
      s.legs.some((l) => l !== leg && (l.type === 'Fungible' ? l.from.did : l.from) === leg.to.did);
    for (const [i, leg] of s.legs.entries()) {
      if (leg.type !== 'Fungible') continue;
      const asset = await tx.findOne(Asset, { chainId: leg.assetId });
      if (!asset || asset.assetType === 'StableCoin') continue;
      out.push(
        ...(await this.acquire(tx, {
          assetId: asset.id,
          holderDid: leg.to.did,
          quantity: leg.amount,
          source: paid(leg) ? 'settlement' : 'transfer',
          sourceId: s.id,
          sourceKey: `settlement:${s.id}:${i}`,
          fromDid: leg.from.did,
        })),
      );
    }
    return out;
  }

  private async issuerDid(tx: EntityManager, assetId: string): Promise<string | null> {
    const asset = await tx.findOne(Asset, { id: assetId });
    if (!asset) return null;
    return (await tx.findOne(Issuer, { id: asset.issuerId }))?.did ?? null;
  }

  /**
   * One lot, once: a source key already written means the hook ran before (a replay) and
   * nothing is written, consumed or issued again.
   */
  private async acquire(tx: EntityManager, a: Acquisition): Promise<ChainOperation[]> {
    if (await tx.findOne(AcquisitionLot, { sourceKey: a.sourceKey })) return [];
    if (toUnits(a.quantity) === 0n) return [];
    const now = await chainNow(this.ledger);
    const rules = await tx.findOne(AssetRules, { assetId: a.assetId });
    const issuerDid = await this.issuerDid(tx, a.assetId);
    // The issuer's own inventory is not restricted: it is what the issuer distributes.
    const days = a.holderDid === issuerDid ? 0 : (rules?.compiled.offChain.lockupDays ?? 0);
    const identity = await tx.findOne(InvestorIdentity, { did: a.holderDid });
    const lot = new AcquisitionLot();
    Object.assign(lot, {
      assetId: a.assetId,
      holderDid: a.holderDid,
      identityId: identity?.id ?? null,
      userId: identity?.userId ?? null,
      quantity: a.quantity,
      remaining: a.quantity,
      acquiredAt: now,
      unlocksAt: new Date(now.getTime() + days * DAY_MS),
      source: a.source,
      sourceId: a.sourceId,
      sourceKey: a.sourceKey,
    });
    tx.persist(lot);
    const sold = a.fromDid ? await this.consume(tx, a.assetId, a.fromDid, a.quantity, a.sourceKey, now) : [];
    await this.audit.append(tx, {
      actor: 'system',
      action: 'lockup.lot-recorded',
      subjectType: 'asset',
      subjectId: a.assetId,
      data: {
        lotId: lot.id,
        holderDid: a.holderDid,
        quantity: a.quantity,
        source: a.source,
        sourceId: a.sourceId,
        acquiredAt: lot.acquiredAt.toISOString(),
        unlocksAt: lot.unlocksAt.toISOString(),
        holdingPeriodDays: days,
      },
    });
    await tx.flush();
    if (days === 0) return sold;
    return [
      ...sold,
      ...(await this.claimIfNothingSellable(tx, a.assetId, a.holderDid, now, `lot:${lot.id}`)),
    ];
  }

  /**
   * A sale of `quantity` by `did`: its lots are consumed oldest-unlocked first, then (a transfer
   * the platform did not gate, e.g. a controller transfer) the locked ones by unlock time.
   * What no lot covers (holdings from before lots were kept) is left as it is. A sale that leaves
   * the seller nothing sellable but locked lots puts its SellLockup claim back on chain.
   */
  private async consume(
    tx: EntityManager,
    assetId: string,
    did: string,
    quantity: string,
    sourceKey: string,
    now: Date,
  ): Promise<ChainOperation[]> {
    if (await tx.findOne(HolderSale, { sourceKey })) return [];
    const sale = new HolderSale();
    Object.assign(sale, { assetId, holderDid: did, quantity, soldAt: now, sourceKey });
    tx.persist(sale);
    const lots = await tx.find(
      AcquisitionLot,
      { assetId, holderDid: did, remaining: { $gt: '0' } },
      { orderBy: { acquiredAt: 'asc', id: 'asc' } },
    );
    const unlocked = lots.filter((l) => l.unlocksAt.getTime() <= now.getTime());
    const locked = lots
      .filter((l) => l.unlocksAt.getTime() > now.getTime())
      .sort((x, y) => x.unlocksAt.getTime() - y.unlocksAt.getTime());
    let left = toUnits(quantity);
    const used: { lotId: string; quantity: string }[] = [];
    for (const l of [...unlocked, ...locked]) {
      if (left === 0n) break;
      const have = toUnits(String(l.remaining));
      const take = have < left ? have : left;
      l.remaining = fromUnits(have - take);
      left -= take;
      used.push({ lotId: l.id, quantity: fromUnits(take) });
    }
    await this.audit.append(tx, {
      actor: 'system',
      action: 'lockup.lots-consumed',
      subjectType: 'asset',
      subjectId: assetId,
      data: { holderDid: did, quantity, sourceKey, lots: used, uncovered: fromUnits(left) },
    });
    if (!used.length) return [];
    await tx.flush();
    return this.claimIfNothingSellable(tx, assetId, did, now, `sale:${sourceKey}`);
  }

  /**
   * The chain cannot lock part of a holding: while none of the holder's balance is sellable its
   * SellLockup claim (scoped to the asset) expires at the earliest unlock; once some is sellable
   * the claim has expired and the platform holds the rest back off chain.
   */
  private async claimIfNothingSellable(
    tx: EntityManager,
    assetId: string,
    did: string,
    now: Date,
    key: string,
  ): Promise<ChainOperation[]> {
    const s = await sellable(tx, assetId, did, now);
    if (toUnits(s.sellable) > 0n || s.locked.length === 0) return [];
    const asset = await tx.findOneOrFail(Asset, { id: assetId });
    const call: LedgerCall = {
      name: 'identity.addClaim',
      args: {
        target: did,
        claim: { type: 'SellLockup', scope: { type: 'Asset', value: asset.chainId! } },
        expiry: s.locked[0]!.unlocksAt,
      },
    };
    const op = await this.operations.record(tx, {
      idempotencyKey: `lockup-claim:${key}`,
      call,
      signer: this.operatorAddress(),
      requestedBy: 'system',
      subject: { type: 'lockup', id: assetId },
    });
    return [op];
  }
}

/**
 * What `did` is already sending of the asset in the platform's settlements that have not
 * executed (no lot written for the leg) and still can: created but not on chain yet, or Pending /
 * Failed on chain. A new instruction's token leg must fit beside them.
 */
export async function pendingSales(
  em: EntityManager,
  ledger: Ledger,
  assetChainId: string,
  did: string,
  exceptSettlementId?: string,
): Promise<bigint> {
  const rows = await em.find(Settlement, { parties: { $contains: [did] } });
  let total = 0n;
  for (const s of rows) {
    if (s.id === exceptSettlementId || s.failureReason) continue;
    const legs = s.legs.flatMap((l, i) =>
      l.type === 'Fungible' && l.assetId === assetChainId && l.from.did === did ? [{ l, i }] : [],
    );
    if (legs.length === 0) continue;
    if (s.instructionId !== null) {
      const status = (await ledger.instructionStatus(s.instructionId))?.type;
      if (status !== 'Pending' && status !== 'Failed') continue;
    }
    const written = await em.count(AcquisitionLot, {
      sourceKey: { $in: legs.map(({ i }) => `settlement:${s.id}:${i}`) },
    });
    if (written > 0) continue;
    for (const { l } of legs) total += toUnits(l.amount);
  }
  return total;
}

/**
 * The platform's own checks of a new instruction, inside the transaction that records it: each
 * sender's token legs of an asset fit within what it can sell (lock-ups, affiliates' volume,
 * net of its settlements not executed yet), and each new receiver fits under the holder cap.
 * Takes the row lock of every asset the legs move (lock order: asset first), so concurrent
 * instructions are decided one after the other. Returns the refusals in words, for staff.
 */
export async function instructionRefusals(
  tx: EntityManager,
  ledger: Ledger,
  legs: InstructionLeg[],
  lock: (assetId: string) => Promise<unknown>,
): Promise<{ assetId: string; message: string }[]> {
  const byAsset = new Map<string, { asset: Asset; legs: (InstructionLeg & { type: 'Fungible' })[] }>();
  for (const l of legs) {
    if (l.type !== 'Fungible') continue;
    const asset = await tx.findOne(Asset, { chainId: l.assetId });
    if (!asset || asset.assetType === 'StableCoin') continue;
    const entry = byAsset.get(asset.id) ?? { asset, legs: [] };
    entry.legs.push(l);
    byAsset.set(asset.id, entry);
  }
  const refusals: { assetId: string; message: string }[] = [];
  const at = await chainNow(ledger);
  for (const { asset, legs: assetLegs } of [...byAsset.values()].sort((a, b) =>
    a.asset.id.localeCompare(b.asset.id),
  )) {
    await lock(asset.id);
    const issuerDid = (await tx.findOne(Issuer, { id: asset.issuerId }))?.did ?? null;
    const unit = asset.ticker ?? asset.name;
    const dids = [...new Set(assetLegs.flatMap((l) => [l.from.did, l.to.did]))];
    const { byDid } = await investorDirectory(tx, { dids });
    const who = (did: string) =>
      did === issuerDid ? thirdPerson('the issuer') : thirdPerson(byDid.get(did)?.name || 'the sender');
    const sent = new Map<string, bigint>();
    for (const l of assetLegs) sent.set(l.from.did, (sent.get(l.from.did) ?? 0n) + toUnits(l.amount));
    for (const [did, amount] of sent) {
      if (did === issuerDid) continue;
      const pending = await pendingSales(tx, ledger, asset.chainId!, did);
      const findings = await saleFindings(tx, ledger, {
        assetId: asset.id,
        did,
        amount: fromUnits(amount + pending),
        at,
        issuerDid,
      });
      const held =
        pending > 0n
          ? ` (${formatAmount(fromUnits(pending))} ${unit} more are in settlements not executed yet)`
          : '';
      for (const f of findings)
        refusals.push({
          assetId: asset.id,
          message: `${f.say({ sender: who(did), receiver: thirdPerson('the receiver') })}${held}`,
        });
    }
    const room = await holderHeadroom(tx, asset.id);
    if (room) {
      // A seller who sends everything it holds leaves its place to the buyer.
      let left = room.left;
      for (const [did, amount] of sent) {
        if (did === issuerDid) continue;
        const h = await sellable(tx, asset.id, did, at);
        const held = h.locked.reduce((sum, l) => sum + toUnits(l.quantity), toUnits(h.sellable));
        if (held > 0n && amount >= held) left += 1;
      }
      for (const did of new Set(assetLegs.map((l) => l.to.did))) {
        if (did === issuerDid || room.counted.has(did)) continue;
        if (left > 0) {
          left -= 1;
          continue;
        }
        refusals.push({
          assetId: asset.id,
          message: `${asset.name} already has its maximum of ${room.max} holders; ${who(did).name} cannot become a new holder`,
        });
      }
    }
  }
  return refusals;
}

/**
 * The lock-up and holder-cap seam of the ATS (trading/ports.ts): what a holder may sell when
 * the asset's rules hold a lock-up and some of the holder's lots are still locked (null: no
 * off-chain limit beyond the chain's balance, as `saleFindings` judges it), and the places left
 * for new investors under the holder cap.
 */
export const lockupsForTrading = {
  async sellable(em: EntityManager, assetId: string, did: string, at: Date) {
    const compiled = (await em.findOne(AssetRules, { assetId }))?.compiled ?? null;
    if (!compiled?.offChain.lockupDays) return { sellable: null, locked: [] };
    const s = await sellable(em, assetId, did, at);
    if (s.locked.length === 0) return { sellable: null, locked: [] };
    return {
      sellable: s.sellable,
      locked: s.locked.map((l) => ({ amount: l.quantity, until: l.unlocksAt })),
    };
  },
  async holderHeadroom(em: EntityManager, assetId: string) {
    return (await holderHeadroom(em, assetId))?.left ?? null;
  },
};
