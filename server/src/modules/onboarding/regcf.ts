/**
 * Reg CF investment limit for non-accredited investors over 12 months (17 CFR 227.100(a)(2),
 * thresholds as adjusted in 2022): if either annual income or net worth is below $124,000, the
 * greater of $2,500 or 5% of the greater of the two; if both are at least $124,000, 10% of the
 * greater of the two, capped at $124,000. Inputs and output are USD decimal strings; the
 * arithmetic is exact (integer cents), rounded down to the cent.
 */
export const REG_CF_THRESHOLD = '124000';
export const REG_CF_FLOOR = '2500';
export const REG_CF_CAP = '124000';

const AMOUNT = /^(-?)(\d{1,15})(?:\.(\d{1,2}))?$/;

export function toCents(amount: string): bigint {
  const m = AMOUNT.exec(amount.trim());
  if (!m) throw new RangeError(`"${amount}" is not a USD amount (digits, up to 2 decimals)`);
  const cents = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0') || '0');
  return m[1] ? -cents : cents;
}

export function fromCents(cents: bigint): string {
  const neg = cents < 0n;
  const abs = neg ? -cents : cents;
  return `${neg ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

const max = (...v: bigint[]) => v.reduce((a, b) => (b > a ? b : a));
const min = (...v: bigint[]) => v.reduce((a, b) => (b < a ? b : a));

export function regCfLimit(annualIncome: string, netWorth: string): string {
  const income = toCents(annualIncome);
  const worth = toCents(netWorth);
  if (income < 0n) throw new RangeError('annual income cannot be negative');
  const greater = max(income, worth, 0n);
  const threshold = toCents(REG_CF_THRESHOLD);
  const limit =
    income < threshold || worth < threshold
      ? max(toCents(REG_CF_FLOOR), (greater * 5n) / 100n)
      : min(toCents(REG_CF_CAP), greater / 10n);
  return fromCents(limit);
}
