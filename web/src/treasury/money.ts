import { formatAmount } from '../offerings/units';

/** "1250.5" → "1,250.50 Stoa USD"; a leading minus (money out) is kept. */
export function formatMoney(amount: string, currency: string): string {
  const negative = amount.startsWith('-');
  const [whole, fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const text = `${formatAmount(whole!)}.${fraction.padEnd(2, '0')} ${currency}`;
  return negative ? `−${text}` : text;
}

export type Variant = 'info' | 'success' | 'danger' | 'warning' | 'neutral';

const DEPOSIT: Record<string, [string, Variant]> = {
  'pre-approving': ['Being credited', 'info'],
  issuing: ['Being credited', 'info'],
  transferring: ['Being credited', 'info'],
  credited: ['Credited', 'success'],
  'awaiting-affirmation': ['Waiting for the investor to accept', 'warning'],
  failed: ['Could not be credited', 'danger'],
};
const WITHDRAWAL: Record<string, [string, Variant]> = {
  transferring: ['Requested', 'info'],
  redeeming: ['Being processed', 'info'],
  'awaiting-payout': ['Awaiting payout', 'warning'],
  paid: ['Paid', 'success'],
  failed: ['Failed', 'danger'],
};
const SUBSCRIPTION: Record<string, [string, Variant]> = {
  pending: ['In progress', 'info'],
  settled: ['Paid', 'success'],
  refunding: ['Being refunded', 'warning'],
  refunded: ['Refunded', 'neutral'],
};

/** A status in words, and the badge colour it wears. */
export function statusLabel(
  kind: 'deposit' | 'withdrawal' | 'subscription',
  status: string,
): [string, Variant] {
  const table = kind === 'deposit' ? DEPOSIT : kind === 'withdrawal' ? WITHDRAWAL : SUBSCRIPTION;
  return table[status] ?? [status.replace(/-/g, ' '), 'neutral'];
}

/** A date and time in the reader's locale. */
export const when = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
