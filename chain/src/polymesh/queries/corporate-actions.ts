import type { ApiPromise } from '@polkadot/api';
import type {
  BallotInfo,
  BallotVote,
  CADefaults,
  CorporateActionInfo,
  DistributionInfo,
  RecordDate,
  TargetIdentities,
  WithholdingTax,
} from '../../calls-corporate.js';
import type { AssetId, Did } from '../../ledger.js';
import type { Json } from '../mappers/json.js';
import { toChainCaId } from '../mappers/corporate.js';
import { fromChainPortfolioId } from '../mappers/settlement.js';
import { assetIdToHex } from '../mappers/values.js';
import { entries, iso, list, percent, read, rec } from './storage.js';

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
    documents: list(docs).map(Number),
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
