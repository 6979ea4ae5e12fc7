/**
 * The chain's limits as a person reads them, so a form says what is wrong before it is sent.
 * The numbers come from the chain package (the same ones the server and ledger enforce).
 */
import { byteLength, isGranular, isReservedTicker, TICKER_PATTERN } from '@stoa/chain/limits';
import { isAmount, toUnits } from '../offerings/units';

const TICKER = new RegExp(TICKER_PATTERN);

/** The chain counts bytes: accented letters and symbols take 2–4 of them. */
export function tooLong(text: string, max: number): string | null {
  const size = byteLength(text);
  if (size <= max) return null;
  return size === text.length
    ? `At most ${max} characters (this has ${text.length})`
    : `At most ${max} characters, where accented letters and symbols count as 2 to 4 (this counts as ${size})`;
}

export function tickerProblem(ticker: string): string | null {
  if (!TICKER.test(ticker)) return 'Up to 12 capital letters, digits or _ . / -';
  if (isReservedTicker(ticker)) return `${ticker} is a currency code reserved on chain; choose another`;
  return null;
}

/** An amount of tokens the chain accepts: above 0, and whole for an asset without decimals. */
export function tokenAmountProblem(amount: string, divisible = true): string | null {
  if (!isAmount(amount)) return 'Enter a number of tokens, e.g. 100 or 2.5 (up to 6 decimals)';
  if (toUnits(amount) === 0n) return 'Enter an amount above 0';
  if (!isGranular(toUnits(amount), divisible))
    return 'This asset has whole tokens only; enter a whole number';
  return null;
}
