import { fromUnits, isAmount, toUnits } from '../../offerings/units';
import type { OperationStatus } from '../../operations/status';

/** A subscription placed from this portal, remembered so the portfolio can name what was bought. */
export interface PlacedSubscription {
  subscriptionId: string;
  operationId: string;
  offeringId: string;
  offeringName: string;
  assetId: string;
  amount: string;
  cost: string;
  at: string;
}

export interface HistoryItem {
  operationId: string;
  subscriptionId: string | null;
  status: OperationStatus;
  cost: string | null;
  block: number | null;
  at: string;
  error: string | null;
  placed: PlacedSubscription | null;
}

export interface PortfolioLine {
  assetId: string;
  name: string;
  free: string;
  pending: string;
}

/** Tokens per asset: settled subscriptions are held, ones still on their way are pending. */
export function portfolioLines(history: readonly HistoryItem[]): PortfolioLine[] {
  const lines = new Map<string, { name: string; free: bigint; pending: bigint }>();
  for (const h of history) {
    const p = h.placed;
    if (!p || !isAmount(p.amount)) continue;
    const line = lines.get(p.assetId) ?? { name: p.offeringName, free: 0n, pending: 0n };
    if (h.status === 'finalised') line.free += toUnits(p.amount);
    else if (h.status !== 'failed') line.pending += toUnits(p.amount);
    lines.set(p.assetId, line);
  }
  return [...lines.entries()].map(([assetId, l]) => ({
    assetId,
    name: l.name,
    free: fromUnits(l.free),
    pending: fromUnits(l.pending),
  }));
}

const KEY = 'stoa.subscriptions';

function readAll(): Record<string, PlacedSubscription[]> {
  try {
    const parsed: unknown = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? '{}');
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, PlacedSubscription[]>)
      : {};
  } catch {
    return {};
  }
}

export function placedSubscriptions(userId: string): PlacedSubscription[] {
  const list = readAll()[userId];
  return Array.isArray(list) ? list : [];
}

export function rememberSubscription(userId: string, s: PlacedSubscription): void {
  const all = readAll();
  all[userId] = [...(all[userId] ?? []).filter((x) => x.subscriptionId !== s.subscriptionId), s].slice(-200);
  try {
    globalThis.localStorage?.setItem(KEY, JSON.stringify(all));
  } catch {
    // Storage may be full or disabled; the history still lists the chain operations.
  }
}
