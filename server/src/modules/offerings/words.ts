import type { EntityManager } from '@mikro-orm/postgresql';
import { Asset } from '../assets/entity.js';

/** A decimal string for people: thousands separated, no trailing zeros ("245000.5" → "245,000.5"). */
export { formatCanonicalAmount as formatAmount } from '../../lib/format.js';

/** How an asset is named next to an amount: its ticker, else its name. */
export async function unitOf(em: EntityManager, assetId: string): Promise<string> {
  const a = await em.findOne(Asset, { id: assetId });
  return a?.ticker ?? a?.name ?? 'tokens';
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
