/**
 * Corporate actions, capital distributions and corporate ballots (POLYMESH.md §10,
 * pallets/corporate-actions). Withholding taxes are held as Permill and travel as percentages.
 */
import type { AssetId, Did } from '../../ledger.js';
import type {
  BallotInfo,
  BallotMeta,
  BallotVote,
  CADefaults,
  CAKind,
  CorporateActionInfo,
  DistributionInfo,
  RecordDate,
  TargetIdentities,
} from '../../calls-corporate.js';
import type { Chain } from '../chain.js';
import { ONE_UNIT, fromUnits, percentToPermill, permillToPercent, toUnits } from '../amounts.js';
import {
  argArray,
  argAssetId,
  argBool,
  argDid,
  argInt,
  argString,
  argTime,
  ensure,
  invalid,
  iso,
  isoOrNull,
  optTime,
  type Origin,
} from '../runtime.js';
import { pfRef, type Pf } from './portfolio.js';
import { validateAssetTransfer } from './transfer.js';
import {
  BALLOT_TEXT_MAX_BYTES,
  CA_DETAILS_MAX_BYTES,
  MAX_CA_DID_TAXES,
  MAX_CA_TARGETS,
  byteLength,
} from '../../limits.js';
import type { RecordDateSpec } from '../../calls-corporate.js';

const CA = 'corporateAction';
const DIST = 'capitalDistribution';
const BALLOT = 'corporateBallot';
const CA_KINDS: readonly CAKind[] = [
  'PredictableBenefit',
  'UnpredictableBenefit',
  'IssuerNotice',
  'Reorganization',
  'Other',
];

interface Targets {
  identities: readonly Did[];
  include: boolean;
}

interface CARec {
  kind: CAKind;
  declDate: number;
  recordDate: { date: number; cp: RecordDate['checkpoint'] } | null;
  details: string;
  targets: Targets;
  defaultTax: number;
  /** Sorted by DID. */
  taxes: readonly (readonly [Did, number])[];
}

interface DistRec {
  from: Pf;
  currency: AssetId;
  perShare: bigint;
  amount: bigint;
  remaining: bigint;
  reclaimed: boolean;
  paymentAt: number;
  expiresAt: number | null;
}

interface BallotRec {
  start: number;
  end: number;
  meta: BallotMeta;
  rcv: boolean;
  choices: readonly number[];
}

interface VoteRec {
  power: bigint;
  fallback: number | null;
}

function argTargets(v: unknown, field = 'targets'): Targets {
  if (typeof v !== 'object' || v === null) invalid(field, 'must be { identities, treatment }');
  const o = v as Record<string, unknown>;
  if (o['treatment'] !== 'Include' && o['treatment'] !== 'Exclude')
    invalid(`${field}.treatment`, 'Include or Exclude');
  const ids = argArray(o['identities'], `${field}.identities`).map((d, i) =>
    argDid(d, `${field}.identities[${i}]`),
  );
  ensure(ids.length <= MAX_CA_TARGETS, 'TooManyTargetIds', `at most ${MAX_CA_TARGETS} target identities`, CA);
  return { identities: [...new Set(ids)].sort(), include: o['treatment'] === 'Include' };
}

function targetsToPort(t: Targets): TargetIdentities {
  return { identities: [...t.identities], treatment: t.include ? 'Include' : 'Exclude' };
}

/** Polymesh `TargetIdentities::targets`. */
function targets(t: Targets, did: Did): boolean {
  return t.include === t.identities.includes(did);
}

/** `Permill * Balance`: rounds to the nearest unit, ties down (substrate's PerThing multiplication). */
function permillOf(amount: bigint, permill: number): bigint {
  const p = amount * BigInt(permill);
  const q = p / 1_000_000n;
  return (p % 1_000_000n) * 2n > 1_000_000n ? q + 1n : q;
}

function taxOf(ca: CARec, did: Did): number {
  return ca.taxes.find(([d]) => d === did)?.[1] ?? ca.defaultTax;
}

