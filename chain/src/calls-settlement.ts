/**
 * Port extension: settlement (venues, instructions, affirmations, mediators, pre-approval) and
 * offerings (Polymesh's `sto` pallet). Merged into `Calls` and `Queries` so the core call map
 * stays untouched; `calls.ts` imports this file once.
 */
import type { Address, AssetId, Decimal, Did, Timestamp } from './ledger.js';
import type { PortfolioRef } from './types.js';

// ---------------------------------------------------------------- settlement types

export type VenueType = 'Other' | 'Distribution' | 'Sto' | 'Exchange';

export interface VenueInfo {
  id: number;
  creator: Did;
  type: VenueType;
  details: string;
  signers: Address[];
}

/** When an instruction executes: in the block after the last affirmation, at block `block`, or by hand from `block`. */
export type SettlementType =
  | { type: 'SettleOnAffirmation' }
  | { type: 'SettleOnBlock'; block: number }
  | { type: 'SettleManual'; block: number };

/** Fungible legs move an on-chain asset between portfolios; off-chain legs only record a DID-to-DID trade. */
export type InstructionLeg =
  | { type: 'Fungible'; from: PortfolioRef; to: PortfolioRef; assetId: AssetId; amount: Decimal }
  | { type: 'OffChain'; from: Did; to: Did; ticker: string; amount: Decimal };

/** Polymesh `InstructionStatus` (Unknown = the instruction does not exist: queries answer null). */
export type InstructionStatus =
  | { type: 'Pending' }
  | { type: 'Failed' }
  | { type: 'Success'; block: number }
  | { type: 'Rejected'; block: number };

export type AffirmationStatus = 'Pending' | 'Affirmed';

export interface InstructionDetails {
  id: number;
  venueId: number | null;
  creator: Did;
  status: InstructionStatus;
  settlementType: SettlementType;
  tradeDate: Timestamp | null;
  valueDate: Timestamp | null;
  createdAt: Timestamp;
  memo: string | null;
  /** Leg ids are the 0-based positions; execution runs them in this order. */
  legs: (InstructionLeg & { id: number })[];
  affirmations: { portfolio: PortfolioRef; status: AffirmationStatus }[];
  mediators: { did: Did; status: AffirmationStatus; expiry: Timestamp | null }[];
  /** Affirmations still missing (portfolios, off-chain legs, mediators). */
  pendingAffirmations: number;
  /** Block the scheduler will run the instruction in, when scheduled. */
  scheduledAt: number | null;
}

/** The key types of Polymesh's `MultiSignature` (the runtime's `OffChainSignature`). */
export type SignatureType = 'Sr25519' | 'Ed25519' | 'Ecdsa';

/**
 * A `MultiSignature` (SDK `OffChainSignature`): the key type that signed and the 0x-hex signature
 * (64 bytes; 65 for Ecdsa, which is checked by recovering the key from blake2_256 of the message).
 */
export interface MultiSignature {
  type: SignatureType;
  value: string;
}

/** A venue signer's receipt for an off-chain leg (Polymesh `ReceiptDetails`). */
export interface OffChainReceipt {
  /** Unique per signer; a used uid is refused (`ReceiptAlreadyClaimed`). */
  uid: number;
  legId: number;
  signer: Address;
  /**
   * Over `receiptMessage(...)` itself, the SCALE-encoded `Receipt`: the chain verifies those
   * bytes, not a `<Bytes>…</Bytes>`-wrapped copy (which the SDK's note asks for).
   */
  signature: MultiSignature;
  metadata?: string;
}

// ---------------------------------------------------------------- offering (sto) types

export interface PriceTier {
  /** Tokens offered in the tier. */
  total: Decimal;
  /** Price per token, in the raising asset. */
  price: Decimal;
}

export type FundraiserSale = 'Live' | 'Frozen' | 'Closed' | 'ClosedEarly';

/** SDK `OfferingStatus`. */
export interface FundraiserStatus {
  timing: 'NotStarted' | 'Started' | 'Expired';
  balance: 'Available' | 'SoldOut' | 'Residual';
  sale: FundraiserSale;
}

