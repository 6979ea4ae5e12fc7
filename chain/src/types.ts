/**
 * Domain types shared by calls and queries. Shapes follow the Polymesh SDK where it has one
 * (claims, conditions, transfer breakdown) so the SDK adapter's mappers stay thin.
 */
import type { Address, AssetId, Decimal, Did, Timestamp } from './ledger.js';

/** A portfolio: the DID's Default portfolio when `number` is omitted (or 0), else User(number). */
export interface PortfolioRef {
  did: Did;
  number?: number;
}

// ---------------------------------------------------------------- identities and keys

export interface SecondaryKey {
  address: Address;
  permissions: KeyPermissions;
  /** Secondary keys of an identity are frozen together (`freezeSecondaryKeys`). */
  frozen: boolean;
}

/** Secondary key permissions; `null` means every asset / extrinsic / portfolio. */
export interface KeyPermissions {
  assets: AssetId[] | null;
  extrinsics: string[] | null;
  portfolios: PortfolioRef[] | null;
}

/**
 * What a call would cost if sent now (Polymesh 7.0's fee model: base fee + length fee + weight
 * fee, plus the protocol fees the call charges inside its dispatch). POLYX decimals.
 */
export interface FeeEstimate {
  /** The account that pays: the signer, or for a JoinIdentity acceptance the inviter's primary key. */
  payer: Address;
  /** Base + length + weight fee charged for the transaction when its dispatch succeeds. */
  transactionFee: Decimal;
  /**
   * Withdrawn before dispatch, at the call's declared (worst-case) weight; what exceeds the fee at
   * the weight actually used is refunded after. The payer must hold it to be admitted.
   */
  withdrawnFee: Decimal;
  /** Protocol fees charged inside the dispatch (2,500 POLYX per asset, 500 per ticker, 0 for most). */
  protocolFee: Decimal;
  /** `transactionFee + protocolFee`: what the call costs. */
  total: Decimal;
  /** `withdrawnFee + protocolFee`: the free POLYX the payer needs for the call to go through. */
  required: Decimal;
  /**
   * The call's declared weight (ref_time, picoseconds, a decimal integer string): what it takes of
   * a block's weight (2·10¹² in 7.0, 75 % of it for normal transactions). Where the adapter knows it.
   */
  weight?: string;
  /** The signed transaction's encoded length in bytes, where the adapter knows it. */
  length?: number;
}

export interface IdentityInfo {
  did: Did;
  primaryKey: Address;
  secondaryKeys: SecondaryKey[];
  secondaryKeysFrozen: boolean;
}

export type AuthorizationType =
  'JoinIdentity' | 'BecomeAgent' | 'PortfolioCustody' | 'TransferAssetOwnership';

export type AuthorizationData =
  | { type: 'JoinIdentity'; permissions: KeyPermissions }
  | { type: 'BecomeAgent'; assetId: AssetId; group: AgentGroup }
  | { type: 'PortfolioCustody'; portfolio: PortfolioRef }
  | { type: 'TransferAssetOwnership'; assetId: AssetId };

/** Target of an authorization: an account (JoinIdentity) or an identity. */
export type Signatory = { type: 'Account'; value: Address } | { type: 'Identity'; value: Did };

export interface Authorization {
  id: number;
  from: Did;
  target: Signatory;
  data: AuthorizationData;
  expiry: Timestamp | null;
}

// ---------------------------------------------------------------- claims

export type Scope =
  | { type: 'Identity'; value: Did }
  | { type: 'Asset'; value: AssetId }
  /** Up to 32 bytes of UTF-8. */
  | { type: 'Custom'; value: string };

export const SCOPED_CLAIM_TYPES = [
  'Accredited',
  'Affiliate',
  'BuyLockup',
  'SellLockup',
  'KnowYourCustomer',
  'Exempted',
  'Blocked',
] as const;
export type ScopedClaimType = (typeof SCOPED_CLAIM_TYPES)[number];

export type ClaimType = ScopedClaimType | 'CustomerDueDiligence' | 'Jurisdiction' | 'Custom';

