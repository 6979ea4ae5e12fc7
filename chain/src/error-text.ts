/**
 * What a chain error means, said to the person whose request it refused (second person). The
 * codes stay in API bodies (`details.chainError`) for machines; people read these sentences.
 */
const TEXT: Readonly<Record<string, string>> = {
  BadSignature: 'The transaction was not signed correctly; try again.',
  BadOrigin: 'You are not allowed to do this on the chain.',
  TooManyCalls: 'Too many calls in one batch: the chain takes at most 10,922.',
  CallFiltered: 'The chain does not allow this call inside a batch.',
  MissingIdentity: 'You have no identity on the chain yet; finish onboarding first.',
  CddRequired: 'You are not yet verified (your identity has no valid customer due-diligence claim).',
  TargetHasNoCdd:
    'The identity that invited this key is not verified (no valid customer due-diligence claim), so the key cannot join it.',
  ReceiverCddMissing: 'The receiver is not yet verified, so they cannot receive this.',
  InsufficientPolyx:
    'The account lacks the POLYX to pay the chain fee; an operator must top it up (the platform tops up investors’ accounts itself).',
  InsufficientAccountBalance: 'The account lacks the POLYX for the chain’s fee for this operation.',
  UnauthorizedCaller: 'This key is not permitted to do this; the identity’s primary key can grant it.',
  SecondaryKeyNotAuthorizedForAsset: 'This key is not permitted to act on this asset.',
  SecondaryKeyNotAuthorizedForPortfolio: 'This key is not permitted to act on this portfolio.',
  InsufficientBalance: 'You do not have enough of this asset for the transfer.',
  InsufficientPortfolioBalance: 'You do not have enough of this asset free in the portfolio.',
  UnAuthorizedCddProvider: 'Only a trusted identity provider may do this.',
  Unauthorized: 'You are not allowed to do this.',
  UnauthorizedAgent: 'Only an agent of the asset’s issuer may do this.',
  AlreadyFrozen: 'The asset is already frozen.',
  NotFrozen: 'The asset is not frozen.',
  TickerAlreadyRegistered: 'This ticker is already taken; choose another.',
  TickerTooLong: 'The ticker is too long: at most 12 characters.',
  InvalidTickerCharacter: 'The ticker may use only letters, digits and a few symbols.',
  InvalidAssetIdentifier: 'An identifier of the asset is not valid (check its check digit).',
  InvalidGranularity: 'This asset is indivisible: use a whole number of tokens.',
  TotalSupplyAboveLimit: 'This would take the supply above the chain’s limit.',
  ZeroAmount: 'The amount must be more than 0.',
  InvalidTransferSenderIdMatchesReceiverId: 'The sender and the receiver are the same identity.',
  InvalidTransferFrozenAsset: 'The asset is frozen: no transfers until the issuer unfreezes it.',
  InvalidTransferInvalidReceiverCDD:
    'The receiver is not yet verified (no valid customer due-diligence claim).',
  InvalidTransferInvalidSenderCDD: 'The sender is not yet verified (no valid customer due-diligence claim).',
  InvalidTransferStatisticsFailure:
    'The transfer would break a holder limit of the asset (number or share of holders).',
  InvalidTransferComplianceFailure: 'The transfer does not meet the asset’s compliance rules.',
  PortfolioDoesNotExist: 'That portfolio does not exist.',
  InstructionNotAffirmed: 'Not every party has affirmed the instruction yet.',
  UnknownInstruction: 'That instruction no longer exists; it may have settled or been rejected.',
  CallerIsNotAParty: 'You are not a party to this instruction.',
  InstructionSettleBlockPassed: 'The instruction’s settlement time has passed.',
  FailedToReleaseLockOrTransferAssets:
    'The settlement could not move the assets; a party lacks the balance or fails the rules.',
  InsufficientTokensRemaining: 'Not enough tokens are left in the offering.',
  FundraiserNotLive: 'The offering is not open.',
  FundraiserClosed: 'The offering is closed.',
  FundraiserExpired: 'The offering has ended.',
  InvestmentAmountTooLow: 'The amount is below the offering’s minimum investment.',
  MaxPriceExceeded: 'The price has risen above what you agreed to pay.',
  NoSuchAsset: 'That asset does not exist on the chain.',
  // Polymesh 7.0 raises DispatchError::Other only for authorizations (invitations, agent,
  // custody and ownership requests).
  Other: 'That request does not exist any more or has expired; ask for a new one.',
  KeyNotAllowed: 'Only the primary key of your identity may do this.',
  InvalidAuthorization:
    'The authorization this transaction relies on is missing or has expired, so nobody pays its fee.',
  DidNotExist: 'That identity does not exist on the chain.',
  TickerRegistrationNotFound: 'That ticker is not reserved.',
  TickerIsNotLinkedToTheAsset: 'That ticker is not linked to this asset.',
};

/** The sentence for a chain error code; a general one for codes a person cannot act on. */
export function chainErrorText(code: string): string {
  return (
    TEXT[code] ??
    'The chain refused the transaction. Nothing was changed; try again, or contact the platform operator if it happens again.'
  );
}
