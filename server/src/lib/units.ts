/** Polymesh amounts: decimal strings with at most 6 decimals, handled as integer units (1 = 1,000,000). */
import { fromUnits, mulUnits, ONE_UNIT, unitsOf } from '@stoa/chain';

export { fromUnits, mulUnits, ONE_UNIT as ONE };
const AMOUNT = /^(\d{1,13})(?:\.(\d{1,6}))?$/;

export function toUnits(value: string): bigint {
  const m = AMOUNT.exec(value.trim());
  if (!m) throw new RangeError(`"${value}" is not an amount (digits, up to 6 decimals)`);
  return unitsOf(m[1]!, m[2]);
}

export const isAmount = (value: string): boolean => AMOUNT.test(value.trim());

/** `part` as a percentage of `whole`, rounded down to `decimals` places; "0" when whole is 0. */
export function percentOf(part: bigint, whole: bigint, decimals = 4): string {
  if (whole === 0n) return '0';
  const scale = 10n ** BigInt(decimals);
  const v = (part * 100n * scale) / whole;
  const frac = String(v % scale)
    .padStart(decimals, '0')
    .replace(/0+$/, '');
  return `${v / scale}${frac ? `.${frac}` : ''}`;
}

/** The canonical form of an amount (the database pads decimals: "100.000000" → "100"). */
export const canonicalAmount = (value: string): string => fromUnits(toUnits(value));
