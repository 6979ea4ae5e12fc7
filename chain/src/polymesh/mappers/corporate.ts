import type {
  BallotMeta,
  BallotVote,
  RecordDateSpec,
  TargetIdentities,
  WithholdingTax,
} from '../../calls-corporate.js';
import type { Decimal, LedgerEvent } from '../../ledger.js';
import { BigNumber } from './bignumber.js';
import { toUnits } from './json.js';
import { assetIdToHex, percentToPermill, toDate } from './values.js';

/*
 * Checkpoints, corporate actions, distributions and ballots go to the chain as the pallets'
 * extrinsics. SDK 29 targets 7.1+ here (`ballots.create` calls `initiateCorporateActionAndBallot`,
 * absent from 7.0), so the port's calls map to the 7.0 extrinsics one to one.
 */

export function toChainCaId(assetId: string, caId: number): { assetId: string; localId: number } {
  return { assetId: assetIdToHex(assetId), localId: caId };
}

export function toChainRecordDate(
  spec: RecordDateSpec,
): { Scheduled: number } | { ExistingSchedule: number } | { Existing: number } {
  switch (spec.type) {
    case 'Scheduled':
      return { Scheduled: toDate(spec.at).getTime() };
    case 'ExistingSchedule':
      return { ExistingSchedule: spec.scheduleId };
    case 'Existing':
      return { Existing: spec.checkpointId };
  }
}

export function toChainTargets(t: TargetIdentities): {
  identities: string[];
  treatment: 'Include' | 'Exclude';
} {
  return { identities: [...t.identities].sort(), treatment: t.treatment };
}

export function toChainTaxes(taxes: WithholdingTax[]): [string, number][] {
  return taxes.map((t) => [t.did, percentToPermill(t.tax)]);
}

export function toChainBallotMeta(meta: BallotMeta): {
  title: string;
  motions: { title: string; infoLink: string; choices: string[] }[];
} {
  return {
    title: meta.title,
    motions: meta.motions.map((m) => ({ title: m.title, infoLink: m.infoLink, choices: m.choices })),
  };
}

export function toChainVotes(votes: BallotVote[]): { power: string; fallback: number | null }[] {
  return votes.map((v) => ({ power: toUnits(v.power), fallback: v.fallback ?? null }));
}

/**
 * Benefit, tax withheld and net gain of a `BenefitClaimed` receipt. The event carries the
 * gross benefit and the tax rate; the net is what the holder actually received (the
 * `AssetBalanceUpdated` of the payout), which also reflects Polymesh's rounding.
 */
export function benefitOf(events: LedgerEvent[]): { benefit: Decimal; tax: Decimal; gain: Decimal } {
  const claimed = events.find((e) => e.module === 'capitalDistribution' && e.name === 'BenefitClaimed');
  const benefit = new BigNumber(String(claimed?.data.benefit ?? '0'));
  const payout = events.find((e) => e.module === 'asset' && e.name === 'AssetBalanceUpdated');
  const gain = payout
    ? new BigNumber(String(payout.data.amount))
    : benefit.minus(
        benefit
          .times(Number(claimed?.data.tax ?? 0))
          .div(1_000_000)
          .decimalPlaces(6, BigNumber.ROUND_FLOOR),
      );
  return { benefit: benefit.toFixed(), tax: benefit.minus(gain).toFixed(), gain: gain.toFixed() };
}
