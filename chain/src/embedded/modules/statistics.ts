/** Statistics pallet: asset stats, transfer conditions (restrictions) and exemptions. */
import type { AssetId, Did } from '../../ledger.js';
import type {
  ExemptionKey,
  StatClaim,
  StatClaimType,
  StatKey,
  StatType,
  StatValue,
  TransferCondition,
  TransferRestrictions,
} from '../../types.js';
import type { Chain } from '../chain.js';
import { fromUnits, percentToPermill, toUnits } from '../amounts.js';
import {
  argArray,
  argAssetId,
  argBool,
  argDid,
  argInt,
  argString,
  ensure,
  invalid,
  type Origin,
} from '../runtime.js';
import { MAX_STATS_PER_ASSET, MAX_TRANSFER_CONDITIONS } from '../../limits.js';
import { argCountryCode } from './identity.js';

const M = 'statistics';

interface Compiled {
  condition: TransferCondition;
  /** Stat id the condition reads (`Count`, `Balance`, `Count:Accredited:0x…`). */
  stat: string;
  op: 'Count' | 'Balance';
  claimType: StatClaimType | null;
  /** Value key matched by the condition's claim (Claim* conditions). */
  claimKey: string | null;
  issuer: Did | null;
  /** MaxInvestorCount n / ClaimCount min,max; Permill for ownership conditions. */
  min: bigint;
  max: bigint | null;
}

function statId(s: StatType): string {
  return s.claimIssuer ? `${s.op}:${s.claimIssuer.claimType}:${s.claimIssuer.issuer}` : s.op;
}

function argStatClaimType(v: unknown, field: string): StatClaimType {
  if (v !== 'Accredited' && v !== 'Affiliate' && v !== 'Jurisdiction')
    invalid(field, 'Accredited, Affiliate or Jurisdiction');
  return v;
}

function argStat(v: unknown, field: string): StatType {
  const o = (v ?? {}) as Record<string, unknown>;
  if (o['op'] !== 'Count' && o['op'] !== 'Balance') invalid(`${field}.op`, 'Count or Balance');
  if (o['claimIssuer'] === undefined || o['claimIssuer'] === null) return { op: o['op'] };
  const ci = o['claimIssuer'] as Record<string, unknown>;
  return {
    op: o['op'],
    claimIssuer: {
      claimType: argStatClaimType(ci['claimType'], `${field}.claimIssuer.claimType`),
      issuer: argDid(ci['issuer'], `${field}.claimIssuer.issuer`),
    },
  };
}

function keyString(k: StatKey): string {
  switch (k.type) {
    case 'NoClaimStat':
      return 'NoClaimStat';
    case 'Accredited':
    case 'Affiliate':
      return `${k.type}:${String(k.value)}`;
    case 'Jurisdiction':
      return `Jurisdiction:${k.value ?? ''}`;
  }
}

function parseKey(s: string): StatKey {
  if (s === 'NoClaimStat') return { type: 'NoClaimStat' };
  const [type, value = ''] = s.split(':') as [string, string?];
  if (type === 'Jurisdiction') return { type, value: value === '' ? null : value };
  return { type: type as 'Accredited' | 'Affiliate', value: value === 'true' };
}

function argStatKey(v: unknown, field: string): StatKey {
  const o = (v ?? {}) as Record<string, unknown>;
  switch (o['type']) {
    case 'NoClaimStat':
      return { type: 'NoClaimStat' };
    case 'Accredited':
    case 'Affiliate':
      return { type: o['type'], value: argBool(o['value'], `${field}.value`) };
    case 'Jurisdiction':
      return {
        type: 'Jurisdiction',
        value: o['value'] == null ? null : argCountryCode(o['value'], `${field}.value`),
      };
    default:
      return invalid(`${field}.type`, 'NoClaimStat, Accredited, Affiliate or Jurisdiction');
  }
}