/** The ballot's metadata, by shape only; the chain's limits come after its other checks (`metaChoices`). */
function argMeta(v: unknown): BallotMeta {
  if (typeof v !== 'object' || v === null) invalid('meta', 'must be { title, motions }');
  const o = v as Record<string, unknown>;
  const motions = argArray<Record<string, unknown>>(o['motions'], 'meta.motions').map((m, i) => ({
    title: argString(m?.['title'], `meta.motions[${i}].title`),
    infoLink: argString(m?.['infoLink'] ?? '', `meta.motions[${i}].infoLink`),
    choices: argArray(m?.['choices'], `meta.motions[${i}].choices`).map((c, j) =>
      argString(c, `meta.motions[${i}].choices[${j}]`),
    ),
  }));
  return { title: argString(o['title'], 'meta.title'), motions };
}

/**
 * `derive_motion_num_choices` (a motion's choices must fit a u16: `NumberOfChoicesOverflow`),
 * then `ensure_meta_lengths_limited` (every text within the base pallet's limit: `TooLong`).
 */
function metaChoices(meta: BallotMeta): number[] {
  const choices = meta.motions.map((m) => m.choices.length);
  ensure(
    choices.every((c) => c <= 0xffff),
    'NumberOfChoicesOverflow',
    'too many choices in a motion',
    BALLOT,
  );
  const texts = [meta.title, ...meta.motions.flatMap((m) => [m.title, m.infoLink, ...m.choices])];
  ensure(
    texts.every((t) => byteLength(t) <= BALLOT_TEXT_MAX_BYTES),
    'TooLong',
    `a ballot text is longer than ${BALLOT_TEXT_MAX_BYTES} bytes`,
    'base',
  );
  return choices;
}

export class CorporateActionsModule {
  private readonly cas;
  private readonly caIds;
  private readonly defaultTargets;
  private readonly defaultTax;
  private readonly didTaxes;
  private readonly dists;
  private readonly paid;
  private readonly ballots;
  private readonly votes;
  private readonly results;
  /** `CADocLink`: `${asset}|${caId}` → document ids. */
  private readonly docLinks;

  constructor(private readonly chain: Chain) {
    const s = chain.rt.state;
    this.cas = s.map<string, CARec>();
    this.caIds = s.counter<AssetId>();
    this.defaultTargets = s.map<AssetId, Targets>();
    this.defaultTax = s.map<AssetId, number>();
    this.didTaxes = s.map<AssetId, readonly (readonly [Did, number])[]>();
    this.dists = s.map<string, DistRec>();
    this.paid = s.map<string, true>();
    this.ballots = s.map<string, BallotRec>();
    this.votes = s.map<string, readonly VoteRec[]>();
    this.results = s.map<string, readonly bigint[]>();
    this.docLinks = s.map<string, readonly number[]>();
    this.registerCaCalls();
    this.registerDistributionCalls();
    this.registerBallotCalls();
  }

  // ---------------------------------------------------------------- reads

  private caInfo(asset: AssetId, caId: number, ca: CARec): CorporateActionInfo {
    return {
      assetId: asset,
      caId,
      kind: ca.kind,
      declDate: iso(ca.declDate),
      recordDate: ca.recordDate ? { date: iso(ca.recordDate.date), checkpoint: ca.recordDate.cp } : null,
      details: ca.details,
      targets: targetsToPort(ca.targets),
      defaultWithholdingTax: permillToPercent(ca.defaultTax),
      withholdingTax: ca.taxes.map(([did, t]) => ({ did, tax: permillToPercent(t) })),
      documents: [...(this.docLinks.get(`${asset}|${caId}`) ?? [])],
    };
  }

  corporateAction(asset: AssetId, caId: number): CorporateActionInfo | null {
    const ca = this.cas.get(`${asset}|${caId}`);
    return ca ? this.caInfo(asset, caId, ca) : null;
  }

  corporateActions(asset: AssetId): CorporateActionInfo[] {
    const out: CorporateActionInfo[] = [];
    const next = this.caIds.peek(asset, 0);
    for (let id = 0; id < next; id++) {
      const info = this.corporateAction(asset, id);
      if (info) out.push(info);
    }
    return out;
  }

  defaults(asset: AssetId): CADefaults {
    return {
      targets: targetsToPort(this.defaultTargets.get(asset) ?? { identities: [], include: false }),
      defaultWithholdingTax: permillToPercent(this.defaultTax.get(asset) ?? 0),
      withholdingTax: (this.didTaxes.get(asset) ?? []).map(([did, t]) => ({ did, tax: permillToPercent(t) })),
    };
  }

