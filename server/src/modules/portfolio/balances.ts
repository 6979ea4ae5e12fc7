import type { Did, Ledger } from '@stoa/chain';
import { fromUnits, toUnits } from '../../lib/units.js';

export interface Balance {
  total: string;
  free: string;
  locked: string;
}

/**
 * An identity's balances per chain asset, summed over all its portfolios (Default and user
 * portfolios): `locked` is what pending instructions hold.
 */
export async function identityBalances(
  ledger: Ledger,
  did: Did,
  assetId?: string,
): Promise<Map<string, Balance>> {
  const sums = new Map<string, { total: bigint; free: bigint; locked: bigint }>();
  for (const p of await ledger.portfolios(did)) {
    for (const b of await ledger.portfolioBalances({ did, number: p.number }, assetId)) {
      const s = sums.get(b.assetId) ?? { total: 0n, free: 0n, locked: 0n };
      s.total += toUnits(b.total);
      s.free += toUnits(b.free);
      s.locked += toUnits(b.locked);
      sums.set(b.assetId, s);
    }
  }
  const out = new Map<string, Balance>();
  for (const [id, s] of sums) {
    if (s.total === 0n) continue;
    out.set(id, { total: fromUnits(s.total), free: fromUnits(s.free), locked: fromUnits(s.locked) });
  }
  return out;
}
