/**
 * Amounts travel as decimal strings with at most 6 decimals (Polymesh's precision); arithmetic
 * happens on integer micro-units so nothing is rounded through a float.
 */
import { fromUnits, mulUnits, unitsOf } from '@stoa/chain/units';

export { fromUnits, mulUnits };

export const AMOUNT_PATTERN = /^\d{1,13}(\.\d{1,6})?$/;

export function isAmount(value: string): boolean {
  return AMOUNT_PATTERN.test(value);
}

export function toUnits(amount: string): bigint {
  if (!isAmount(amount)) throw new Error(`not an amount: ${amount}`);
  const [whole, fraction] = amount.split('.');
  return unitsOf(whole!, fraction);
}

/** Percentage of `part` in `whole` with two decimals, as a number for display and charts. */
export function percentOf(part: bigint, whole: bigint): number {
  if (whole <= 0n) return 0;
  return Number((part * 10_000n) / whole) / 100;
}

export { formatAmount } from '../lib/format';

export interface Tier {
  amount: string;
  price: string;
  remaining: string;
}

/** Tokens → cost, filling tiers in order (Polymesh's STO arithmetic). */
export function quote(tiers: readonly Tier[], amount: string): { cost: string; filled: boolean } {
  let left = toUnits(amount);
  let cost = 0n;
  for (const t of tiers) {
    const remaining = toUnits(t.remaining);
    const take = left < remaining ? left : remaining;
    cost += mulUnits(take, toUnits(t.price));
    left -= take;
  }
  return { cost: fromUnits(cost), filled: left === 0n };
}

export function sumAmounts(amounts: readonly string[]): string {
  return fromUnits(amounts.reduce((s, a) => s + toUnits(a), 0n));
}
