/**
 * Ledger error codes. Apart from the adapter codes below, every code is the name Polymesh 7.0
 * itself gives the refusal (a pallet error, a dispatch error or a transaction-validity error), so
 * the server maps them once whichever adapter produced them. Keep names identical to the chain's.
 */

/** Codes of the port itself: no chain says them. */
export const ADAPTER_ERROR_CODES = [
  // an argument the port cannot encode (wrong shape, not a decimal, not a DID…)
  'ValidationError',
  // the transaction was not sent, or its outcome is unknown (see UNKNOWN_OUTCOME_CODES)
  'NotConnected',
  'OutcomeUnknown',
  'UnknownSigner',
  // the adapter cannot do this (e.g. a call the SDK adapter does not map yet)
  'Unsupported',
] as const;

/**
 * Refusals before inclusion (the transaction pool's validity checks): the nonce stays free and no
 * fee is paid. Named by the port after the runtime's variant: `BadSignature` is
 * `InvalidTransaction::BadProof`, `InvalidNonce` is `Stale`/`Future`, `InsufficientPolyx` is
 * `InvalidTransaction::Payment`; `MissingIdentity`, `CddRequired` and `InvalidAuthorization` are
 * Polymesh's own `TransactionError` (`InvalidTransaction::Custom(1)`, `Custom(2)`, `Custom(3)`:
 * the authorization that names the fee payer is missing, expired or of another type).
 */
export const VALIDITY_ERROR_CODES = [
  'BadSignature',
  'InvalidNonce',
  'InsufficientPolyx',
  'MissingIdentity',
  'CddRequired',
  'InvalidAuthorization',
] as const;

/** The 7.0 runtime's dispatch errors: pallet errors by their names, and Substrate's own. */
export const DISPATCH_ERROR_CODES = [
  // sp_runtime::DispatchError: `BadOrigin`; `Other` carries a string the chain does not encode
  // ("Authorization does not exist", "Authorization expired", "Illegal use of Authorization",
  // "Authorization type is wrong"): clients see a bare `Other`, the embedded ledger puts the
  // chain's string in the message.
  'BadOrigin',
  'Other',
  // frame_system: a call the batch may not dispatch
  'CallFiltered',
  // utility (batches): more calls than a batch may hold
  'TooManyCalls',
  // base pallet: a bounded string or list is longer than the chain allows
  'TooLong',
  // protocol fees (pallets/protocol-fee), charged inside the call from the fee payer
  'InsufficientAccountBalance',
  // permissions pallet: the signing key may not call this extrinsic
  'UnauthorizedCaller',
  // balances
  'ReceiverCddMissing',
  'InsufficientBalance',
  // identity, keys, authorizations
  'AlreadyLinked',
  'TargetHasNoCdd',
  'UnAuthorizedCddProvider',
  'DidMustAlreadyExist',
  'DidDoesNotExist',
  'KeyNotAllowed',
  'NotASigner',
  'ClaimDoesNotExist',
  'CustomClaimTypeAlreadyExists',
  'CustomClaimTypeDoesNotExist',
  'CustomScopeTooLong',
  'Unauthorized',
  // asset
  'AlreadyFrozen',
  'NotFrozen',
  'TickerTooLong',
  'InvalidTickerCharacter',
  'TickerAlreadyRegistered',
  'TickerRegistrationNotFound',
  'TickerNotRegisteredToCaller',
  'TickerRegistrationExpired',
  'TickerIsAlreadyLinkedToAnAsset',
  'AssetIsAlreadyLinkedToATicker',
  'TickerIsNotLinkedToTheAsset',
  'MaxLengthOfAssetNameExceeded',
  'FundingRoundNameMaxLengthExceeded',
  'InvalidAssetIdentifier',
  'InvalidCustomAssetTypeId',
  'NoSuchAsset',
  'AssetAlreadyDivisible',
  'InvalidGranularity',
  'TotalSupplyAboveLimit',
  'BalanceOverflow',
  'UnexpectedNonFungibleToken',
  'InvalidTransferFrozenAsset',
  'InvalidTransferInvalidReceiverCDD',
  'InvalidTransferInvalidSenderCDD',
  'InvalidTransferComplianceFailure',
  'NoSuchDoc',
  'AssetMetadataKeyIsMissing',
  'AssetMetadataValueIsLocked',
  'AssetMetadataValueMaxLengthExceeded',
  'AssetMetadataNameMaxLengthExceeded',
  'AssetMetadataLocalKeyAlreadyExists',
  'AssetMetadataGlobalKeyAlreadyExists',
  // external agents
  'SecondaryKeyNotAuthorizedForAsset',
  'UnauthorizedAgent',
  'NotAnAgent',
  'AlreadyAnAgent',
  'RemovingLastFullAgent',
  'NoSuchAG',
  // portfolio
  'PortfolioDoesNotExist',
  'PortfolioNotEmpty',
  'PortfolioNameAlreadyInUse',
  'DifferentIdentityPortfolios',
  'DestinationIsSamePortfolio',
  'UnauthorizedCustodian',
  'SecondaryKeyNotAuthorizedForPortfolio',
  'InsufficientPortfolioBalance',
  'NoDuplicateAssetsAllowed',
  'EmptyTransfer',
  'InvalidTransferSenderIdMatchesReceiverId',
  // compliance manager
  'InvalidComplianceRequirementId',
  'DuplicateComplianceRequirements',
  'ComplianceRequirementTooComplex',
  'IncorrectOperationOnTrustedIssuer',
  'DidNotExist',
  // statistics
  'StatTypeMissing',
  'StatTypeLimitReached',
  'TransferConditionLimitReached',
  'CannotRemoveStatTypeInUse',
  'InvalidTransferStatisticsFailure',
  // settlement (pallets/settlement)
  'InvalidVenue',
  'InstructionNotAffirmed',
  'UnauthorizedVenue',
  'InstructionDatesInvalid',
  'InstructionSettleBlockPassed',
  'SameSenderReceiver',
  'SettleOnPastBlock',
  'UnexpectedAffirmationStatus',
  'UnknownInstruction',
  'InstructionSettleBlockNotReached',
  'CallerIsNotAParty',
  'ZeroAmount',
  'MaxNumberOfFungibleAssetsExceeded',
  'MaxNumberOfOffChainAssetsExceeded',
  'UnexpectedOFFChainAsset',
  'OffChainAssetCantBeLocked',
  'NotAllAffirmationsHaveBeenReceived',
  'InvalidInstructionStatusForExecution',
  'FailedToReleaseLockOrTransferAssets',
  'CallerIsNotAMediator',
  'InvalidExpiryDate',
  'MediatorAffirmationExpired',
  'OffChainAssetsMustHaveAVenue',
  'NumberOfVenueSignersExceeded',
  'NumberOfAssetMediatorsExceeded',
  'UnauthorizedSigner',
  'ReceiptAlreadyClaimed',
  'InvalidSignature',
  'SignerAlreadyExists',
  'SignerDoesNotExist',
  'ReceiptForInvalidLegType',
  'LegNotFound',
  'MaxNumberOfReceiptsExceeded',
  'DuplicateReceiptUid',
  'MultipleReceiptsForOneLeg',
  // sto
  'Overflow',
  'InsufficientTokensRemaining',
  'FundraiserNotFound',
  'FundraiserNotLive',
  'FundraiserClosed',
  'FundraiserExpired',
  'InvalidPriceTiers',
  'InvalidOfferingWindow',
  'MaxPriceExceeded',
  'InvestmentAmountTooLow',
  // checkpoint (pallets/asset/src/checkpoint)
  'NoSuchSchedule',
  'ScheduleNotRemovable',
  'SchedulesOverMaxComplexity',
  'ScheduleIsEmpty',
  'ScheduleFinished',
  'ScheduleHasExpiredCheckpoints',
  // corporate actions
  'DetailsTooLong',
  'DuplicateDidTax',
  'TooManyDidTaxes',
  'TooManyTargetIds',
  'NoSuchCheckpointId',
  'NoSuchCA',
  'NoRecordDate',
  'RecordDateAfterStart',
  'DeclDateAfterRecordDate',
  'DeclDateInFuture',
  'NotTargetedByCA',
  // capital distribution
  'CANotBenefit',
  'AlreadyExists',
  'ExpiryBeforePayment',
  'HolderAlreadyPaid',
  'NoSuchDistribution',
  'CannotClaimBeforeStart',
  'CannotClaimAfterExpiry',
  'BalancePerShareProductOverflowed',
  'NotDistributionCreator',
  'AlreadyReclaimed',
  'NotExpired',
  'DistributionStarted',
  'InsufficientRemainingAmount',
  'DistributionAmountIsZero',
  'DistributionPerShareIsZero',
  // corporate ballot
  'CANotNotice',
  'NoSuchBallot',
  'StartAfterEnd',
  'NowAfterEnd',
  'NumberOfChoicesOverflow',
  'VotingAlreadyStarted',
  'VotingNotStarted',
  'VotingAlreadyEnded',
  'WrongVoteCount',
  'InsufficientVotes',
  'NoSuchRCVFallback',
  'RCVSelfCycle',
  'RCVNotAllowed',
] as const;

