import { canonicalAmount } from './units.js';

/**
 * Amounts and times in messages people read (the portal shows the server's refusals as they
 * come): thousands grouped, exact decimals kept; times in UTC, said so, never ISO strings.
 */
export function formatAmount(amount: string): string {
  const negative = amount.startsWith('-');
  const [whole, fraction] = (negative ? amount.slice(1) : amount).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction ? `.${fraction}` : ''}`;
}

/** A stored amount for reading: canonical decimals (`245000.50` → `245,000.5`), thousands grouped. */
export const formatCanonicalAmount = (amount: string): string => formatAmount(canonicalAmount(amount));

/** `1,250 USDS`: an amount with its asset's ticker or name. */
export function formatMoney(amount: string, unit: string): string {
  return `${formatAmount(amount)} ${unit}`;
}

const WHEN = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});

/** `31 December 2026, 17:00 UTC`. */
export function formatTime(at: string | Date): string {
  return `${WHEN.format(typeof at === 'string' ? new Date(at) : at)} UTC`;
}

const DAY = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

/** `1 June 2027`: a day (UTC) in words. */
export function formatDay(at: string | Date): string {
  return DAY.format(typeof at === 'string' ? new Date(at) : at);
}

const REGIONS = new Intl.DisplayNames(['en'], { type: 'region' });

/** A country as people read it: "Germany", not DE (any case, e.g. the chain's `De`). */
export function countryName(code: string): string {
  const iso = code.toUpperCase();
  try {
    return REGIONS.of(iso) ?? iso;
  } catch {
    return iso;
  }
}