export interface FundraiserDetails {
  id: number;
  assetId: AssetId;
  name: string;
  creator: Did;
  offeringPortfolio: PortfolioRef;
  raisingPortfolio: PortfolioRef;
  raisingAssetId: AssetId;
  tiers: (PriceTier & { remaining: Decimal })[];
  venueId: number;
  start: Timestamp;
  end: Timestamp | null;
  minimumInvestment: Decimal;
  totalAmount: Decimal;
  totalRemaining: Decimal;
  status: FundraiserStatus;
}

declare module './calls.js' {
  interface Calls {
    // ---------------------------------------------------------------- settlement: venues
    /** Venue ids start at 1; only the creator edits it or adds instructions to it. */
    'settlement.createVenue': {
      args: { details: string; type: VenueType; signers?: Address[] };
      result: { venueId: number };
    };
    'settlement.updateVenueDetails': { args: { venueId: number; details: string }; result: void };
    'settlement.updateVenueType': { args: { venueId: number; type: VenueType }; result: void };
    /** Adds (`add: true`) or removes venue signers, the accounts whose receipts the venue accepts. */
    'settlement.updateVenueSigners': {
      args: { venueId: number; signers: Address[]; add: boolean };
      result: void;
    };
    /** Agent call. When enabled, instructions with a venue need the venue on the allow list (`UnauthorizedVenue`). */
    'settlement.setVenueFiltering': { args: { assetId: AssetId; enabled: boolean }; result: void };
    'settlement.allowVenues': { args: { assetId: AssetId; venues: number[] }; result: void };
    'settlement.disallowVenues': { args: { assetId: AssetId; venues: number[] }; result: void };

    // ---------------------------------------------------------------- settlement: instructions
    /**
     * ≤10 fungible and ≤10 off-chain legs, ≤4 mediators, memo ≤32 bytes. No balance, custody
     * or compliance check at creation; ids start at 1.
     */
    'settlement.addInstruction': {
      args: {
        venueId?: number;
        settlementType: SettlementType;
        tradeDate?: Timestamp;
        valueDate?: Timestamp;
        legs: InstructionLeg[];
        memo?: string;
        mediators?: Did[];
      };
      result: { instructionId: number };
    };
    /** `add_and_affirm_instruction`: creates, then affirms `portfolios` (which the signer must custody). */
    'settlement.addAndAffirmInstruction': {
      args: {
        venueId?: number;
        settlementType: SettlementType;
        tradeDate?: Timestamp;
        valueDate?: Timestamp;
        legs: InstructionLeg[];
        memo?: string;
        mediators?: Did[];
        portfolios: PortfolioRef[];
      };
      result: { instructionId: number };
    };
    /** Locks each affirmed sender leg's amount in its portfolio (free balance, granularity). */
    'settlement.affirmInstruction': { args: { id: number; portfolios: PortfolioRef[] }; result: void };
    /**
     * Affirms off-chain legs with receipts signed by a signer of the instruction's venue over
     * `receiptMessage(...)` (a `MultiSignature` of the key type given), and optionally the signer's
     * portfolios like `affirmInstruction`.
     */
    'settlement.affirmWithReceipts': {
      args: { id: number; receipts: OffChainReceipt[]; portfolios?: PortfolioRef[] };
      result: void;
    };
    /** Unlocks what the affirmation locked. */
    'settlement.withdrawAffirmation': { args: { id: number; portfolios: PortfolioRef[] }; result: void };
    /** Any party's custodian: unlocks everything, status `Rejected(block)`. */
    'settlement.rejectInstruction': { args: { id: number; portfolio: PortfolioRef }; result: void };
    'settlement.affirmInstructionAsMediator': { args: { id: number; expiry?: Timestamp }; result: void };
    'settlement.withdrawAffirmationAsMediator': { args: { id: number }; result: void };
    'settlement.rejectInstructionAsMediator': { args: { id: number }; result: void };
    /**
     * Executes a SettleManual instruction (from its block) or retries a Failed one. With
     * `portfolio`, the signer must custody a party portfolio; without, it must be the venue
     * creator or an off-chain party. A failed execution fails the call and changes nothing.
     */
    'settlement.executeManualInstruction': { args: { id: number; portfolio?: PortfolioRef }; result: void };