  distribution(asset: AssetId, caId: number): DistributionInfo | null {
    const d = this.dists.get(`${asset}|${caId}`);
    if (!d) return null;
    return {
      assetId: asset,
      caId,
      from: pfRef(d.from),
      currency: d.currency,
      perShare: fromUnits(d.perShare),
      amount: fromUnits(d.amount),
      remaining: fromUnits(d.remaining),
      reclaimed: d.reclaimed,
      paymentAt: iso(d.paymentAt),
      expiresAt: isoOrNull(d.expiresAt),
    };
  }

  isPaid(asset: AssetId, caId: number, did: Did): boolean {
    return this.paid.has(`${asset}|${caId}|${did}`);
  }

  ballot(asset: AssetId, caId: number): BallotInfo | null {
    const k = `${asset}|${caId}`;
    const b = this.ballots.get(k);
    if (!b) return null;
    const total = b.choices.reduce((s, c) => s + c, 0);
    const results = this.results.get(k) ?? new Array<bigint>(total).fill(0n);
    return {
      assetId: asset,
      caId,
      start: iso(b.start),
      end: iso(b.end),
      meta: b.meta,
      rcv: b.rcv,
      results: results.map(fromUnits),
    };
  }

  ballotVotes(asset: AssetId, caId: number, did: Did): BallotVote[] | null {
    const v = this.votes.get(`${asset}|${caId}|${did}`);
    return v
      ? v.map((x) =>
          x.fallback === null
            ? { power: fromUnits(x.power) }
            : { power: fromUnits(x.power), fallback: x.fallback },
        )
      : null;
  }

  // ---------------------------------------------------------------- rules

  private ensureCa(asset: AssetId, caId: number): CARec {
    const ca = this.cas.get(`${asset}|${caId}`);
    ensure(ca, 'NoSuchCA', `no corporate action ${caId} for ${asset}`, CA);
    return ca;
  }

  private ensureRecordDateBefore(ca: CARec, start: number): void {
    ensure(ca.recordDate, 'NoRecordDate', 'the corporate action has no record date', CA);
    ensure(ca.recordDate.date <= start, 'RecordDateAfterStart', 'the record date is after the start', CA);
  }

  /** balance at the record date's checkpoint, or the current balance while it has not materialised. */
  private recordBalance(asset: AssetId, ca: CARec, did: Did): bigint {
    ensure(ca.recordDate, 'NoRecordDate', 'the corporate action has no record date', CA);
    const cp = ca.recordDate.cp;
    const id =
      cp.type === 'Existing'
        ? cp.checkpointId
        : this.chain.checkpoint.schedulePoint(asset, cp.scheduleId, cp.index);
    return id === undefined
      ? this.chain.asset.balanceOf(asset, did)
      : this.chain.checkpoint.balanceAt(asset, did, id);
  }

  private agent(o: Origin, assetId: unknown, call: string): { did: Did; asset: AssetId } {
    const asset = argAssetId(assetId);
    return { did: this.chain.agents.requirePermission(o, asset, call), asset };
  }

  private argTaxes(v: unknown): (readonly [Did, number])[] {
    const list = argArray<Record<string, unknown>>(v, 'withholdingTax').map(
      (x, i) =>
        [
          argDid(x?.['did'], `withholdingTax[${i}].did`),
          percentToPermill(x?.['tax'], `withholdingTax[${i}].tax`),
        ] as const,
    );
    ensure(
      list.length <= MAX_CA_DID_TAXES,
      'TooManyDidTaxes',
      `at most ${MAX_CA_DID_TAXES} withholding tax overrides`,
      CA,
    );
    list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    ensure(
      new Set(list.map(([d]) => d)).size === list.length,
      'DuplicateDidTax',
      'a DID has two tax overrides',
      CA,
    );
    return list;
  }

