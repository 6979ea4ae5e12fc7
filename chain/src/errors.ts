/**
 * Ledger error codes mirror Polymesh's error names so the server can map them once, whichever
 * adapter produced them. Extend the list as the port grows; keep names identical to the chain's.
 */
export const LEDGER_ERROR_CODES = [
  // adapter-level
  'BadSignature',
  'BadOrigin',
  'InvalidNonce',
  'UnknownSigner',
  'ValidationError',
  'NotConnected',
  'OutcomeUnknown',
  'Unsupported',
  // utility (batches): more calls than a batch may hold; a call the batch may not dispatch
  'TooManyCalls',
  'CallFiltered',
  // base pallet: a bounded string or list is longer than the chain allows
  'TooLong',
  // transaction admission and fees, refused before inclusion: `InvalidTransaction::Payment`
  // (the payer cannot pay the fee) and Polymesh's `TransactionError` (primitives/src/lib.rs):
  // Custom(1) MissingIdentity, Custom(2) CddRequired, Custom(3) InvalidAuthorization
  'Payment',
  'MissingIdentity',
  'CddRequired',
  'InvalidAuthorization',
  // protocol fees (pallets/protocol-fee), charged inside the call
  'InsufficientAccountBalance',
  // permissions pallet: the signing key may not call this extrinsic
  'UnauthorizedCaller',
  // balances
  'ReceiverCddMissing',
  'InsufficientBalance',
  // identity, keys, authorizations
  'AlreadyLinked',
  'UnAuthorizedCddProvider',
  'DidMustAlreadyExist',
  'DidDoesNotExist',
  'KeyNotAllowed',
  'NotASigner',
  'ClaimDoesNotExist',
  'CustomClaimTypeAlreadyExists',
  'CustomClaimTypeDoesNotExist',
  'CustomScopeTooLong',
  'AuthorizationDoesNotExist',
  'AuthorizationExpired',
  'Unauthorized',
  'AlreadyFrozen',
  'NotFrozen',
  // asset
  'TickerTooLong',
  'InvalidTickerCharacter',
  'TickerAlreadyRegistered',
  'TickerNotRegisteredToCaller',
  'TickerRegistrationExpired',
  'TickerIsAlreadyLinkedToAnAsset',
  'AssetIsAlreadyLinkedToATicker',
  'TickerIsNotLinkedToAsset',
  'MaxLengthOfAssetNameExceeded',
  'FundingRoundNameMaxLengthExceeded',
  'InvalidAssetIdentifier',
  'InvalidCustomAssetTypeId',
  'CustomAssetTypeAlreadyExists',
  'NoSuchAsset',
  'AssetAlreadyDivisible',
  'InvalidGranularity',
  'TotalSupplyAboveLimit',
  'ZeroAmount',
  'BalanceOverflow',
  'UnexpectedNonFungibleToken',
  'InvalidTransferSenderIdMatchesReceiverId',
  'InvalidTransferFrozenAsset',
  'InvalidTransferInvalidReceiverCDD',
  'InvalidTransferInvalidSenderCDD',
  'InvalidTransferStatisticsFailure',
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
  'CannotDeleteDefaultPortfolio',
  'DifferentIdentityPortfolios',
  'DestinationIsSamePortfolio',
  'UnauthorizedCustodian',
  'SecondaryKeyNotAuthorizedForPortfolio',
  'InsufficientPortfolioBalance',
  'NoDuplicateAssetsAllowed',
  'EmptyTransfer',
  // compliance manager
  'InvalidComplianceRequirementId',
  'DuplicateComplianceRequirements',
  'ComplianceRequirementTooComplex',
  'IncorrectOperationOnTrustedIssuer',
  // statistics
  'StatTypeMissing',
  'StatTypeLimitReached',
  'TransferConditionLimitReached',
  'CannotRemoveStatTypeInUse',
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
  // checkpoint
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
