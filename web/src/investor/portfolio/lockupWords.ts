import { formatAmount, formatDate } from '../../lib/format';

export interface LockupView {
  name: string;
  ticker: string | null;
  sellable: string;
  locked: { quantity: string; unlocksAt: string }[];
}

const isZero = (amount: string) => /^0+(\.0+)?$/.test(amount);

/**
 * "You can sell 500 ACME now; 300 more from 1 Jun 2027" in the reader's locale: what a holder
 * of a locked-up asset may sell now and what unlocks when.
 */
export function lockupWords(l: LockupView): string {
  const unit = l.ticker ?? l.name;
  const later = l.locked.map((x) => `${formatAmount(x.quantity)} more from ${formatDate(x.unlocksAt)}`);
  if (later.length === 0) return `You can sell all ${formatAmount(l.sellable)} ${unit} now.`;
  if (isZero(l.sellable))
    return `You cannot sell ${unit} yet: ${later.join('; ').replace(' more from', ' from')}.`;
  return `You can sell ${formatAmount(l.sellable)} ${unit} now; ${later.join('; ')}.`;
}

/** When the last locked quantity unlocks: the end of the lock-up as a claim shows it. */
export const lockupEnds = (l: LockupView): string | null => l.locked.at(-1)?.unlocksAt ?? null;
