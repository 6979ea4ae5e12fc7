import { LedgerError, type FeeEstimate, type Ledger, type LedgerCall } from '@stoa/chain';
import Type from 'typebox';
import { AppError, fromLedgerError } from '../../errors.js';
import { toUnits } from '../../lib/units.js';

/** What an operation would cost on chain if sent now, and whether its payer can pay it. */
export interface FeeQuote extends FeeEstimate {
  /** The account that would sign it. */
  signer: string;
  /** The payer's free POLYX now. */
  payerBalance: string;
  /** Whether that covers `required`. */
  affordable: boolean;
}

const Polyx = (description: string) => Type.String({ pattern: '^\\d+(\\.\\d{1,6})?$', description });
export const FeeQuoteBody = Type.Object(
  {
    signer: Type.String({ description: 'The account that would sign the transaction' }),
    payer: Type.String({ description: 'The account that pays its fees (usually the signer)' }),
    transactionFee: Polyx('POLYX: base + length + weight fee of the transaction'),
    withdrawnFee: Polyx('POLYX withdrawn before dispatch at the declared weight; the rest is refunded'),
    protocolFee: Polyx('POLYX: protocol fees of the call (2,500 per asset, 500 per ticker, 0 for most)'),
    total: Polyx('POLYX the operation costs: transaction fee + protocol fee'),
    required: Polyx('POLYX the payer must have free for it to go through'),
    payerBalance: Polyx("POLYX: the payer's free balance now"),
    affordable: Type.Boolean({ description: 'Whether the payer has what is required' }),
  },
  { description: 'What the operation would cost on chain if sent now' },
);

/**
 * The chain's fee estimate for `call` signed by `signer`, as the API gives it. Both adapters
 * estimate (the embedded ledger from its fee model, the SDK adapter from the node's
 * `query_info` and protocol-fee storage); a call an adapter cannot send at all (`Unsupported`)
 * answers 503, a node that cannot be reached the chain's unavailability, a signer the chain
 * would not admit the chain's refusal.
 */
export async function quoteFee(ledger: Ledger, call: LedgerCall, signer: string): Promise<FeeQuote> {
  let estimate: FeeEstimate;
  try {
    estimate = await ledger.estimateFee(call, signer);
  } catch (err) {
    if (err instanceof LedgerError && err.code === 'Unsupported')
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'The chain connection cannot estimate the fee of this operation',
      );
    if (err instanceof LedgerError) throw fromLedgerError(err);
    throw err;
  }
  const balance = (await ledger.polyxBalance(estimate.payer)).free;
  return {
    signer,
    ...estimate,
    payerBalance: balance,
    affordable: toUnits(balance) >= toUnits(estimate.required),
  };
}
