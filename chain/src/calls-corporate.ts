/**
 * Port extension: checkpoints and schedules, corporate actions, capital distributions and
 * corporate ballots. Merged into `Calls` and `Queries`; `calls.ts` imports this file once.
 *
 * Withholding taxes are percentages as decimal strings 0–100 with ≤4 decimal places (Polymesh
 * stores Permill: "15" = 150,000 ppm), like the percentages of transfer restrictions.
 */
import type { AssetId, Decimal, Did, Timestamp } from './ledger.js';
import type { Holder, PortfolioRef } from './types.js';

// ---------------------------------------------------------------- checkpoints

export interface CheckpointInfo {
  id: number;
  /** The checkpoint's time (a schedule's point for scheduled checkpoints). */
  at: Timestamp;
  totalSupply: Decimal;
}

export interface CheckpointSchedule {
  id: number;
  /** Points not yet materialised (they become checkpoints on the next issue, redeem or transfer). */
  pending: Timestamp[];
  /** Checkpoints created from this schedule, in order. */
  checkpoints: number[];
  /** False while a corporate action uses the schedule as its record date. */
  removable: boolean;
}

// ---------------------------------------------------------------- corporate actions

export type CAKind =
  'PredictableBenefit' | 'UnpredictableBenefit' | 'IssuerNotice' | 'Reorganization' | 'Other';

/** Include: only the listed DIDs; Exclude: everyone but them (an empty Exclude list targets all). */
export interface TargetIdentities {
  identities: Did[];
  treatment: 'Include' | 'Exclude';
}

export type RecordDateSpec =
  | { type: 'Scheduled'; at: Timestamp }
  | { type: 'ExistingSchedule'; scheduleId: number }
  | { type: 'Existing'; checkpointId: number };

export interface RecordDate {
  date: Timestamp;
  checkpoint:
    { type: 'Scheduled'; scheduleId: number; index: number } | { type: 'Existing'; checkpointId: number };
}

export interface WithholdingTax {
  did: Did;
  /** Percent, 0–100. */
  tax: Decimal;
}

export interface CorporateActionInfo {
  assetId: AssetId;
  /** Local id per asset, from 0. */
  caId: number;
  kind: CAKind;
  declDate: Timestamp;
  recordDate: RecordDate | null;
  details: string;
  targets: TargetIdentities;
  defaultWithholdingTax: Decimal;
  withholdingTax: WithholdingTax[];
  /** Ids of the asset's documents linked to the CA (`CADocLink`, set by `corporateAction.linkCaDoc`). */
  documents: number[];
}

export interface CADefaults {
  targets: TargetIdentities;
  defaultWithholdingTax: Decimal;
  withholdingTax: WithholdingTax[];
}

// ---------------------------------------------------------------- distributions

export interface DistributionInfo {
  assetId: AssetId;
  caId: number;
  from: PortfolioRef;
  currency: AssetId;
  /** Currency paid per whole share held at the record date. */
  perShare: Decimal;
  amount: Decimal;
  remaining: Decimal;
  reclaimed: boolean;
  paymentAt: Timestamp;
  expiresAt: Timestamp | null;
}

// ---------------------------------------------------------------- ballots

export interface BallotMotion {
  title: string;
  infoLink: string;
  choices: string[];
}

export interface BallotMeta {
  title: string;
  motions: BallotMotion[];
}

/** One entry per choice, motions in order; `fallback` (RCV only) is a choice index in the same motion. */
export interface BallotVote {
  power: Decimal;
  fallback?: number;
}

export interface BallotInfo {
  assetId: AssetId;
  caId: number;
  start: Timestamp;
  end: Timestamp;
  meta: BallotMeta;
  rcv: boolean;
  /** Total power per choice, flattened in motion order. */
  results: Decimal[];
}

declare module './calls.js' {
  interface Calls {
    // ---------------------------------------------------------------- checkpoint
    /** Agent call: records the total supply now; ids per asset from 1. */
    'checkpoint.createCheckpoint': { args: { assetId: AssetId }; result: { checkpointId: number } };
    /** Future points only; all pending points of an asset ≤ the schedules' max complexity. */
    'checkpoint.createSchedule': {
      args: { assetId: AssetId; points: Timestamp[] };
      result: { scheduleId: number };
    };
    'checkpoint.removeSchedule': { args: { assetId: AssetId; scheduleId: number }; result: void };