  /**
   * `handle_record_date`: a new one-point schedule (referenced once), the next point of an
   * existing schedule (its reference count + 1) or an existing checkpoint.
   */
  private recordDateOf(did: Did, asset: AssetId, v: unknown): NonNullable<CARec['recordDate']> {
    const spec = (v ?? {}) as Record<string, unknown>;
    const cpm = this.chain.checkpoint;
    switch (spec['type'] as RecordDateSpec['type']) {
      case 'Scheduled': {
        const s = cpm.createSchedule(did, asset, [argTime(spec['at'], 'recordDate.at')], 1);
        return { date: s.at, cp: { type: 'Scheduled', scheduleId: s.id, index: 0 } };
      }
      case 'ExistingSchedule': {
        const scheduleId = argInt(spec['scheduleId'], 'recordDate.scheduleId', 1);
        const next = cpm.scheduleNext(asset, scheduleId);
        cpm.changeScheduleRef(asset, scheduleId, 1);
        return { date: next.at, cp: { type: 'Scheduled', scheduleId, index: next.index } };
      }
      case 'Existing': {
        const checkpointId = argInt(spec['checkpointId'], 'recordDate.checkpointId', 1);
        ensure(cpm.exists(asset, checkpointId), 'NoSuchCheckpointId', `no checkpoint ${checkpointId}`, CA);
        return { date: cpm.timeOf(asset, checkpointId) as number, cp: { type: 'Existing', checkpointId } };
      }
      default:
        return invalid('recordDate.type', 'must be Scheduled, ExistingSchedule or Existing');
    }
  }

  /** `dec_strong_ref_count`: a schedule used as record date is referenced once less. */
  private releaseRecordDate(asset: AssetId, ca: CARec): void {
    const cp = ca.recordDate?.cp;
    if (cp?.type === 'Scheduled') this.chain.checkpoint.changeScheduleRef(asset, cp.scheduleId, -1);
  }

  /** `ensure_ballot_not_started` (`VotingAlreadyStarted` once now ≥ start). */
  private ensureBallotNotStarted(b: BallotRec): void {
    ensure(this.chain.rt.now < b.start, 'VotingAlreadyStarted', 'voting has started', BALLOT);
  }

  /** `ensure_distribution_not_started` (`DistributionStarted` once now ≥ the payment date). */
  private ensureDistributionNotStarted(d: DistRec): void {
    ensure(this.chain.rt.now < d.paymentAt, 'DistributionStarted', 'payment has started', DIST);
  }

  /** `remove_ballot_base`. */
  private removeBallot(did: Did, asset: AssetId, caId: number, b: BallotRec): void {
    this.ensureBallotNotStarted(b);
    this.ballots.delete(`${asset}|${caId}`);
    this.results.delete(`${asset}|${caId}`);
    this.chain.rt.emit(BALLOT, 'Removed', { did, assetId: asset, caId });
  }

  /** `unverified_remove_distribution`: unlocks the whole amount. */
  private removeDistribution(did: Did, asset: AssetId, caId: number, d: DistRec): void {
    this.ensureDistributionNotStarted(d);
    this.chain.portfolio.unlock(d.from, d.currency, d.amount);
    this.dists.delete(`${asset}|${caId}`);
    this.chain.rt.emit(DIST, 'Removed', { did, assetId: asset, caId });
  }

  /** Pays a holder's benefit (claim or push). */
  private transferBenefit(
    actor: Did,
    holder: Did,
    asset: AssetId,
    caId: number,
  ): { benefit: bigint; tax: bigint; gain: bigint } {
    const { chain } = this;
    const now = chain.rt.now;
    const pk = `${asset}|${caId}|${holder}`;
    ensure(!this.paid.has(pk), 'HolderAlreadyPaid', 'the holder has been paid', DIST);
    const k = `${asset}|${caId}`;
    const d = this.dists.get(k);
    ensure(d, 'NoSuchDistribution', `no distribution for corporate action ${caId}`, DIST);
    ensure(now >= d.paymentAt, 'CannotClaimBeforeStart', 'the payment date has not come', DIST);
    ensure(
      d.expiresAt === null || d.expiresAt > now,
      'CannotClaimAfterExpiry',
      'the distribution has expired',
      DIST,
    );
    const ca = this.ensureCa(asset, caId);
    ensure(
      targets(ca.targets, holder),
      'NotTargetedByCA',
      'the corporate action does not target the holder',
      CA,
    );
    const benefit = (this.recordBalance(asset, ca, holder) * d.perShare) / ONE_UNIT;
    ensure(d.remaining >= benefit, 'InsufficientRemainingAmount', 'not enough left to distribute', DIST);
    const taxRate = taxOf(ca, holder);
    let gain = benefit - permillOf(benefit, taxRate);
    const currency = chain.asset.get(d.currency);
    if (currency && !currency.divisible) gain = (gain / ONE_UNIT) * ONE_UNIT;
    chain.portfolio.unlock(d.from, d.currency, benefit);
    const to: Pf = { did: holder, number: 0 };
    if (gain > 0n) {
      validateAssetTransfer(chain, d.currency, d.from, to, gain);
      chain.asset.moveUnits(d.currency, d.from, to, gain);
      chain.asset.emitBalanceUpdated(actor, d.currency, gain, d.from, to, {
        type: 'Transferred',
        instructionId: null,
        memo: null,
      });
    }
    this.paid.set(pk, true);
    const next = { ...d, remaining: d.remaining - benefit };
    this.dists.set(k, next);
    chain.rt.emit(DIST, 'BenefitClaimed', {
      did: actor,
      holder,
      assetId: asset,
      caId,
      distribution: this.distribution(asset, caId),
      benefit: fromUnits(benefit),
      tax: permillToPercent(taxRate),
    });
    return { benefit, tax: benefit - gain, gain };
  }

