import type { Address, AssetId, Decimal, Did, Timestamp } from './ledger.js';
import type { LedgerErrorCode } from './errors.js';
import type {
  AgentGroup,
  AssetDocument,
  AssetType,
  Claim,
  Condition,
  ExemptionKey,
  ExtrinsicPermissions,
  KeyPermissions,
  MetadataKey,
  MetadataLockStatus,
  MetadataSpec,
  PortfolioRef,
  SecurityIdentifier,
  StatKey,
  StatType,
  TransferCondition,
  TrustedClaimIssuer,
} from './types.js';
// Settlement, offerings, checkpoints and corporate actions extend `Calls` and `Queries` there.
import './calls-settlement.js';
import './calls-corporate.js';

/**
 * Every write the port supports, by name: `{ args, result }`. A call is plain JSON so the
 * outbox can persist it. Names are `<pallet>.<extrinsic>` in Polymesh's own terms (camelCase).
 * Calls on an asset need the signer's DID to be an agent whose group allows the call
 * (`UnauthorizedAgent`), unless noted.
 */
export interface Calls {
  // ------------------------------------------------------------------ system, balances
  /** Anchor arbitrary data on chain (audit-trail Merkle roots). Emits `system.Remarked`. */
  'system.remark': { args: { remark: string }; result: { hash: string } };
  /** POLYX transfer; receiver needs valid CDD (`ReceiverCddMissing`). */
  'balances.transfer': { args: { to: Address; amount: Decimal; memo?: string }; result: void };

  // ------------------------------------------------------------------ identity
  /**
   * A CDD provider creates a DID for an unlinked account (`UnAuthorizedCddProvider`,
   * `AlreadyLinked`); secondary keys receive JoinIdentity authorizations. With `cddClaim` the
   * provider also adds a CDD claim (optional `expiry`, optional 32-byte `cddId`).
   */
  'identity.cddRegisterDid': {
    args: {
      targetAccount: Address;
      secondaryKeys?: Address[];
      cddClaim?: boolean;
      cddId?: string;
      expiry?: Timestamp;
    };
    result: { did: Did; authorizations: number[] };
  };
  /** Add or overwrite a claim (same target, type, issuer, scope). CDD claims only by providers. */
  'identity.addClaim': { args: { target: Did; claim: Claim; expiry?: Timestamp }; result: void };
  /** Like addClaim, but the claim must already exist (`ClaimDoesNotExist`). SDK `editClaims`. */
  'identity.editClaim': { args: { target: Did; claim: Claim; expiry?: Timestamp }; result: void };
  /** Only the issuer revokes (`ClaimDoesNotExist`). */
  'identity.revokeClaim': { args: { target: Did; claim: Claim }; result: void };
  'identity.registerCustomClaimType': { args: { name: string }; result: { id: number } };
  /** Invite an unlinked account to become a secondary key of the signer's DID (primary key only). */
  'identity.inviteAccount': {
    args: { targetAccount: Address; permissions?: Partial<KeyPermissions>; expiry?: Timestamp };
    result: { authId: number };
  };
  /**
   * Accept an authorization addressed to the signer (account) or its DID: JoinIdentity,
   * BecomeAgent, PortfolioCustody, TransferAssetOwnership. JoinIdentity may be accepted by an
   * account without identity.
   */
  'identity.acceptAuthorization': { args: { authId: number }; result: void };
  /** Withdraw (issuer) or reject (target) a pending authorization. */
  'identity.removeAuthorization': { args: { authId: number }; result: void };
  'identity.removeSecondaryKeys': { args: { accounts: Address[] }; result: void };
  'identity.setSecondaryKeyPermissions': {
    args: { account: Address; permissions: Partial<KeyPermissions> };
    result: void;
  };
  'identity.freezeSecondaryKeys': { args: Record<string, never>; result: void };
  'identity.unfreezeSecondaryKeys': { args: Record<string, never>; result: void };
  /** A secondary key leaves its identity. */
  'identity.leaveIdentityAsKey': { args: Record<string, never>; result: void };

