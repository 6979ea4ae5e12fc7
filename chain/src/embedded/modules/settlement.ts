/**
 * Settlement pallet (POLYMESH.md §7): venues and venue filtering, instructions with fungible and
 * off-chain legs, portfolio and mediator affirmations (with locks), pre-approval, the scheduler
 * (SettleOnAffirmation → next block, SettleOnBlock(b) → block b) and atomic execution with the §8
 * checks per leg, failures recorded as Polymesh 7.0 records them.
 */
import type { Address, AssetId, Did } from '../../ledger.js';
import { LedgerError } from '../../errors.js';
import type {
  AffirmationStatus,
  InstructionDetails,
  InstructionLeg,
  InstructionStatus,
  SettlementType,
  VenueInfo,
  VenueType,
} from '../../calls-settlement.js';
import type { Chain } from '../chain.js';
import { fromUnits, toUnits } from '../amounts.js';
import {
  argArray,
  argAssetId,
  argBool,
  argDid,
  argInt,
  argString,
  ensure,
  invalid,
  iso,
  isoOrNull,
  optTime,
  type Origin,
  type RawEvent,
} from '../runtime.js';
import { argPortfolio, pfKey, pfRef, type Pf } from './portfolio.js';
import { validateAssetTransfer } from './transfer.js';
import { receiptMessage } from '../../receipts.js';
import { hexToU8a, isHex } from '@polkadot/util';
import { decodeAddress, ed25519Verify, secp256k1Verify, sr25519Verify } from '@polkadot/util-crypto';
import type { MultiSignature } from '../../calls-settlement.js';
import {
  MAX_ASSET_MEDIATORS,
  MAX_FUNGIBLE_LEGS,
  MAX_INSTRUCTION_MEDIATORS,
  MAX_OFFCHAIN_LEGS,
  MAX_RECEIPTS,
  MAX_VENUE_SIGNERS,
  MEMO_MAX_BYTES,
  RECEIPT_METADATA_MAX_BYTES,
  TICKER_PATTERN,
  VENUE_DETAILS_MAX_BYTES,
} from '../../limits.js';

const M = 'settlement';
const VENUE_TYPES: readonly VenueType[] = ['Other', 'Distribution', 'Sto', 'Exchange'];
/** Polymesh's `SettlementDID`: the caller recorded for scheduled executions. */
export const SETTLEMENT_DID: Did = `0x${Buffer.from('system:settlement_module_did\0\0\0\0').toString('hex')}`;

export type LegRec =
  | { kind: 'Fungible'; from: Pf; to: Pf; asset: AssetId; amount: bigint }
  | { kind: 'OffChain'; from: Did; to: Did; ticker: string; amount: bigint };

export interface InstructionRec {
  id: number;
  venueId: number | null;
  creator: Did;
  settlementType: SettlementType;
  tradeDate: number | null;
  valueDate: number | null;
  createdAt: number;
  memo: string | null;
  legs: readonly LegRec[];
  /** Unique fungible-leg portfolios in leg order. */
  portfolios: readonly Pf[];
  mediators: readonly Did[];
}

interface VenueRec {
  creator: Did;
  type: VenueType;
  details: string;
  signers: readonly Address[];
}

interface MediatorRec {
  status: AffirmationStatus;
  expiry: number | null;
}

export interface NewInstruction {
  venueId: number | null;
  settlementType: SettlementType;
  tradeDate: number | null;
  valueDate: number | null;
  legs: LegRec[];
  memo: string | null;
  mediators: Did[];
}

function argVenueType(v: unknown): VenueType {
  if (typeof v === 'string' && (VENUE_TYPES as readonly string[]).includes(v)) return v as VenueType;
  return invalid('type', `must be one of ${VENUE_TYPES.join(', ')}`);
}

function argSettlementType(v: unknown): SettlementType {
  if (typeof v !== 'object' || v === null) invalid('settlementType', 'required');
  const o = v as Record<string, unknown>;
  switch (o['type']) {
    case 'SettleOnAffirmation':
      return { type: 'SettleOnAffirmation' };
    case 'SettleOnBlock':
    case 'SettleManual':
      return { type: o['type'], block: argInt(o['block'], 'settlementType.block', 0) };
    default:
      return invalid('settlementType.type', 'must be SettleOnAffirmation, SettleOnBlock or SettleManual');
  }
}

function argMemo(v: unknown): string | null {
  return v === undefined || v === null ? null : argString(v, 'memo', MEMO_MAX_BYTES);
}

function argLeg(v: unknown, i: number): LegRec {
  const f = `legs[${i}]`;
  if (typeof v !== 'object' || v === null) invalid(f, 'must be a leg');
  const o = v as Record<string, unknown>;
  if (o['type'] === 'Fungible') {
    return {
      kind: 'Fungible',
      from: argPortfolio(o['from'], `${f}.from`),
      to: argPortfolio(o['to'], `${f}.to`),
      asset: argAssetId(o['assetId'], `${f}.assetId`),
      amount: toUnits(o['amount'], `${f}.amount`),
    };
  }
  if (o['type'] === 'OffChain') {
    const ticker = argString(o['ticker'], `${f}.ticker`);
    if (!new RegExp(TICKER_PATTERN).test(ticker))
      invalid(`${f}.ticker`, 'must be a ticker (1–12 of A–Z 0–9 _ - . /)');
    return {
      kind: 'OffChain',
      from: argDid(o['from'], `${f}.from`),
      to: argDid(o['to'], `${f}.to`),
      ticker,
      amount: toUnits(o['amount'], `${f}.amount`),
    };
  }
  return invalid(`${f}.type`, 'must be Fungible or OffChain');
}

function argPortfolioSet(v: unknown, field: string): Pf[] {
  const seen = new Map<string, Pf>();
  for (const [i, p] of argArray(v, field).entries()) {
    const pf = argPortfolio(p, `${field}[${i}]`);
    seen.set(pfKey(pf), pf);
  }
  return [...seen.values()];
}