function claimToKey(c: StatClaim): string {
  switch (c.type) {
    case 'Accredited':
      return `Accredited:${String(c.accredited)}`;
    case 'Affiliate':
      return `Affiliate:${String(c.affiliate)}`;
    case 'Jurisdiction':
      return `Jurisdiction:${c.countryCode ?? ''}`;
  }
}

function argStatClaim(v: unknown, field: string): StatClaim {
  const o = (v ?? {}) as Record<string, unknown>;
  switch (o['type']) {
    case 'Accredited':
      return { type: 'Accredited', accredited: argBool(o['accredited'], `${field}.accredited`) };
    case 'Affiliate':
      return { type: 'Affiliate', affiliate: argBool(o['affiliate'], `${field}.affiliate`) };
    case 'Jurisdiction':
      return o['countryCode'] == null
        ? { type: 'Jurisdiction' }
        : { type: 'Jurisdiction', countryCode: argCountryCode(o['countryCode'], `${field}.countryCode`) };
    default:
      return invalid(`${field}.type`, 'Accredited, Affiliate or Jurisdiction');
  }
}

function compile(v: unknown, field: string): Compiled {
  const o = (v ?? {}) as Record<string, unknown>;
  switch (o['type']) {
    case 'MaxInvestorCount': {
      const count = argInt(o['count'], `${field}.count`);
      return {
        condition: { type: 'MaxInvestorCount', count },
        stat: 'Count',
        op: 'Count',
        claimType: null,
        claimKey: null,
        issuer: null,
        min: BigInt(count),
        max: null,
      };
    }
    case 'MaxInvestorOwnership': {
      const percentage = argString(o['percentage'], `${field}.percentage`);
      const p = percentToPermill(percentage, `${field}.percentage`);
      return {
        condition: { type: 'MaxInvestorOwnership', percentage },
        stat: 'Balance',
        op: 'Balance',
        claimType: null,
        claimKey: null,
        issuer: null,
        min: BigInt(p),
        max: null,
      };
    }
    case 'ClaimCount': {
      const claim = argStatClaim(o['claim'], `${field}.claim`);
      const issuer = argDid(o['issuer'], `${field}.issuer`);
      const min = argInt(o['min'], `${field}.min`);
      const max = o['max'] === undefined || o['max'] === null ? undefined : argInt(o['max'], `${field}.max`);
      const condition: TransferCondition =
        max === undefined
          ? { type: 'ClaimCount', claim, issuer, min }
          : { type: 'ClaimCount', claim, issuer, min, max };
      return {
        condition,
        stat: `Count:${claim.type}:${issuer}`,
        op: 'Count',
        claimType: claim.type,
        claimKey: claimToKey(claim),
        issuer,
        min: BigInt(min),
        max: max === undefined ? null : BigInt(max),
      };
    }
    case 'ClaimOwnership': {
      const claim = argStatClaim(o['claim'], `${field}.claim`);
      const issuer = argDid(o['issuer'], `${field}.issuer`);
      const min = argString(o['min'], `${field}.min`);
      const max = argString(o['max'], `${field}.max`);
      return {
        condition: { type: 'ClaimOwnership', claim, issuer, min, max },
        stat: `Balance:${claim.type}:${issuer}`,
        op: 'Balance',
        claimType: claim.type,
        claimKey: claimToKey(claim),
        issuer,
        min: BigInt(percentToPermill(min, `${field}.min`)),
        max: BigInt(percentToPermill(max, `${field}.max`)),
      };
    }
    default:
      return invalid(`${field}.type`, 'MaxInvestorCount, MaxInvestorOwnership, ClaimCount or ClaimOwnership');
  }
}

export interface RestrictionResult {
  restriction: TransferCondition;
  /** Always false: only conditions the transfer fails (no exemption lifting them) are reported. */
  result: false;
}

