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

export interface SubscriptionRecord {
  subscriptionId: string;
  offeringId: string;
  identityId: string;
  amount: string;
}

/**
 * Investor holdings from primary subscriptions that settled, and the issuer's own position as
 * what is left of the supply. Used until the API exposes the chain's holder list.
 */
export function holdingsFromSubscriptions(
  subscriptions: readonly SubscriptionRecord[],
  settled: ReadonlySet<string>,
  totalSupply: string,
  labelOf: (identityId: string) => string,
): Holding[] {
  const byInvestor = new Map<string, bigint>();
  for (const s of subscriptions) {
    if (!settled.has(s.subscriptionId) || !isAmount(s.amount)) continue;
    byInvestor.set(s.identityId, (byInvestor.get(s.identityId) ?? 0n) + toUnits(s.amount));
  }
  const held = [...byInvestor.values()].reduce((a, b) => a + b, 0n);
  const supply = isAmount(totalSupply) ? toUnits(totalSupply) : 0n;
  const issuer = supply > held ? supply - held : 0n;
  return [
    { key: 'issuer', label: 'Issuer (treasury and unsold)', amount: fromUnits(issuer) },
    ...[...byInvestor.entries()].map(([id, amount]) => ({
      key: id,
      label: labelOf(id),
      amount: fromUnits(amount),
    })),
  ];
}

/** Reads `offering.subscribed` audit entries into subscription records; skips malformed ones. */
export function subscriptionRecords(
  entries: readonly { subjectId: string; data: Record<string, unknown> }[],
): SubscriptionRecord[] {
  return entries.flatMap((e) => {
    const { subscriptionId, identityId, amount } = e.data;
    return typeof subscriptionId === 'string' && typeof identityId === 'string' && typeof amount === 'string'
      ? [{ subscriptionId, offeringId: e.subjectId, identityId, amount }]
      : [];
  });
}