function argDidSet(v: unknown, field: string): Did[] {
  return [...new Set(argArray(v ?? [], field).map((d, i) => argDid(d, `${field}[${i}]`)))].sort();
}

function legToPort(l: LegRec): InstructionLeg {
  return l.kind === 'Fungible'
    ? {
        type: 'Fungible',
        from: pfRef(l.from),
        to: pfRef(l.to),
        assetId: l.asset,
        amount: fromUnits(l.amount),
      }
    : { type: 'OffChain', from: l.from, to: l.to, ticker: l.ticker, amount: fromUnits(l.amount) };
}

export class SettlementModule {
  private readonly venues;
  private readonly venueIds;
  private readonly userVenues;
  private readonly filtering;
  private readonly allowList;
  private readonly instructions;
  private readonly instructionIds;
  private readonly statuses;
  private readonly pending;
  /** `${id}|${pfKey}` → affirmation of a party portfolio (Polymesh `UserAffirmations`). */
  private readonly affirmations;
  /** `${id}|${legId}` present while the sender leg's amount is locked (`ExecutionPending`). */
  private readonly legLocked;
  private readonly mediatorAffirmations;
  private readonly scheduledAt;
  private readonly scheduleIndex;
  private readonly partyIndex;
  private readonly preApprovedAssets;
  private readonly preApprovedPortfolios;
  private readonly assetMediators;
  /** `${id}|${legId}` of off-chain legs affirmed with a receipt. */
  private readonly offChainAffirmed;
  private readonly receiptsUsed;

  constructor(private readonly chain: Chain) {
    const s = chain.rt.state;
    this.venues = s.map<number, VenueRec>();
    this.venueIds = s.counter<'venue'>();
    this.userVenues = s.index<Did, number>();
    this.filtering = s.map<AssetId, true>();
    this.allowList = s.map<string, true>();
    this.instructions = s.map<number, InstructionRec>();
    this.instructionIds = s.counter<'instruction'>();
    this.statuses = s.map<number, InstructionStatus>();
    this.pending = s.map<number, number>();
    this.affirmations = s.map<string, AffirmationStatus>();
    this.legLocked = s.map<string, true>();
    this.mediatorAffirmations = s.map<string, MediatorRec>();
    this.scheduledAt = s.map<number, number>();
    this.scheduleIndex = s.index<number, number>();
    this.partyIndex = s.index<Did, number>();
    this.preApprovedAssets = s.map<string, true>();
    this.preApprovedPortfolios = s.map<string, true>();
    this.assetMediators = s.map<AssetId, readonly Did[]>();
    this.offChainAffirmed = s.map<string, true>();
    this.receiptsUsed = s.map<string, true>();
    chain.rt.onBlockStart({
      run: (block) => this.runScheduled(block),
      hasWorkAt: (block) => this.scheduleIndex.members(block).size > 0,
      nextWorkAfter: (block) => {
        let first: number | undefined;
        for (const b of this.scheduledAt.values())
          if (b > block && (first === undefined || b < first)) first = b;
        return first;
      },
    });
    this.registerCalls();
  }

  // ---------------------------------------------------------------- reads

  venue(id: number): VenueInfo | null {
    const v = this.venues.get(id);
    return v ? { id, creator: v.creator, type: v.type, details: v.details, signers: [...v.signers] } : null;
  }

  venueRec(id: number): VenueRec | undefined {
    return this.venues.get(id);
  }

  venuesOf(did: Did): VenueInfo[] {
    return [...this.userVenues.members(did)].sort((a, b) => a - b).map((id) => this.venue(id) as VenueInfo);
  }

  venueFiltering(asset: AssetId): { enabled: boolean; allowedVenues: number[] } {
    const allowed: number[] = [];
    const last = this.venueIds.peek('venue') - 1;
    for (let v = 1; v <= last; v++) if (this.allowList.has(`${asset}|${v}`)) allowed.push(v);
    return { enabled: this.filtering.has(asset), allowedVenues: allowed };
  }

  mandatoryMediators(asset: AssetId): Did[] {
    return [...(this.assetMediators.get(asset) ?? [])];
  }

  status(id: number): InstructionStatus | undefined {
    return this.statuses.get(id);
  }

  /** What the chain keeps of a live (Pending or Failed) instruction; null once pruned. */
  details(id: number): InstructionDetails | null {
    const rec = this.instructions.get(id);
    const status = this.statuses.get(id);
    if (!rec || !status) return null;
    const live = status.type === 'Pending' || status.type === 'Failed';
    return {
      id,
      venueId: rec.venueId,
      creator: rec.creator,
      status,
      settlementType: rec.settlementType,
      tradeDate: isoOrNull(rec.tradeDate),
      valueDate: isoOrNull(rec.valueDate),
      createdAt: iso(rec.createdAt),
      memo: rec.memo,
      legs: rec.legs.map((l, legId) => ({ id: legId, ...legToPort(l) })),
      affirmations: live
        ? rec.portfolios.map((p) => ({
            portfolio: pfRef(p),
            status: this.affirmations.get(`${id}|${pfKey(p)}`) ?? 'Pending',
          }))
        : [],
      mediators: live
        ? rec.mediators.map((did) => {
            const m = this.mediatorAffirmations.get(`${id}|${did}`);
            return { did, status: m?.status ?? 'Pending', expiry: isoOrNull(m?.expiry ?? null) };
          })
        : [],
      pendingAffirmations: live ? (this.pending.get(id) ?? 0) : 0,
      scheduledAt: this.scheduledAt.get(id) ?? null,
    };
  }

  instructionsOf(did: Did): InstructionDetails[] {
    return [...this.partyIndex.members(did)]
      .sort((a, b) => a - b)
      .map((id) => this.details(id) as InstructionDetails);
  }

  // ---------------------------------------------------------------- rules

  private ensureVenueAllowed(venueId: number | null, asset: AssetId): void {
    if (venueId === null || !this.filtering.has(asset)) return;
    ensure(
      this.allowList.has(`${asset}|${venueId}`),
      'UnauthorizedVenue',
      `venue ${venueId} is not allowed for ${asset}`,
      M,
    );
  }