/**
 * `Permill::from_rational(part, whole)`: parts per million rounded down, 100% when `part`
 * exceeds `whole` or `whole` is 0 (sp-arithmetic's `unwrap_or(one)`).
 */
export function permillFromRational(part: bigint, whole: bigint): bigint {
  if (whole === 0n || part > whole) return 1_000_000n;
  return (part * 1_000_000n) / whole;
}

export class StatisticsModule {
  private readonly stats;
  private readonly values;
  private readonly valueKeys;
  private readonly conditions;
  private readonly exempt;
  private readonly exemptIndex;

  constructor(private readonly chain: Chain) {
    const s = chain.rt.state;
    this.stats = s.map<AssetId, readonly StatType[]>();
    this.values = s.map<string, bigint>();
    this.valueKeys = s.index<string, string>();
    this.conditions = s.map<AssetId, readonly Compiled[]>();
    this.exempt = s.map<string, true>();
    this.exemptIndex = s.index<AssetId, string>();
    this.registerCalls();
  }

  /** The holder's value key for a claim-scoped stat (claim by `issuer`, scope Asset(asset)). */
  private holderKey(asset: AssetId, did: Did, claimType: StatClaimType, issuer: Did): string {
    const rec = this.chain.identity.claimAt(did, claimType, `Asset:${asset}`, issuer);
    const valid = rec !== undefined && (rec.expiry === null || rec.expiry > this.chain.rt.now);
    if (claimType === 'Jurisdiction') {
      return `Jurisdiction:${valid && rec.claim.type === 'Jurisdiction' ? rec.claim.code : ''}`;
    }
    return `${claimType}:${String(valid)}`;
  }

  private value(asset: AssetId, stat: string, key: string): bigint {
    return this.values.get(`${asset}|${stat}|${key}`) ?? 0n;
  }

  private setValue(asset: AssetId, stat: string, key: string, v: bigint): void {
    this.values.set(`${asset}|${stat}|${key}`, v < 0n ? 0n : v);
    this.valueKeys.add(`${asset}|${stat}`, key);
  }

  onBalanceChange(asset: AssetId, did: Did, before: bigint, after: bigint, delta: bigint): void {
    const stats = this.stats.get(asset);
    if (!stats) return;
    for (const s of stats) {
      const id = statId(s);
      const key = s.claimIssuer
        ? this.holderKey(asset, did, s.claimIssuer.claimType, s.claimIssuer.issuer)
        : 'NoClaimStat';
      if (s.op === 'Count') {
        if (before === 0n && after > 0n) this.setValue(asset, id, key, this.value(asset, id, key) + 1n);
        else if (before > 0n && after === 0n) this.setValue(asset, id, key, this.value(asset, id, key) - 1n);
      } else {
        this.setValue(asset, id, key, this.value(asset, id, key) + delta);
      }
    }
  }

  private isExempt(asset: AssetId, c: Compiled, did: Did): boolean {
    return this.exempt.has(`${asset}|${c.op}|${c.claimType ?? ''}|${did}`);
  }

