import type { ApiPromise } from '@polkadot/api';
import type {
  BallotInfo,
  BallotVote,
  CADefaults,
  CheckpointInfo,
  CheckpointSchedule,
  CorporateActionInfo,
  DistributionInfo,
  RecordDate,
  TargetIdentities,
  WithholdingTax,
} from '../calls-corporate.js';
import type {
  FundraiserDetails,
  InstructionDetails,
  InstructionStatus,
  VenueInfo,
} from '../calls-settlement.js';
import type { AssetId, Decimal, Did } from '../ledger.js';
import type { Holder } from '../types.js';
import { BigNumber } from './mappers/bignumber.js';
import { toJson, type Json } from './mappers/json.js';
import {
  fromChainFundraiser,
  fromChainInstruction,
  fromChainInstructionStatus,
  fromChainPortfolioId,
  fromChainVenue,
} from './mappers/settlement.js';
import { toChainCaId } from './mappers/corporate.js';
import { assetIdToHex } from './mappers/values.js';

/*
 * Reads of settlement, offerings, checkpoints and corporate actions straight from storage (the
 * SDK reads most of these through its middleware, which a plain node does not have). Values go
 * through the one sanitiser and are mapped from its JSON.
 */

interface Entry {
  args: unknown[];
}
type StorageFn = ((...args: unknown[]) => Promise<unknown>) & {
  entries(...args: unknown[]): Promise<[Entry, unknown][]>;
};

function storage(api: ApiPromise, section: string, item: string): StorageFn {
  return api.query[section]?.[item] as unknown as StorageFn;
}

async function read(api: ApiPromise, section: string, item: string, ...args: unknown[]): Promise<Json> {
  return toJson(await storage(api, section, item)(...args));
}

async function entries(
  api: ApiPromise,
  section: string,
  item: string,
  ...args: unknown[]
): Promise<[Json[], Json][]> {
  const list = await storage(api, section, item).entries(...args);
  return list.map(([key, value]) => [key.args.map((a) => toJson(a)), toJson(value)]);
}

function rec(json: Json | undefined): Record<string, Json> {
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {};
}

function list(json: Json | undefined): Json[] {
  return Array.isArray(json) ? json : [];
}

function iso(ms: Json | undefined): string {
  return new Date(Number(ms)).toISOString();
}

function percent(permill: Json | undefined): Decimal {
  return new BigNumber(String(permill ?? 0)).shiftedBy(-4).toFixed();
}

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

// ---------------------------------------------------------------- corporate actions

function targets(json: Json | undefined): TargetIdentities {
  const t = rec(json);
  return {
    identities: list(t.identities).map(String),
    treatment: t.treatment === 'Include' ? 'Include' : 'Exclude',
  };
}

function taxes(json: Json | undefined): WithholdingTax[] {
  return list(json).map((pair) => {
    const [did, tax] = list(pair);
    return { did: String(did), tax: percent(tax) };
  });
}

function recordDate(json: Json | undefined): RecordDate | null {
  const r = rec(json);
  if (r.date === undefined) return null;
  const cp = rec(r.checkpoint);
  const scheduled = list(cp.Scheduled);
  return {
    date: iso(r.date),
    checkpoint:
      scheduled.length === 2
        ? { type: 'Scheduled', scheduleId: Number(scheduled[0]), index: Number(scheduled[1]) }
        : { type: 'Existing', checkpointId: Number(cp.Existing) },
  };
}

export async function corporateAction(
  api: ApiPromise,
  assetId: AssetId,
  caId: number,
): Promise<CorporateActionInfo | null> {
  const hex = assetIdToHex(assetId);
  const [ca, details, docs] = await Promise.all([
    read(api, 'corporateAction', 'corporateActions', hex, caId),
    read(api, 'corporateAction', 'details', toChainCaId(assetId, caId)),
    read(api, 'corporateAction', 'caDocLink', toChainCaId(assetId, caId)),
  ]);
  if (ca === null) return null;
  const c = rec(ca);
  return {
    assetId,
    caId,
    kind: String(c.kind) as CorporateActionInfo['kind'],
    declDate: iso(c.declDate),
    recordDate: recordDate(c.recordDate ?? undefined),
    details: typeof details === 'string' ? details : '',
    targets: targets(c.targets),
    defaultWithholdingTax: percent(c.defaultWithholdingTax),
    withholdingTax: taxes(c.withholdingTax),
    documents: Array.isArray(docs) ? docs.map(Number) : [],
  };
}