    // ---------------------------------------------------------------- corporate action
    /**
     * Agent call. `declDate` ≤ now and ≤ the record date; omitted targets and taxes are copied
     * from the asset's defaults. Ids per asset from 0.
     */
    'corporateAction.initiateCorporateAction': {
      args: {
        assetId: AssetId;
        kind: CAKind;
        declDate: Timestamp;
        recordDate?: RecordDateSpec;
        details: string;
        targets?: TargetIdentities;
        defaultWithholdingTax?: Decimal;
        withholdingTax?: WithholdingTax[];
      };
      result: { caId: number };
    };
    /**
     * Agent call: removes the CA with its ballot (before voting starts, `VotingAlreadyStarted`)
     * or its distribution (before payment starts, `DistributionStarted`; the amount is unlocked)
     * and its document links; a schedule it used as record date is released. `CARemoved`.
     */
    'corporateAction.removeCa': { args: { assetId: AssetId; caId: number }; result: void };
    /**
     * Agent call: a new record date (`null` for none), resolved like initiation's. With a ballot
     * or a distribution, the date must still precede its start (`NoRecordDate`,
     * `RecordDateAfterStart`) and that start must be in the future (`VotingAlreadyStarted`,
     * `DistributionStarted`); the declaration date is not checked again. `RecordDateChanged`.
     */
    'corporateAction.changeRecordDate': {
      args: { assetId: AssetId; caId: number; recordDate: RecordDateSpec | null };
      result: void;
    };
    /** Agent call: replaces the CA's linked documents by these asset document ids (`NoSuchDoc`). `CALinkedToDoc`. */
    'corporateAction.linkCaDoc': {
      args: { assetId: AssetId; caId: number; documents: number[] };
      result: void;
    };
    'corporateAction.setDefaultTargets': {
      args: { assetId: AssetId; targets: TargetIdentities };
      result: void;
    };
    'corporateAction.setDefaultWithholdingTax': { args: { assetId: AssetId; tax: Decimal }; result: void };
    /** `tax: null` removes the DID's override. */
    'corporateAction.setDidWithholdingTax': {
      args: { assetId: AssetId; did: Did; tax: Decimal | null };
      result: void;
    };

    // ---------------------------------------------------------------- capital distribution
    /**
     * Agent call on a benefit CA with a record date ≤ `paymentAt`; locks `amount` of `currency`
     * in the signer's portfolio (`portfolio` number, default 0).
     */
    'capitalDistribution.distribute': {
      args: {
        assetId: AssetId;
        caId: number;
        portfolio?: number;
        currency: AssetId;
        perShare: Decimal;
        amount: Decimal;
        paymentAt: Timestamp;
        expiresAt?: Timestamp;
      };
      result: void;
    };
    /** The holder claims balance@record × perShare, less withholding tax, into its default portfolio. */
    'capitalDistribution.claim': {
      args: { assetId: AssetId; caId: number };
      result: { benefit: Decimal; tax: Decimal; gain: Decimal };
    };
    /** Agent pays a holder's benefit. */
    'capitalDistribution.pushBenefit': {
      args: { assetId: AssetId; caId: number; holder: Did };
      result: { benefit: Decimal; tax: Decimal; gain: Decimal };
    };
    /** After expiry: unlocks what was not claimed. */
    'capitalDistribution.reclaim': { args: { assetId: AssetId; caId: number }; result: void };
    /** Before the payment date: unlocks and deletes the distribution. */
    'capitalDistribution.removeDistribution': { args: { assetId: AssetId; caId: number }; result: void };

    // ---------------------------------------------------------------- corporate ballot
    /** Agent call on an IssuerNotice CA: start ≤ end, now ≤ end, record date ≤ start. */
    'corporateBallot.attachBallot': {
      args: {
        assetId: AssetId;
        caId: number;
        start: Timestamp;
        end: Timestamp;
        meta: BallotMeta;
        rcv: boolean;
      };
      result: void;
    };
    /** start ≤ now ≤ end; one vote per choice; per motion Σ power ≤ balance at the record date. Re-voting replaces. */
    'corporateBallot.vote': { args: { assetId: AssetId; caId: number; votes: BallotVote[] }; result: void };
    'corporateBallot.changeEnd': { args: { assetId: AssetId; caId: number; end: Timestamp }; result: void };
    /**
     * Before voting starts: new title, motions and choices (`NoSuchBallot`,
     * `VotingAlreadyStarted`, `NumberOfChoicesOverflow`, texts ≤ 2,048 bytes `TooLong`). `MetaChanged`.
     */
    'corporateBallot.changeMeta': {
      args: { assetId: AssetId; caId: number; meta: BallotMeta };
      result: void;
    };
    'corporateBallot.changeRcv': { args: { assetId: AssetId; caId: number; rcv: boolean }; result: void };
    'corporateBallot.removeBallot': { args: { assetId: AssetId; caId: number }; result: void };
  }
}

declare module './queries.js' {
  interface Queries {
    checkpoints(assetId: AssetId): Promise<CheckpointInfo[]>;
    checkpointSchedules(assetId: AssetId): Promise<CheckpointSchedule[]>;
    /** A DID's balance at a checkpoint (null when the checkpoint does not exist). */
    balanceAtCheckpoint(assetId: AssetId, checkpointId: number, did: Did): Promise<Decimal | null>;
    /** Every non-zero balance at a checkpoint, ordered by DID. */
    checkpointBalances(assetId: AssetId, checkpointId: number): Promise<Holder[]>;
    corporateActions(assetId: AssetId): Promise<CorporateActionInfo[]>;
    corporateAction(assetId: AssetId, caId: number): Promise<CorporateActionInfo | null>;
    corporateActionDefaults(assetId: AssetId): Promise<CADefaults>;
    distribution(assetId: AssetId, caId: number): Promise<DistributionInfo | null>;
    /** Whether the holder's benefit of a distribution was paid. */
    distributionPaid(assetId: AssetId, caId: number, holder: Did): Promise<boolean>;
    ballot(assetId: AssetId, caId: number): Promise<BallotInfo | null>;
    ballotVotes(assetId: AssetId, caId: number, did: Did): Promise<BallotVote[] | null>;
  }
}
