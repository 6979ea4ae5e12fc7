import type { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { AuditEntry, type ChainedEntry } from './entity.js';
import { appendedInTransaction, entryHash, GENESIS_HASH } from './service.js';

/** Held while chaining, per database: two server instances never chain at once. */
export const AUDIT_CHAIN_LOCK = 7340211;

export interface ChainerOptions {
  /** Rows chained per transaction (one UPDATE each). */
  batchSize?: number;
  /** The periodic tick, for rows whose commit this process did not see (another instance, a CLI). */
  tickMs?: number;
  /**
   * Whether a committer waits for the pass chaining its rows (default true: it then reads its
   * own entries with positions). False: the pass starts at the commit and the committer goes on.
   */
  waitOnCommit?: boolean;
  onError?: (err: unknown) => void;
}

/** Every running chainer of a database, told by one subscriber when an appending transaction commits. */
const chainers = new WeakMap<MikroORM, Set<AuditChainer>>();

function subscribe(orm: MikroORM, chainer: AuditChainer): void {
  let set = chainers.get(orm);
  if (!set) {
    const live = new Set<AuditChainer>();
    set = live;
    chainers.set(orm, live);
    const subscriber: EventSubscriber = {
      afterTransactionCommit: async (args: TransactionEventArgs) => {
        if (!appendedInTransaction(args.transaction as object | undefined)) return;
        // The committer waits for its rows' chaining (shared with every commit meanwhile), so what
        // it reads next has positions; a chaining failure is logged, never thrown at a committed caller.
        await Promise.all([...live].map((c) => c.afterCommit()));
      },
    };
    orm.em.getEventManager().registerSubscriber(subscriber);
  }
  set.add(chainer);
}

/**
 * The audit trail's one appender. `AuditService.append` inserts rows unchained, with no lock, in
 * the caller's transaction; this gives committed rows their gap-free position (`seq`), `prevHash`
 * and `hash`, a batch per transaction holding the trail's advisory lock. Rows are chained in the
 * order this sees them committed (then by insertion key): a row whose transaction commits late is
 * simply chained later, never skipped, since every run takes whatever is committed and unchained.
 * A crash mid-batch rolls the batch back whole; the rows are chained at the next run (at start,
 * on the next commit, or on the tick).
 */
export class AuditChainer {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly batchSize: number;

  constructor(
    private readonly orm: MikroORM,
    private readonly opts: ChainerOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 1000;
  }

  /** Chains what an earlier run left (a crash between insert and chaining), then follows commits. */
  async start(): Promise<void> {
    this.stopped = false;
    subscribe(this.orm, this);
    await this.chainNow();
    const every = this.opts.tickMs ?? 1000;
    if (every > 0) {
      this.timer = setInterval(() => this.kick(), every);
      this.timer.unref();
    }
  }

  /** Stops following commits and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    chainers.get(this.orm)?.delete(this);
    await this.running?.catch(() => undefined);
  }

  /** Asks for a run soon; runs coalesce, and a request during a run makes one more run after it. */
  kick(): void {
    if (this.stopped) return;
    void this.schedule().catch((err: unknown) => this.opts.onError?.(err));
  }

  /** After an appending transaction committed: chains its rows; never rejects. */
  afterCommit(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const pass = this.schedule().catch((err: unknown) => this.opts.onError?.(err));
    return this.opts.waitOnCommit === false ? Promise.resolve() : pass;
  }

  /**
   * Resolves once every row committed before this call (and whatever commits meanwhile) is
   * chained. Readers that need a complete prefix — the anchorer, the export — call it first.
   */
  chainNow(): Promise<void> {
    return this.schedule();
  }

  /**
   * One run at a time in this process (so one chaining transaction at a time); a request during
   * a run makes the run go round once more, which starts after the request.
   */
  private schedule(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = (async () => {
      try {
        do {
          this.again = false;
          while ((await this.batch()) === this.batchSize);
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    this.running = run;
    return run;
  }

  /** One transaction: the next committed, unchained rows get their positions and hashes. */
  private async batch(): Promise<number> {
    return this.orm.em.fork().transactional(async (tx) => {
      const conn = tx.getConnection();
      const ctx = tx.getTransactionContext();
      await conn.execute(`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`, [], 'all', ctx);
      const rows = await tx.find(
        AuditEntry,
        { seq: null },
        // Read only: nothing for the commit's flush to compare.
        { orderBy: { id: 'asc' }, limit: this.batchSize, disableIdentityMap: true },
      );
      if (rows.length === 0) return 0;
      const last = await conn.execute<{ seq: string; hash: string }[]>(
        `select seq::text as seq, hash from audit_entry where seq is not null order by audit_entry.seq desc limit 1`,
        [],
        'all',
        ctx,
      );
      let seq = last[0] ? BigInt(last[0].seq) : 0n;
      let prev = last[0]?.hash ?? GENESIS_HASH;
      const ids: string[] = [];
      const seqs: string[] = [];
      const prevs: string[] = [];
      const hashes: string[] = [];
      for (const row of rows) {
        seq += 1n;
        // Hashed as read back from the database: what verify will recompute.
        const hash = entryHash(prev, { ...row, seq: String(seq) } as ChainedEntry);
        ids.push(row.id);
        seqs.push(String(seq));
        prevs.push(prev);
        hashes.push(hash);
        prev = hash;
      }
      const res = await conn.execute<{ affectedRows: number }>(
        `update audit_entry a set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
           from (select unnest(?::bigint[]) as id, unnest(?::bigint[]) as seq,
                        unnest(?::text[]) as prev_hash, unnest(?::text[]) as hash) v
          where a.id = v.id and a.seq is null`,
        [`{${ids.join(',')}}`, `{${seqs.join(',')}}`, `{${prevs.join(',')}}`, `{${hashes.join(',')}}`],
        'run',
        ctx,
      );
      if (res.affectedRows !== rows.length) {
        throw new Error(
          `audit chaining: ${res.affectedRows} of ${rows.length} rows updated; the batch is undone`,
        );
      }
      return rows.length;
    });
  }
}
