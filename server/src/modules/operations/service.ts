import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { QueryOrder, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  LedgerError,
  MAX_BATCH_CALLS,
  type BatchItemResult,
  type Ledger,
  type LedgerCall,
} from '@stoa/chain';
import type { FastifyBaseLogger } from 'fastify';
import { retryOnDeadlock } from '../../db/locks.js';
import { AppError } from '../../errors.js';
import type { JobQueue } from '../../jobs/queue.js';
import type { AuditService } from '../audit/service.js';
import { canonicalJson } from '../audit/service.js';
import { ChainOperation, OPERATION_STATUSES, type OperationReceipt, type OperationStatus } from './entity.js';
import { laneHash, LANE_SUBJECT } from './lanes.js';
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
  /**
   * Batchable operations of one signer coalesced into one `utility.forceBatch` (default 200; 1 =
   * never). Only on an adapter whose `capabilities.batch` is true.
   */
  batchSize?: number;
}

const DEFAULT_BATCH_SIZE = 200;

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

/**
 * A set-wise `FinalHook`: every outcome of one recorded group whose subject has the hook's type,
 * at once, in the order they came, with all of them (and the group's other outcomes) already
 * recorded in the transaction — so "is any other operation of this subject still open?" sees
 * each operation of the group as final. For hooks whose subjects are independent of each other
 * (one attestation's outcome never decides another's), it turns n outcomes into a few set-wise
 * queries instead of n rounds of them.
 */
export type FinalBatchHook = (tx: EntityManager, ops: ChainOperation[]) => Promise<ChainOperation[] | void>;

