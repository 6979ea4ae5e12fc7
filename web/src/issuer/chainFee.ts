import { formatAmount } from '../lib/format';

/** The server's fee estimate of an operation (`POST …/fee-estimate`). */
export interface FeeQuote {
  transactionFee: string;
  withdrawnFee: string;
  protocolFee: string;
  total: string;
  required: string;
  payerBalance: string;
  affordable: boolean;
}

const polyx = (amount: string) => `${formatAmount(amount)} POLYX`;

/**
 * The fee lines of a confirmation: what the operation costs on chain, split into the protocol
 * fee and the transaction fee when there is one, and a warning when the paying account lacks it.
 */
export function feeLines(quote: FeeQuote): string[] {
  const lines = [
    quote.protocolFee === '0'
      ? `Chain fee: ${polyx(quote.total)}, paid by the issuer's account.`
      : `Chain fee: ${polyx(quote.total)} (${polyx(quote.protocolFee)} protocol fee + ${polyx(quote.transactionFee)} transaction fee), paid by the issuer's account.`,
  ];
  if (!quote.affordable) {
    lines.push(
      `The issuer's account holds ${polyx(quote.payerBalance)} and needs ${polyx(quote.required)} free: the chain will refuse this until an operator tops it up.`,
    );
  }
  return lines;
}
