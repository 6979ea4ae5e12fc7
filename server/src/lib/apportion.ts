/**
 * Ownership percentages that add up to exactly 100: the largest-remainder method (Hamilton).
 *
 * Each holder's exact share, in steps of 10^-decimals percent, is rounded down; the steps left
 * over (at most one per holder) go one each to the holders whose rounding dropped the most,
 * ties to the larger holding, then to the earlier holder in the given order. So every
 * percentage is its exact share rounded down or up by less than one step, and the total is
 * exactly 100 (with two decimals, 100.00) whenever the parts add up to the whole.
 */
export function apportionPercentages(parts: readonly bigint[], decimals = 2): string[] {
  const whole = parts.reduce((s, p) => s + p, 0n);
  if (whole === 0n) return parts.map(() => format(0n, decimals));
  const steps = 100n * 10n ** BigInt(decimals);
  const floors = parts.map((p) => (p * steps) / whole);
  const remainders = parts.map((p, i) => ({ i, r: p * steps - floors[i]! * whole, p }));
  let left = steps - floors.reduce((s, f) => s + f, 0n);
  remainders.sort((a, b) =>
    a.r !== b.r ? (b.r > a.r ? 1 : -1) : a.p !== b.p ? (b.p > a.p ? 1 : -1) : a.i - b.i,
  );
  for (const { i, r } of remainders) {
    if (left === 0n) break;
    if (r === 0n) break; // exact shares get nothing extra (only happens when nothing is left)
    floors[i]! += 1n;
    left -= 1n;
  }
  return floors.map((f) => format(f, decimals));
}

function format(steps: bigint, decimals: number): string {
  if (decimals === 0) return String(steps);
  const scale = 10n ** BigInt(decimals);
  return `${steps / scale}.${String(steps % scale).padStart(decimals, '0')}`;
}
