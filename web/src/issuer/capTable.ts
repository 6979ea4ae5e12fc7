import type { Schemas } from '../api/client';
import { formatCount, formatDateTime } from '../lib/format';

export type CapTable = Schemas['CapTable'];
export type CapTableRow = CapTable['holders'][number];
export type CapTableGroup = CapTable['byJurisdiction'][number];
export interface Checkpoint {
  id: number;
  at: string;
  totalSupply: string;
  holderCount: number;
  top10Percent: string;
}

/** One bar of a BarChart: `percent` sets its length; `valueText` replaces the percentage shown. */
export interface ChartItem {
  key: string;
  label: string;
  percent: number;
  value: string;
  valueText?: string;
}

/** Hundredths of a percent ("33.34" → 3334), so sums of the server's percentages stay exact. */
const hundredths = (percent: string): number => Math.round(Number(percent) * 100);

/** How a holder is named in the portal: never by a bare identifier. */
export function holderLabel(row: Pick<CapTableRow, 'kind' | 'name'>): string {
  if (row.kind === 'issuer') return `${row.name} (issuer: unsold and treasury)`;
  return row.name;
}

/** The largest `limit - 1` holders and one "N others" bar, so the chart stays readable. */
export function ownershipChart(rows: readonly CapTableRow[], limit = 8): ChartItem[] {
  const bar = (r: CapTableRow): ChartItem => ({
    key: r.kind === 'issuer' ? 'issuer' : r.did,
    label: holderLabel(r),
    percent: Number(r.ownershipPercent),
    value: r.balance,
  });
  if (rows.length <= limit) return rows.map(bar);
  const rest = rows.slice(limit - 1);
  const share = rest.reduce((s, r) => s + hundredths(r.ownershipPercent), 0);
  return [
    ...rows.slice(0, limit - 1).map(bar),
    { key: 'others', label: `${formatCount(rest.length)} others`, percent: share / 100, value: '' },
  ];
}

/** A breakdown (by jurisdiction, by investor type) as bars. */
export function groupChart(groups: readonly CapTableGroup[]): ChartItem[] {
  return groups.map((g) => ({
    key: g.key === 'issuer' ? 'issuer' : g.key,
    label: `${g.label} (${formatCount(g.holders)})`,
    percent: Number(g.percent),
    value: g.balance,
  }));
}

/** Holders at each checkpoint, oldest first; bars relative to the largest count. */
export function holdersOverTime(checkpoints: readonly Checkpoint[]): ChartItem[] {
  const ordered = [...checkpoints].sort((a, b) => a.id - b.id);
  const most = Math.max(1, ...ordered.map((c) => c.holderCount));
  return ordered.map((c) => ({
    key: String(c.id),
    label: `#${c.id} · ${formatDateTime(c.at)}`,
    percent: (100 * c.holderCount) / most,
    value: String(c.holderCount),
    valueText: `${formatCount(c.holderCount)} ${c.holderCount === 1 ? 'holder' : 'holders'}`,
  }));
}

/** The options of the "as of" picker: now, then every checkpoint, newest first. */
export function asOfOptions(checkpoints: readonly Checkpoint[]): { value: string; label: string }[] {
  return [
    { value: 'now', label: 'Now (current balances)' },
    ...[...checkpoints]
      .sort((a, b) => b.id - a.id)
      .map((c) => ({ value: String(c.id), label: `Checkpoint ${c.id} — ${formatDateTime(c.at)}` })),
  ];
}

/** The sum of the rows' percentages, for the table's footer ("100.00"). */
export function totalPercent(rows: readonly { ownershipPercent: string }[]): string {
  return (rows.reduce((s, r) => s + hundredths(r.ownershipPercent), 0) / 100).toFixed(2);
}
