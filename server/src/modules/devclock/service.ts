import type { MikroORM } from '@mikro-orm/postgresql';
import { LedgerError, type Ledger } from '@stoa/chain';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import type { AuditService } from '../audit/service.js';
import type { Principal } from '../auth/service.js';
import type { ScanResult } from '../identities/service.js';
import { MAX_ADVANCE_DAYS, type AdvanceInput, type AdvanceResult, type ChainClock } from './schemas.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A field of the request that names no possible move (`must …`), worded as schema errors are. */
function refuse(field: string, must: string): never {
  throw new AppError('VALIDATION_FAILED', `Invalid body: ${field} ${must}`, {
    fields: [{ field, message: must }],
  });
}

/**
 * The server's own jobs that act on time: run at the chain's new time right after a move, so
 * what the chain now holds to be past (an expired claim, an ended offering) shows at once, not
 * at their timers' next tick.
 */
export interface TimeDrivenJobs {
  scanClaims(now: Date): Promise<ScanResult>;
  closeDueOfferings(now: Date): Promise<string[]>;
}

/**
 * The development clock: an administrator moves the embedded ledger's time forward to rehearse
 * lock-ups, claim expiries and offering windows through the product. Refused on a Polymesh node
 * (its time is that of its blocks) and under NODE_ENV=production; every move is audited.
 */
export class DevClockService {
  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly audit: AuditService,
    private readonly env: Config['env'],
    private readonly jobs: TimeDrivenJobs,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Why the clock cannot move on this server, for the person asking; null when it can. */
  refusal(): string | null {
    if (this.ledger.kind !== 'embedded' || !this.ledger.devClock)
      return (
        'This server runs on a Polymesh node (POLYMESH_NODE_URL is set): the chain keeps its own time, ' +
        'block by block, and nobody can move it. Rehearse with time on the embedded ledger instead: ' +
        'a server without POLYMESH_NODE_URL, outside production.'
      );
    if (this.env === 'production')
      return (
        'The chain clock cannot be moved in production (NODE_ENV=production): moving it lets lock-ups, ' +
        'claim expiries and offering windows pass early. It is for rehearsals on a development server.'
      );
    return null;
  }

  async status(): Promise<ChainClock> {
    const info = await this.ledger.info();
    const refusal = this.refusal();
    return {
      time: info.time,
      blockHeight: info.blockHeight,
      adapter: this.ledger.kind,
      movable: refusal === null,
      refusal,
      maxDays: MAX_ADVANCE_DAYS,
    };
  }

  /** The time `input` names, checked against the chain's time `now` (ms). */
  private target(input: AdvanceInput, now: number): number {
    if ((input.by === undefined) === (input.to === undefined))
      refuse(
        '/body',
        "must give either by (days, hours, minutes) or to (a time later than the chain's), not both",
      );
    const latest = now + MAX_ADVANCE_DAYS * DAY;
    if (input.by) {
      const { days = 0, hours = 0, minutes = 0 } = input.by;
      const ms = days * DAY + hours * 60 * MINUTE + minutes * MINUTE;
      if (ms <= 0) refuse('/body/by', 'must move the clock forward by at least a minute');
      if (now + ms > latest) refuse('/body/by', `must be at most ${MAX_ADVANCE_DAYS} days at a time`);
      return now + ms;
    }
    const to = Date.parse(input.to!);
    if (!(to > now))
      refuse(
        '/body/to',
        `must be later than the chain's time now, ${new Date(now).toISOString()}: the clock never goes back`,
      );
    if (to > latest)
      refuse(
        '/body/to',
        `must be at most ${MAX_ADVANCE_DAYS} days after the chain's time, so no later than ${new Date(latest).toISOString()}`,
      );
    return to;
  }

  async advance(principal: Principal, input: AdvanceInput): Promise<AdvanceResult> {
    const refusal = this.refusal();
    const clock = this.ledger.devClock;
    if (refusal !== null || !clock)
      throw new AppError('CONFLICT', refusal ?? 'The chain clock cannot be moved');
    const before = await this.ledger.info();
    const target = this.target(input, Date.parse(before.time));
    // The entry commits with the move: a move the ledger refuses leaves none.
    const moved = await this.orm.em.fork().transactional(async (tx) => {
      const m = await clock.advanceTo(new Date(target).toISOString()).catch((err: unknown) => {
        // E.g. the clock moved meanwhile (another request), or too many blocks fell due.
        if (LedgerError.is(err) && err.code === 'ValidationError')
          throw new AppError('CONFLICT', `The chain clock was not moved: ${err.message}`);
        throw err;
      });
      await this.audit.append(tx, {
        actor: principal.id,
        action: 'chain.clock-advanced',
        subjectType: 'chain',
        subjectId: before.genesisHash,
        data: { ...m, requested: input.by ? { by: input.by } : { to: input.to } },
      });
      return m;
    });
    this.log.info(moved, 'the development clock moved forward');
    const now = new Date(moved.to);
    const claims = await this.jobs.scanClaims(now).catch((err: unknown) => {
      this.log.warn({ err }, 'claim-expiry scan after the clock moved failed; its timer tries again');
      return null;
    });
    const closed = await this.jobs.closeDueOfferings(now).catch((err: unknown) => {
      this.log.warn({ err }, 'offering close scan after the clock moved failed; its timer tries again');
      return null;
    });
    return { ...moved, claims, offeringsClosed: closed === null ? null : closed.length };
  }
}
