import {
  MAX_CONDITION_COMPLEXITY,
  MAX_STATS_PER_ASSET,
  MAX_TRANSFER_CONDITIONS,
  type Claim,
  type ClaimType,
  type Condition,
  type Did,
  type Scope,
  type StatType,
  type TransferCondition,
  type TrustedClaimIssuer,
} from '@stoa/chain';
import { toChainCountry } from '../onboarding/countries.js';
import { describeTemplate } from './reasons.js';
import type { RuleTemplate } from './templates.js';

/** Who a requirement is for; used to pick which failed requirement explains a refusal. */
export type Audience = 'all' | 'us' | 'non-us';

export interface CompiledRequirement {
  label: string;
  audience: Audience;
  conditions: Condition[];
}

export interface CompiledRules {
  requirements: CompiledRequirement[];
  trustedIssuers: TrustedClaimIssuer[];
  stats: StatType[];
  restrictions: TransferCondition[];
  /** Checks Polymesh cannot express, run by the service. */
  offChain: {
    regCf: boolean;
    lockupDays: number | null;
    /**
     * The holder cap in investors (the template's count). The chain's `MaxInvestorCount` counts
     * every identity with a balance, the issuer's inventory included, so it is compiled one
     * higher; the exact number of investors is enforced off chain (lockups/service.ts).
     */
    maxInvestors?: number | null;
    /** Rule 144(e): percent of the outstanding supply an affiliate may sell per rolling 3 months. */
    affiliateVolumePercent?: string | null;
  };
  /** The rules in plain language, one line per template. */
  summary: string[];
}

export interface CompileContext {
  /** The identity trusted for every claim the rules use (the platform's CDD provider). */
  claimIssuer: Did;
  /** Scope the investor claims are issued in (the CDD provider identity by default). */
  scope?: Scope;
  /**
   * The asset's chain id: lock-ups are asset-scoped SellLockup claims (a lock-up of one asset
   * never refuses the holder's sales of another). Without it (rules previewed before the asset
   * is on chain) the lock-up uses `scope`.
   */
  assetChainId?: string;
}

export class RuleCompileError extends Error {}

const TRUSTED_FOR: ClaimType[] = [
  'KnowYourCustomer',
  'Accredited',
  'Jurisdiction',
  'Blocked',
  'SellLockup',
  'Affiliate',
];

/**
 * Templates → Polymesh. Regulation templates (Reg D, Reg S, Reg CF) are alternative paths: each
 * becomes one requirement, and Polymesh lets a transfer through when any requirement holds
 * ("Reg D for US persons OR Reg S for non-US"). Every other condition (lock-ups, country lists,
 * affiliates) must hold on every path, so it is added to each requirement. Caps become
 * statistics and transfer conditions. Pure: no I/O, unit-tested.
 */