  /**
   * Evaluates every transfer condition (Polymesh `verify_transfer_restrictions`). Returns the
   * failing ones that no exemption lifts; `stopAtFirst` returns at the first.
   */
  check(
    asset: AssetId,
    sender: Did,
    receiver: Did,
    amount: bigint,
    senderBal: bigint,
    receiverBal: bigint,
    supply: bigint,
    stopAtFirst: boolean,
  ): RestrictionResult[] {
    const conds = this.conditions.get(asset);
    if (!conds || conds.length === 0) return [];
    const newHolder = receiverBal === 0n && amount > 0n;
    const exits = senderBal === amount && amount > 0n;
    const out: RestrictionResult[] = [];
    for (const c of conds) {
      let ok = true;
      switch (c.condition.type) {
        case 'MaxInvestorCount':
          ok = !(newHolder && !exits && this.value(asset, c.stat, 'NoClaimStat') >= c.min);
          break;
        case 'MaxInvestorOwnership':
          ok = permillFromRational(receiverBal + amount, supply) <= c.min;
          break;
        case 'ClaimCount': {
          const issuer = c.issuer as Did;
          const claimType = c.claimType as StatClaimType;
          const senderMatch = this.holderKey(asset, sender, claimType, issuer) === c.claimKey;
          const receiverMatch = this.holderKey(asset, receiver, claimType, issuer) === c.claimKey;
          if ((!exits && !newHolder) || (exits && newHolder && senderMatch === receiverMatch)) break;
          const count = this.value(asset, c.stat, c.claimKey as string);
          if (exits && senderMatch && c.min > 0n && count <= c.min) ok = false;
          if (newHolder && receiverMatch && c.max !== null && count >= c.max) ok = false;
          break;
        }
        case 'ClaimOwnership': {
          const issuer = c.issuer as Did;
          const claimType = c.claimType as StatClaimType;
          const senderMatch = this.holderKey(asset, sender, claimType, issuer) === c.claimKey;
          const receiverMatch = this.holderKey(asset, receiver, claimType, issuer) === c.claimKey;
          const bal = this.value(asset, c.stat, c.claimKey as string);
          if (receiverMatch && !senderMatch)
            ok = permillFromRational(bal + amount, supply) <= (c.max as bigint);
          else if (senderMatch && !receiverMatch)
            ok = permillFromRational(bal > amount ? bal - amount : 0n, supply) >= c.min;
          break;
        }
      }
      // Count conditions exempt the sender, balance conditions the receiver; an exempt failure
      // passes and is not reported.
      if (ok || this.isExempt(asset, c, c.op === 'Count' ? sender : receiver)) continue;
      out.push({ restriction: c.condition, result: false });
      if (stopAtFirst) return out;
    }
    return out;
  }

  restrictions(asset: AssetId): TransferRestrictions {
    const stats = [...(this.stats.get(asset) ?? [])];
    const values: StatValue[] = [];
    for (const s of stats) {
      const id = statId(s);
      for (const key of [...this.valueKeys.members(`${asset}|${id}`)].sort()) {
        const v = this.value(asset, id, key);
        values.push({ stat: s, key: parseKey(key), value: s.op === 'Count' ? v.toString() : fromUnits(v) });
      }
    }
    const grouped = new Map<string, { key: ExemptionKey; entities: Did[] }>();
    for (const e of [...this.exemptIndex.members(asset)].sort()) {
      const [op, claimType, did] = e.split('|') as [ExemptionKey['op'], string, Did];
      const k = `${op}|${claimType}`;
      let g = grouped.get(k);
      if (!g) {
        g = { key: claimType ? { op, claimType: claimType as StatClaimType } : { op }, entities: [] };
        grouped.set(k, g);
      }
      g.entities.push(did);
    }
    return {
      stats,
      conditions: (this.conditions.get(asset) ?? []).map((c) => c.condition),
      values,
      exemptions: [...grouped.values()],
    };
  }