export const LEDGER_ERROR_CODES = [
  ...ADAPTER_ERROR_CODES,
  ...VALIDITY_ERROR_CODES,
  ...DISPATCH_ERROR_CODES,
] as const;

export type LedgerErrorCode = (typeof LEDGER_ERROR_CODES)[number];

/**
 * Codes that say nothing final about the transaction: it was not sent (`NotConnected`, no key
 * for the signer), or it may or may not be on chain (`OutcomeUnknown`: a timeout or dropped
 * connection after sending; `InvalidNonce`: the nonce is already used, possibly by this very
 * transaction sent before). A caller resolves them by looking the signer's nonce up
 * (`findTransaction`) before it resends or gives up; every other code is the chain's refusal.
 */
export const UNKNOWN_OUTCOME_CODES: ReadonlySet<LedgerErrorCode> = new Set<LedgerErrorCode>([
  'NotConnected',
  'OutcomeUnknown',
  'UnknownSigner',
  'InvalidNonce',
]);

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    /** Polymesh pallet that raised it, when known (e.g. `asset`, `settlement`). */
    readonly module?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  /** True when the chain refused: final, nothing to resolve. False when the outcome is unknown. */
  get refused(): boolean {
    return !UNKNOWN_OUTCOME_CODES.has(this.code);
  }

  /**
   * A refusal of a transaction that was included (its dispatch failed: nonce and fee consumed),
   * as opposed to one refused before inclusion (signature, nonce, admission, fee checks, or the
   * SDK's own checks before sending), which leaves the nonce free.
   */
  get included(): boolean {
    return typeof this.details?.txHash === 'string';
  }

  static is(err: unknown, code?: LedgerErrorCode): err is LedgerError {
    return err instanceof LedgerError && (code === undefined || err.code === code);
  }
}
