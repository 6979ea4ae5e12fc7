import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { LockMode, QueryOrder, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { LedgerError, type Ledger, type LedgerCall } from '@stoa/chain';
import type { FastifyBaseLogger } from 'fastify';
import { retryOnDeadlock } from '../../db/locks.js';
import { AppError } from '../../errors.js';
import type { JobQueue } from '../../jobs/queue.js';
import type { AuditService } from '../audit/service.js';
import { canonicalJson } from '../audit/service.js';
import { ChainOperation, type OperationReceipt, type OperationStatus } from './entity.js';
import { SignerLeases } from './lease.js';
import { SignerKeys } from './signers.js';

export const SUBMIT_JOB = 'chain.submit';

export interface RecordOperationInput {
  idempotencyKey: string;
  call: LedgerCall;
  signer: string;
  requestedBy: string;
  subject?: { type: string; id: string };
}

export interface OutboxOptions {
  /** Lease holder name: stable across restarts of one instance, distinct between instances. */
  instanceId: string;
  leaseTtlMs?: number;
  /** A submission with no answer after this long has an unknown outcome (0: wait for ever). */
  submitTimeoutMs?: number;
  /** Transactions of one signer in flight at once (default 32 on the embedded ledger, 4 on a node). */
  window?: number;
}

/** What a submission came back with, before it is recorded. */
type Outcome =
  | { ok: true; receipt: { txHash: string; blockNumber: number; blockHash: string; result?: unknown } }
  | {
      ok: false;
      code: string;
      message: string;
      receipt?: OperationReceipt | null;
      releaseNonce?: boolean;
    };

/** Prefix of the remark a gap filler sends (a nonce left free under later in-flight ones). */
export const FILLER_REMARK_PREFIX = 'stoa:outbox-filler:';
/** Subject type of gap fillers: operations the outbox records for itself. */
export const FILLER_SUBJECT = 'outbox.filler';

export interface OutboxHealth {
  /** `attention` when an operation has been unfinished for longer than it should take. */
  status: 'ok' | 'attention';
  open: number;
  failed: number;
  failedLastDay: number;
  /** Unfinished for longer than the stuck threshold. */
  stuck: number;
  /** Unfinished, and the last attempt ended without an outcome (retried). */
  retrying: number;
  oldestOpenSeconds: number | null;
}

/** The receipt carried by a refusal of an included transaction, when the adapter gave one. */
function receiptOfError(err: LedgerError): OperationReceipt | null {
  const d = err.details ?? {};
  return typeof d.txHash === 'string' && typeof d.blockNumber === 'number'
    ? {
        txHash: d.txHash,
        blockNumber: d.blockNumber,
        blockHash: typeof d.blockHash === 'string' ? d.blockHash : '',
      }
    : null;
}

/**
 * Reacts to an operation reaching `finalised` or `failed`, inside the transaction that records
 * that outcome — so a follow-up is recorded exactly when the outcome is, never twice and never
 * lost. Operations it returns are dispatched after commit. If it throws, the outcome is not
 * recorded and the job retries (the chain lookup by nonce makes that safe).
 */
export type FinalHook = (tx: EntityManager, op: ChainOperation) => Promise<ChainOperation[] | void>;

export const TERMINAL_STATUSES: ReadonlySet<OperationStatus> = new Set(['finalised', 'failed']);

/**
 * The chain-operation outbox. `record` writes the operation in the caller's transaction;
 * after commit, `dispatch` queues it; the `chain.submit` job runs `process`, which is safe to
 * run any number of times for the same operation: it records the nonce before sending, and
 * on a re-run asks the chain whether that nonce was used before it sends anything again.
 */
export class OperationService {
  /** Emits `change` with the updated operation after every committed status change. */
  readonly changes = new EventEmitter();
  /** The drain under way per signer in this process, and whether a job arrived during it. */
  private readonly draining = new Map<string, { poked: boolean; done: Promise<void> }>();
  private lastCreatedAt = 0;
  private readonly finalHooks = new Map<string, FinalHook[]>();
  /** Keys the outbox signs with; modules holding keys (custodial accounts) add a source. */
  readonly keys: SignerKeys;
  private readonly leases: SignerLeases;
  private readonly submitTimeoutMs: number;
  private readonly window: number;
  private stopping = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly queue: JobQueue,
    private readonly audit: AuditService,
    private readonly log: FastifyBaseLogger,
    opts: OutboxOptions,
  ) {
    this.changes.setMaxListeners(0);
    this.keys = new SignerKeys(ledger);
    this.leases = new SignerLeases(orm, opts.instanceId, opts.leaseTtlMs ?? 30_000);
    this.submitTimeoutMs = opts.submitTimeoutMs ?? 120_000;
    this.window = Math.max(1, opts.window ?? (ledger.kind === 'embedded' ? 32 : 4));
    queue.register<{ operationId: string }>(SUBMIT_JOB, (data) => this.process(data.operationId), {
      attempts: 8,
      backoffMs: 250,
      concurrency: 4,
    });
  }

  /**
   * Records a chain write inside the caller's transaction. Re-using an idempotency key returns
   * the existing operation if it is for the same call, and refuses a different one.
   */
  async record(em: EntityManager, input: RecordOperationInput): Promise<ChainOperation> {
    const existing = await em.findOne(ChainOperation, { idempotencyKey: input.idempotencyKey });
    if (existing) {
      if (canonicalJson(existing.call) !== canonicalJson(input.call) || existing.signer !== input.signer) {
        throw new AppError(
          'CONFLICT',
          `Idempotency key "${input.idempotencyKey}" was already used for a different operation (${existing.id})`,
        );
      }
      return existing;
    }
    const op = new ChainOperation();
    op.createdAt = this.nextCreatedAt();
    op.idempotencyKey = input.idempotencyKey;
    op.kind = input.call.name;
    op.call = input.call;
    op.signer = input.signer;
    op.requestedBy = input.requestedBy;
    op.subjectType = input.subject?.type ?? null;
    op.subjectId = input.subject?.id ?? null;
    em.persist(op);
    await this.audit.append(em, {
      actor: input.requestedBy,
      action: 'operation.requested',
      subjectType: 'chain_operation',
      subjectId: op.id,
      data: {
        kind: op.kind,
        call: op.call,
        signer: op.signer,
        idempotencyKey: op.idempotencyKey,
        subject: input.subject,
      },
    });
    return op;
  }

  /** Registers a hook for the outcome of operations whose subject has this type. */
  onFinal(subjectType: string, hook: FinalHook): void {
    this.finalHooks.set(subjectType, [...(this.finalHooks.get(subjectType) ?? []), hook]);
  }

  /** Queues an operation after the transaction that recorded it has committed. */
  async dispatch(op: Pick<ChainOperation, 'id' | 'status'>): Promise<void> {
    if (TERMINAL_STATUSES.has(op.status)) return;
    await this.queue.enqueue(SUBMIT_JOB, { operationId: op.id }, { jobId: op.id });
  }

  /** Record in its own transaction and dispatch: for callers with no other business change. */
  async submit(input: RecordOperationInput): Promise<ChainOperation> {
    let op: ChainOperation;
    try {
      op = await this.orm.em.fork().transactional((tx) => this.record(tx, input));
    } catch (err) {
      // A concurrent request with the same idempotency key won the insert: answer with its operation.
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      op = await this.orm.em.fork().transactional((tx) => this.record(tx, input));
    }
    await this.dispatch(op);
    return op;
  }

  async get(id: string): Promise<ChainOperation | null> {
    return this.orm.em.fork().findOne(ChainOperation, { id });
  }

  /**
   * Re-queues unfinished operations: at start every one of them, then periodically the
   * oldest of each signer (a job drains its signer's queue, so that is enough to restart a
   * queue whose jobs were lost — a crashed worker, a job that ran out of attempts).
   */
  async sweep(opts: { oldestPerSigner?: boolean } = {}): Promise<number> {
    const em = this.orm.em.fork();
    const open = opts.oldestPerSigner
      ? await em.getConnection().execute<{ id: string; status: OperationStatus }[]>(
          `select distinct on (signer) id, status from chain_operation
            where status not in ('finalised', 'failed') order by signer, created_at, id`,
        )
      : await em.find(
          ChainOperation,
          { status: { $nin: ['finalised', 'failed'] } },
          { orderBy: { createdAt: 'asc' } },
        );
    for (const op of open) await this.dispatch(op);
    if (open.length > 0 && !opts.oldestPerSigner)
      this.log.info({ count: open.length }, 're-queued unfinished chain operations');
    return open.length;
  }

  /** Loads the keys of every signer with unfinished operations (at start; failures are retried later). */
  async preloadSigners(): Promise<void> {
    const rows = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ signer: string }[]>(
        `select distinct signer from chain_operation where status not in ('finalised', 'failed')`,
      );
    for (const { signer } of rows) {
      await this.keys.ensure(signer).catch((err: unknown) => {
        this.log.error({ err, signer }, 'no key for a signer with unfinished chain operations');
      });
    }
  }

  /**
   * The job: idempotent, exclusive per signer across every instance sharing the database, and
   * in the order the operations were recorded. Whoever holds the signer's lease drains its
   * queue oldest first (calls recorded in one transaction — stats before the restriction that
   * needs them — keep their order on chain). A job whose signer is leased elsewhere has nothing
   * to do: the holder drains everything, and after releasing it looks once more, so an operation
   * recorded while the lease was held is never left behind. (If the holder died, its lease
   * expires and the periodic sweep starts the queue again.)
   */
  async process(operationId: string): Promise<void> {
    const first = await this.orm.em
      .fork()
      .findOne(ChainOperation, { id: operationId }, { fields: ['signer', 'status'] });
    if (!first) {
      this.log.warn({ operationId }, 'chain operation vanished; nothing to do');
      return;
    }
    if (TERMINAL_STATUSES.has(first.status)) return;
    const signer = first.signer;
    // One drainer per signer in this process: a job arriving while it runs joins it (the drainer
    // looks once more before it stops, so the job's operation, committed before the job was
    // queued, is not left behind) instead of queueing a drain of its own.
    const running = this.draining.get(signer);
    if (running) {
      running.poked = true;
      return running.done;
    }
    const state: { poked: boolean; done: Promise<void> } = { poked: false, done: Promise.resolve() };
    this.draining.set(signer, state);
    state.done = (async () => {
      try {
        for (;;) {
          state.poked = false;
          if (this.stopping || !(await this.leases.acquire(signer))) return;
          try {
            await this.drain(signer);
          } finally {
            await this.leases.release(signer).catch(() => undefined);
          }
          if (this.stopping) return;
          if (state.poked) continue;
          // Checked and given up in one synchronous step after the query: a job that joins
          // later finds no drainer and starts one.
          if (!(await this.hasOpen(signer)) && !state.poked) return;
        }
      } finally {
        this.draining.delete(signer);
      }
    })();
    return state.done;
  }

  /** Stops taking new steps (shutdown): the step under way finishes, the rest waits for the next start. */
  stop(): void {
    this.stopping = true;
  }

  private async hasOpen(signer: string): Promise<boolean> {
    const n = await this.orm.em
      .fork()
      .count(ChainOperation, { signer, status: { $nin: ['finalised', 'failed'] } });
    return n > 0;
  }

  /**
   * Advances the signer's unfinished operations while the lease is ours. Operations that already
   * hold a nonce come first, in nonce order, one at a time through `advance` (recovery: each is
   * looked up on chain before anything is sent again). When none does, the next ready ones
   * (oldest first, up to the window) get consecutive nonces in one statement and are all sent
   * without waiting for each other (`sendWindow`).
   */
  private async drain(signer: string): Promise<void> {
    let lost = false;
    const renewal = setInterval(() => {
      this.leases.renew(signer).then(
        (held) => {
          if (!held) lost = true;
        },
        () => undefined,
      );
    }, this.leases.ttlMs / 3);
    try {
      for (;;) {
        if (this.stopping) return;
        if (lost) throw new Error(`lost the lease of signer ${signer}; another instance took over`);
        const em = this.orm.em.fork();
        const open = await em.find(
          ChainOperation,
          { signer, status: { $nin: ['finalised', 'failed'] } },
          {
            orderBy: { nonce: QueryOrder.ASC_NULLS_LAST, createdAt: 'asc', id: 'asc' },
            limit: this.window,
          },
        );
        const head = open[0];
        if (!head) return;
        if (head.nonce !== null || this.window === 1) await this.advance(em, head);
        else await this.sendWindow(signer, open, () => lost);
      }
    } finally {
      clearInterval(renewal);
    }
  }

  /**
   * Sends several operations that hold no nonce yet: consecutive nonces from the chain's next
   * one, recorded for all of them in one statement (guarded like `advance`: only rows still
   * without a nonce and unfinished), then every transaction goes out in nonce order without
   * waiting for the previous one. Outcomes are recorded as they arrive, those arriving together
   * in one transaction. A refusal before inclusion of nonce n leaves n free under later nonces
   * already sent: a filler remark is recorded and sent at n so the later ones are not held
   * back (on a node they wait in the pool for n) and none is sent twice. Anything that ends
   * without an outcome stays `submitted` with its nonce: the next turn of `drain` looks it up.
   */
  private async sendWindow(signer: string, rows: ChainOperation[], lost: () => boolean): Promise<void> {
    try {
      await this.keys.ensure(signer);
    } catch (err) {
      if (LedgerError.is(err, 'UnknownSigner')) {
        this.keys.forget(signer);
        this.log.error({ operationId: rows[0]!.id, signer, err }, 'cannot sign: no key for the signer');
      }
      await this.noteRetry(rows[0]!.id, err);
      throw err;
    }
    const [base, info] = await Promise.all([this.ledger.nonce(signer), this.ledger.info()]);
    const values = rows.map(() => '(?::uuid, ?::int)').join(', ');
    const params: unknown[] = [];
    rows.forEach((r, i) => params.push(r.id, base + i));
    // One statement for the whole window. The unique (signer, nonce) index refuses a nonce that
    // another operation holds (the statement fails whole, the job retries); a row that another
    // worker moved meanwhile (a lapsed lease) is left out.
    const claimed = await this.orm.em.getConnection().execute<{ id: string }[]>(
      `update chain_operation as c
          set status = 'submitted', nonce = v.nonce, submitted_at_block = ?, attempts = c.attempts + 1,
              updated_at = now()
         from (values ${values}) as v (id, nonce)
        where c.id = v.id and c.nonce is null and c.status not in ('finalised', 'failed')
        returning c.id`,
      [info.blockHeight, ...params],
    );
    const got = new Set(claimed.map((r) => r.id));
    // Only the run of consecutive nonces from `base` goes out: past a row left out there is a
    // gap, and what was claimed beyond it is sent by recovery once the gap is filled.
    const sending: ChainOperation[] = [];
    for (const [i, row] of rows.entries()) {
      if (!got.has(row.id) || lost()) break;
      row.status = 'submitted';
      row.nonce = base + i;
      row.submittedAtBlock = info.blockHeight;
      row.attempts += 1;
      sending.push(row);
    }
    if (sending.length === 0) return;
    for (const row of sending) this.emit(row);
    const lastNonce = base + sending.length - 1;
    const recorder = new OutcomeRecorder((batch) => this.finishMany(batch));
    const filled = new Set<number>();
    const send = (row: ChainOperation): Promise<void> =>
      this.withTimeout(this.ledger.submit(row.call, { signer, nonce: row.nonce! })).then(
        (receipt) => recorder.add(row, { ok: true, receipt }),
        async (err: unknown) => {
          if (err instanceof LedgerError && err.refused) {
            await recorder.add(row, {
              ok: false,
              code: err.code,
              message: err.message,
              releaseNonce: !err.included,
              receipt: receiptOfError(err),
            });
            const n = row.nonce!;
            if (!err.included && n < lastNonce && !filled.has(n) && !lost()) {
              filled.add(n);
              const filler = await this.recordFiller(signer, n, info.blockHeight);
              if (filler) await send(filler);
            }
            return;
          }
          this.log.warn({ err, operationId: row.id }, 'chain submission outcome unknown; will look it up');
          await this.noteRetry(row.id, err);
        },
      );
    // In nonce order: the ledger takes submissions in call order.
    const results = await Promise.allSettled(sending.map((row) => send(row)));
    await recorder.idle();
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
  }

  /**
   * Records a filler for a nonce left free under later in-flight ones: a `system.remark`
   * operation of its own holding that nonce (so the unique index fences it like any other), in
   * the audit trail like any other. Null when another operation holds the nonce already.
   */
  private async recordFiller(signer: string, nonce: number, atBlock: number): Promise<ChainOperation | null> {
    try {
      return await this.orm.em.fork().transactional(async (tx) => {
        const op = await this.record(tx, {
          idempotencyKey: `filler:${signer}:${nonce}:${randomUUID()}`,
          call: { name: 'system.remark', args: { remark: `${FILLER_REMARK_PREFIX}${nonce}` } },
          signer,
          requestedBy: 'system',
          subject: { type: FILLER_SUBJECT, id: `${signer}:${nonce}` },
        });
        if (op.nonce !== null || TERMINAL_STATUSES.has(op.status)) return null;
        op.nonce = nonce;
        op.status = 'submitted';
        op.submittedAtBlock = atBlock;
        op.attempts = 1;
        return op;
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) return null;
      throw err;
    }
  }

  /** Creation times strictly increase within the process, so they order one transaction's calls. */
  private nextCreatedAt(): Date {
    const now = Date.now();
    this.lastCreatedAt = now > this.lastCreatedAt ? now : this.lastCreatedAt + 1;
    return new Date(this.lastCreatedAt);
  }

  /**
   * One step of one operation. Before anything is sent again, what became of an earlier send
   * is looked up by the nonce recorded for it; an error that leaves the outcome unknown is
   * retried (the next run starts with that lookup), never recorded as a failure.
   */
  private async advance(em: EntityManager, op: ChainOperation): Promise<void> {
    try {
      await this.keys.ensure(op.signer);
      if (op.nonce !== null) {
        // Sent before (or at least its nonce was recorded): find out what became of it first.
        const found = await this.ledger.findTransaction(op.signer, op.nonce, {
          fromBlock: op.submittedAtBlock ?? undefined,
        });
        if (found?.status === 'success') return await this.finish(op, { ok: true, receipt: found.receipt });
        if (found?.status === 'failed') {
          return await this.finish(op, {
            ok: false,
            code: found.error.code,
            message: found.error.message,
            receipt: { txHash: found.txHash, blockNumber: found.blockNumber, blockHash: found.blockHash },
          });
        }
        const next = await this.ledger.nonce(op.signer);
        if (next > op.nonce) {
          // The nonce is used but its transaction is not visible yet (still in the pool, or
          // the key was used outside the platform). Sending again could double it: look again.
          throw new LedgerError(
            'OutcomeUnknown',
            `nonce ${op.nonce} of ${op.signer} is used but its transaction is not found yet`,
          );
        }
        if (next < op.nonce) {
          // Nonces below this one are free and no unfinished operation holds them (those come
          // first): fill them, or this one could never be included.
          for (let n = next; n < op.nonce; n++) {
            const filler = await this.recordFiller(op.signer, n, op.submittedAtBlock ?? 0);
            if (!filler) {
              throw new LedgerError(
                'OutcomeUnknown',
                `nonce ${n} of ${op.signer} is free below operation ${op.id}'s nonce ${op.nonce} but held by another operation`,
              );
            }
          }
          return; // the fillers come first in nonce order
        }
        // Never included and the nonce is still free: sending again with the same nonce is safe.
      }
      const recordedNonce = op.nonce;
      if (op.nonce === null) {
        const [nonce, info] = await Promise.all([this.ledger.nonce(op.signer), this.ledger.info()]);
        op.nonce = nonce;
        op.submittedAtBlock = info.blockHeight;
      }
      // Only if nobody else moved the row meanwhile (a lapsed lease): never overwrite a nonce
      // another worker recorded, never reopen a finished operation. The unique (signer, nonce)
      // index refuses a nonce that another operation already holds.
      const claimed = await em.nativeUpdate(
        ChainOperation,
        { id: op.id, status: { $nin: ['finalised', 'failed'] }, nonce: recordedNonce },
        {
          status: 'submitted',
          nonce: op.nonce,
          submittedAtBlock: op.submittedAtBlock,
          attempts: op.attempts + 1,
          updatedAt: new Date(),
        },
      );
      if (claimed !== 1) return; // changed under us: the caller reads the signer's queue again
      op.status = 'submitted';
      op.attempts += 1;
      this.emit(op);
      const receipt = await this.withTimeout(
        this.ledger.submit(op.call, { signer: op.signer, nonce: op.nonce }),
      );
      await this.finish(op, { ok: true, receipt });
    } catch (err) {
      if (err instanceof LedgerError && err.refused) {
        await this.finish(op, {
          ok: false,
          code: err.code,
          message: err.message,
          // Refused before inclusion: the nonce was not consumed and goes to the next operation.
          releaseNonce: !err.included,
          receipt: receiptOfError(err),
        });
        return;
      }
      if (LedgerError.is(err, 'UnknownSigner')) {
        this.keys.forget(op.signer);
        this.log.error({ operationId: op.id, signer: op.signer, err }, 'cannot sign: no key for the signer');
      } else {
        this.log.warn(
          { err, operationId: op.id },
          'chain submission outcome unknown; will look it up and retry',
        );
      }
      await this.noteRetry(op.id, err);
      throw err;
    }
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    if (this.submitTimeoutMs <= 0) return p;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new LedgerError(
              'OutcomeUnknown',
              `no answer from the chain within ${Math.round(this.submitTimeoutMs / 1000)} s`,
            ),
          ),
        this.submitTimeoutMs,
      );
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  /** Keeps why the last attempt did not finish, for /operations and /health (status unchanged). */
  private async noteRetry(id: string, err: unknown): Promise<void> {
    const text =
      err instanceof LedgerError ? `${err.code}: ${err.message}` : String((err as Error)?.message ?? err);
    await this.orm.em
      .fork()
      .nativeUpdate(
        ChainOperation,
        { id, status: { $nin: ['finalised', 'failed'] } },
        { lastError: text.slice(0, 2000), updatedAt: new Date() },
      )
      .catch(() => undefined);
  }

  /** Records one outcome (see `finishMany`). */
  private async finish(op: ChainOperation, outcome: Outcome): Promise<void> {
    await this.finishMany([{ op, outcome }]);
  }

  /**
   * Records outcomes once, several in one transaction: the rows are locked and re-read in one
   * statement, so a second worker that resolved the same operation (a lapsed lease, a duplicate
   * job) finds it terminal and does nothing. Each operation's final hooks run in this
   * transaction. If the transaction fails (a hook throws), each outcome is recorded on its own,
   * so one operation's hook does not hold back the others; whatever still fails stays unrecorded
   * (the nonce lookup records it on the next run).
   */
  private async finishMany(items: { op: ChainOperation; outcome: Outcome }[]): Promise<void> {
    if (items.length === 0) return;
    try {
      await this.finishTogether(items);
    } catch (err) {
      if (items.length === 1) throw err;
      let first: unknown = null;
      for (const item of items) {
        await this.finishTogether([item]).catch((e: unknown) => {
          first ??= e;
        });
      }
      if (first) throw first;
    }
  }

  private async finishTogether(items: { op: ChainOperation; outcome: Outcome }[]): Promise<void> {
    const followUps: ChainOperation[] = [];
    // The audit trail's lock comes before the rows the hooks update, the reverse of request
    // paths (rows, then trail): PostgreSQL may break such a cycle, and the outcome is recorded again.
    const done = await retryOnDeadlock(() =>
      this.orm.em.fork().transactional(async (tx) => {
        followUps.length = 0;
        const out: ChainOperation[] = [];
        const rows = await tx.find(
          ChainOperation,
          { id: { $in: items.map((i) => i.op.id) } },
          { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
        );
        const byId = new Map(rows.map((r) => [r.id, r]));
        for (const { op, outcome } of items) {
          const row = byId.get(op.id);
          if (!row || TERMINAL_STATUSES.has(row.status)) continue;
          const receipt = outcome.receipt
            ? {
                txHash: outcome.receipt.txHash,
                blockNumber: outcome.receipt.blockNumber,
                blockHash: outcome.receipt.blockHash,
              }
            : null;
          const nonce = row.nonce;
          row.receipt = receipt;
          row.lastError = null;
          if (outcome.ok) {
            row.status = 'finalised';
            row.result = outcome.receipt.result ?? null;
            row.finalisedAt = new Date();
          } else {
            row.status = 'failed';
            row.errorCode = outcome.code;
            row.errorMessage = outcome.message;
            if (outcome.releaseNonce) row.nonce = null;
          }
          await this.audit.append(tx, {
            actor: 'system',
            action: outcome.ok ? 'operation.finalised' : 'operation.failed',
            subjectType: 'chain_operation',
            subjectId: op.id,
            data: outcome.ok
              ? { kind: row.kind, nonce: row.nonce, receipt, result: row.result }
              : {
                  kind: row.kind,
                  nonce,
                  receipt,
                  errorCode: outcome.code,
                  errorMessage: outcome.message,
                },
          });
          for (const hook of (row.subjectType && this.finalHooks.get(row.subjectType)) || []) {
            followUps.push(...((await hook(tx, row)) ?? []));
          }
          out.push(row);
        }
        return out;
      }),
    );
    for (const row of done) this.emit(row);
    for (const next of followUps) await this.dispatch(next);
  }

  /** What the unfinished and failed operations look like, for /health. */
  async health(stuckAfterMs: number): Promise<OutboxHealth> {
    const [row] = await this.orm.em
      .fork()
      .getConnection()
      .execute<
        {
          open: string;
          failed: string;
          failed_day: string;
          stuck: string;
          retrying: string;
          oldest: string | null;
        }[]
      >(
        `select
           count(*) filter (where status not in ('finalised', 'failed')) as open,
           count(*) filter (where status = 'failed') as failed,
           count(*) filter (where status = 'failed' and updated_at > now() - interval '1 day') as failed_day,
           count(*) filter (where status not in ('finalised', 'failed') and created_at < now() - make_interval(secs => ?)) as stuck,
           count(*) filter (where status not in ('finalised', 'failed') and last_error is not null) as retrying,
           extract(epoch from now() - min(created_at) filter (where status not in ('finalised', 'failed')))::text as oldest
         from chain_operation`,
        [stuckAfterMs / 1000],
      );
    const n = (v: string | undefined) => Number(v ?? 0);
    const stuck = n(row?.stuck);
    return {
      status: stuck > 0 ? 'attention' : 'ok',
      open: n(row?.open),
      failed: n(row?.failed),
      failedLastDay: n(row?.failed_day),
      stuck,
      retrying: n(row?.retrying),
      oldestOpenSeconds: row?.oldest ? Math.floor(Number(row.oldest)) : null,
    };
  }

  private emit(op: ChainOperation): void {
    this.changes.emit('change', op);
  }
}

/**
 * Collects outcomes as they arrive and records them in groups: while one group's transaction
 * runs, the next outcomes wait and go together in the next one. `add` resolves once its
 * outcome's transaction has committed (or rejects with that transaction's error).
 */
class OutcomeRecorder {
  private waiting: { op: ChainOperation; outcome: Outcome; done: (err?: unknown) => void }[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly record: (items: { op: ChainOperation; outcome: Outcome }[]) => Promise<void>,
  ) {}

  add(op: ChainOperation, outcome: Outcome): Promise<void> {
    const p = new Promise<void>((resolve, reject) => {
      this.waiting.push({ op, outcome, done: (err) => (err === undefined ? resolve() : reject(err)) });
    });
    this.running ??= this.run();
    return p;
  }

  private async run(): Promise<void> {
    // Let outcomes that arrive in the same turn join the first group.
    await new Promise<void>((r) => setImmediate(r));
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0);
      try {
        await this.record(batch);
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.done(err ?? new Error('recording the outcome failed'));
      }
    }
    this.running = null;
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
