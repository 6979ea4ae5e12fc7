import { fromUnits, isAmount, percentOf, toUnits } from '../offerings/units';

export interface Holding {
  /** Stable key: the investor identity id, or 'issuer'. */
  key: string;
  label: string;
  amount: string;
}

export interface CapTableRow extends Holding {
  percent: number;
}

/** Holdings sorted by size with their share of the supply; empty holdings are dropped. */
export function capTable(holdings: readonly Holding[], totalSupply: string): CapTableRow[] {
  const total = isAmount(totalSupply) ? toUnits(totalSupply) : 0n;
  return holdings
    .filter((h) => isAmount(h.amount) && toUnits(h.amount) > 0n)
    .map((h) => ({ ...h, percent: percentOf(toUnits(h.amount), total) }))
    .sort((a, b) => {
      const diff = toUnits(b.amount) - toUnits(a.amount);
      return diff > 0n ? 1 : diff < 0n ? -1 : a.label.localeCompare(b.label);
    });
}

/** The largest `limit - 1` rows and one "Others" row, so a chart stays readable. */
export function chartRows(rows: readonly CapTableRow[], limit = 8): CapTableRow[] {
  if (rows.length <= limit) return [...rows];
  const head = rows.slice(0, limit - 1);
  const rest = rows.slice(limit - 1);
  const amount = rest.reduce((s, r) => s + toUnits(r.amount), 0n);
  return [
    ...head,
    {
      key: 'others',
      label: `${rest.length} others`,
      amount: fromUnits(amount),
      percent: Math.round(rest.reduce((s, r) => s + r.percent, 0) * 100) / 100,
    },
  ];
}

/** A holder as the API lists it, as a cap-table holding with a readable label. */
export function holdingOf(h: {
  did: string;
  kind: 'issuer' | 'investor' | 'unknown';
  investor: { identityId: string; name: string; email: string } | null;
  balance: string;
}): Holding {
  const label =
    h.kind === 'issuer'
      ? 'Issuer (treasury and unsold)'
      : h.investor
        ? `${h.investor.name || h.investor.email} (${h.investor.email})`
        : `Identity ${h.did.slice(0, 10)}…`;
  return {
    key: h.kind === 'issuer' ? 'issuer' : (h.investor?.identityId ?? h.did),
    label,
    amount: h.balance,
  };
}