/** Statuses of unfinished operations (listed, so that queries can use the status index). */
const OPEN_STATUSES = OPERATION_STATUSES.filter((s) => s !== 'finalised' && s !== 'failed');

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
  private readonly finalBatchHooks = new Map<string, FinalBatchHook[]>();
  /** Keys the outbox signs with; modules holding keys (custodial accounts) add a source. */
  readonly keys: SignerKeys;
  private readonly leases: SignerLeases;
  private readonly submitTimeoutMs: number;
  private readonly window: number;
  private readonly batchSize: number;
  /** Submissions waiting to be recorded together (see `submit`). */
  private submitting: {
    input: RecordOperationInput;
    resolve: (op: ChainOperation) => void;
    reject: (err: unknown) => void;
  }[] = [];
  private stopping = false;
  /** The operator's keys that share its pipelined writes (see lanes.ts), when lanes are on. */
  private lanes: { keys(): string[]; isOperatorKey(address: string): boolean } | null = null;

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
    // Coalescing needs an adapter that submits batches (`capabilities.batch`: both adapters do).
    this.batchSize = ledger.capabilities?.batch
      ? Math.min(MAX_BATCH_CALLS, Math.max(1, opts.batchSize ?? DEFAULT_BATCH_SIZE))
      : 1;
    queue.register<{ operationId: string; signer?: string }>(
      SUBMIT_JOB,
      (data) => this.process(data.operationId, data.signer),
      {
        attempts: 8,
        backoffMs: 250,
        concurrency: 4,
      },
    );
  }

  /**
   * Records a chain write inside the caller's transaction. Re-using an idempotency key returns
   * the existing operation if it is for the same call, and refuses a different one.
   */
  async record(em: EntityManager, input: RecordOperationInput): Promise<ChainOperation> {
    const existing = await em.findOne(ChainOperation, { idempotencyKey: input.idempotencyKey });
    return this.recordWith(em, input, existing);
  }

  /**
   * `record` for several operations (in this order) with one read of their idempotency keys; a
   * key repeated within the list answers with its first operation. Inserted at the next flush
   * together (one statement per table).
   */
  async recordMany(em: EntityManager, inputs: RecordOperationInput[]): Promise<ChainOperation[]> {
    if (inputs.length === 0) return [];
    const found = await em.find(ChainOperation, {
      idempotencyKey: { $in: [...new Set(inputs.map((i) => i.idempotencyKey))] },
    });
    const byKey = new Map(found.map((op) => [op.idempotencyKey, op]));
    const out: ChainOperation[] = [];
    for (const input of inputs) {
      const op = await this.recordWith(em, input, byKey.get(input.idempotencyKey) ?? null);
      byKey.set(input.idempotencyKey, op);
      out.push(op);
    }
    return out;
  }

  /** Spreads the operator's pipelined writes over its lanes (see lanes.ts). */
  useLanes(lanes: { keys(): string[]; isOperatorKey(address: string): boolean }): void {
    this.lanes = lanes;
  }

  /** The account that signs `input`: its signer, or for the operator's pipelined calls a lane. */
  private signerOf(input: RecordOperationInput): string {
    if (!this.lanes || !LANE_CALLS.has(input.call.name) || input.subject?.type === LANE_SUBJECT)
      return input.signer;
    const keys = this.lanes.keys();
    if (keys.length < 2 || keys[0] !== input.signer) return input.signer;
    // By subject: every operation of one subject through one lane, in the order recorded.
    const basis = input.subject ? `${input.subject.type}:${input.subject.id}` : input.idempotencyKey;
    return keys[laneHash(basis) % keys.length]!;
  }

  /** `record` with the operation already found under the idempotency key (or null). */
  private async recordWith(
    em: EntityManager,
    input: RecordOperationInput,
    existing: ChainOperation | null,
  ): Promise<ChainOperation> {
    if (existing) {
      const sameSigner =
        existing.signer === input.signer ||
        (!!this.lanes && this.lanes.isOperatorKey(existing.signer) && this.lanes.isOperatorKey(input.signer));
      if (canonicalJson(existing.call) !== canonicalJson(input.call) || !sameSigner) {
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
    op.signer = this.signerOf(input);
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
    if (this.finalBatchHooks.has(subjectType))
      throw new Error(`outcomes of "${subjectType}" already have set-wise hooks; register one kind only`);
    this.finalHooks.set(subjectType, [...(this.finalHooks.get(subjectType) ?? []), hook]);
  }

  /**
   * Registers a set-wise hook (see `FinalBatchHook`) for the outcomes of operations whose
   * subject has this type. Hooks of one type run in the order they were registered; a type has
   * hooks of one kind only.
   */
  onFinalMany(subjectType: string, hook: FinalBatchHook): void {
    if (this.finalHooks.has(subjectType))
      throw new Error(
        `outcomes of "${subjectType}" already have per-operation hooks; register one kind only`,
      );
    this.finalBatchHooks.set(subjectType, [...(this.finalBatchHooks.get(subjectType) ?? []), hook]);
  }

  /** Queues an operation after the transaction that recorded it has committed. */
  async dispatch(op: Pick<ChainOperation, 'id' | 'status'> & { signer?: string }): Promise<void> {
    if (TERMINAL_STATUSES.has(op.status)) return;
    await this.queue.enqueue(
      SUBMIT_JOB,
      op.signer ? { operationId: op.id, signer: op.signer } : { operationId: op.id },
      { jobId: op.id },
    );
  }

  /**
   * Record in its own transaction and dispatch: for callers with no other business change.
   * Submissions arriving in the same turn of the event loop are recorded together in one
   * transaction (group commit: one round of the audit trail's lock, one insert per table); each
   * resolves once that transaction has committed. If the group's transaction fails (one
   * submission's idempotency key conflicts, say), each is recorded on its own, so one caller's
   * error is never another's.
   */
  submit(input: RecordOperationInput): Promise<ChainOperation> {
    return new Promise<ChainOperation>((resolve, reject) => {
      this.submitting.push({ input, resolve, reject });
      if (this.submitting.length === 1) setImmediate(() => void this.recordSubmitted());
    });
  }

  private async recordSubmitted(): Promise<void> {
    const group = this.submitting.splice(0);
    let ops: ChainOperation[] | null = null;
    if (group.length > 1) {
      ops = await this.orm.em
        .fork()
        // One read for every key of the group; keys repeated within it answer with the first.
        .transactional((tx) =>
          this.recordMany(
            tx,
            group.map((g) => g.input),
          ),
        )
        .catch(() => null);
    }
    if (ops) {
      await Promise.all(
        group.map(async ({ resolve, reject }, i) => {
          const op = ops[i]!;
          await this.dispatch(op).then(() => resolve(op), reject);
        }),
      );
      return;
    }
    // On their own, one after another in the order they came: calls keep their order on chain.
    for (const { input, resolve, reject } of group) await this.submitOne(input).then(resolve, reject);
  }

  private async submitOne(input: RecordOperationInput): Promise<ChainOperation> {
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
  async process(operationId: string, signerHint?: string): Promise<void> {
    // The job names its signer: while that signer is drained here, join without a read (the
    // operation committed before its job was queued, so the drainer's last look finds it).
    const joined = signerHint ? this.draining.get(signerHint) : undefined;
    if (joined) {
      joined.poked = true;
      return joined.done;
    }
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
        let drain = true;
        for (;;) {
          if (drain) {
            if (this.stopping || !(await this.leases.acquire(signer))) return;
            try {
              await this.drain(signer);
            } finally {
              await this.leases.release(signer).catch(() => undefined);
            }
          }
          if (this.stopping) return;
          // Checked and given up in one synchronous step after the query: a job that joins
          // later finds no drainer and starts one. A job that joined during the query may have
          // been missed by it: look again (without the lease unless something is open).
          state.poked = false;
          drain = await this.hasOpen(signer);
          if (!drain && !state.poked) return;
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
        const next = (limit: number) =>
          em.find(
            ChainOperation,
            { signer, status: { $nin: ['finalised', 'failed'] } },
            { orderBy: { nonce: QueryOrder.ASC_NULLS_LAST, createdAt: 'asc', id: 'asc' }, limit },
          );
        let open = await next(this.window);
        const head = open[0];
        if (!head) return;
        if (head.nonce !== null || this.window === 1 || !PIPELINED_CALLS.has(head.kind)) {
          await this.advance(em, head);
          continue;
        }
        // Batches can carry more operations than the window has transactions: read that many.
        if (this.batchSize > 1 && open.length === this.window)
          open = await next(this.window * this.batchSize);
        await this.sendWindow(signer, open, () => lost);
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
    // Transactions in order: consecutive batchable operations share one forceBatch (up to the
    // batch size), the others go alone; at most `window` transactions.
    const txs: ChainOperation[][] = [];
    for (const row of rows) {
      // Only independent calls share a window; any other goes alone, after what precedes it is
      // final (calls whose effects the chain completes in a later block — settlements, offerings —
      // keep the one-at-a-time order they had).
      if (!PIPELINED_CALLS.has(row.kind)) {
        if (txs.length === 0) txs.push([row]);
        break;
      }
      const last = txs.at(-1);
      const joins =
        last !== undefined &&
        this.batchSize > 1 &&
        last.length < this.batchSize &&
        batchable(row) &&
        batchable(last[0]!);
      if (joins) last.push(row);
      else if (txs.length < this.window) txs.push([row]);
      else break;
    }
    const values: string[] = [];
    const params: unknown[] = [];
    txs.forEach((tx, t) =>
      tx.forEach((r, i) => {
        values.push('(?::uuid, ?::int, ?::int, ?::int)');
        params.push(r.id, base + t, i, tx.length > 1 ? tx.length : null);
      }),
    );
    // One statement for the whole window. The unique (signer, nonce, batch index) index refuses
    // a nonce that another transaction holds (the statement fails whole, the job retries); a row
    // that another worker moved meanwhile (a lapsed lease) is left out.
    const claimed = await this.orm.em.getConnection().execute<{ id: string }[]>(
      `update chain_operation as c
          set status = 'submitted', nonce = v.nonce, batch_index = v.batch_index,
              batch_size = v.batch_size, submitted_at_block = ?, attempts = c.attempts + 1,
              updated_at = now()
         from (values ${values.join(', ')}) as v (id, nonce, batch_index, batch_size)
        where c.id = v.id and c.nonce is null and c.status not in ('finalised', 'failed')
        returning c.id`,
      [info.blockHeight, ...params],
    );
    const got = new Set(claimed.map((r) => r.id));
    // Only the run of whole transactions with consecutive nonces from `base` goes out: past one
    // with a row left out there is a gap, and what was claimed beyond it is resolved by recovery.
    const sending: ChainOperation[][] = [];
    for (const [t, tx] of txs.entries()) {
      if (!tx.every((r) => got.has(r.id)) || lost()) break;
      tx.forEach((row, i) => {
        row.status = 'submitted';
        row.nonce = base + t;
        row.batchIndex = i;
        row.batchSize = tx.length > 1 ? tx.length : null;
        row.submittedAtBlock = info.blockHeight;
        row.attempts += 1;
      });
      sending.push(tx);
    }
    if (sending.length === 0) return;
    for (const tx of sending) for (const row of tx) this.emit(row);
    const lastNonce = base + sending.length - 1;
    const recorder = new OutcomeRecorder((batch) => this.finishMany(batch));
    const filled = new Set<number>();
    /** Nonce n was refused before inclusion under later ones already sent: fill it, once. */
    const fillGap = async (nonce: number): Promise<void> => {
      if (filled.has(nonce) || lost()) return;
      filled.add(nonce);
      const filler = await this.recordFiller(signer, nonce, info.blockHeight);
      if (filler) await send([filler]);
    };
    const send = (tx: ChainOperation[]): Promise<void> => {
      const nonce = tx[0]!.nonce!;
      return this.withTimeout(this.ledger.submit(callOf(tx), { signer, nonce })).then(
        (receipt) => recorder.add(outcomesOf(tx, { ok: true, receipt })),
        async (err: unknown) => {
          if (err instanceof LedgerError && err.refused && !err.included && tx.length > 1) {
            await this.splitBatch(tx, err);
            if (nonce < lastNonce) await fillGap(nonce);
            return;
          }
          if (err instanceof LedgerError && err.refused) {
            await recorder.add(
              outcomesOf(tx, {
                ok: false,
                code: err.code,
                message: err.message,
                releaseNonce: !err.included,
                receipt: receiptOfError(err),
              }),
            );
            if (!err.included && nonce < lastNonce) await fillGap(nonce);
            return;
          }
          this.log.warn({ err, operationId: tx[0]!.id }, 'chain submission outcome unknown; will look it up');
          await this.noteRetry(tx[0]!.id, err);
          // Later nonces of this window wait on the chain (in its pool) for this one: resolve it
          // now — look it up by its nonce, resend it with the same nonce if that is still free —
          // instead of leaving them waiting until the next turn of `drain`.
          if (nonce < lastNonce) await settleInPlace(tx[0]!.id, nonce);
        },
      );
    };
    const settleInPlace = async (id: string, nonce: number): Promise<void> => {
      for (let attempt = 1; attempt <= 20 && !lost() && !this.stopping; attempt++) {
        await new Promise((r) => setTimeout(r, Math.min(25 * 2 ** attempt, 1000)));
        const row = await this.orm.em.fork().findOne(ChainOperation, { id });
        if (row && !TERMINAL_STATUSES.has(row.status)) {
          try {
            await this.advance(this.orm.em.fork(), row);
          } catch {
            continue; // still unknown: look again
          }
        }
        const now = await this.orm.em.fork().findOne(ChainOperation, { id }, { fields: ['status', 'nonce'] });
        if (now && !TERMINAL_STATUSES.has(now.status)) continue;
        // Refused before inclusion on the resend: its nonce is free under the later ones.
        if (now?.status === 'failed' && now.nonce === null) await fillGap(nonce);
        return;
      }
    };
    // In nonce order: the ledger takes submissions in call order.
    const results = await Promise.allSettled(sending.map((tx) => send(tx)));
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
   * One step of one operation (or of the batch transaction carrying it: every operation of that
   * batch moves together). Before anything is sent again, what became of an earlier send is
   * looked up by the nonce recorded for it; an error that leaves the outcome unknown is retried
   * (the next run starts with that lookup), never recorded as a failure.
   */
  private async advance(em: EntityManager, op: ChainOperation): Promise<void> {
    const rows = op.batchSize === null || op.nonce === null ? [op] : await this.batchRows(em, op);
    try {
      await this.keys.ensure(op.signer);
      if (op.nonce !== null) {
        // Sent before (or at least its nonce was recorded): find out what became of it first.
        const found = await this.ledger.findTransaction(op.signer, op.nonce, {
          fromBlock: op.submittedAtBlock ?? undefined,
        });
        if (found?.status === 'success')
          return await this.finishMany(outcomesOf(rows, { ok: true, receipt: found.receipt }));
        if (found?.status === 'failed') {
          return await this.finishMany(
            outcomesOf(rows, {
              ok: false,
              code: found.error.code,
              message: found.error.message,
              receipt: { txHash: found.txHash, blockNumber: found.blockNumber, blockHash: found.blockHash },
            }),
          );
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
      // Only if nobody else moved the rows meanwhile (a lapsed lease): never overwrite a nonce
      // another worker recorded, never reopen a finished operation. The unique (signer, nonce,
      // batch index) index refuses a nonce that another transaction already holds.
      const claimed = await em.nativeUpdate(
        ChainOperation,
        {
          id: { $in: rows.map((r) => r.id) },
          status: { $nin: ['finalised', 'failed'] },
          nonce: recordedNonce,
        },
        {
          status: 'submitted',
          nonce: op.nonce,
          submittedAtBlock: op.submittedAtBlock,
          attempts: op.attempts + 1,
          updatedAt: new Date(),
        },
      );
      if (claimed === 0) return; // changed under us: the caller reads the signer's queue again
      if (claimed !== rows.length) {
        throw new Error(
          `only ${claimed} of the ${rows.length} operations of the batch at nonce ${op.nonce} could be claimed`,
        );
      }
      for (const r of rows) {
        r.status = 'submitted';
        r.attempts = op.attempts + 1;
        this.emit(r);
      }
      const receipt = await this.withTimeout(
        this.ledger.submit(callOf(rows), { signer: op.signer, nonce: op.nonce }),
      );
      await this.finishMany(outcomesOf(rows, { ok: true, receipt }));
    } catch (err) {
      if (err instanceof LedgerError && err.refused && !err.included && rows.length > 1) {
        await this.splitBatch(rows, err);
        return;
      }
      if (err instanceof LedgerError && err.refused) {
        await this.finishMany(
          outcomesOf(rows, {
            ok: false,
            code: err.code,
            message: err.message,
            // Refused before inclusion: the nonce was not consumed and goes to the next operation.
            releaseNonce: !err.included,
            receipt: receiptOfError(err),
          }),
        );
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

  /**
   * A batch refused whole before inclusion (one malformed call, a pre-check of the adapter): its
   * nonce was not used, so its operations go back to the queue without one, each to be sent
   * alone (`solo`), and only a call the chain refuses on its own fails. Guarded like a claim:
   * rows another worker moved meanwhile are left as they are. No outcome is recorded, so no hook
   * runs; the refusal is kept as each operation's last error.
   */
  private async splitBatch(rows: ChainOperation[], err: LedgerError): Promise<void> {
    const text = `the batch carrying it was refused before inclusion (${err.code}: ${err.message}); it is sent alone`;
    await this.orm.em.fork().nativeUpdate(
      ChainOperation,
      {
        id: { $in: rows.map((r) => r.id) },
        nonce: rows[0]!.nonce,
        status: { $nin: ['finalised', 'failed'] },
      },
      {
        status: 'pending',
        nonce: null,
        batchIndex: 0,
        batchSize: null,
        solo: true,
        submittedAtBlock: null,
        lastError: text.slice(0, 2000),
        updatedAt: new Date(),
      },
    );
    this.log.warn(
      { operationIds: rows.map((r) => r.id), err },
      'a batch was refused whole before inclusion; its operations are sent one by one',
    );
    for (const r of rows) {
      Object.assign(r, { status: 'pending', nonce: null, batchIndex: 0, batchSize: null, solo: true });
      this.emit(r);
    }
  }

  /**
   * Every operation of the batch transaction carrying `op` (whatever its status), by position:
   * the batch is resent whole, the same calls in the same order, or not at all.
   */
  private async batchRows(em: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    const rows = await em.find(
      ChainOperation,
      { signer: op.signer, nonce: op.nonce },
      { orderBy: { batchIndex: 'asc' } },
    );
    if (rows.length !== op.batchSize || rows.some((r, i) => r.batchIndex !== i)) {
      throw new Error(
        `batch at nonce ${op.nonce} of ${op.signer} has ${rows.length} of its ${op.batchSize} operations; cannot resend it`,
      );
    }
    return rows;
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
    const unique = [...new Map(items.map((i) => [i.op.id, i])).values()];
    const tuple = ({ op, outcome }: { op: ChainOperation; outcome: Outcome }): unknown[] => {
      const receipt = outcome.receipt
        ? {
            txHash: outcome.receipt.txHash,
            blockNumber: outcome.receipt.blockNumber,
            blockHash: outcome.receipt.blockHash,
          }
        : null;
      return [
        op.id,
        outcome.ok ? 'finalised' : 'failed',
        receipt ? JSON.stringify(receipt) : null,
        outcome.ok && outcome.receipt.result !== undefined && outcome.receipt.result !== null
          ? JSON.stringify(outcome.receipt.result)
          : null,
        outcome.ok ? null : outcome.code,
        outcome.ok ? null : outcome.message,
        !outcome.ok && outcome.releaseNonce === true,
      ];
    };
    // One statement moves every given row that is still unfinished; the row lock it takes makes
    // a second worker recording the same outcome (a lapsed lease, a duplicate job) wait, then
    // find the row final and leave it out.
    const move = (tx: EntityManager, subset: typeof unique) =>
      tx.getConnection().execute<Record<string, unknown>[]>(
        `update chain_operation as c
            set status = v.status, receipt = v.receipt, result = v.result, error_code = v.error_code,
                error_message = v.error_message, last_error = null, updated_at = now(),
                finalised_at = case when v.status = 'finalised' then now() else c.finalised_at end,
                nonce = case when v.release then null else c.nonce end
           from (values ${subset.map(() => '(?::uuid, ?, ?::jsonb, ?::jsonb, ?, ?, ?::boolean)').join(', ')})
                as v (id, status, receipt, result, error_code, error_message, release)
          where c.id = v.id and c.status not in ('finalised', 'failed')
          returning c.*`,
        subset.flatMap(tuple),
        'all',
        tx.getTransactionContext(),
      );
    // Operations whose outcome has per-operation hooks are moved one at a time, just before
    // their hooks run: a hook asking "is any other operation of this attestation still open?"
    // must see the later ones of the group as still open, as if each outcome had its own
    // transaction. The rest (no hooks, set-wise hooks) move together in one statement.
    const hooked = (op: ChainOperation) => !!op.subjectType && this.finalHooks.has(op.subjectType);
    const audited = (em: EntityManager, op: ChainOperation, row: ChainOperation, outcome: Outcome) =>
      this.audit.append(em, {
        actor: 'system',
        action: outcome.ok ? 'operation.finalised' : 'operation.failed',
        subjectType: 'chain_operation',
        subjectId: op.id,
        data: outcome.ok
          ? { kind: row.kind, nonce: row.nonce, receipt: row.receipt, result: row.result }
          : {
              kind: row.kind,
              nonce: op.nonce,
              receipt: row.receipt,
              errorCode: outcome.code,
              errorMessage: outcome.message,
            },
      });
    // The audit trail's lock comes before the rows the hooks update, the reverse of request
    // paths (rows, then trail): PostgreSQL may break such a cycle, and the outcome is recorded again.
    const done = await retryOnDeadlock(() =>
      this.orm.em.fork().transactional(async (tx) => {
        followUps.length = 0;
        const together = unique.filter((i) => !hooked(i.op));
        const changed = together.length > 0 ? await move(tx, together) : [];
        const byId = new Map(changed.map((r) => [String(r.id), r]));
        const out: ChainOperation[] = [];
        // Set-wise first: every outcome moved together, audited, then each subject type's hooks
        // over its outcomes in one call.
        const setEm = tx.fork({ keepTransactionContext: true });
        const bySubject = new Map<string, ChainOperation[]>();
        for (const { op, outcome } of together) {
          const raw = byId.get(op.id);
          if (!raw) continue;
          const row = setEm.map(ChainOperation, raw);
          await audited(setEm, op, row, outcome);
          out.push(row);
          if (row.subjectType && this.finalBatchHooks.has(row.subjectType)) {
            const list = bySubject.get(row.subjectType) ?? [];
            list.push(row);
            bySubject.set(row.subjectType, list);
          }
        }
        for (const [type, rows] of bySubject)
          for (const hook of this.finalBatchHooks.get(type)!)
            followUps.push(...((await hook(setEm, rows)) ?? []));
        await setEm.flush();
        for (const { op, outcome } of unique) {
          if (!hooked(op)) continue;
          const raw = (await move(tx, [{ op, outcome }]))[0];
          if (!raw) continue;
          // Each outcome gets an entity manager of its own in this transaction: what one hook
          // loads is not re-checked by every later flush (an identity map growing with the
          // group made a group of n outcomes cost n² — 43 ms per attestation at 300 together).
          const em = tx.fork({ keepTransactionContext: true });
          const row = em.map(ChainOperation, raw);
          await audited(em, op, row, outcome);
          const hooks = this.finalHooks.get(row.subjectType!) ?? [];
          for (const hook of hooks) followUps.push(...((await hook(em, row)) ?? []));
          // The next operation's hooks read what this one's wrote, as if each had its own
          // transaction (e.g. "is any other subscription of this offering still refunding?").
          await em.flush();
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
        // Reads only unfinished and failed rows through the status index, so /health costs the
        // same however many operations the platform has finished.
        `with open as (
           select created_at, last_error from chain_operation
            where status in (${OPEN_STATUSES.map((s) => `'${s}'`).join(', ')})
         ), failed as (
           select updated_at from chain_operation where status = 'failed'
         )
         select
           (select count(*) from open) as open,
           (select count(*) from failed) as failed,
           (select count(*) from failed where updated_at > now() - interval '1 day') as failed_day,
           (select count(*) from open where created_at < now() - make_interval(secs => ?)) as stuck,
           (select count(*) from open where last_error is not null) as retrying,
           extract(epoch from now() - (select min(created_at) from open))::text as oldest`,
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

  add(items: { op: ChainOperation; outcome: Outcome }[]): Promise<void> {
    const p = new Promise<void>((resolve, reject) => {
      const done = (err?: unknown) => (err === undefined ? resolve() : reject(err));
      // Resolved with the last item of the list (all of them go in one group).
      items.forEach((item, i) =>
        this.waiting.push({ ...item, done: i === items.length - 1 ? done : () => undefined }),
      );
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

/** Whether the outbox may coalesce this operation with others (see `BATCHABLE_CALLS`, `solo`). */
function batchable(op: ChainOperation): boolean {
  return BATCHABLE_CALLS.has(op.kind) && !op.solo;
}

/** Calls the outbox may coalesce into one `utility.forceBatch` (independent outcomes per item). */
export const BATCHABLE_CALLS: ReadonlySet<string> = new Set([
  'system.remark',
  'identity.cddRegisterDid',
  'identity.addClaim',
  'balances.transfer',
  'asset.issue',
]);

/**
 * Calls of the operator that its lanes carry (see lanes.ts): those that neither move the
 * operator's POLYX (a lane holds POLYX for its own fees, not for grants) nor must follow another
 * of the operator's calls in nonce order (a grant follows its registration on the operator key).
 */
export const LANE_CALLS: ReadonlySet<string> = new Set(['system.remark', 'identity.addClaim']);

/**
 * Calls sent several at a time (a window): those whose outcome does not depend on an earlier
 * in-flight call's effects beyond the order of application — the batchable ones.
 */
export const PIPELINED_CALLS: ReadonlySet<string> = BATCHABLE_CALLS;

/** The call that carries these operations: theirs alone, or a forceBatch of their calls in order. */
function callOf(rows: ChainOperation[]): LedgerCall {
  const head = rows[0]!;
  if (head.batchSize === null) return head.call;
  return { name: 'utility.forceBatch', args: { calls: rows.map((r) => r.call) } };
}

/**
 * One transaction's outcome as each operation's: a batch's receipt is shared, each operation
 * takes its own item (result or error); a refusal of the whole transaction is each one's.
 */
function outcomesOf(rows: ChainOperation[], outcome: Outcome): { op: ChainOperation; outcome: Outcome }[] {
  const head = rows[0]!;
  if (head.batchSize === null || !outcome.ok) return rows.map((op) => ({ op, outcome }));
  const result = outcome.receipt.result as { items?: BatchItemResult[] } | undefined;
  const receipt = {
    txHash: outcome.receipt.txHash,
    blockNumber: outcome.receipt.blockNumber,
    blockHash: outcome.receipt.blockHash,
  };
  return rows.map((op) => {
    const item = result?.items?.[op.batchIndex];
    if (!item) {
      return {
        op,
        outcome: {
          ok: false as const,
          code: 'ValidationError',
          message: `the batch receipt has no item ${op.batchIndex}`,
          receipt,
        },
      };
    }
    return {
      op,
      outcome: item.ok
        ? { ok: true as const, receipt: { ...receipt, result: item.result } }
        : { ok: false as const, code: item.error.code, message: item.error.message, receipt },
    };
  });
}