export function compileRules(templates: RuleTemplate[], ctx: CompileContext): CompiledRules {
  const scope: Scope = ctx.scope ?? { type: 'Identity', value: ctx.claimIssuer };
  const seen = new Set<string>();
  for (const t of templates) {
    const key = t.template === 'country-cap' ? `${t.template}:${t.country}` : t.template;
    if (seen.has(key)) throw new RuleCompileError(`Template "${key}" is listed twice; give it once`);
    seen.add(key);
  }
  const claim = (
    type: 'KnowYourCustomer' | 'Accredited' | 'Blocked' | 'SellLockup' | 'Affiliate',
  ): Claim => ({
    type,
    scope,
  });
  const jurisdiction = (iso: string): Claim => ({ type: 'Jurisdiction', code: toChainCountry(iso), scope });
  const notBlocked: Condition = { type: 'IsAbsent', claim: claim('Blocked'), target: 'Receiver' };
  const kyc: Condition = { type: 'IsPresent', claim: claim('KnowYourCustomer'), target: 'Receiver' };
  const hasRegS = templates.some((t) => t.template === 'reg-s');

  const paths: CompiledRequirement[] = [];
  const global: Condition[] = [];
  const stats: StatType[] = [];
  const restrictions: TransferCondition[] = [];
  let lockupDays: number | null = null;
  let maxInvestors: number | null = null;
  let affiliateVolumePercent: string | null = null;
  const addStat = (s: StatType) => {
    if (!stats.some((x) => JSON.stringify(x) === JSON.stringify(s))) stats.push(s);
  };

  for (const t of templates) {
    switch (t.template) {
      case 'reg-d-506c':
        paths.push({
          label: 'Reg D 506(c)',
          audience: hasRegS ? 'us' : 'all',
          conditions: [
            kyc,
            { type: 'IsPresent', claim: claim('Accredited'), target: 'Receiver' },
            notBlocked,
          ],
        });
        break;
      case 'reg-s':
        paths.push({
          label: 'Reg S',
          audience: 'non-us',
          conditions: [kyc, { type: 'IsAbsent', claim: jurisdiction('US'), target: 'Receiver' }, notBlocked],
        });
        if (t.distributionCompliancePeriodDays)
          lockupDays = Math.max(lockupDays ?? 0, t.distributionCompliancePeriodDays);
        break;
      case 'reg-cf':
        paths.push({ label: 'Reg CF', audience: 'all', conditions: [kyc, notBlocked] });
        break;
      case 'lockup':
        lockupDays = Math.max(lockupDays ?? 0, t.holdingPeriodDays);
        affiliateVolumePercent = t.affiliateVolumePercent ?? null;
        break;
      case 'country-allow':
        global.push({ type: 'IsAnyOf', claims: t.countries.map(jurisdiction), target: 'Receiver' });
        break;
      case 'country-block':
        global.push({ type: 'IsNoneOf', claims: t.countries.map(jurisdiction), target: 'Receiver' });
        break;
      case 'exclude-affiliates':
        global.push({ type: 'IsAbsent', claim: claim('Affiliate'), target: 'Receiver' });
        break;
      case 'max-holders':
        addStat({ op: 'Count' });
        // One place for the issuer's own identity, which the chain counts while it holds.
        restrictions.push({ type: 'MaxInvestorCount', count: t.count + 1 });
        maxInvestors = t.count;
        break;
      case 'max-ownership':
        addStat({ op: 'Balance' });
        restrictions.push({ type: 'MaxInvestorOwnership', percentage: t.percentage });
        break;
      case 'country-cap':
        addStat({ op: 'Count', claimIssuer: { claimType: 'Jurisdiction', issuer: ctx.claimIssuer } });
        restrictions.push({
          type: 'ClaimCount',
          claim: { type: 'Jurisdiction', countryCode: toChainCountry(t.country) },
          issuer: ctx.claimIssuer,
          min: 0,
          max: t.maxHolders,
        });
        break;
    }
  }
  // Lock-ups bind the seller on every path: SellLockup claims scoped to this asset, issued per
  // acquisition with the holding period (lockups/service.ts).
  if (lockupDays !== null) {
    const lockScope: Scope = ctx.assetChainId ? { type: 'Asset', value: ctx.assetChainId } : scope;
    global.unshift({ type: 'IsAbsent', claim: { type: 'SellLockup', scope: lockScope }, target: 'Sender' });
  }

  const requirements: CompiledRequirement[] =
    paths.length > 0
      ? paths.map((p) => ({ ...p, conditions: [...global, ...p.conditions] }))
      : global.length > 0
        ? [{ label: 'Restrictions', audience: 'all', conditions: global }]
        : [];

  if (restrictions.length > MAX_TRANSFER_CONDITIONS) {
    throw new RuleCompileError(
      `These rules need ${restrictions.length} transfer restrictions; Polymesh allows ${MAX_TRANSFER_CONDITIONS} per asset. Drop some caps`,
    );
  }
  if (stats.length > MAX_STATS_PER_ASSET)
    throw new RuleCompileError(`At most ${MAX_STATS_PER_ASSET} statistics per asset`);
  const complexity = conditionComplexity(requirements.map((r) => r.conditions));
  if (complexity > MAX_CONDITION_COMPLEXITY) {
    throw new RuleCompileError(
      `These rules have complexity ${complexity}; Polymesh allows ${MAX_CONDITION_COMPLEXITY}. Shorten the country lists or drop a path`,
    );
  }
  return {
    requirements,
    trustedIssuers: requirements.length > 0 ? [{ identity: ctx.claimIssuer, trustedFor: TRUSTED_FOR }] : [],
    stats,
    restrictions,
    offChain: {
      regCf: templates.some((t) => t.template === 'reg-cf'),
      lockupDays,
      maxInvestors,
      affiliateVolumePercent,
    },
    summary: templates.map(describeTemplate),
  };
}

/** Σ claims × max(1, issuers) over all conditions (default issuers: one), at least #requirements. */
export function conditionComplexity(requirements: Condition[][]): number {
  let total = 0;
  for (const conditions of requirements) {
    for (const c of conditions) {
      const claims = c.type === 'IsAnyOf' || c.type === 'IsNoneOf' ? c.claims.length : 1;
      total += claims * Math.max(1, c.trustedClaimIssuers?.length ?? 1);
    }
  }
  return Math.max(total, requirements.length);
}