  /** Polymesh `skip_portfolio_affirmation`: receivers that need not affirm. */
  private skipsAffirmation(p: Pf, asset: AssetId): boolean {
    if (this.preApprovedPortfolios.has(`${pfKey(p)}|${asset}`)) return true;
    const thirdPartyCustody = this.chain.portfolio.custodian(p) !== p.did;
    return !thirdPartyCustody && this.preApprovedAssets.has(`${p.did}|${asset}`);
  }

  /**
   * The instruction as the chain reads it: a pruned one (executed or rejected) has only its
   * status left, so its details read as the defaults (no venue, SettleOnAffirmation, no legs) and
   * every later call fails on what is missing (`UnexpectedAffirmationStatus`, `CallerIsNotAParty`,
   * `LegNotFound`…). `UnknownInstruction` only when it never existed.
   */
  private recOf(id: number): InstructionRec {
    ensure(this.statuses.has(id), 'UnknownInstruction', `instruction ${id} does not exist`, M);
    return (
      this.instructions.get(id) ?? {
        id,
        venueId: null,
        creator: SETTLEMENT_DID,
        settlementType: { type: 'SettleOnAffirmation' },
        tradeDate: null,
        valueDate: null,
        createdAt: 0,
        memo: null,
        legs: [],
        portfolios: [],
        mediators: [],
      }
    );
  }

  /** `ensure_instruction_validity`: affirm/withdraw need SettleOnBlock not passed; execute needs its block reached. */
  private ensureValid(id: number, isExecute: boolean): InstructionRec {
    const rec = this.recOf(id);
    const st = rec.settlementType;
    const block = this.chain.rt.blockNumber;
    if (st.type === 'SettleOnBlock' && !isExecute) {
      ensure(st.block > block, 'InstructionSettleBlockPassed', `settlement block ${st.block} reached`, M);
    }
    if (st.type !== 'SettleOnAffirmation' && isExecute) {
      ensure(
        st.block <= block,
        'InstructionSettleBlockNotReached',
        `settlement block ${st.block} not reached`,
        M,
      );
    }
    return rec;
  }

  private isLive(id: number): boolean {
    const s = this.statuses.get(id);
    return s?.type === 'Pending' || s?.type === 'Failed';
  }

  private schedule(id: number, block: number): void {
    if (this.scheduledAt.has(id)) return;
    this.scheduledAt.set(id, block);
    this.scheduleIndex.add(block, id);
  }

  private cancelSchedule(id: number): void {
    const b = this.scheduledAt.get(id);
    if (b === undefined) return;
    this.scheduledAt.delete(id);
    this.scheduleIndex.remove(b, id);
  }

  private maybeSchedule(rec: InstructionRec): void {
    if ((this.pending.get(rec.id) ?? 0) === 0 && rec.settlementType.type === 'SettleOnAffirmation') {
      this.schedule(rec.id, this.chain.rt.blockNumber + 1);
    }
  }

  // ---------------------------------------------------------------- operations (also used by sto)

  /** `base_add_instruction`. */
  addInstruction(did: Did, x: NewInstruction): number {
    const { chain } = this;
    const rt = chain.rt;
    if (x.settlementType.type === 'SettleOnBlock') {
      ensure(
        x.settlementType.block > rt.blockNumber,
        'SettleOnPastBlock',
        'settlement block must be in the future',
        M,
      );
    }
    if (x.tradeDate !== null && x.valueDate !== null) {
      ensure(x.valueDate >= x.tradeDate, 'InstructionDatesInvalid', 'value date before trade date', M);
    }
    if (x.venueId !== null) {
      const v = this.venues.get(x.venueId);
      ensure(v, 'InvalidVenue', `venue ${x.venueId} does not exist`, M);
      ensure(v.creator === did, 'Unauthorized', `venue ${x.venueId} belongs to another identity`, M);
    }
    let fungible = 0;
    let offChain = 0;
    const pendingPfs = new Map<string, Pf>();
    const preApproved = new Map<string, Pf>();
    const mediators = new Set<Did>(x.mediators);
    const checkedAssets = new Set<AssetId>();
    const parties = new Set<Did>();
    for (const leg of x.legs) {
      if (leg.kind === 'OffChain') {
        ensure(x.venueId !== null, 'OffChainAssetsMustHaveAVenue', 'off-chain legs need a venue', M);
        ensure(leg.amount > 0n, 'ZeroAmount', 'leg amount must be positive', M);
        ensure(leg.from !== leg.to, 'SameSenderReceiver', 'sender and receiver are the same identity', M);
        ensure(
          ++offChain <= MAX_OFFCHAIN_LEGS,
          'MaxNumberOfOffChainAssetsExceeded',
          'more than 10 off-chain legs',
          M,
        );
        parties.add(leg.from).add(leg.to);
        continue;
      }
      ensure(
        leg.from.did !== leg.to.did,
        'SameSenderReceiver',
        'sender and receiver are the same identity',
        M,
      );
      ensure(leg.amount > 0n, 'ZeroAmount', 'leg amount must be positive', M);
      ensure(chain.asset.get(leg.asset), 'UnexpectedOFFChainAsset', `asset ${leg.asset} is not on chain`, M);
      if (!checkedAssets.has(leg.asset)) {
        checkedAssets.add(leg.asset);
        this.ensureVenueAllowed(x.venueId, leg.asset);
      }
      ensure(
        ++fungible <= MAX_FUNGIBLE_LEGS,
        'MaxNumberOfFungibleAssetsExceeded',
        'more than 10 fungible legs',
        M,
      );
      for (const d of [leg.from.did, leg.to.did]) {
        ensure(chain.identity.exists(d), 'DidDoesNotExist', `identity ${d} does not exist`, 'identity');
      }
      chain.portfolio.ensureExists(leg.from);
      chain.portfolio.ensureExists(leg.to);
      pendingPfs.set(pfKey(leg.from), leg.from);
      if (this.skipsAffirmation(leg.to, leg.asset)) preApproved.set(pfKey(leg.to), leg.to);
      else pendingPfs.set(pfKey(leg.to), leg.to);
      for (const m of this.assetMediators.get(leg.asset) ?? []) mediators.add(m);
      parties.add(leg.from.did).add(leg.to.did);
    }
    const id = this.instructionIds.next('instruction');
    const portfolios = new Map<string, Pf>();
    for (const leg of x.legs) {
      if (leg.kind === 'Fungible') portfolios.set(pfKey(leg.from), leg.from).set(pfKey(leg.to), leg.to);
    }
    const rec: InstructionRec = {
      id,
      venueId: x.venueId,
      creator: did,
      settlementType: x.settlementType,
      tradeDate: x.tradeDate,
      valueDate: x.valueDate,
      createdAt: rt.now,
      memo: x.memo,
      legs: x.legs,
      portfolios: [...portfolios.values()],
      mediators: [...mediators].sort(),
    };
    this.instructions.set(id, rec);
    this.statuses.set(id, { type: 'Pending' });
    for (const k of pendingPfs.keys()) this.affirmations.set(`${id}|${k}`, 'Pending');
    for (const m of rec.mediators) {
      this.mediatorAffirmations.set(`${id}|${m}`, { status: 'Pending', expiry: null });
      parties.add(m);
    }
    this.pending.set(id, pendingPfs.size + offChain + rec.mediators.length);
    for (const p of parties) this.partyIndex.add(p, id);
    rt.emit(M, 'InstructionCreated', {
      did,
      venueId: x.venueId,
      instructionId: id,
      settlementType: x.settlementType,
      tradeDate: isoOrNull(x.tradeDate),
      valueDate: isoOrNull(x.valueDate),
      legs: x.legs.map(legToPort),
      memo: x.memo,
    });
    for (const [k, p] of preApproved) {
      if (pendingPfs.has(k)) continue;
      this.affirmations.set(`${id}|${k}`, 'Affirmed');
      rt.emit(M, 'InstructionAutomaticallyAffirmed', { did, portfolio: pfRef(p), instructionId: id });
    }
    if (rec.mediators.length > 0)
      rt.emit(M, 'InstructionMediators', { instructionId: id, mediators: rec.mediators });
    if (x.settlementType.type === 'SettleOnBlock') this.schedule(id, x.settlementType.block);
    return id;
  }