  // ------------------------------------------------------------------ asset
  /** Reserve a ticker for 60 days (fee 500 POLYX when new or expired). */
  'asset.registerUniqueTicker': { args: { ticker: string }; result: { expiry: Timestamp } };
  /**
   * Create an asset (fee 2,500 POLYX; supply 0; signer's DID owner and Full agent). `ticker`
   * registers (if needed) and links it; `documents` are added like `asset.setDocuments`.
   */
  'asset.createAsset': {
    args: {
      name: string;
      assetType: AssetType;
      divisible: boolean;
      identifiers?: SecurityIdentifier[];
      fundingRound?: string;
      ticker?: string;
      documents?: AssetDocument[];
    };
    result: { assetId: AssetId };
  };
  'asset.linkTickerToAssetId': { args: { ticker: string; assetId: AssetId }; result: void };
  'asset.unlinkTickerFromAssetId': { args: { ticker: string; assetId: AssetId }; result: void };
  /** Into the signer DID's Default portfolio or User(`portfolio`). No compliance checks. */
  'asset.issue': { args: { assetId: AssetId; amount: Decimal; portfolio?: number }; result: void };
  'asset.redeem': { args: { assetId: AssetId; amount: Decimal; portfolio?: number }; result: void };
  'asset.freeze': { args: { assetId: AssetId }; result: void };
  'asset.unfreeze': { args: { assetId: AssetId }; result: void };
  /** Force-transfer into the signer DID's Default portfolio (§8 steps 1–8 only). */
  'asset.controllerTransfer': {
    args: { assetId: AssetId; amount: Decimal; from: PortfolioRef };
    result: void;
  };
  'asset.makeDivisible': { args: { assetId: AssetId }; result: void };
  'asset.renameAsset': { args: { assetId: AssetId; name: string }; result: void };
  'asset.setFundingRound': { args: { assetId: AssetId; fundingRound: string }; result: void };
  'asset.updateIdentifiers': {
    args: { assetId: AssetId; identifiers: SecurityIdentifier[] };
    result: void;
  };
  'asset.updateAssetType': { args: { assetId: AssetId; assetType: AssetType }; result: void };
  'asset.registerCustomAssetType': { args: { name: string }; result: { id: number } };
  /**
   * Replaces all documents (SDK `documents.set`: `remove_documents` of the current ones, then
   * `add_documents`). New documents take the next ids of the asset's sequence (from 0, never
   * reused), so a corporate action's linked document ids keep pointing at what they pointed at.
   */
  'asset.setDocuments': { args: { assetId: AssetId; documents: AssetDocument[] }; result: void };
  'asset.registerAssetMetadataLocalType': {
    args: { assetId: AssetId; name: string; spec: MetadataSpec };
    result: { key: MetadataKey };
  };
  'asset.setAssetMetadata': {
    args: {
      assetId: AssetId;
      key: MetadataKey;
      value: string;
      details?: { expiry?: Timestamp; lockStatus?: MetadataLockStatus };
    };
    result: void;
  };
  'asset.setAssetMetadataDetails': {
    args: {
      assetId: AssetId;
      key: MetadataKey;
      details: { expiry?: Timestamp; lockStatus?: MetadataLockStatus };
    };
    result: void;
  };
  /** Authorization for another DID to become owner; accepted with `identity.acceptAuthorization`. */
  'asset.transferOwnership': {
    args: { assetId: AssetId; target: Did; expiry?: Timestamp };
    result: { authId: number };
  };

  // ------------------------------------------------------------------ external agents
  'externalAgents.createGroup': {
    args: { assetId: AssetId; permissions: ExtrinsicPermissions };
    result: { groupId: number };
  };
  'externalAgents.setGroupPermissions': {
    args: { assetId: AssetId; groupId: number; permissions: ExtrinsicPermissions };
    result: void;
  };
  /** BecomeAgent authorization to `target`; accepted with `identity.acceptAuthorization`. */
  'externalAgents.addAuthorization': {
    args: { assetId: AssetId; target: Did; group: AgentGroup; expiry?: Timestamp };
    result: { authId: number };
  };
  'externalAgents.removeAgent': { args: { assetId: AssetId; agent: Did }; result: void };
  'externalAgents.changeGroup': {
    args: { assetId: AssetId; agent: Did; group: AgentGroup };
    result: void;
  };
  /** The signer's DID stops being an agent of the asset. */
  'externalAgents.abdicate': { args: { assetId: AssetId }; result: void };

  // ------------------------------------------------------------------ portfolio
  'portfolio.createPortfolio': { args: { name: string }; result: { number: number } };
  'portfolio.deletePortfolio': { args: { number: number }; result: void };
  'portfolio.renamePortfolio': { args: { number: number; name: string }; result: void };
  /** Same DID, caller custodian of `from`; no CDD, compliance or statistics checks. */
  'portfolio.movePortfolioFunds': {
    args: {
      from: PortfolioRef;
      to: PortfolioRef;
      items: { assetId: AssetId; amount: Decimal; memo?: string }[];
    };
    result: void;
  };
  /** PortfolioCustody authorization from the current custodian (SDK `setCustodian`). */
  'portfolio.setCustodian': {
    args: { portfolio: PortfolioRef; target: Did; expiry?: Timestamp };
    result: { authId: number };
  };
  'portfolio.quitPortfolioCustody': { args: { portfolio: PortfolioRef }; result: void };