export async function corporateActions(api: ApiPromise, assetId: AssetId): Promise<CorporateActionInfo[]> {
  const ids = (await entries(api, 'corporateAction', 'corporateActions', assetIdToHex(assetId))).map(([k]) =>
    Number(k[1]),
  );
  const all = await Promise.all(ids.sort((a, b) => a - b).map((id) => corporateAction(api, assetId, id)));
  return all.filter((c): c is CorporateActionInfo => c !== null);
}

export async function corporateActionDefaults(api: ApiPromise, assetId: AssetId): Promise<CADefaults> {
  const hex = assetIdToHex(assetId);
  const [t, tax, didTaxes] = await Promise.all([
    read(api, 'corporateAction', 'defaultTargetIdentities', hex),
    read(api, 'corporateAction', 'defaultWithholdingTax', hex),
    read(api, 'corporateAction', 'didWithholdingTax', hex),
  ]);
  return { targets: targets(t), defaultWithholdingTax: percent(tax), withholdingTax: taxes(didTaxes) };
}

export async function distribution(
  api: ApiPromise,
  assetId: AssetId,
  caId: number,
): Promise<DistributionInfo | null> {
  const d = await read(api, 'capitalDistribution', 'distributions', toChainCaId(assetId, caId));
  if (d === null) return null;
  const v = rec(d);
  return {
    assetId,
    caId,
    from: fromChainPortfolioId(v.from),
    currency: String(v.currency),
    perShare: String(v.perShare),
    amount: String(v.amount),
    remaining: String(v.remaining),
    reclaimed: v.reclaimed === true,
    paymentAt: iso(v.paymentAt),
    expiresAt: v.expiresAt === null || v.expiresAt === undefined ? null : iso(v.expiresAt),
  };
}

export async function distributionPaid(
  api: ApiPromise,
  assetId: AssetId,
  caId: number,
  holder: Did,
): Promise<boolean> {
  return (
    (await read(api, 'capitalDistribution', 'holderPaid', [toChainCaId(assetId, caId), holder])) === true
  );
}

export async function ballot(api: ApiPromise, assetId: AssetId, caId: number): Promise<BallotInfo | null> {
  const id = toChainCaId(assetId, caId);
  const [meta, range, rcv, results] = await Promise.all([
    read(api, 'corporateBallot', 'metas', id),
    read(api, 'corporateBallot', 'timeRanges', id),
    read(api, 'corporateBallot', 'rcv', id),
    read(api, 'corporateBallot', 'results', id),
  ]);
  if (meta === null || range === null) return null;
  const m = rec(meta);
  return {
    assetId,
    caId,
    start: iso(rec(range).start),
    end: iso(rec(range).end),
    meta: {
      title: String(m.title),
      motions: list(m.motions).map((motion) => {
        const x = rec(motion);
        return { title: String(x.title), infoLink: String(x.infoLink), choices: list(x.choices).map(String) };
      }),
    },
    rcv: rcv === true,
    results: list(results).map(String),
  };
}

export async function ballotVotes(
  api: ApiPromise,
  assetId: AssetId,
  caId: number,
  did: Did,
): Promise<BallotVote[] | null> {
  const votes = list(await read(api, 'corporateBallot', 'votes', toChainCaId(assetId, caId), did));
  if (votes.length === 0) return null;
  return votes.map((v) => {
    const vote = rec(v);
    return vote.fallback === null || vote.fallback === undefined
      ? { power: String(vote.power) }
      : { power: String(vote.power), fallback: Number(vote.fallback) };
  });
}
