/**
 * The portal's one formatting module: amounts with thousands grouped and their currency or
 * ticker, dates and times in the reader's locale. Amounts stay decimal strings (never floats),
 * so the exact decimals are kept.
 */

/** Groups thousands for reading; keeps the exact decimals: `1234567.5` → `1,234,567.5`. */
export function formatAmount(amount: string): string {
  const negative = amount.startsWith('-');
  const [whole, fraction] = (negative ? amount.slice(1) : amount).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction ? `.${fraction}` : ''}`;
}

/** An amount with its unit (ticker or asset name): `245,000 USDS`. */
export function formatMoney(amount: string, unit: string | null | undefined): string {
  return unit ? `${formatAmount(amount)} ${unit}` : formatAmount(amount);
}

/** US dollars (onboarding financials, Reg CF limits): `$124,000`, cents only when there are any. */
export function formatUsd(amount: string): string {
  const [whole, cents] = amount.split('.');
  const keep = cents && /[1-9]/.test(cents) ? `.${cents.padEnd(2, '0')}` : '';
  return `$${formatAmount(whole!)}${keep}`;
}

const parse = (at: string | Date) => (typeof at === 'string' ? new Date(at) : at);

/** A date in the reader's locale (`12/31/2026`); `—` when there is none. */
export function formatDate(at: string | Date | null | undefined): string {
  return at ? parse(at).toLocaleDateString(undefined, { dateStyle: 'medium' }) : '—';
}

/** A date and time in the reader's locale and time zone; `—` when there is none. */
export function formatDateTime(at: string | Date | null | undefined): string {
  return at ? parse(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
}

/** A calendar date the API keeps as `YYYY-MM-DD` (a birthday): the same day in every time zone. */
export function formatCalendarDate(day: string | null | undefined): string {
  if (!day) return '—';
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return day;
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(undefined, {
    dateStyle: 'medium',
    timeZone: 'UTC',
  });
}

/** A whole count: `1,234`. */
export function formatCount(n: number): string {
  return new Intl.NumberFormat().format(n);
}

/** A percentage with at most two decimals: `6.66%`. */
export function formatPercent(n: number): string {
  return `${new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }).format(n)}%`;
}
