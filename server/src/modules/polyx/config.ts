/** How much POLYX the platform gives the custodial accounts it signs for (README: configuration). */
export interface PolyxFundingConfig {
  /** Sent to a new investor account with its identity, in the attestation's transaction. */
  grant: string;
  /** A custodial account that would hold less than this after an operation is topped up first. */
  topUpBelow: string;
  /** What a top-up brings it back to. */
  topUpTo: string;
}

/**
 * 50 POLYX pays for about 50 of an investor's dearest transactions (`sto.invest`, ~0.83 POLYX on
 * Polymesh 7.0) and hundreds of affirmations (~0.1 each); 10 stays above the 5.6 POLYX an
 * affirmation must have free before the chain refunds most of it.
 */
export const DEFAULT_POLYX_FUNDING: PolyxFundingConfig = { grant: '50', topUpBelow: '10', topUpTo: '50' };
