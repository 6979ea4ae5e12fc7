/**
 * Checkpoints (POLYMESH.md §10, pallets/asset/src/checkpoint): checkpoints record the supply and
 * time; balances are lazy — a DID's pre-change balance is stored at its first change after the
 * latest checkpoint, so balance@k = the entry of the first checkpoint ≥ k that has one, else the
 * current balance. Schedule points materialise on the next issue, redeem or transfer.
 */
import type { AssetId, Decimal, Did } from '../../ledger.js';
import type { Holder } from '../../types.js';
import type { CheckpointInfo, CheckpointSchedule } from '../../calls-corporate.js';
import type { Chain } from '../chain.js';
import { fromUnits } from '../amounts.js';
import { argArray, argAssetId, argInt, argTime, ensure, iso } from '../runtime.js';
import { SCHEDULES_MAX_COMPLEXITY } from '../../limits.js';

const M = 'checkpoint';

interface ScheduleRec {
  /** Future points, ascending (ms). */
  pending: readonly number[];
  /** Checkpoint ids created from this schedule. */
  points: readonly number[];
  refCount: number;
}

export class CheckpointModule {
  private readonly lastId;
  private readonly info;
  private readonly balances;
  private readonly updates;
  private readonly updatedDids;
  private readonly schedules;
  private readonly scheduleIds;
  private readonly scheduleSet;
  /** Earliest pending point per asset: the O(1) test every balance change makes. */
  private readonly nextDue;

  constructor(private readonly chain: Chain) {
    const s = chain.rt.state;
    this.lastId = s.map<AssetId, number>();
    this.info = s.map<string, { at: number; supply: bigint }>();
    this.balances = s.map<string, bigint>();
    this.updates = s.map<string, readonly number[]>();
    this.updatedDids = s.index<AssetId, Did>();
    this.schedules = s.map<string, ScheduleRec>();
    this.scheduleIds = s.counter<AssetId>();
    this.scheduleSet = s.index<AssetId, number>();
    this.nextDue = s.map<AssetId, number>();
    this.registerCalls();
  }

  // ---------------------------------------------------------------- hooks from the asset pallet

  /** Materialises due schedule points (before the supply of an issue/redeem changes). */
  advance(asset: AssetId): void {
    const due = this.nextDue.get(asset);
    const now = this.chain.rt.now;
    if (due === undefined || due > now) return;
    let next: number | undefined;
    for (const id of [...this.scheduleSet.members(asset)].sort((a, b) => a - b)) {
      const k = `${asset}|${id}`;
      const sch = this.schedules.get(k) as ScheduleRec;
      const expired = sch.pending.filter((t) => t <= now);
      const pending = sch.pending.filter((t) => t > now);
      const points = [...sch.points];
      for (const at of expired) points.push(this.create(null, asset, at));
      this.schedules.set(k, { ...sch, pending, points });
      // A finished schedule leaves ScheduledCheckpoints (later use: NoSuchSchedule); its
      // SchedulePoints and reference count stay for the corporate actions that use them.
      if (pending.length === 0) this.scheduleSet.remove(asset, id);
      const first = pending[0];
      if (first !== undefined && (next === undefined || first < next)) next = first;
    }
    if (next === undefined) this.nextDue.delete(asset);
    else this.nextDue.set(asset, next);
  }

  /** Called with a DID's balance before it changes (Polymesh `advance_update_balances`). */
  beforeBalanceChange(asset: AssetId, did: Did, oldBalance: bigint): void {
    this.advance(asset);
    const last = this.lastId.get(asset);
    if (last === undefined) return;
    const k = `${asset}|${last}|${did}`;
    if (this.balances.has(k)) return;
    this.balances.set(k, oldBalance);
    const uk = `${asset}|${did}`;
    this.updates.set(uk, [...(this.updates.get(uk) ?? []), last]);
    this.updatedDids.add(asset, did);
  }

  // ---------------------------------------------------------------- reads

  exists(asset: AssetId, id: number): boolean {
    return id >= 1 && id <= (this.lastId.get(asset) ?? 0);
  }

  timeOf(asset: AssetId, id: number): number | undefined {
    return this.info.get(`${asset}|${id}`)?.at;
  }

