/**
 * Polymesh amounts as integer units: 1 token = 1,000,000 units (6 decimal places). Pure and
 * dependency-free: the embedded ledger, the server and the portal all convert through this
 * file, each with its own input bounds.
 */
export const ONE_UNIT = 1_000_000n;

/** Whole and fractional digit strings (≤6 fractional digits, already validated) → units. */
export function unitsOf(whole: string, fraction = ''): bigint {
  return BigInt(whole) * ONE_UNIT + BigInt(fraction.padEnd(6, '0'));
}

/** Units → canonical decimal string ("1.5", "100", "0.000001", "-2"). */
export function fromUnits(units: bigint): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const frac = (abs % ONE_UNIT).toString().padStart(6, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${abs / ONE_UNIT}${frac ? `.${frac}` : ''}`;
}

/** Product of two unit amounts (e.g. tokens × price), truncated to a unit like Polymesh's STO. */
export function mulUnits(a: bigint, b: bigint): bigint {
  return (a * b) / ONE_UNIT;
}
