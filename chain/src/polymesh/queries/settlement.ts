import type { ApiPromise } from '@polkadot/api';
import type { InstructionDetails, InstructionStatus, VenueInfo } from '../../calls-settlement.js';
import type { AssetId, Did } from '../../ledger.js';
import { fromChainInstruction, fromChainInstructionStatus, fromChainVenue } from '../mappers/settlement.js';
import { assetIdToHex } from '../mappers/values.js';
import { entries, list, read, rec } from './storage.js';

// ---------------------------------------------------------------- settlement

export async function venue(api: ApiPromise, id: number): Promise<VenueInfo | null> {
  const [info, details, signers] = await Promise.all([
    read(api, 'settlement', 'venueInfo', id),
    read(api, 'settlement', 'details', id),
    entries(api, 'settlement', 'venueSigners', id),
  ]);
  const allowed = signers.filter(([, v]) => v === true).map(([k]) => String(k[1]));
  return fromChainVenue(id, info, details, allowed);
}

export async function venues(api: ApiPromise, did: Did): Promise<VenueInfo[]> {
  const ids = (await entries(api, 'settlement', 'userVenues', did))
    .map(([k]) => Number(k[1]))
    .sort((a, b) => a - b);
  const found = await Promise.all(ids.map((id) => venue(api, id)));
  return found.filter((v): v is VenueInfo => v !== null);
}

export async function venueFiltering(
  api: ApiPromise,
  assetId: AssetId,
): Promise<{ enabled: boolean; allowedVenues: number[] }> {
  const id = assetIdToHex(assetId);
  const [enabled, allowed] = await Promise.all([
    read(api, 'settlement', 'venueFiltering', id),
    entries(api, 'settlement', 'venueAllowList', id),
  ]);
  return {
    enabled: enabled === true,
    allowedVenues: allowed
      .filter(([, v]) => v === true)
      .map(([k]) => Number(k[1]))
      .sort((a, b) => a - b),
  };
}

export async function instruction(api: ApiPromise, id: number): Promise<InstructionDetails | null> {
  const [details, status, legs, affirmations, mediators, memo, pending] = await Promise.all([
    read(api, 'settlement', 'instructionDetails', id),
    read(api, 'settlement', 'instructionStatuses', id),
    entries(api, 'settlement', 'instructionLegs', id),
    entries(api, 'settlement', 'affirmsReceived', id),
    entries(api, 'settlement', 'instructionMediatorsAffirmations', id),
    read(api, 'settlement', 'instructionMemos', id),
    read(api, 'settlement', 'instructionAffirmsPending', id),
  ]);
  // Executed and rejected instructions are pruned on chain: only their status is left.
  const st = fromChainInstructionStatus(status);
  if (st?.type !== 'Pending' && st?.type !== 'Failed') return null;
  const venueId = rec(details).venueId;
  // Polymesh keeps no instruction creator; with a venue it is the venue's creator (only it may add).
  const creator =
    venueId === null || venueId === undefined ? '' : ((await venue(api, Number(venueId)))?.creator ?? '');
  return fromChainInstruction(id, {
    details,
    status,
    legs: legs.filter(([, leg]) => leg !== null).map(([k, leg]) => [Number(k[1]), leg]),
    affirmations: affirmations.map(([k, v]) => [k[1] ?? null, v]),
    mediators: mediators.map(([k, v]) => [String(k[1]), v]),
    memo,
    pending,
    creator,
  });
}

/** `InstructionStatuses`, which the chain keeps after pruning (null: Unknown). */
export async function instructionStatus(api: ApiPromise, id: number): Promise<InstructionStatus | null> {
  return fromChainInstructionStatus(await read(api, 'settlement', 'instructionStatuses', id));
}

/** Every instruction on chain in which the DID is a party (portfolio or off-chain leg) or a mediator. */
export async function instructionsOf(api: ApiPromise, did: Did): Promise<InstructionDetails[]> {
  const counter = Number(await read(api, 'settlement', 'instructionCounter'));
  const ids = Array.from({ length: Math.max(0, counter - 1) }, (_, i) => i + 1);
  const all = await Promise.all(ids.map((id) => instruction(api, id)));
  return all.filter(
    (i): i is InstructionDetails =>
      i !== null &&
      (i.mediators.some((m) => m.did === did) ||
        i.legs.some((leg) =>
          leg.type === 'Fungible'
            ? leg.from.did === did || leg.to.did === did
            : leg.from === did || leg.to === did,
        )),
  );
}

export async function mandatoryMediators(api: ApiPromise, assetId: AssetId): Promise<Did[]> {
  return list(await read(api, 'asset', 'mandatoryMediators', assetIdToHex(assetId))).map(String);
}