  /** `unsafe_affirm_instruction`: custody, Pending status, then lock the sender legs. */
  affirm(did: Did, id: number, pfs: Pf[]): InstructionRec {
    const rec = this.ensureValid(id, false);
    const { portfolio, asset } = this.chain;
    const keys = new Set<string>();
    for (const p of pfs) {
      portfolio.ensureCustodian(did, p);
      const k = pfKey(p);
      ensure(
        this.affirmations.get(`${id}|${k}`) === 'Pending',
        'UnexpectedAffirmationStatus',
        `portfolio ${k} has no pending affirmation`,
        M,
      );
      keys.add(k);
    }
    rec.legs.forEach((leg, legId) => {
      if (leg.kind !== 'Fungible' || !keys.has(pfKey(leg.from))) return;
      asset.ensureGranular(leg.asset, leg.amount);
      portfolio.lock(leg.from, leg.asset, leg.amount);
      this.legLocked.set(`${id}|${legId}`, true);
    });
    for (const p of pfs) {
      this.affirmations.set(`${id}|${pfKey(p)}`, 'Affirmed');
      this.chain.rt.emit(M, 'InstructionAffirmed', { did, portfolio: pfRef(p), instructionId: id });
    }
    this.pending.set(id, Math.max(0, (this.pending.get(id) ?? 0) - pfs.length));
    return rec;
  }

  private withdraw(did: Did, id: number, pfs: Pf[]): void {
    const rec = this.ensureValid(id, false);
    const keys = new Set<string>();
    for (const p of pfs) {
      this.chain.portfolio.ensureCustodian(did, p);
      const k = pfKey(p);
      ensure(
        this.affirmations.get(`${id}|${k}`) === 'Affirmed',
        'UnexpectedAffirmationStatus',
        `portfolio ${k} has not affirmed`,
        M,
      );
      keys.add(k);
    }
    rec.legs.forEach((leg, legId) => {
      if (leg.kind !== 'Fungible' || !keys.has(pfKey(leg.from))) return;
      const k = `${id}|${legId}`;
      ensure(this.legLocked.has(k), 'InstructionNotAffirmed', `leg ${legId} is not locked`, M);
      this.chain.portfolio.unlock(leg.from, leg.asset, leg.amount);
      this.legLocked.delete(k);
    });
    for (const p of pfs) {
      this.affirmations.set(`${id}|${pfKey(p)}`, 'Pending');
      this.chain.rt.emit(M, 'AffirmationWithdrawn', { did, portfolio: pfRef(p), instructionId: id });
    }
    this.pending.set(id, (this.pending.get(id) ?? 0) + pfs.length);
    if (rec.settlementType.type === 'SettleOnAffirmation') this.cancelSchedule(id);
  }

  private releaseLocks(rec: InstructionRec): void {
    rec.legs.forEach((leg, legId) => {
      const k = `${rec.id}|${legId}`;
      if (leg.kind === 'Fungible' && this.legLocked.has(k)) {
        this.chain.portfolio.unlock(leg.from, leg.asset, leg.amount);
        this.legLocked.delete(k);
      }
    });
  }

