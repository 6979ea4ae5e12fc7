import { randomInt } from 'node:crypto';
import { formatAmount } from '../../lib/format.js';
import { canonicalAmount } from '../../lib/units.js';

// No 0/O, 1/I/L: a reference is read off a screen and typed into a banking app.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** A fresh deposit reference, e.g. `STOA-7KQ4-M9TD` (31^8 ≈ 8.5·10^11 of them). */
export function newReference(): string {
  const pick = () => Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return `STOA-${pick()}-${pick()}`;
}

/** References as people type them: any case, spaces or dashes anywhere. */
export function normaliseReference(text: string): string {
  const s = text.toUpperCase().replace(/[\s-]/g, '');
  return s.length === 12 && s.startsWith('STOA') ? `STOA-${s.slice(4, 8)}-${s.slice(8)}` : text.trim();
}

/** "1234.5" → "1,234.50 Stoa USD": thousands grouped, at least cents, the exact decimals kept. */
export function formatMoney(amount: string, currency: string): string {
  const [whole, fraction = ''] = canonicalAmount(amount).split('.');
  return `${formatAmount(whole!)}.${fraction.padEnd(2, '0')} ${currency}`;
}