  // ------------------------------------------------------------------ compliance manager
  /** Id = the last requirement's id + 1 (1 when there is none). */
  'complianceManager.addComplianceRequirement': {
    args: { assetId: AssetId; conditions: Condition[] };
    result: { id: number };
  };
  /**
   * Replace all requirements (SDK `requirements.set`): requirement i gets id i (from 0), as the
   * SDK numbers them; the chain keeps the ids it is given, so the next `add` gets the last + 1.
   */
  'complianceManager.replaceAssetCompliance': {
    args: { assetId: AssetId; requirements: Condition[][] };
    result: { ids: number[] };
  };
  'complianceManager.changeComplianceRequirement': {
    args: { assetId: AssetId; id: number; conditions: Condition[] };
    result: void;
  };
  'complianceManager.removeComplianceRequirement': { args: { assetId: AssetId; id: number }; result: void };
  'complianceManager.resetAssetCompliance': { args: { assetId: AssetId }; result: void };
  'complianceManager.pauseAssetCompliance': { args: { assetId: AssetId }; result: void };
  'complianceManager.resumeAssetCompliance': { args: { assetId: AssetId }; result: void };
  /**
   * The issuer's DID must exist (`DidNotExist`); an entry identical to one in the list (same
   * issuer, same trusted-for types) is `IncorrectOperationOnTrustedIssuer`, while the same issuer
   * with other types is added beside it.
   */
  'complianceManager.addDefaultTrustedClaimIssuer': {
    args: { assetId: AssetId; issuer: TrustedClaimIssuer };
    result: void;
  };
  /** Removes every entry of the issuer (`IncorrectOperationOnTrustedIssuer` when there is none). */
  'complianceManager.removeDefaultTrustedClaimIssuer': {
    args: { assetId: AssetId; issuer: Did };
    result: void;
  };

  // ------------------------------------------------------------------ statistics
  /** Replace the active stats (≤10). Stats used by a transfer condition can't be removed. */
  'statistics.setActiveAssetStats': { args: { assetId: AssetId; stats: StatType[] }; result: void };
  /** Set stat values (no backfill on Polymesh: Count needs its initial value set here). */
  'statistics.batchUpdateAssetStats': {
    args: { assetId: AssetId; stat: StatType; values: { key: StatKey; value: string }[] };
    result: void;
  };
  /** Replace the transfer conditions (≤4); each needs its stat active (`StatTypeMissing`). */
  'statistics.setAssetTransferCompliance': {
    args: { assetId: AssetId; conditions: TransferCondition[] };
    result: void;
  };
  'statistics.setEntitiesExempt': {
    args: { assetId: AssetId; isExempt: boolean; key: ExemptionKey; entities: Did[] };
    result: void;
  };

  // ------------------------------------------------------------------ utility (Polymesh 7.0)
  // Inner calls run in the batch signer's name, one after the other, each in its own storage
  // layer; fees and permissions are those of each inner call. At most `MAX_BATCH_CALLS`
  // (`TooManyCalls`); a `utility.batchAll` inside a batch is filtered (`CallFiltered`).
  /**
   * Stops at the first failing call (`utility.BatchInterrupted{index, error}`), keeping the
   * earlier ones; the transaction succeeds. Else `ItemCompleted` per call and `BatchCompleted`.
   */
  'utility.batch': { args: { calls: LedgerCall[] }; result: { items: BatchItemResult[] } };
  /** All or nothing: any failing call fails and reverts the whole transaction with its error. */
  'utility.batchAll': { args: { calls: LedgerCall[] }; result: { results: unknown[] } };
  /**
   * Runs every call: `ItemCompleted` or `ItemFailed{error}` each, then `BatchCompleted` or
   * `BatchCompletedWithErrors`. Each item keeps its own outcome.
   */
  'utility.forceBatch': { args: { calls: LedgerCall[] }; result: { items: BatchItemResult[] } };
}

/** The outcome of one call of a `utility.batch` / `utility.forceBatch`, by position. */
export type BatchItemResult =
  { ok: true; result: unknown } | { ok: false; error: { code: LedgerErrorCode; message: string } };

/** Polymesh's limit on calls in one batch: 33,554,432 / 3 / 1,024 (`TooManyCalls`). */
export const MAX_BATCH_CALLS = 10_922;

/** The batch calls, by name. */
export const BATCH_CALLS: ReadonlySet<string> = new Set([
  'utility.batch',
  'utility.batchAll',
  'utility.forceBatch',
]);

export type CallName = keyof Calls;
export type CallArgs<K extends CallName> = Calls[K]['args'];
export type CallResult<K extends CallName> = Calls[K]['result'];
export type LedgerCall<K extends CallName = CallName> = K extends CallName
  ? { name: K; args: CallArgs<K> }
  : never;
