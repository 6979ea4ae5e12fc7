import type { Address, AssetId, Decimal, Did } from './ledger.js';
import type { LedgerCall } from './calls.js';
import type {
  AssetAgent,
  AssetCompliance,
  AssetDetails,
  AssetDocument,
  Authorization,
  ClaimType,
  FeeEstimate,
  Holder,
  IdentityClaim,
  IdentityInfo,
  MetadataEntry,
  PortfolioBalance,
  PortfolioInfo,
  PortfolioRef,
  TickerReservation,
  TransferBreakdown,
  TransferRestrictions,
  TrustedClaimIssuer,
} from './types.js';

export interface ClaimFilter {
  claimType?: ClaimType;
  issuer?: Did;
  /** Include expired claims (default false). */
  includeExpired?: boolean;
}

/** Read-only queries of the port. Unknown assets / DIDs answer null or empty, never throw. */
export interface Queries {
  /**
   * What `call` signed by `signer` would cost if sent now: the transaction fee (at the weight the
   * call would use, and withdrawn up front at its declared weight) and its protocol fees. Refuses
   * as admission would (`MissingIdentity`, `CddRequired`, `InvalidAuthorization`); never checks
   * whether the payer can pay.
   */
  estimateFee(call: LedgerCall, signer: Address): Promise<FeeEstimate>;
  /** POLYX balance of an account: total, locked and free. */
  polyxBalance(address: Address): Promise<{ total: Decimal; locked: Decimal; free: Decimal }>;
  /** The DID an account is linked to (primary or secondary key), or null. */
  identityOf(address: Address): Promise<Did | null>;
  identity(did: Did): Promise<IdentityInfo | null>;
  /** Valid CDD now (Polymesh's `CddClaimChecker`). */
  hasValidCdd(did: Did): Promise<boolean>;
  /** DIDs of the active CDD providers. */
  cddProviders(): Promise<Did[]>;
  /** Claims targeting a DID. */
  claims(did: Did, filter?: ClaimFilter): Promise<IdentityClaim[]>;
  /** Claims issued by a DID. */
  issuedClaims(issuer: Did, filter?: ClaimFilter): Promise<IdentityClaim[]>;
  customClaimTypes(): Promise<{ id: number; name: string }[]>;
  /** Pending authorizations addressed to an account or DID. */
  authorizations(target: Address | Did): Promise<Authorization[]>;

  tickerReservation(ticker: string): Promise<TickerReservation | null>;
  /** The id `asset.createAsset` signed by this account with its next nonce would produce. */
  nextAssetId(address: Address): Promise<AssetId>;
  asset(assetId: AssetId): Promise<AssetDetails | null>;
  /** Asset id by linked ticker. */
  assetIdOf(ticker: string): Promise<AssetId | null>;
  assetDocuments(assetId: AssetId): Promise<(AssetDocument & { id: number })[]>;
  assetMetadata(assetId: AssetId): Promise<MetadataEntry[]>;
  customAssetTypes(): Promise<{ id: number; name: string }[]>;
  agents(assetId: AssetId): Promise<AssetAgent[]>;
  /** A DID's total balance of an asset across its portfolios. */
  assetBalance(assetId: AssetId, did: Did): Promise<Decimal>;
  /** Holders with a non-zero balance, ordered by DID. */
  holders(assetId: AssetId): Promise<Holder[]>;

  portfolios(did: Did): Promise<PortfolioInfo[]>;
  portfolioBalances(portfolio: PortfolioRef, assetId?: AssetId): Promise<PortfolioBalance[]>;

  compliance(assetId: AssetId): Promise<AssetCompliance>;
  trustedClaimIssuers(assetId: AssetId): Promise<TrustedClaimIssuer[]>;
  transferRestrictions(assetId: AssetId): Promise<TransferRestrictions>;

  /** Polymesh's transfer report: every check of §8 plus compliance and restriction details. */
  canTransfer(args: {
    assetId: AssetId;
    from: PortfolioRef;
    to: PortfolioRef;
    amount: Decimal;
  }): Promise<TransferBreakdown>;
}