/** SDK-style country code: ISO 3166-1 alpha-2 in Pascal case, e.g. `Us`, `Gb`, `De`. */
export type CountryCode = string;

export type Claim =
  | { type: ScopedClaimType; scope: Scope }
  /** `id` is a 32-byte CDD id (0x-hex); omitted = the default (zero) id, matching any CDD claim. */
  | { type: 'CustomerDueDiligence'; id?: string }
  | { type: 'Jurisdiction'; code: CountryCode; scope: Scope }
  | { type: 'Custom'; customClaimTypeId: number; scope?: Scope };

export interface IdentityClaim {
  target: Did;
  issuer: Did;
  claim: Claim;
  issuedAt: Timestamp;
  lastUpdatedAt: Timestamp;
  expiry: Timestamp | null;
}

/** Trusted claim issuer; `trustedFor: null` means every claim type. */
export interface TrustedClaimIssuer {
  identity: Did;
  trustedFor: ClaimType[] | null;
}

// ---------------------------------------------------------------- assets

export const KNOWN_ASSET_TYPES = [
  'EquityCommon',
  'EquityPreferred',
  'Commodity',
  'FixedIncome',
  'REIT',
  'Fund',
  'RevenueShareAgreement',
  'StructuredProduct',
  'Derivative',
  'StableCoin',
] as const;
export type KnownAssetType = (typeof KNOWN_ASSET_TYPES)[number];
export type AssetType = KnownAssetType | { custom: number };

export type SecurityIdentifierType = 'Isin' | 'Cusip' | 'Cins' | 'Lei' | 'Figi';
export interface SecurityIdentifier {
  type: SecurityIdentifierType;
  value: string;
}

export interface AssetDocument {
  name: string;
  uri: string;
  /** 0x-hex of 16–64 bytes, or omitted. */
  contentHash?: string;
  type?: string;
  filedAt?: Timestamp;
}

export interface AssetDetails {
  assetId: AssetId;
  name: string;
  assetType: AssetType;
  divisible: boolean;
  owner: Did;
  totalSupply: Decimal;
  frozen: boolean;
  identifiers: SecurityIdentifier[];
  fundingRound: string | null;
  ticker: string | null;
}

export interface TickerReservation {
  ticker: string;
  owner: Did;
  /** null once linked to an asset (permanent). */
  expiry: Timestamp | null;
  assetId: AssetId | null;
}

export type MetadataKey = { type: 'Local'; id: number } | { type: 'Global'; id: number };
export type MetadataLockStatus =
  { type: 'Unlocked' } | { type: 'Locked' } | { type: 'LockedUntil'; until: Timestamp };
export interface MetadataSpec {
  url?: string;
  description?: string;
  typeDef?: string;
}
export interface MetadataEntry {
  key: MetadataKey;
  name: string;
  spec: MetadataSpec;
  value: string | null;
  expiry: Timestamp | null;
  lockStatus: MetadataLockStatus;
}

/** Agent permission groups. `Custom` groups are created per asset with `externalAgents.createGroup`. */
export type AgentGroup =
  | { type: 'Full' }
  | { type: 'ExceptMeta' }
  | { type: 'PolymeshV1CAA' }
  | { type: 'PolymeshV1PIA' }
  | { type: 'Custom'; id: number };

/**
 * Extrinsic permissions of a custom group: `values` are pallet names (`asset`) or call names
 * (`asset.issue`).
 */
export interface ExtrinsicPermissions {
  type: 'Include' | 'Exclude';
  values: string[];
}

export interface AssetAgent {
  did: Did;
  group: AgentGroup;
}

export interface PortfolioBalance {
  assetId: AssetId;
  total: Decimal;
  locked: Decimal;
  free: Decimal;
}

export interface PortfolioInfo {
  did: Did;
  /** 0 = Default. */
  number: number;
  name: string;
  custodian: Did;
}

export interface Holder {
  did: Did;
  balance: Decimal;
}

// ---------------------------------------------------------------- compliance

export type ConditionTarget = 'Sender' | 'Receiver' | 'Both';

