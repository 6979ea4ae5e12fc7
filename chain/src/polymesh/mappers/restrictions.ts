import {
  ClaimType as SdkClaimType,
  TransferRestrictionType,
  type InputStatClaim,
  type TransferRestriction,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
import { LedgerError } from '../../errors.js';
import type { Did } from '../../ledger.js';
import type {
  ExemptionKey,
  StatClaim,
  StatClaimType,
  StatKey,
  StatType,
  TransferCondition,
} from '../../types.js';
import { BigNumber } from './bignumber.js';
import type { Json } from './json.js';
import { assetIdToHex, fromChainCountry, percentToPermill, toChainCountry } from './values.js';

/*
 * Statistics and transfer conditions go to the chain as the statistics pallet's own extrinsics
 * (`setActiveAssetStats`, `batchUpdateAssetStats`, `setAssetTransferCompliance`,
 * `setEntitiesExempt`): the port mirrors them one to one, while the SDK's `setStats` /
 * `setRestrictions` wrap several of them with extra inputs. These functions build the
 * arguments in the form polkadot.js encodes.
 */

export type ChainStatClaim =
  { Accredited: boolean } | { Affiliate: boolean } | { Jurisdiction: string | null };

export function toChainStatType(stat: StatType): {
  operationType: 'Count' | 'Balance';
  claimIssuer: [string, Did] | null;
} {
  return {
    operationType: stat.op,
    claimIssuer: stat.claimIssuer ? [stat.claimIssuer.claimType, stat.claimIssuer.issuer] : null,
  };
}

export function toChainStatClaim(claim: StatClaim): ChainStatClaim {
  switch (claim.type) {
    case 'Accredited':
      return { Accredited: claim.accredited };
    case 'Affiliate':
      return { Affiliate: claim.affiliate };
    case 'Jurisdiction':
      return { Jurisdiction: claim.countryCode ? toChainCountry(claim.countryCode) : null };
  }
}

export function toChainStatKey(key: StatKey): 'NoClaimStat' | { Claim: ChainStatClaim } {
  switch (key.type) {
    case 'NoClaimStat':
      return 'NoClaimStat';
    case 'Accredited':
      return { Claim: { Accredited: key.value } };
    case 'Affiliate':
      return { Claim: { Affiliate: key.value } };
    case 'Jurisdiction':
      return { Claim: { Jurisdiction: key.value === null ? null : toChainCountry(key.value) } };
  }
}

export type ChainTransferCondition =
  | { MaxInvestorCount: number }
  | { MaxInvestorOwnership: number }
  | { ClaimCount: [ChainStatClaim, Did, number, number | null] }
  | { ClaimOwnership: [ChainStatClaim, Did, number, number] };

export function toChainTransferCondition(c: TransferCondition): ChainTransferCondition {
  switch (c.type) {
    case 'MaxInvestorCount':
      return { MaxInvestorCount: c.count };
    case 'MaxInvestorOwnership':
      return { MaxInvestorOwnership: percentToPermill(c.percentage) };
    case 'ClaimCount':
      return { ClaimCount: [toChainStatClaim(c.claim), c.issuer, c.min, c.max ?? null] };
    case 'ClaimOwnership':
      return {
        ClaimOwnership: [
          toChainStatClaim(c.claim),
          c.issuer,
          percentToPermill(c.min),
          percentToPermill(c.max),
        ],
      };
  }
}

export function toChainExemptKey(
  assetId: string,
  key: ExemptionKey,
): { assetId: string; op: string; claimType: string | null } {
  return { assetId: assetIdToHex(assetId), op: key.op, claimType: key.claimType ?? null };
}

function fromSdkStatClaim(claim: InputStatClaim): StatClaim {
  switch (claim.type) {
    case SdkClaimType.Accredited:
      return { type: 'Accredited', accredited: claim.accredited };
    case SdkClaimType.Affiliate:
      return { type: 'Affiliate', affiliate: claim.affiliate };
    case SdkClaimType.Jurisdiction:
      return claim.countryCode
        ? { type: 'Jurisdiction', countryCode: claim.countryCode }
        : { type: 'Jurisdiction' };
  }
}

/** SDK restriction (from `canTransfer` or `getRestrictions`) → port transfer condition. SDK percentages are 0–100. */
export function fromSdkRestriction(r: TransferRestriction): TransferCondition {
  switch (r.type) {
    case TransferRestrictionType.Count:
      return { type: 'MaxInvestorCount', count: r.value.toNumber() };
    case TransferRestrictionType.Percentage:
      return { type: 'MaxInvestorOwnership', percentage: r.value.toFixed() };
    case TransferRestrictionType.ClaimCount: {
      const { claim, issuer, min, max } = r.value;
      const base = {
        type: 'ClaimCount' as const,
        claim: fromSdkStatClaim(claim),
        issuer: issuer.did,
        min: min.toNumber(),
      };
      return max ? { ...base, max: max.toNumber() } : base;
    }
    case TransferRestrictionType.ClaimPercentage: {
      const { claim, issuer, min, max } = r.value;
      return {
        type: 'ClaimOwnership',
        claim: fromSdkStatClaim(claim),
        issuer: issuer.did,
        min: min.toFixed(),
        max: max.toFixed(),
      };
    }
  }
}

/*
 * Chain → port, from the sanitised JSON of storage values (`toJson`): enums with data are
 * `{ Variant: value }`, data-less variants plain strings, u64 decimal strings, Permill numbers.
 */

function permillToPercent(parts: unknown): string {
  return new BigNumber(String(parts)).shiftedBy(-4).toFixed();
}

function isStatClaimType(t: unknown): t is StatClaimType {
  return t === 'Accredited' || t === 'Affiliate' || t === 'Jurisdiction';
}

export function fromChainStatType(json: Json): StatType {
  const o = asObject(json);
  const op = o.operationType === 'Balance' ? 'Balance' : 'Count';
  const issuer = o.claimIssuer;
  if (Array.isArray(issuer) && isStatClaimType(issuer[0]) && typeof issuer[1] === 'string') {
    return { op, claimIssuer: { claimType: issuer[0], issuer: issuer[1] } };
  }
  return { op };
}

export function fromChainStatClaim(json: Json): StatClaim {
  const o = asObject(json);
  if ('Accredited' in o) return { type: 'Accredited', accredited: o.Accredited === true };
  if ('Affiliate' in o) return { type: 'Affiliate', affiliate: o.Affiliate === true };
  const code = o.Jurisdiction;
  return typeof code === 'string'
    ? { type: 'Jurisdiction', countryCode: fromChainCountry(code) }
    : { type: 'Jurisdiction' };
}

export function fromChainStatKey(json: Json): StatKey {
  if (json === 'NoClaimStat') return { type: 'NoClaimStat' };
  const claim = fromChainStatClaim(asObject(json).Claim ?? null);
  switch (claim.type) {
    case 'Accredited':
      return { type: 'Accredited', value: claim.accredited };
    case 'Affiliate':
      return { type: 'Affiliate', value: claim.affiliate };
    case 'Jurisdiction':
      return { type: 'Jurisdiction', value: claim.countryCode ?? null };
  }
}

export function fromChainTransferCondition(json: Json): TransferCondition {
  const o = asObject(json);
  if ('MaxInvestorCount' in o) return { type: 'MaxInvestorCount', count: Number(o.MaxInvestorCount) };
  if ('MaxInvestorOwnership' in o)
    return { type: 'MaxInvestorOwnership', percentage: permillToPercent(o.MaxInvestorOwnership) };
  if (Array.isArray(o.ClaimCount)) {
    const [claim, issuer, min, max] = o.ClaimCount;
    const base = {
      type: 'ClaimCount' as const,
      claim: fromChainStatClaim(claim ?? null),
      issuer: String(issuer),
      min: Number(min),
    };
    return max === null || max === undefined ? base : { ...base, max: Number(max) };
  }
  if (Array.isArray(o.ClaimOwnership)) {
    const [claim, issuer, min, max] = o.ClaimOwnership;
    return {
      type: 'ClaimOwnership',
      claim: fromChainStatClaim(claim ?? null),
      issuer: String(issuer),
      min: permillToPercent(min),
      max: permillToPercent(max),
    };
  }
  throw new LedgerError('Unsupported', `Unknown transfer condition ${JSON.stringify(json)}`);
}

function asObject(json: Json): Record<string, Json> {
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {};
}
