import type { ApiPromise } from '@polkadot/api';
import type { CheckpointInfo, CheckpointSchedule } from '../../calls-corporate.js';
import type { AssetId, Decimal, Did } from '../../ledger.js';
import type { Holder } from '../../types.js';
import { BigNumber } from '../mappers/bignumber.js';
import { assetIdToHex } from '../mappers/values.js';
import { entries, iso, list, read, rec } from './storage.js';

// ---------------------------------------------------------------- checkpoints

export async function checkpoints(api: ApiPromise, assetId: AssetId): Promise<CheckpointInfo[]> {
  const hex = assetIdToHex(assetId);
  const last = Number(await read(api, 'checkpoint', 'checkpointIdSequence', hex));
  const ids = Array.from({ length: last }, (_, i) => i + 1);
  return Promise.all(
    ids.map(async (id) => {
      const [at, supply] = await Promise.all([
        read(api, 'checkpoint', 'timestamps', hex, id),
        read(api, 'checkpoint', 'totalSupply', hex, id),
      ]);
      return { id, at: iso(at), totalSupply: String(supply) };
    }),
  );
}

export async function checkpointSchedules(api: ApiPromise, assetId: AssetId): Promise<CheckpointSchedule[]> {
  const hex = assetIdToHex(assetId);
  const schedules = await entries(api, 'checkpoint', 'scheduledCheckpoints', hex);
  const out = await Promise.all(
    schedules.map(async ([k, v]) => {
      const id = Number(k[1]);
      const [points, refs] = await Promise.all([
        read(api, 'checkpoint', 'schedulePoints', hex, id),
        read(api, 'checkpoint', 'scheduleRefCount', hex, id),
      ]);
      return {
        id,
        pending: list(rec(v).pending).map(iso),
        checkpoints: list(points).map(Number),
        removable: Number(refs) === 0,
      };
    }),
  );
  return out.sort((a, b) => a.id - b.id);
}

/** Polymesh's lazy checkpoint balances: the first update recorded at or after the checkpoint, else the current balance. */
export async function balanceAtCheckpoint(
  api: ApiPromise,
  assetId: AssetId,
  checkpointId: number,
  did: Did,
): Promise<Decimal | null> {
  const hex = assetIdToHex(assetId);
  const last = Number(await read(api, 'checkpoint', 'checkpointIdSequence', hex));
  if (checkpointId < 1 || checkpointId > last) return null;
  const updates = list(await read(api, 'checkpoint', 'balanceUpdates', hex, did)).map(Number);
  const at = updates.find((u) => u >= checkpointId);
  const balance =
    at === undefined
      ? await read(api, 'asset', 'balanceOf', hex, did)
      : await read(api, 'checkpoint', 'balance', [hex, at], did);
  return String(balance);
}

export async function checkpointBalances(
  api: ApiPromise,
  assetId: AssetId,
  checkpointId: number,
): Promise<Holder[]> {
  const hex = assetIdToHex(assetId);
  const [current, updated] = await Promise.all([
    entries(api, 'asset', 'balanceOf', hex),
    entries(api, 'checkpoint', 'balanceUpdates', hex),
  ]);
  const dids = new Set([...current, ...updated].map(([k]) => String(k[1])));
  const balances = await Promise.all(
    [...dids].map(async (did) => ({
      did,
      balance: (await balanceAtCheckpoint(api, assetId, checkpointId, did)) ?? '0',
    })),
  );
  return balances
    .filter((h) => !new BigNumber(h.balance).isZero())
    .sort((a, b) => a.did.localeCompare(b.did));
}
