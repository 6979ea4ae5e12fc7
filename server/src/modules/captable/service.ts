import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CheckpointInfo, Holder, Ledger } from '@stoa/chain';
import { AppError } from '../../errors.js';
import { apportionPercentages } from '../../lib/apportion.js';
import { countryName } from '../../lib/format.js';
import { fromUnits, toUnits } from '../../lib/units.js';
import type { Asset, Issuer } from '../assets/entity.js';
import type { AssetService } from '../assets/service.js';
import { User } from '../auth/entity.js';
import { IdentityClaimRecord, InvestorIdentity } from '../identities/entity.js';
import { Application } from '../onboarding/entity.js';
import type { ChainOperation } from '../operations/entity.js';

/** How a holder is counted in the breakdowns. */
export type InvestorType = 'issuer' | 'accredited' | 'retail' | 'entity' | 'affiliate' | 'unknown';

export const INVESTOR_TYPE_LABELS: Record<InvestorType, string> = {
  issuer: 'Issuer (unsold and treasury)',
  accredited: 'Accredited investors',
  retail: 'Retail investors',
  entity: 'Entities',
  affiliate: 'Affiliates of the issuer',
  unknown: 'Holders unknown to the platform',
};

export interface CapTableRow {
  did: string;
  kind: 'issuer' | 'investor' | 'unknown';
  /** The investor's name, the issuer's name, or "Unknown holder". */
  name: string;
  investorType: InvestorType;
  /** ISO 3166 alpha-2 of residence (investors only). */
  jurisdiction: string | null;
  balance: string;
  /** Of the total supply at that time, two decimals; all rows add up to exactly 100.00. */
  ownershipPercent: string;
}

export interface CapTableGroup {
  key: string;
  label: string;
  holders: number;
  balance: string;
  percent: string;
}

export interface CapTable {
  assetId: string;
  assetName: string;
  /** Null: now (the chain's current balances). */
  checkpointId: number | null;
  at: string;
  totalSupply: string;
  holders: CapTableRow[];
  holderCount: number;
  /** Holders other than the issuer. */
  investorCount: number;
  byJurisdiction: CapTableGroup[];
  byInvestorType: CapTableGroup[];
  /** Share of the supply held by the ten largest holders (the issuer included). */
  top10Percent: string;
}

export interface CheckpointView extends CheckpointInfo {
  /** Holders with a balance at the checkpoint. */
  holderCount: number;
  /** Share of the ten largest holders at the checkpoint, two decimals. */
  top10Percent: string;
}

/** Largest first, ties by DID: the order of every cap table. */
export function largestFirst(holders: Holder[]): (Holder & { units: bigint })[] {
  return holders
    .map((h) => ({ ...h, units: toUnits(h.balance) }))
    .sort((a, b) => (b.units > a.units ? 1 : b.units < a.units ? -1 : a.did < b.did ? -1 : 1));
}

/** The holders with a balance, largest first. */
function ordered(holders: Holder[]): (Holder & { units: bigint })[] {
  return largestFirst(holders).filter((h) => h.units > 0n);
}

function top10(units: bigint[], supply: bigint): string {
  if (supply === 0n) return '0.00';
  const top = units.slice(0, 10).reduce((s, u) => s + u, 0n);
  return apportionPercentages([top, supply - top])[0]!;
}

/**
 * The cap table over time: checkpoints (taken now or on a schedule, through the outbox, signed
 * by the issuer's agent account) and every holder's balance at one of them as the chain recorded
 * it — never recomputed from transfers — joined with what the platform knows of each holder.
 */