  balanceAt(asset: AssetId, did: Did, id: number): bigint {
    const ups = this.updates.get(`${asset}|${did}`);
    if (ups && ups.length > 0 && id <= (ups[ups.length - 1] as number)) {
      let lo = 0;
      let hi = ups.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((ups[mid] as number) >= id) hi = mid;
        else lo = mid + 1;
      }
      return this.balances.get(`${asset}|${ups[lo]}|${did}`) ?? 0n;
    }
    return this.chain.asset.balanceOf(asset, did);
  }

  balanceAtDecimal(asset: AssetId, id: number, did: Did): Decimal | null {
    return this.exists(asset, id) ? fromUnits(this.balanceAt(asset, did, id)) : null;
  }

  allBalances(asset: AssetId, id: number): Holder[] {
    if (!this.exists(asset, id)) return [];
    const dids = new Set<Did>(this.updatedDids.members(asset));
    for (const h of this.chain.asset.holders(asset)) dids.add(h.did);
    return [...dids]
      .sort()
      .map((did) => ({ did, units: this.balanceAt(asset, did, id) }))
      .filter((x) => x.units > 0n)
      .map((x) => ({ did: x.did, balance: fromUnits(x.units) }));
  }

  list(asset: AssetId): CheckpointInfo[] {
    const out: CheckpointInfo[] = [];
    const last = this.lastId.get(asset) ?? 0;
    for (let id = 1; id <= last; id++) {
      const c = this.info.get(`${asset}|${id}`);
      if (c) out.push({ id, at: iso(c.at), totalSupply: fromUnits(c.supply) });
    }
    return out;
  }

  scheduleList(asset: AssetId): CheckpointSchedule[] {
    return [...this.scheduleSet.members(asset)]
      .sort((a, b) => a - b)
      .map((id) => {
        const sch = this.schedules.get(`${asset}|${id}`) as ScheduleRec;
        return {
          id,
          pending: sch.pending.map(iso),
          checkpoints: [...sch.points],
          removable: sch.refCount === 0,
        };
      });
  }

  /** `ensure_schedule_next_checkpoint`: the next point of a schedule and the index its checkpoint will have. */
  scheduleNext(asset: AssetId, id: number): { at: number; index: number } {
    const sch = this.liveSchedule(asset, id);
    const at = sch.pending[0];
    ensure(at !== undefined, 'ScheduleFinished', `schedule ${id} has no more points`, M);
    return { at, index: sch.points.length };
  }

  /** A schedule with points still pending (`ScheduledCheckpoints`), else `NoSuchSchedule`. */
  private liveSchedule(asset: AssetId, id: number): ScheduleRec {
    const sch = this.schedules.get(`${asset}|${id}`);
    ensure(
      sch && this.scheduleSet.members(asset).has(id),
      'NoSuchSchedule',
      `no checkpoint schedule ${id} (or it has finished)`,
      M,
    );
    return sch;
  }

  /** The checkpoint created for a schedule's `index`-th point, if it has materialised. */
  schedulePoint(asset: AssetId, id: number, index: number): number | undefined {
    return this.schedules.get(`${asset}|${id}`)?.points[index];
  }

  changeScheduleRef(asset: AssetId, id: number, delta: number): void {
    const k = `${asset}|${id}`;
    const sch = this.schedules.get(k);
    if (sch) this.schedules.set(k, { ...sch, refCount: Math.max(0, sch.refCount + delta) });
  }

  // ---------------------------------------------------------------- writes

  private create(did: Did | null, asset: AssetId, at: number): number {
    const id = (this.lastId.get(asset) ?? 0) + 1;
    this.lastId.set(asset, id);
    const supply = this.chain.asset.get(asset)?.totalSupply ?? 0n;
    this.info.set(`${asset}|${id}`, { at, supply });
    this.chain.rt.emit(M, 'CheckpointCreated', {
      did,
      assetId: asset,
      checkpointId: id,
      totalSupply: fromUnits(supply),
      at: iso(at),
    });
    return id;
  }

  /** `base_create_schedule`; returns the schedule id and its first point. */
  createSchedule(did: Did, asset: AssetId, points: number[], refCount: number): { id: number; at: number } {
    const pending = [...new Set(points)].sort((a, b) => a - b);
    const first = pending[0];
    ensure(first !== undefined, 'ScheduleIsEmpty', 'a schedule needs at least one point', M);
    let total = pending.length;
    for (const id of this.scheduleSet.members(asset))
      total += this.schedules.get(`${asset}|${id}`)?.pending.length ?? 0;
    ensure(
      total <= SCHEDULES_MAX_COMPLEXITY,
      'SchedulesOverMaxComplexity',
      'too many pending schedule points',
      M,
    );
    // `ensure_no_expired`: every point ≥ now (ms); a point at now itself is allowed.
    ensure(
      first >= this.chain.rt.now,
      'ScheduleHasExpiredCheckpoints',
      'schedule points must not be in the past',
      M,
    );
    const id = this.scheduleIds.next(asset);
    this.schedules.set(`${asset}|${id}`, { pending, points: [], refCount });
    this.scheduleSet.add(asset, id);
    const due = this.nextDue.get(asset);
    if (due === undefined || first < due) this.nextDue.set(asset, first);
    this.chain.rt.emit(M, 'ScheduleCreated', {
      did,
      assetId: asset,
      scheduleId: id,
      pending: pending.map(iso),
    });
    return { id, at: first };
  }

  private registerCalls(): void {
    const { chain } = this;
    const rt = chain.rt;
    rt.register('checkpoint.createCheckpoint', {
      handler: (o, a) => {
        const asset = argAssetId(a.assetId);
        const did = chain.agents.requirePermission(o, asset, 'checkpoint.createCheckpoint');
        chain.asset.ensureExists(asset);
        return { checkpointId: this.create(did, asset, rt.now) };
      },
    });
    rt.register('checkpoint.createSchedule', {
      handler: (o, a) => {
        const asset = argAssetId(a.assetId);
        const did = chain.agents.requirePermission(o, asset, 'checkpoint.createSchedule');
        const points = argArray(a.points, 'points').map((p, i) => argTime(p, `points[${i}]`));
        return { scheduleId: this.createSchedule(did, asset, points, 0).id };
      },
    });
    rt.register('checkpoint.removeSchedule', {
      handler: (o, a) => {
        const asset = argAssetId(a.assetId);
        const did = chain.agents.requirePermission(o, asset, 'checkpoint.removeSchedule');
        const id = argInt(a.scheduleId, 'scheduleId', 1);
        const k = `${asset}|${id}`;
        const sch = this.liveSchedule(asset, id);
        ensure(sch.refCount === 0, 'ScheduleNotRemovable', 'a corporate action uses this schedule', M);
        this.schedules.set(k, { ...sch, pending: [] });
        this.scheduleSet.remove(asset, id);
        let next: number | undefined;
        for (const other of this.scheduleSet.members(asset)) {
          const first = this.schedules.get(`${asset}|${other}`)?.pending[0];
          if (first !== undefined && (next === undefined || first < next)) next = first;
        }
        if (next === undefined) this.nextDue.delete(asset);
        else this.nextDue.set(asset, next);
        rt.emit(M, 'ScheduleRemoved', { did, assetId: asset, scheduleId: id });
      },
    });
  }
}
