import { LedgerError } from '../errors.js';

/** 1 token = 1,000,000 units (Polymesh's 6 decimal places). */
export const ONE_UNIT = 1_000_000n;
/** Polymesh's `MAX_SUPPLY`: 1e12 tokens. */
export const MAX_SUPPLY = 1_000_000_000_000n * ONE_UNIT;

const DECIMAL = /^(\d{1,40})(?:\.(\d{1,6}))?$/;

/** Decimal string → units. Rejects floats' artefacts, signs, exponents and >6 decimal places. */
export function toUnits(value: unknown, field = 'amount'): bigint {
  if (typeof value !== 'string') {
    throw new LedgerError('ValidationError', `${field} must be a decimal string`, undefined, { field });
  }
  const m = DECIMAL.exec(value);
  if (!m) {
    throw new LedgerError(
      'ValidationError',
      `${field} "${value}" is not a decimal with ≤6 places`,
      undefined,
      {
        field,
      },
    );
  }
  const whole = BigInt(m[1] ?? '0');
  const frac = BigInt((m[2] ?? '').padEnd(6, '0'));
  return whole * ONE_UNIT + frac;
}

/** Units → canonical decimal string ("1.5", "100", "0.000001"). */
export function fromUnits(units: bigint): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const whole = abs / ONE_UNIT;
  const frac = abs % ONE_UNIT;
  const s =
    frac === 0n ? whole.toString() : `${whole}.${frac.toString().padStart(6, '0').replace(/0+$/, '')}`;
  return neg ? `-${s}` : s;
}

/** Percentage decimal string (0–100, ≤4 dp) → Permill. */
export function percentToPermill(value: unknown, field = 'percentage'): number {
  const units = toUnits(value, field);
  if (units > 100n * ONE_UNIT || units % 100n !== 0n) {
    throw new LedgerError(
      'ValidationError',
      `${field} must be 0–100 with at most 4 decimal places`,
      undefined,
      {
        field,
      },
    );
  }
  return Number(units / 100n);
}

export function permillToPercent(permill: number): string {
  return fromUnits(BigInt(permill) * 100n);
}
