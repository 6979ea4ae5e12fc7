import type { ApiPromise } from '@polkadot/api';
import type { FundraiserDetails } from '../../calls-settlement.js';
import type { AssetId } from '../../ledger.js';
import { fromChainFundraiser } from '../mappers/settlement.js';
import { assetIdToHex } from '../mappers/values.js';
import { entries, read } from './storage.js';

// ---------------------------------------------------------------- offerings

export async function fundraiser(
  api: ApiPromise,
  assetId: AssetId,
  id: number,
  now: Date,
): Promise<FundraiserDetails | null> {
  const hex = assetIdToHex(assetId);
  const [value, name] = await Promise.all([
    read(api, 'sto', 'fundraisers', hex, id),
    read(api, 'sto', 'fundraiserNames', hex, id),
  ]);
  return value === null ? null : fromChainFundraiser(id, value, name, now);
}

export async function fundraisers(
  api: ApiPromise,
  assetId: AssetId,
  now: Date,
): Promise<FundraiserDetails[]> {
  const hex = assetIdToHex(assetId);
  const [values, names] = await Promise.all([
    entries(api, 'sto', 'fundraisers', hex),
    entries(api, 'sto', 'fundraiserNames', hex),
  ]);
  const nameOf = new Map(names.map(([k, v]) => [Number(k[1]), v]));
  return values
    .map(([k, v]) => fromChainFundraiser(Number(k[1]), v, nameOf.get(Number(k[1])) ?? null, now))
    .filter((f): f is FundraiserDetails => f !== null)
    .sort((a, b) => a.id - b.id);
}