  /**
   * What Polymesh deletes on success or rejection: details, legs, leg statuses, pending count,
   * every affirmation and mediator affirmation. It keeps the status (`Success(block)` /
   * `Rejected(block)`, the port's `instructionStatus`), the memo and the used receipts; the
   * embedded ledger keeps the status and the used receipts (the port reads no pruned memo).
   */
  private prune(rec: InstructionRec): void {
    for (const p of rec.portfolios) this.affirmations.delete(`${rec.id}|${pfKey(p)}`);
    for (const m of rec.mediators) this.mediatorAffirmations.delete(`${rec.id}|${m}`);
    rec.legs.forEach((l, legId) => {
      if (l.kind === 'OffChain') this.offChainAffirmed.delete(`${rec.id}|${legId}`);
      const parties = l.kind === 'OffChain' ? [l.from, l.to] : [l.from.did, l.to.did];
      for (const d of parties) this.partyIndex.remove(d, rec.id);
    });
    for (const m of rec.mediators) this.partyIndex.remove(m, rec.id);
    this.pending.delete(rec.id);
    this.cancelSchedule(rec.id);
    this.instructions.delete(rec.id);
  }

  private reject(did: Did, id: number, p: Pf | null): void {
    const rec = this.recOf(id);
    const live = this.isLive(id);
    if (p) {
      const present = live && rec.portfolios.some((x) => pfKey(x) === pfKey(p));
      ensure(present, 'CallerIsNotAParty', 'the portfolio is not a party of the instruction', M);
      this.chain.portfolio.ensureCustodian(did, p);
    } else {
      ensure(
        live && this.mediatorAffirmations.has(`${id}|${did}`),
        'CallerIsNotAMediator',
        'not a mediator of the instruction',
        M,
      );
    }
    this.releaseLocks(rec);
    this.prune(rec);
    this.statuses.set(id, { type: 'Rejected', block: this.chain.rt.blockNumber });
    this.chain.rt.emit(M, 'InstructionRejected', { did, instructionId: id });
  }

  /**
   * `execute_instruction`: atomic. A failing leg reverts everything it did (locks and
   * affirmations stay) and emits `LegFailedExecution` after the revert, as Polymesh does.
   */
  execute(id: number, caller: Did): void {
    const rt = this.chain.rt;
    // Events are not journaled: keep the ones emitted so far and drop the reverted attempt's.
    const before = rt.takeEvents();
    let produced: RawEvent[];
    try {
      rt.state.journal.atomic(() => this.executeInner(id, caller));
      produced = rt.takeEvents();
    } catch (err) {
      rt.takeEvents();
      for (const e of before) rt.emit(e.module, e.name, e.data);
      // Polymesh 7.0 (tag v7.0.0) deposits both after reverting the attempt; a failing extrinsic
      // then drops them with the rest of its events, a scheduled run keeps them.
      if (err instanceof LegFailure) {
        rt.emit(M, 'LegFailedExecution', { did: caller, instructionId: id, legId: err.legId });
        rt.emit(M, 'InstructionFailed', { did: caller, instructionId: id });
      }
      throw err;
    }
    for (const e of [...before, ...produced]) rt.emit(e.module, e.name, e.data);
  }

  private executeInner(id: number, caller: Did): void {
    const { chain } = this;
    const rec = this.recOf(id);
    ensure(
      (this.pending.get(id) ?? 0) === 0,
      'NotAllAffirmationsHaveBeenReceived',
      'affirmations are missing',
      M,
    );
    ensure(
      this.isLive(id),
      'InvalidInstructionStatusForExecution',
      'only Pending or Failed instructions execute',
      M,
    );
    for (const m of rec.mediators) {
      const a = this.mediatorAffirmations.get(`${id}|${m}`);
      ensure(
        a?.status === 'Affirmed',
        'NotAllAffirmationsHaveBeenReceived',
        `mediator ${m} has not affirmed`,
        M,
      );
      ensure(
        a.expiry === null || a.expiry > chain.rt.now,
        'MediatorAffirmationExpired',
        `mediator ${m}'s affirmation expired`,
        M,
      );
    }
    for (const p of rec.portfolios) {
      ensure(
        this.affirmations.get(`${id}|${pfKey(p)}`) === 'Affirmed',
        'NotAllAffirmationsHaveBeenReceived',
        'affirmations are missing',
        M,
      );
    }
    const checked = new Set<AssetId>();
    for (const [legId, leg] of rec.legs.entries()) {
      if (leg.kind === 'OffChain') {
        ensure(
          this.offChainAffirmed.has(`${id}|${legId}`),
          'NotAllAffirmationsHaveBeenReceived',
          'no receipt',
          M,
        );
      } else if (!checked.has(leg.asset)) {
        checked.add(leg.asset);
        this.ensureVenueAllowed(rec.venueId, leg.asset);
      }
    }
    this.releaseLocks(rec);
    rec.legs.forEach((leg, legId) => {
      if (leg.kind !== 'Fungible') return;
      try {
        validateAssetTransfer(chain, leg.asset, leg.from, leg.to, leg.amount);
        chain.asset.moveUnits(leg.asset, leg.from, leg.to, leg.amount);
      } catch (err) {
        const reason = LedgerError.is(err) ? err.code : String(err);
        throw new LegFailure(legId, reason);
      }
      chain.asset.emitBalanceUpdated(caller, leg.asset, leg.amount, leg.from, leg.to, {
        type: 'Transferred',
        instructionId: id,
        memo: rec.memo,
      });
    });
    this.prune(rec);
    this.statuses.set(id, { type: 'Success', block: chain.rt.blockNumber });
    chain.rt.emit(M, 'InstructionExecuted', { did: caller, instructionId: id });
  }

  /** The scheduler's task at the start of each block. */
  private runScheduled(block: number): void {
    const ids = [...this.scheduleIndex.members(block)];
    for (const id of ids) {
      this.scheduleIndex.remove(block, id);
      this.scheduledAt.delete(id);
      try {
        this.execute(id, SETTLEMENT_DID);
      } catch (err) {
        const code = LedgerError.is(err) ? err.code : 'FailedToReleaseLockOrTransferAssets';
        this.statuses.set(id, { type: 'Failed' });
        this.chain.rt.emit(M, 'FailedToExecuteInstruction', {
          instructionId: id,
          error: code,
          ...(LedgerError.is(err) && err.details ? { details: err.details } : {}),
        });
      }
    }
  }

  // ---------------------------------------------------------------- calls