export class CapTableService {
  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly assets: AssetService,
  ) {}

  /** Take a checkpoint now: the chain records every balance and the supply at this block. */
  createCheckpoint(assetId: string, actor: string, scope?: string): Promise<ChainOperation> {
    return this.assets.act(
      assetId,
      actor,
      'checkpoint.created',
      (chainId) => ({
        name: 'checkpoint.createCheckpoint',
        args: { assetId: chainId },
      }),
      { scope },
    );
  }

  /**
   * A schedule of future checkpoints (e.g. quarter ends as record dates). The chain takes each
   * point at the first issue, redemption or transfer after it; points must lie ahead of the
   * chain's clock.
   */
  async createSchedule(
    assetId: string,
    actor: string,
    points: string[],
    scope?: string,
  ): Promise<ChainOperation> {
    const now = Date.parse((await this.ledger.info()).time);
    const sorted = [...new Set(points.map((p) => new Date(p).toISOString()))].sort();
    sorted.forEach((p, i) => {
      if (Date.parse(p) <= now)
        throw new AppError('VALIDATION_FAILED', `Checkpoint ${i + 1} (${p}) is not in the future`, {
          fields: [{ field: `/body/points/${i}`, message: 'must be later than now' }],
        });
    });
    return this.assets.act(
      assetId,
      actor,
      'checkpoint.schedule-created',
      (chainId) => ({ name: 'checkpoint.createSchedule', args: { assetId: chainId, points: sorted } }),
      { scope, data: { points: sorted } },
    );
  }

  /** Checkpoints newest first, with their holders and concentration; schedules with their pending points. */
  async checkpoints(assetId: string) {
    const { asset } = await this.assets.active(this.orm.em.fork(), assetId);
    const [list, schedules] = await Promise.all([
      this.ledger.checkpoints(asset.chainId),
      this.ledger.checkpointSchedules(asset.chainId),
    ]);
    const views: CheckpointView[] = [];
    for (const c of [...list].sort((a, b) => b.id - a.id)) {
      const rows = ordered(await this.ledger.checkpointBalances(asset.chainId, c.id));
      views.push({
        ...c,
        holderCount: rows.length,
        top10Percent: top10(
          rows.map((r) => r.units),
          toUnits(c.totalSupply),
        ),
      });
    }
    return { assetId: asset.id, checkpoints: views, schedules };
  }

  /** Every holder's balance at a checkpoint (or now), with ownership, breakdowns and concentration. */
  async capTable(assetId: string, checkpointId: number | null): Promise<CapTable> {
    const em = this.orm.em.fork();
    const { asset, issuer } = await this.assets.active(em, assetId);
    let holders: Holder[];
    let supply: string;
    let at: string;
    if (checkpointId === null) {
      const [details, now, info] = await Promise.all([
        this.ledger.asset(asset.chainId),
        this.ledger.holders(asset.chainId),
        this.ledger.info(),
      ]);
      holders = now;
      supply = details?.totalSupply ?? '0';
      at = info.time;
    } else {
      const point = (await this.ledger.checkpoints(asset.chainId)).find((c) => c.id === checkpointId);
      if (!point)
        throw new AppError('NOT_FOUND', `${asset.name} has no checkpoint ${checkpointId}`, {
          fields: [{ field: '/params/checkpoint', message: 'is not a checkpoint of this asset' }],
        });
      holders = await this.ledger.checkpointBalances(asset.chainId, checkpointId);
      supply = point.totalSupply;
      at = point.at;
    }
    return this.table(em, asset, issuer, ordered(holders), supply, checkpointId, at);
  }

  /** One holder's balance at every checkpoint, oldest first, and now. */
  async holdingHistory(assetId: string, did: string) {
    const { asset } = await this.assets.active(this.orm.em.fork(), assetId);
    const points = [...(await this.ledger.checkpoints(asset.chainId))].sort((a, b) => a.id - b.id);
    const history = [];
    for (const c of points) {
      const balance = (await this.ledger.balanceAtCheckpoint(asset.chainId, c.id, did)) ?? '0';
      history.push({ checkpointId: c.id, at: c.at, balance });
    }
    const [now, info] = await Promise.all([this.ledger.assetBalance(asset.chainId, did), this.ledger.info()]);
    return { assetId: asset.id, did, history, now: { at: info.time, balance: now } };
  }

  private async table(
    em: EntityManager,
    asset: Asset & { chainId: string },
    issuer: Issuer,
    rows: (Holder & { units: bigint })[],
    totalSupply: string,
    checkpointId: number | null,
    at: string,
  ): Promise<CapTable> {
    const dids = rows.map((r) => r.did);
    const identities = dids.length ? await em.find(InvestorIdentity, { did: { $in: dids } }) : [];
    const [users, applications, affiliates] = identities.length
      ? await Promise.all([
          em.find(User, { id: { $in: identities.map((i) => i.userId) } }),
          em.find(Application, { id: { $in: identities.map((i) => i.applicationId) } }),
          em.find(IdentityClaimRecord, {
            identityId: { $in: identities.map((i) => i.id) },
            claimType: 'Affiliate',
            status: 'active',
          }),
        ])
      : [[], [], []];
    const byDid = new Map(identities.map((i) => [i.did!, i]));
    const userById = new Map(users.map((u) => [u.id, u]));
    const appById = new Map(applications.map((a) => [a.id, a]));
    const affiliated = new Set(affiliates.map((c) => c.identityId));
    const asOf = new Date(at);

    const percents = apportionPercentages(rows.map((r) => r.units));
    const holders: CapTableRow[] = rows.map((r, i) => {
      const identity = byDid.get(r.did);
      const app = identity ? appById.get(identity.applicationId) : undefined;
      const base = { did: r.did, balance: r.balance, ownershipPercent: percents[i]! };
      if (r.did === issuer.did)
        return { ...base, kind: 'issuer', name: issuer.name, investorType: 'issuer', jurisdiction: null };
      if (!identity)
        return {
          ...base,
          kind: 'unknown',
          name: 'Unknown holder',
          investorType: 'unknown',
          jurisdiction: null,
        };
      const accredited =
        app?.accreditationStatus === 'verified' && (app.accreditationExpiresAt ?? new Date(0)) > asOf;
      const investorType: InvestorType = affiliated.has(identity.id)
        ? 'affiliate'
        : app?.kind === 'entity'
          ? 'entity'
          : accredited
            ? 'accredited'
            : 'retail';
      return {
        ...base,
        kind: 'investor',
        name: userById.get(identity.userId)?.displayName || 'Investor',
        investorType,
        jurisdiction: app?.residenceCountry ?? null,
      };
    });

    const group = (keyOf: (r: CapTableRow) => string, labelOf: (key: string) => string): CapTableGroup[] => {
      const sums = new Map<string, { holders: number; units: bigint }>();
      rows.forEach((r, i) => {
        const key = keyOf(holders[i]!);
        const g = sums.get(key) ?? { holders: 0, units: 0n };
        g.holders += 1;
        g.units += r.units;
        sums.set(key, g);
      });
      const entries = [...sums.entries()].sort((a, b) =>
        b[1].units > a[1].units ? 1 : b[1].units < a[1].units ? -1 : a[0] < b[0] ? -1 : 1,
      );
      const pct = apportionPercentages(entries.map(([, g]) => g.units));
      return entries.map(([key, g], i) => ({
        key,
        label: labelOf(key),
        holders: g.holders,
        balance: fromUnits(g.units),
        percent: pct[i]!,
      }));
    };
    const supplyUnits = toUnits(totalSupply);
    return {
      assetId: asset.id,
      assetName: asset.name,
      checkpointId,
      at,
      totalSupply,
      holders,
      holderCount: holders.length,
      investorCount: holders.filter((h) => h.kind !== 'issuer').length,
      byJurisdiction: group(
        (r) => (r.kind === 'issuer' ? 'issuer' : (r.jurisdiction ?? 'unknown')),
        (k) => (k === 'issuer' ? 'Issuer' : k === 'unknown' ? 'Not known' : countryName(k)),
      ),
      byInvestorType: group(
        (r) => r.investorType,
        (k) => INVESTOR_TYPE_LABELS[k as InvestorType],
      ),
      top10Percent: top10(
        rows.map((r) => r.units),
        supplyUnits,
      ),
    };
  }
}