    // ---------------------------------------------------------------- pre-approval, mediators
    /** The signer's DID receives the asset without affirming (unless a third party custodies the portfolio). */
    'asset.preApproveAsset': { args: { assetId: AssetId }; result: void };
    'asset.removeAssetPreApproval': { args: { assetId: AssetId }; result: void };
    /** Agent call; ≤4 mandatory mediators per asset, added to every instruction that moves it. */
    'asset.addMandatoryMediators': { args: { assetId: AssetId; mediators: Did[] }; result: void };
    'asset.removeMandatoryMediators': { args: { assetId: AssetId; mediators: Did[] }; result: void };
    /** The portfolio (custodian signs) receives the asset without affirming. */
    'portfolio.preApprovePortfolio': { args: { assetId: AssetId; portfolio: PortfolioRef }; result: void };
    'portfolio.removePortfolioPreApproval': {
      args: { assetId: AssetId; portfolio: PortfolioRef };
      result: void;
    };

    // ---------------------------------------------------------------- offerings
    /**
     * Agent call. The venue must be the signer's and of type Sto; the signer custodies both
     * portfolios; 1–10 tiers with totals > 0; locks Σ totals. Ids per asset start at 0.
     */
    'sto.createFundraiser': {
      args: {
        offeringPortfolio: PortfolioRef;
        assetId: AssetId;
        raisingPortfolio: PortfolioRef;
        raisingAssetId: AssetId;
        tiers: PriceTier[];
        venueId: number;
        start?: Timestamp;
        end?: Timestamp;
        minimumInvestment: Decimal;
        name: string;
      };
      result: { fundraiserId: number };
    };
    /**
     * Buys `purchaseAmount` filling tiers in order; `maxPrice` bounds the blended price. Settles
     * atomically through an instruction at the offering's venue (§8 checks on both legs).
     */
    'sto.invest': {
      args: {
        investmentPortfolio: PortfolioRef;
        fundingPortfolio: PortfolioRef;
        assetId: AssetId;
        fundraiserId: number;
        purchaseAmount: Decimal;
        maxPrice?: Decimal;
      };
      result: { instructionId: number; cost: Decimal };
    };
    'sto.freezeFundraiser': { args: { assetId: AssetId; fundraiserId: number }; result: void };
    'sto.unfreezeFundraiser': { args: { assetId: AssetId; fundraiserId: number }; result: void };
    'sto.modifyFundraiserWindow': {
      args: { assetId: AssetId; fundraiserId: number; start: Timestamp; end?: Timestamp };
      result: void;
    };
    /** Closes the offering and unlocks what is left (`ClosedEarly` before its end, else `Closed`). */
    'sto.stop': { args: { assetId: AssetId; fundraiserId: number }; result: void };
  }
}

declare module './queries.js' {
  interface Queries {
    venue(venueId: number): Promise<VenueInfo | null>;
    /** Venues created by a DID. */
    venues(did: Did): Promise<VenueInfo[]>;
    venueFiltering(assetId: AssetId): Promise<{ enabled: boolean; allowedVenues: number[] }>;
    /**
     * A live instruction (Pending or Failed). Null once executed or rejected: Polymesh then
     * deletes its details, legs and affirmations and keeps only its status (`instructionStatus`).
     */
    instruction(id: number): Promise<InstructionDetails | null>;
    /** Polymesh's `InstructionStatuses`, kept after pruning; null when no such instruction ever was. */
    instructionStatus(id: number): Promise<InstructionStatus | null>;
    /** Live instructions in which a DID has a portfolio, an off-chain leg or a mediator role, by id. */
    instructionsOf(did: Did): Promise<InstructionDetails[]>;
    mandatoryMediators(assetId: AssetId): Promise<Did[]>;
    fundraiser(assetId: AssetId, fundraiserId: number): Promise<FundraiserDetails | null>;
    fundraisers(assetId: AssetId): Promise<FundraiserDetails[]>;
  }
}
