import { formatCanonicalAmount } from '../../lib/format.js';

/**
 * Words for notices people read: amounts grouped for reading (exact decimals, no float), dates
 * as a day in words. Messages are stored, so a date is written in UTC with its month spelled
 * out (no 01/12 vs 12/01 confusion); the portal shows the notice's own time in local time.
 */

/** "1234567.5" → "1,234,567.5"; with a unit: "1,234,567.5 ACME". */
export function formatAmount(amount: string, unit?: string): string {
  const text = formatCanonicalAmount(amount.trim());
  return unit ? `${text} ${unit}` : text;
}

/** "1 December 2027". */
export function formatDay(d: Date): string {
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** Claim types as investors know them. */
export function claimWords(type: string): string {
  const words: Record<string, string> = {
    CustomerDueDiligence: 'identity verification',
    KnowYourCustomer: 'KYC verification',
    Accredited: 'accredited-investor status',
    Jurisdiction: 'country of residence',
    Affiliate: 'affiliate status',
    Exempted: 'exemption',
    Blocked: 'block',
  };
  return words[type] ?? `${type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} claim`;
}

/** "a", "a and b", "a, b and c". */
export function listWords(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The order people read claims in: who you are, then where, then what you may do. */
export const CLAIM_ORDER = ['CustomerDueDiligence', 'KnowYourCustomer', 'Jurisdiction', 'Accredited'];