export type Condition = (
  | { type: 'IsPresent'; claim: Claim }
  | { type: 'IsAbsent'; claim: Claim }
  | { type: 'IsAnyOf'; claims: Claim[] }
  | { type: 'IsNoneOf'; claims: Claim[] }
  | { type: 'IsIdentity'; identity: Did }
  | { type: 'IsExternalAgent' }
) & { target: ConditionTarget; trustedClaimIssuers?: TrustedClaimIssuer[] };

export interface ComplianceRequirement {
  id: number;
  conditions: Condition[];
}

export interface AssetCompliance {
  paused: boolean;
  requirements: ComplianceRequirement[];
  defaultTrustedClaimIssuers: TrustedClaimIssuer[];
}

// ---------------------------------------------------------------- statistics and restrictions

export type StatClaimType = 'Accredited' | 'Affiliate' | 'Jurisdiction';

/** Polymesh `StatType {op, claim_issuer?}`; SDK Count / Balance / ScopedCount / ScopedBalance. */
export interface StatType {
  op: 'Count' | 'Balance';
  claimIssuer?: { claimType: StatClaimType; issuer: Did };
}

export type StatClaim =
  | { type: 'Accredited'; accredited: boolean }
  | { type: 'Affiliate'; affiliate: boolean }
  | { type: 'Jurisdiction'; countryCode?: CountryCode };

/** Percentages are decimal strings 0–100 (stored as Permill). */
export type TransferCondition =
  | { type: 'MaxInvestorCount'; count: number }
  | { type: 'MaxInvestorOwnership'; percentage: Decimal }
  | { type: 'ClaimCount'; claim: StatClaim; issuer: Did; min: number; max?: number }
  | { type: 'ClaimOwnership'; claim: StatClaim; issuer: Did; min: Decimal; max: Decimal };

/** Value key of a stat: `NoClaimStat`, or the holder's claim value. */
export type StatKey =
  | { type: 'NoClaimStat' }
  | { type: 'Accredited'; value: boolean }
  | { type: 'Affiliate'; value: boolean }
  | { type: 'Jurisdiction'; value: CountryCode | null };

export interface StatValue {
  stat: StatType;
  key: StatKey;
  /** Count for Count stats, a Decimal amount for Balance stats. */
  value: string;
}

export interface ExemptionKey {
  op: 'Count' | 'Balance';
  claimType?: StatClaimType;
}

export interface TransferRestrictions {
  stats: StatType[];
  conditions: TransferCondition[];
  values: StatValue[];
  exemptions: { key: ExemptionKey; entities: Did[] }[];
}

// ---------------------------------------------------------------- transfer checks

/** Polymesh's transfer errors, in `validate_asset_transfer` order. */
export const TRANSFER_ERRORS = [
  'NoSuchAsset',
  'UnexpectedNonFungibleToken',
  'InsufficientBalance',
  'BalanceOverflow',
  'InvalidTransferSenderIdMatchesReceiverId',
  'PortfolioDoesNotExist',
  'InvalidGranularity',
  'InsufficientPortfolioBalance',
  'InvalidTransferFrozenAsset',
  'InvalidTransferInvalidReceiverCDD',
  'InvalidTransferInvalidSenderCDD',
  'InvalidTransferStatisticsFailure',
  'InvalidTransferComplianceFailure',
] as const;
export type TransferError = (typeof TRANSFER_ERRORS)[number];

export interface ConditionResult {
  condition: Condition;
  complies: boolean;
}
export interface RequirementResult {
  id: number;
  /** Sender conditions then receiver conditions (`Both` conditions appear once with target Both). */
  conditions: ConditionResult[];
  complies: boolean;
}
export interface ComplianceReport {
  paused: boolean;
  requirements: RequirementResult[];
  complies: boolean;
}

export interface TransferBreakdown {
  /** Every failed general check, in Polymesh's order (statistics and compliance included). */
  general: TransferError[];
  compliance: ComplianceReport;
  /**
   * The transfer conditions the transfer fails, as the chain's `transferRestrictionsReport`
   * lists them: a failing condition that an exemption lifts is not listed, so every `result` is
   * false (the SDK's `TransferBreakdown` shape).
   */
  restrictions: { restriction: TransferCondition; result: boolean }[];
  result: boolean;
}
