import { LedgerError } from '../errors.js';
import { fromUnits, ONE_UNIT, unitsOf } from '../units.js';

export { fromUnits, ONE_UNIT };

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
  return unitsOf(m[1]!, m[2]);
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