  private registerCalls(): void {
    const rt = this.chain.rt;
    const agent = (o: Origin, assetId: unknown, call: string): { did: Did; asset: AssetId } => {
      const asset = argAssetId(assetId);
      const did = this.chain.agents.requirePermission(o, asset, call);
      this.chain.asset.ensureExists(asset);
      return { did, asset };
    };

    rt.register('statistics.setActiveAssetStats', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'statistics.setActiveAssetStats');
        const stats = argArray(a.stats, 'stats').map((s, i) => argStat(s, `stats[${i}]`));
        const ids = new Set(stats.map(statId));
        ensure(
          ids.size <= MAX_STATS_PER_ASSET,
          'StatTypeLimitReached',
          `at most ${MAX_STATS_PER_ASSET} stats`,
          M,
        );
        for (const c of this.conditions.get(asset) ?? []) {
          ensure(
            ids.has(c.stat),
            'CannotRemoveStatTypeInUse',
            `stat ${c.stat} is used by a transfer condition`,
            M,
          );
        }
        const old = this.stats.get(asset) ?? [];
        for (const s of old) {
          const id = statId(s);
          if (ids.has(id)) continue;
          for (const key of [...this.valueKeys.members(`${asset}|${id}`)]) {
            this.values.delete(`${asset}|${id}|${key}`);
            this.valueKeys.remove(`${asset}|${id}`, key);
          }
        }
        const unique = [...new Map(stats.map((s) => [statId(s), s])).values()];
        this.stats.set(asset, unique);
        rt.emit(M, 'StatTypesAdded', {
          did,
          assetId: asset,
          stats: unique.filter((s) => !old.some((x) => statId(x) === statId(s))),
        });
      },
    });

    rt.register('statistics.batchUpdateAssetStats', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'statistics.batchUpdateAssetStats');
        const stat = argStat(a.stat, 'stat');
        const id = statId(stat);
        ensure(
          (this.stats.get(asset) ?? []).some((s) => statId(s) === id),
          'StatTypeMissing',
          `stat ${id} is not active`,
          M,
        );
        const values = argArray<Record<string, unknown>>(a.values, 'values').map((v, i) => {
          const key = keyString(argStatKey(v['key'], `values[${i}].key`));
          const raw = argString(v['value'], `values[${i}].value`);
          const value =
            stat.op === 'Count'
              ? BigInt(argInt(Number(raw), `values[${i}].value`))
              : toUnits(raw, `values[${i}].value`);
          return { key, value };
        });
        for (const v of values) this.setValue(asset, id, v.key, v.value);
        rt.emit(M, 'AssetStatsUpdated', { did, assetId: asset, stat, values: a.values });
      },
    });

    rt.register('statistics.setAssetTransferCompliance', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'statistics.setAssetTransferCompliance');
        const conds = argArray(a.conditions, 'conditions').map((c, i) => compile(c, `conditions[${i}]`));
        ensure(
          conds.length <= MAX_TRANSFER_CONDITIONS,
          'TransferConditionLimitReached',
          `at most ${MAX_TRANSFER_CONDITIONS} conditions`,
          M,
        );
        const active = new Set((this.stats.get(asset) ?? []).map(statId));
        for (const c of conds)
          ensure(active.has(c.stat), 'StatTypeMissing', `stat ${c.stat} is not active`, M);
        this.conditions.set(asset, conds);
        rt.emit(M, 'SetAssetTransferCompliance', {
          did,
          assetId: asset,
          conditions: conds.map((c) => c.condition),
        });
      },
    });

    rt.register('statistics.setEntitiesExempt', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'statistics.setEntitiesExempt');
        const isExempt = argBool(a.isExempt, 'isExempt');
        const k = (a.key ?? {}) as unknown as Record<string, unknown>;
        if (k['op'] !== 'Count' && k['op'] !== 'Balance') invalid('key.op', 'Count or Balance');
        const claimType =
          k['claimType'] === undefined || k['claimType'] === null
            ? ''
            : argStatClaimType(k['claimType'], 'key.claimType');
        const entities = argArray(a.entities, 'entities').map((d, i) => argDid(d, `entities[${i}]`));
        for (const e of entities) {
          const id = `${k['op']}|${claimType}|${e}`;
          if (isExempt) {
            this.exempt.set(`${asset}|${id}`, true);
            this.exemptIndex.add(asset, id);
          } else {
            this.exempt.delete(`${asset}|${id}`);
            this.exemptIndex.remove(asset, id);
          }
        }
        rt.emit(M, isExempt ? 'TransferConditionExemptionsAdded' : 'TransferConditionExemptionsRemoved', {
          did,
          assetId: asset,
          key: a.key,
          entities,
        });
      },
    });
  }
}