  private argNewInstruction(a: Record<string, unknown>): NewInstruction {
    const mediators = argDidSet(a['mediators'], 'mediators');
    if (mediators.length > MAX_INSTRUCTION_MEDIATORS)
      invalid('mediators', `at most ${MAX_INSTRUCTION_MEDIATORS}`);
    return {
      venueId:
        a['venueId'] === undefined || a['venueId'] === null ? null : argInt(a['venueId'], 'venueId', 1),
      settlementType: argSettlementType(a['settlementType']),
      tradeDate: optTime(a['tradeDate'], 'tradeDate'),
      valueDate: optTime(a['valueDate'], 'valueDate'),
      legs: argArray(a['legs'], 'legs').map((l, i) => argLeg(l, i)),
      memo: argMemo(a['memo']),
      mediators,
    };
  }

  private registerCalls(): void {
    const { chain } = this;
    const rt = chain.rt;
    const didOf = (o: Origin): Did => o.did as Did;
    const agent = (o: Origin, assetId: unknown, call: string): { did: Did; asset: AssetId } => {
      const asset = argAssetId(assetId);
      return { did: chain.agents.requirePermission(o, asset, call), asset };
    };
    const ownVenue = (did: Did, v: unknown): { id: number; rec: VenueRec } => {
      const id = argInt(v, 'venueId', 1);
      const rec = this.venues.get(id);
      ensure(rec, 'InvalidVenue', `venue ${id} does not exist`, M);
      ensure(rec.creator === did, 'Unauthorized', `venue ${id} belongs to another identity`, M);
      return { id, rec };
    };

    rt.register('settlement.createVenue', {
      handler: (o, a) => {
        const did = didOf(o);
        const details = argString(a.details, 'details', VENUE_DETAILS_MAX_BYTES);
        const type = argVenueType(a.type);
        const signers = [
          ...new Set(
            argArray(a.signers ?? [], 'signers').map((s, i) => chain.argAddress(s, `signers[${i}]`)),
          ),
        ];
        ensure(
          signers.length <= MAX_VENUE_SIGNERS,
          'NumberOfVenueSignersExceeded',
          'too many venue signers',
          M,
        );
        const venueId = this.venueIds.next('venue');
        this.venues.set(venueId, { creator: did, type, details, signers });
        this.userVenues.add(did, venueId);
        rt.emit(M, 'VenueCreated', { did, venueId, details, type });
        return { venueId };
      },
    });
    rt.register('settlement.updateVenueDetails', {
      handler: (o, a) => {
        const { id, rec } = ownVenue(didOf(o), a.venueId);
        const details = argString(a.details, 'details', VENUE_DETAILS_MAX_BYTES);
        this.venues.set(id, { ...rec, details });
        rt.emit(M, 'VenueDetailsUpdated', { did: o.did, venueId: id, details });
      },
    });
    rt.register('settlement.updateVenueType', {
      handler: (o, a) => {
        const { id, rec } = ownVenue(didOf(o), a.venueId);
        const type = argVenueType(a.type);
        this.venues.set(id, { ...rec, type });
        rt.emit(M, 'VenueTypeUpdated', { did: o.did, venueId: id, type });
      },
    });
    rt.register('settlement.updateVenueSigners', {
      handler: (o, a) => {
        const { id, rec } = ownVenue(didOf(o), a.venueId);
        const add = argBool(a.add, 'add');
        const given = argArray(a.signers, 'signers').map((x, i) => chain.argAddress(x, `signers[${i}]`));
        const signers = new Set(rec.signers);
        for (const g of given) {
          ensure(
            signers.has(g) !== add,
            add ? 'SignerAlreadyExists' : 'SignerDoesNotExist',
            `signer ${g}`,
            M,
          );
          if (add) signers.add(g);
          else signers.delete(g);
        }
        ensure(
          signers.size <= MAX_VENUE_SIGNERS,
          'NumberOfVenueSignersExceeded',
          'too many venue signers',
          M,
        );
        this.venues.set(id, { ...rec, signers: [...signers] });
        rt.emit(M, 'VenueSignersUpdated', { did: o.did, venueId: id, signers: given, added: add });
      },
    });
    rt.register('settlement.affirmWithReceipts', {
      handler: (o, a) => {
        const did = didOf(o);
        const id = argInt(a.id, 'id', 1);
        const pfs = a.portfolios === undefined ? [] : argPortfolioSet(a.portfolios, 'portfolios');
        const receipts = argArray<Record<string, unknown>>(a.receipts, 'receipts');
        ensure(
          receipts.length <= MAX_RECEIPTS,
          'MaxNumberOfReceiptsExceeded',
          `at most ${MAX_RECEIPTS} receipts`,
          M,
        );
        const rec = this.ensureValid(id, false);
        const venue = rec.venueId === null ? undefined : this.venues.get(rec.venueId);
        const uids = new Set<string>();
        const legs = new Set<number>();
        const accepted: { legId: number; uid: number; signer: Address; metadata: string | null }[] = [];
        for (const [i, r] of receipts.entries()) {
          const f = `receipts[${i}]`;
          const uid = argInt(r?.['uid'], `${f}.uid`);
          const legId = argInt(r?.['legId'], `${f}.legId`);
          const signer = chain.argAddress(r?.['signer'], `${f}.signer`);
          const signature = argSignature(r?.['signature'], `${f}.signature`);
          ensure(!uids.has(`${signer}|${uid}`), 'DuplicateReceiptUid', 'a receipt uid appears twice', M);
          uids.add(`${signer}|${uid}`);
          ensure(!legs.has(legId), 'MultipleReceiptsForOneLeg', 'two receipts for one leg', M);
          legs.add(legId);
          if (venue)
            ensure(
              venue.signers.includes(signer),
              'UnauthorizedSigner',
              `${signer} is not a venue signer`,
              M,
            );
          ensure(
            !this.receiptsUsed.has(`${signer}|${uid}`),
            'ReceiptAlreadyClaimed',
            `receipt ${uid} was used`,
            M,
          );
          const leg = rec.legs[legId];
          ensure(leg, 'LegNotFound', `no leg ${legId}`, M);
          ensure(leg.kind === 'OffChain', 'ReceiptForInvalidLegType', 'receipts are for off-chain legs', M);
          ensure(
            !this.offChainAffirmed.has(`${id}|${legId}`),
            'UnexpectedAffirmationStatus',
            'leg already affirmed',
            M,
          );
          const msg = receiptMessage({
            uid,
            instructionId: id,
            legId,
            from: leg.from,
            to: leg.to,
            ticker: leg.ticker,
            amount: fromUnits(leg.amount),
          });
          const valid = verifyReceipt(msg, signature, signer);
          ensure(valid, 'InvalidSignature', `receipt ${uid} has an invalid signature`, M);
          const metadata =
            r?.['metadata'] === undefined
              ? null
              : argString(r['metadata'], `${f}.metadata`, RECEIPT_METADATA_MAX_BYTES);
          accepted.push({ legId, uid, signer, metadata });
        }
        if (pfs.length > 0) this.affirm(did, id, pfs);
        for (const x of accepted) {
          this.offChainAffirmed.set(`${id}|${x.legId}`, true);
          this.receiptsUsed.set(`${x.signer}|${x.uid}`, true);
          rt.emit(M, 'ReceiptClaimed', {
            did,
            instructionId: id,
            legId: x.legId,
            uid: x.uid,
            signer: x.signer,
            metadata: x.metadata,
          });
        }
        this.pending.set(id, Math.max(0, (this.pending.get(id) ?? 0) - accepted.length));
        this.maybeSchedule(rec);
      },
    });
    rt.register('settlement.setVenueFiltering', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'settlement.setVenueFiltering');
        const enabled = argBool(a.enabled, 'enabled');
        if (enabled) this.filtering.set(asset, true);
        else this.filtering.delete(asset);
        rt.emit(M, 'VenueFiltering', { did, assetId: asset, enabled });
      },
    });
    rt.register('settlement.allowVenues', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'settlement.allowVenues');
        const venues = argArray(a.venues, 'venues').map((v, i) => argInt(v, `venues[${i}]`, 1));
        for (const v of venues) this.allowList.set(`${asset}|${v}`, true);
        rt.emit(M, 'VenuesAllowed', { did, assetId: asset, venues });
      },
    });
    rt.register('settlement.disallowVenues', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'settlement.disallowVenues');
        const venues = argArray(a.venues, 'venues').map((v, i) => argInt(v, `venues[${i}]`, 1));
        for (const v of venues) this.allowList.delete(`${asset}|${v}`);
        rt.emit(M, 'VenuesBlocked', { did, assetId: asset, venues });
      },
    });

    rt.register('settlement.addInstruction', {
      handler: (o, a) => ({
        instructionId: this.addInstruction(didOf(o), this.argNewInstruction(a as Record<string, unknown>)),
      }),
    });
    rt.register('settlement.addAndAffirmInstruction', {
      handler: (o, a) => {
        const did = didOf(o);
        const pfs = argPortfolioSet(a.portfolios, 'portfolios');
        const id = this.addInstruction(did, this.argNewInstruction(a as Record<string, unknown>));
        this.maybeSchedule(this.affirm(did, id, pfs));
        return { instructionId: id };
      },
    });
    rt.register('settlement.affirmInstruction', {
      handler: (o, a) => {
        const rec = this.affirm(didOf(o), argInt(a.id, 'id', 1), argPortfolioSet(a.portfolios, 'portfolios'));
        this.maybeSchedule(rec);
      },
    });
    rt.register('settlement.withdrawAffirmation', {
      handler: (o, a) =>
        this.withdraw(didOf(o), argInt(a.id, 'id', 1), argPortfolioSet(a.portfolios, 'portfolios')),
    });
    rt.register('settlement.rejectInstruction', {
      handler: (o, a) => this.reject(didOf(o), argInt(a.id, 'id', 1), argPortfolio(a.portfolio, 'portfolio')),
    });
    rt.register('settlement.rejectInstructionAsMediator', {
      handler: (o, a) => this.reject(didOf(o), argInt(a.id, 'id', 1), null),
    });
    rt.register('settlement.affirmInstructionAsMediator', {
      handler: (o, a) => {
        const did = didOf(o);
        const id = argInt(a.id, 'id', 1);
        const rec = this.ensureValid(id, false);
        const k = `${id}|${did}`;
        const m = this.mediatorAffirmations.get(k);
        ensure(m, 'CallerIsNotAMediator', 'not a mediator of the instruction', M);
        const expiry = optTime(a.expiry, 'expiry');
        ensure(expiry === null || expiry > rt.now, 'InvalidExpiryDate', 'expiry must be in the future', M);
        this.mediatorAffirmations.set(k, { status: 'Affirmed', expiry });
        if (m.status === 'Pending') this.pending.set(id, Math.max(0, (this.pending.get(id) ?? 0) - 1));
        this.maybeSchedule(rec);
        rt.emit(M, 'MediatorAffirmationReceived', { did, instructionId: id, expiry: isoOrNull(expiry) });
      },
    });
    rt.register('settlement.withdrawAffirmationAsMediator', {
      handler: (o, a) => {
        const did = didOf(o);
        const id = argInt(a.id, 'id', 1);
        const rec = this.ensureValid(id, false);
        const k = `${id}|${did}`;
        const m = this.mediatorAffirmations.get(k);
        ensure(m, 'CallerIsNotAMediator', 'not a mediator of the instruction', M);
        ensure(m.status === 'Affirmed', 'UnexpectedAffirmationStatus', 'the mediator has not affirmed', M);
        this.mediatorAffirmations.set(k, { status: 'Pending', expiry: null });
        const before = this.pending.get(id) ?? 0;
        this.pending.set(id, before + 1);
        if (before === 0 && rec.settlementType.type === 'SettleOnAffirmation') this.cancelSchedule(id);
        rt.emit(M, 'MediatorAffirmationWithdrawn', { did, instructionId: id });
      },
    });
    rt.register('settlement.executeManualInstruction', {
      handler: (o, a) => {
        const did = didOf(o);
        const id = argInt(a.id, 'id', 1);
        const rec = this.ensureValid(id, true);
        const live = this.isLive(id);
        if (a.portfolio !== undefined) {
          const p = argPortfolio(a.portfolio, 'portfolio');
          chain.portfolio.ensureCustodian(did, p);
          ensure(
            live && rec.portfolios.some((x) => pfKey(x) === pfKey(p)),
            'CallerIsNotAParty',
            'the portfolio is not a party',
            M,
          );
        } else {
          const venueCreator = rec.venueId !== null && this.venues.get(rec.venueId)?.creator === did;
          const offChainParty =
            live && rec.legs.some((l) => l.kind === 'OffChain' && (l.from === did || l.to === did));
          ensure(
            venueCreator || offChainParty,
            'Unauthorized',
            'only a party, the venue creator or an off-chain party may execute',
            M,
          );
        }
        this.execute(id, did);
        rt.emit(M, 'SettlementManuallyExecuted', { did, instructionId: id });
      },
    });

    rt.register('asset.preApproveAsset', {
      handler: (o, a) => {
        const asset = argAssetId(a.assetId);
        chain.asset.ensureExists(asset);
        this.preApprovedAssets.set(`${didOf(o)}|${asset}`, true);
        rt.emit('asset', 'PreApprovedAsset', { did: o.did, assetId: asset });
      },
    });
    rt.register('asset.removeAssetPreApproval', {
      handler: (o, a) => {
        const asset = argAssetId(a.assetId);
        this.preApprovedAssets.delete(`${didOf(o)}|${asset}`);
        rt.emit('asset', 'RemovePreApprovedAsset', { did: o.did, assetId: asset });
      },
    });
    rt.register('asset.addMandatoryMediators', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'asset.addMandatoryMediators');
        const add = argDidSet(a.mediators, 'mediators');
        const next = [...new Set([...(this.assetMediators.get(asset) ?? []), ...add])].sort();
        ensure(
          next.length <= MAX_ASSET_MEDIATORS,
          'NumberOfAssetMediatorsExceeded',
          'at most 4 mediators per asset',
          'asset',
        );
        this.assetMediators.set(asset, next);
        rt.emit('asset', 'AssetMediatorsAdded', { did, assetId: asset, mediators: add });
      },
    });
    rt.register('asset.removeMandatoryMediators', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'asset.removeMandatoryMediators');
        const remove = new Set(argDidSet(a.mediators, 'mediators'));
        this.assetMediators.set(
          asset,
          (this.assetMediators.get(asset) ?? []).filter((m) => !remove.has(m)),
        );
        rt.emit('asset', 'AssetMediatorsRemoved', { did, assetId: asset, mediators: [...remove] });
      },
    });
    rt.register('portfolio.preApprovePortfolio', {
      handler: (o, a) => {
        const asset = argAssetId(a.assetId);
        const p = argPortfolio(a.portfolio, 'portfolio');
        chain.portfolio.ensureExists(p);
        chain.portfolio.ensureCustodian(didOf(o), p);
        this.preApprovedPortfolios.set(`${pfKey(p)}|${asset}`, true);
        rt.emit('portfolio', 'PreApprovedPortfolio', { did: o.did, portfolio: pfRef(p), assetId: asset });
      },
    });
    rt.register('portfolio.removePortfolioPreApproval', {
      handler: (o, a) => {
        const asset = argAssetId(a.assetId);
        const p = argPortfolio(a.portfolio, 'portfolio');
        chain.portfolio.ensureCustodian(didOf(o), p);
        this.preApprovedPortfolios.delete(`${pfKey(p)}|${asset}`);
        rt.emit('portfolio', 'RevokePreApprovedPortfolio', {
          did: o.did,
          portfolio: pfRef(p),
          assetId: asset,
        });
      },
    });
  }
}