  // ---------------------------------------------------------------- calls

  private registerCaCalls(): void {
    const { chain } = this;
    const rt = chain.rt;
    rt.register('corporateAction.initiateCorporateAction', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'corporateAction.initiateCorporateAction');
        const details = argString(a.details ?? '', 'details');
        ensure(byteLength(details) <= CA_DETAILS_MAX_BYTES, 'DetailsTooLong', 'details too long', CA);
        if (!(CA_KINDS as readonly unknown[]).includes(a.kind))
          invalid('kind', `must be one of ${CA_KINDS.join(', ')}`);
        const taxes = a.withholdingTax === undefined ? null : this.argTaxes(a.withholdingTax);
        const tg = a.targets === undefined ? null : argTargets(a.targets);
        const declDate = argTime(a.declDate, 'declDate');
        ensure(declDate <= rt.now, 'DeclDateInFuture', 'the declaration date is in the future', CA);
        let recordDate: CARec['recordDate'] = null;
        if (a.recordDate !== undefined) {
          recordDate = this.recordDateOf(did, asset, a.recordDate);
          ensure(
            declDate <= recordDate.date,
            'DeclDateAfterRecordDate',
            'the declaration date is after the record date',
            CA,
          );
        }
        const caId = this.caIds.next(asset, 0);
        const ca: CARec = {
          kind: a.kind,
          declDate,
          recordDate,
          details,
          targets: tg ?? this.defaultTargets.get(asset) ?? { identities: [], include: false },
          defaultTax:
            a.defaultWithholdingTax === undefined
              ? (this.defaultTax.get(asset) ?? 0)
              : percentToPermill(a.defaultWithholdingTax, 'defaultWithholdingTax'),
          taxes: taxes ?? this.didTaxes.get(asset) ?? [],
        };
        this.cas.set(`${asset}|${caId}`, ca);
        rt.emit(CA, 'CAInitiated', {
          did,
          assetId: asset,
          caId,
          corporateAction: this.caInfo(asset, caId, ca),
          details,
        });
        return { caId };
      },
    });
    rt.register('corporateAction.setDefaultTargets', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'corporateAction.setDefaultTargets');
        const t = argTargets(a.targets);
        this.defaultTargets.set(asset, t);
        rt.emit(CA, 'DefaultTargetIdentitiesChanged', { did, assetId: asset, targets: targetsToPort(t) });
      },
    });
    rt.register('corporateAction.setDefaultWithholdingTax', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'corporateAction.setDefaultWithholdingTax');
        const tax = percentToPermill(a.tax, 'tax');
        this.defaultTax.set(asset, tax);
        rt.emit(CA, 'DefaultWithholdingTaxChanged', { did, assetId: asset, tax: permillToPercent(tax) });
      },
    });
    rt.register('corporateAction.setDidWithholdingTax', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'corporateAction.setDidWithholdingTax');
        const taxed = argDid(a.did, 'did');
        const tax = a.tax === null || a.tax === undefined ? null : percentToPermill(a.tax, 'tax');
        const rest = (this.didTaxes.get(asset) ?? []).filter(([d]) => d !== taxed);
        const list =
          tax === null ? rest : [...rest, [taxed, tax] as const].sort((x, y) => (x[0] < y[0] ? -1 : 1));
        ensure(
          list.length <= MAX_CA_DID_TAXES,
          'TooManyDidTaxes',
          `at most ${MAX_CA_DID_TAXES} withholding tax overrides`,
          CA,
        );
        this.didTaxes.set(asset, list);
        rt.emit(CA, 'DidWithholdingTaxChanged', {
          did,
          assetId: asset,
          taxedDid: taxed,
          tax: tax === null ? null : permillToPercent(tax),
        });
      },
    });
    rt.register('corporateAction.removeCa', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'corporateAction.removeCa');
        const caId = argInt(a.caId, 'caId', 0);
        const k = `${asset}|${caId}`;
        const ca = this.ensureCa(asset, caId);
        if (ca.kind === 'IssuerNotice') {
          const b = this.ballots.get(k);
          if (b) this.removeBallot(did, asset, caId, b);
        } else if (ca.kind === 'PredictableBenefit' || ca.kind === 'UnpredictableBenefit') {
          const d = this.dists.get(k);
          if (d) this.removeDistribution(did, asset, caId, d);
        }
        this.releaseRecordDate(asset, ca);
        this.cas.delete(k);
        this.docLinks.delete(k);
        rt.emit(CA, 'CARemoved', { did, assetId: asset, caId });
      },
    });
    rt.register('corporateAction.changeRecordDate', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'corporateAction.changeRecordDate');
        const caId = argInt(a.caId, 'caId', 0);
        const k = `${asset}|${caId}`;
        const old = this.ensureCa(asset, caId);
        this.releaseRecordDate(asset, old);
        const recordDate =
          a.recordDate === null || a.recordDate === undefined
            ? null
            : this.recordDateOf(did, asset, a.recordDate);
        const ca: CARec = { ...old, recordDate };
        if (ca.kind === 'IssuerNotice') {
          const b = this.ballots.get(k);
          if (b) {
            this.ensureRecordDateBefore(ca, b.start);
            this.ensureBallotNotStarted(b);
          }
        } else if (ca.kind === 'PredictableBenefit' || ca.kind === 'UnpredictableBenefit') {
          const d = this.dists.get(k);
          if (d) {
            this.ensureRecordDateBefore(ca, d.paymentAt);
            this.ensureDistributionNotStarted(d);
          }
        }
        this.cas.set(k, ca);
        rt.emit(CA, 'RecordDateChanged', {
          did,
          assetId: asset,
          caId,
          corporateAction: this.caInfo(asset, caId, ca),
        });
      },
    });
    rt.register('corporateAction.linkCaDoc', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'corporateAction.linkCaDoc');
        const caId = argInt(a.caId, 'caId', 0);
        const documents = argArray(a.documents, 'documents').map((d, i) => argInt(d, `documents[${i}]`));
        this.ensureCa(asset, caId);
        for (const d of documents) chain.asset.ensureDocExists(asset, d);
        this.docLinks.set(`${asset}|${caId}`, documents);
        rt.emit(CA, 'CALinkedToDoc', { did, assetId: asset, caId, documents });
      },
    });
  }

  private registerDistributionCalls(): void {
    const { chain } = this;
    const rt = chain.rt;
    rt.register('capitalDistribution.distribute', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'capitalDistribution.distribute');
        const caId = argInt(a.caId, 'caId', 0);
        const currency = argAssetId(a.currency, 'currency');
        const perShare = toUnits(a.perShare, 'perShare');
        const amount = toUnits(a.amount, 'amount');
        const paymentAt = argTime(a.paymentAt, 'paymentAt');
        const expiresAt = optTime(a.expiresAt, 'expiresAt');
        ensure(amount > 0n, 'DistributionAmountIsZero', 'amount must be positive', DIST);
        ensure(perShare > 0n, 'DistributionPerShareIsZero', 'perShare must be positive', DIST);
        ensure(
          expiresAt === null || expiresAt > paymentAt,
          'ExpiryBeforePayment',
          'expiry must follow the payment date',
          DIST,
        );
        const k = `${asset}|${caId}`;
        ensure(!this.dists.has(k), 'AlreadyExists', 'the corporate action already has a distribution', DIST);
        const from: Pf = { did, number: a.portfolio === undefined ? 0 : argInt(a.portfolio, 'portfolio') };
        chain.portfolio.ensureCustodian(did, from);
        chain.portfolio.ensureExists(from);
        const ca = this.ensureCa(asset, caId);
        ensure(
          ca.kind === 'PredictableBenefit' || ca.kind === 'UnpredictableBenefit',
          'CANotBenefit',
          'not a benefit CA',
          DIST,
        );
        this.ensureRecordDateBefore(ca, paymentAt);
        chain.portfolio.lock(from, currency, amount);
        this.dists.set(k, {
          from,
          currency,
          perShare,
          amount,
          remaining: amount,
          reclaimed: false,
          paymentAt,
          expiresAt,
        });
        rt.emit(DIST, 'Created', { did, assetId: asset, caId, distribution: this.distribution(asset, caId) });
      },
    });
    const result = (r: { benefit: bigint; tax: bigint; gain: bigint }) => ({
      benefit: fromUnits(r.benefit),
      tax: fromUnits(r.tax),
      gain: fromUnits(r.gain),
    });
    rt.register('capitalDistribution.claim', {
      handler: (o, a) => {
        const did = o.did as Did;
        return result(this.transferBenefit(did, did, argAssetId(a.assetId), argInt(a.caId, 'caId', 0)));
      },
    });
    rt.register('capitalDistribution.pushBenefit', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'capitalDistribution.pushBenefit');
        return result(
          this.transferBenefit(did, argDid(a.holder, 'holder'), asset, argInt(a.caId, 'caId', 0)),
        );
      },
    });
    rt.register('capitalDistribution.reclaim', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'capitalDistribution.reclaim');
        const caId = argInt(a.caId, 'caId', 0);
        const k = `${asset}|${caId}`;
        const d = this.dists.get(k);
        ensure(d, 'NoSuchDistribution', `no distribution for corporate action ${caId}`, DIST);
        ensure(!d.reclaimed, 'AlreadyReclaimed', 'already reclaimed', DIST);
        ensure(
          d.expiresAt !== null && d.expiresAt <= rt.now,
          'NotExpired',
          'the distribution has not expired',
          DIST,
        );
        chain.portfolio.ensureCustodian(did, d.from);
        chain.portfolio.unlock(d.from, d.currency, d.remaining);
        this.dists.set(k, { ...d, reclaimed: true, remaining: 0n });
        rt.emit(DIST, 'Reclaimed', { did, assetId: asset, caId, amount: fromUnits(d.remaining) });
      },
    });
    rt.register('capitalDistribution.removeDistribution', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'capitalDistribution.removeDistribution');
        const caId = argInt(a.caId, 'caId', 0);
        const d = this.dists.get(`${asset}|${caId}`);
        ensure(d, 'NoSuchDistribution', `no distribution for corporate action ${caId}`, DIST);
        this.removeDistribution(did, asset, caId, d);
      },
    });
  }

  private registerBallotCalls(): void {
    const rt = this.chain.rt;
    const existing = (asset: AssetId, caId: number): BallotRec => {
      const b = this.ballots.get(`${asset}|${caId}`);
      ensure(b, 'NoSuchBallot', `no ballot for corporate action ${caId}`, BALLOT);
      return b;
    };
    const notStarted = (b: BallotRec): void => this.ensureBallotNotStarted(b);

    rt.register('corporateBallot.attachBallot', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'corporateBallot.attachBallot');
        const caId = argInt(a.caId, 'caId', 0);
        const start = argTime(a.start, 'start');
        const end = argTime(a.end, 'end');
        const meta = argMeta(a.meta);
        const rcv = argBool(a.rcv, 'rcv');
        const ca = this.ensureCa(asset, caId);
        ensure(
          ca.kind === 'IssuerNotice',
          'CANotNotice',
          'ballots attach to IssuerNotice corporate actions',
          BALLOT,
        );
        ensure(start <= end, 'StartAfterEnd', 'start after end', BALLOT);
        ensure(rt.now <= end, 'NowAfterEnd', 'the ballot would already have ended', BALLOT);
        this.ensureRecordDateBefore(ca, start);
        const k = `${asset}|${caId}`;
        ensure(!this.ballots.has(k), 'AlreadyExists', 'the corporate action already has a ballot', BALLOT);
        const choices = metaChoices(meta);
        this.ballots.set(k, { start, end, meta, rcv, choices });
        rt.emit(BALLOT, 'Created', {
          did,
          assetId: asset,
          caId,
          range: { start: iso(start), end: iso(end) },
          meta,
          rcv,
        });
      },
    });

    rt.register('corporateBallot.vote', {
      handler: (o, a) => {
        const did = o.did as Did;
        const asset = argAssetId(a.assetId);
        const caId = argInt(a.caId, 'caId', 0);
        const votes: VoteRec[] = argArray<Record<string, unknown>>(a.votes, 'votes').map((v, i) => ({
          power: toUnits(v?.['power'], `votes[${i}].power`),
          fallback:
            v?.['fallback'] === undefined || v['fallback'] === null
              ? null
              : argInt(v['fallback'], `votes[${i}].fallback`),
        }));
        const k = `${asset}|${caId}`;
        const b = existing(asset, caId);
        ensure(b.start <= rt.now, 'VotingNotStarted', 'voting has not started', BALLOT);
        ensure(rt.now <= b.end, 'VotingAlreadyEnded', 'voting has ended', BALLOT);
        const ca = this.ensureCa(asset, caId);
        ensure(
          targets(ca.targets, did),
          'NotTargetedByCA',
          'the corporate action does not target the voter',
          CA,
        );
        const total = b.choices.reduce((s, c) => s + c, 0);
        ensure(votes.length === total, 'WrongVoteCount', `expected ${total} votes, one per choice`, BALLOT);
        const motions: VoteRec[][] = [];
        let at = 0;
        for (const c of b.choices) {
          motions.push(votes.slice(at, at + c));
          at += c;
        }
        if (b.rcv) {
          for (const m of motions) {
            m.forEach((v, idx) => {
              if (v.fallback === null) return;
              ensure(v.fallback !== idx, 'RCVSelfCycle', 'a fallback points to its own choice', BALLOT);
              ensure(
                v.fallback < m.length,
                'NoSuchRCVFallback',
                'a fallback points outside its motion',
                BALLOT,
              );
            });
          }
        } else {
          ensure(
            votes.every((v) => v.fallback === null),
            'RCVNotAllowed',
            'the ballot does not use RCV',
            BALLOT,
          );
        }
        const power = this.recordBalance(asset, ca, did);
        ensure(
          motions.every((m) => m.reduce((s, v) => s + v.power, 0n) <= power),
          'InsufficientVotes',
          'votes in a motion exceed the voting power at the record date',
          BALLOT,
        );
        const vk = `${k}|${did}`;
        const old = this.votes.get(vk) ?? [];
        const results = [...(this.results.get(k) ?? new Array<bigint>(total).fill(0n))];
        votes.forEach((v, i) => {
          results[i] = (results[i] ?? 0n) - (old[i]?.power ?? 0n) + v.power;
        });
        this.results.set(k, results);
        this.votes.set(vk, votes);
        rt.emit(BALLOT, 'VoteCast', { did, assetId: asset, caId, votes: this.ballotVotes(asset, caId, did) });
      },
    });

    rt.register('corporateBallot.changeEnd', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'corporateBallot.changeEnd');
        const caId = argInt(a.caId, 'caId', 0);
        const b = existing(asset, caId);
        notStarted(b);
        const end = argTime(a.end, 'end');
        ensure(b.start <= end, 'StartAfterEnd', 'start after end', BALLOT);
        this.ballots.set(`${asset}|${caId}`, { ...b, end });
        rt.emit(BALLOT, 'RangeChanged', {
          did,
          assetId: asset,
          caId,
          range: { start: iso(b.start), end: iso(end) },
        });
      },
    });
    rt.register('corporateBallot.changeRcv', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'corporateBallot.changeRcv');
        const caId = argInt(a.caId, 'caId', 0);
        const b = existing(asset, caId);
        notStarted(b);
        const rcv = argBool(a.rcv, 'rcv');
        this.ballots.set(`${asset}|${caId}`, { ...b, rcv });
        rt.emit(BALLOT, 'RCVChanged', { did, assetId: asset, caId, rcv });
      },
    });
    rt.register('corporateBallot.changeMeta', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'corporateBallot.changeMeta');
        const caId = argInt(a.caId, 'caId', 0);
        const meta = argMeta(a.meta);
        const b = existing(asset, caId);
        notStarted(b);
        const choices = metaChoices(meta);
        this.ballots.set(`${asset}|${caId}`, { ...b, meta, choices });
        rt.emit(BALLOT, 'MetaChanged', { did, assetId: asset, caId, meta });
      },
    });
    rt.register('corporateBallot.removeBallot', {
      handler: (o, a) => {
        const { did, asset } = this.agent(o, a.assetId, 'corporateBallot.removeBallot');
        const caId = argInt(a.caId, 'caId', 0);
        this.removeBallot(did, asset, caId, existing(asset, caId));
      },
    });
  }
}