/** A leg's §8 failure inside execution; surfaces as `FailedToReleaseLockOrTransferAssets`. */
class LegFailure extends LedgerError {
  constructor(
    readonly legId: number,
    readonly reason: string,
  ) {
    super('FailedToReleaseLockOrTransferAssets', `leg ${legId} failed: ${reason}`, M, { legId, reason });
  }
}

const SIGNATURE_BYTES: Readonly<Record<MultiSignature['type'], number>> = {
  Sr25519: 64,
  Ed25519: 64,
  Ecdsa: 65,
};

/** A `MultiSignature` the chain can decode: a known key type and a signature of its length. */
function argSignature(v: unknown, field: string): MultiSignature {
  const o = (v ?? {}) as Record<string, unknown>;
  const type = o['type'];
  if (type !== 'Sr25519' && type !== 'Ed25519' && type !== 'Ecdsa')
    invalid(`${field}.type`, 'must be Sr25519, Ed25519 or Ecdsa');
  const value = o['value'];
  const bytes = SIGNATURE_BYTES[type];
  if (typeof value !== 'string' || !isHex(value, bytes * 8))
    invalid(`${field}.value`, `must be ${bytes} bytes of 0x-hex`);
  return { type, value };
}

/**
 * `MultiSignature::verify(message, signer)` as sp_runtime does it: the key type given is the only
 * one tried, over the message bytes as they are; Ecdsa recovers the key from blake2_256(message)
 * and compares blake2_256 of the compressed key with the account.
 */
function verifyReceipt(message: Uint8Array, signature: MultiSignature, signer: Address): boolean {
  try {
    const account = decodeAddress(signer);
    const sig = hexToU8a(signature.value);
    switch (signature.type) {
      case 'Sr25519':
        return sr25519Verify(message, sig, account);
      case 'Ed25519':
        return ed25519Verify(message, sig, account);
      case 'Ecdsa':
        return secp256k1Verify(message, sig, account, 'blake2');
    }
  } catch {
    return false;
  }
}
