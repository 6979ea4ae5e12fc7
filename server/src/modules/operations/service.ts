import { EventEmitter } from 'node:events';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { LedgerError, type Ledger, type LedgerCall } from '@stoa/chain';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../../errors.js';
import type { JobQueue } from '../../jobs/queue.js';
import type { AuditService } from '../audit/service.js';
import { canonicalJson } from '../audit/service.js';
import { ChainOperation, type OperationStatus } from './entity.js';

export const SUBMIT_JOB = 'chain.submit';

export interface RecordOperationInput {
  idempotencyKey: string;
  call: LedgerCall;
  signer: string;
  requestedBy: string;
  subject?: { type: string; id: string };
}

/** Errors that say nothing about the transaction itself: the outcome is unknown, so retry. */
const TRANSIENT_CODES = new Set(['NotConnected']);

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
  private readonly signerLocks = new Map<string, Promise<unknown>>();
  private lastCreatedAt = 0;
  private readonly finalHooks = new Map<string, FinalHook[]>();

  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly queue: JobQueue,
    private readonly audit: AuditService,
    private readonly log: FastifyBaseLogger,
  ) {
    this.changes.setMaxListeners(0);
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

  /** Start-up sweep: everything not terminal goes back on the queue. */
  async sweep(): Promise<number> {
    const open = await this.orm.em
      .fork()
      .find(ChainOperation, { status: { $nin: ['finalised', 'failed'] } }, { orderBy: { createdAt: 'asc' } });
    for (const op of open) await this.dispatch(op);
    if (open.length > 0) this.log.info({ count: open.length }, 're-queued unfinished chain operations');
    return open.length;
  }

  /**
   * The job: idempotent, serialised per signer so nonces never collide, and in the order the
   * operations were recorded. Jobs can reach the signer lock in any order (each first reads its
   * row), so the job advances the signer's oldest unfinished operation until its own is done:
   * calls recorded in one transaction (stats before the restriction that needs them) keep their
   * order on chain.
   */
  process(operationId: string): Promise<void> {
    return this.withOperation(operationId, async (op) =>
      this.withSignerLock(op.signer, async () => {
        for (;;) {
          const oldest = await this.orm.em
            .fork()
            .findOne(
              ChainOperation,
              { signer: op.signer, status: { $nin: ['finalised', 'failed'] } },
              { orderBy: { createdAt: 'asc', id: 'asc' } },
            );
          if (!oldest) return;
          await this.advance(oldest.id);
          if (oldest.id === op.id) return;
        }
      }),
    );
  }

  /** Creation times strictly increase within the process, so they order one transaction's calls. */
  private nextCreatedAt(): Date {
    const now = Date.now();
    this.lastCreatedAt = now > this.lastCreatedAt ? now : this.lastCreatedAt + 1;
    return new Date(this.lastCreatedAt);
  }

  private async withOperation(id: string, fn: (op: ChainOperation) => Promise<void>): Promise<void> {
    const op = await this.orm.em.fork().findOne(ChainOperation, { id });
    if (!op) {
      this.log.warn({ operationId: id }, 'chain operation vanished; nothing to do');
      return;
    }
    if (TERMINAL_STATUSES.has(op.status)) return;
    await fn(op);
  }

  private async withSignerLock<T>(signer: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.signerLocks.get(signer) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.signerLocks.set(signer, tail);
    try {
      return await run;
    } finally {
      if (this.signerLocks.get(signer) === tail) this.signerLocks.delete(signer);
    }
  }

  private async advance(id: string): Promise<void> {
    const em = this.orm.em.fork();
    const op = await em.findOneOrFail(ChainOperation, { id });
    if (TERMINAL_STATUSES.has(op.status)) return;

    if (op.nonce !== null) {
      // Sent before (or at least its nonce was recorded): find out what became of it first.
      const found = await this.ledger.findTransaction(op.signer, op.nonce, {
        fromBlock: op.submittedAtBlock ?? undefined,
      });
      if (found?.status === 'success') return this.finish(em, op, { ok: true, receipt: found.receipt });
      if (found?.status === 'failed') {
        return this.finish(em, op, {
          ok: false,
          code: found.error.code,
          message: found.error.message,
          receipt: { txHash: found.txHash, blockNumber: found.blockNumber, blockHash: found.blockHash },
        });
      }
      const next = await this.ledger.nonce(op.signer);
      if (next > op.nonce) {
        // The nonce is used but we cannot see the transaction yet (still in the pool, or the
        // key was used elsewhere). Sending again could double it: wait and look again.
        throw new Error(`nonce ${op.nonce} of ${op.signer} is used but its transaction is not found yet`);
      }
      // Never included and the nonce is still free: sending again with the same nonce is safe.
    } else {
      const [nonce, info] = await Promise.all([this.ledger.nonce(op.signer), this.ledger.info()]);
      op.nonce = nonce;
      op.submittedAtBlock = info.blockHeight;
    }
    op.status = 'submitted';
    op.attempts += 1;
    await em.flush();
    this.emit(op);

    try {
      const receipt = await this.ledger.submit(op.call, { signer: op.signer, nonce: op.nonce });
      await this.finish(em, op, { ok: true, receipt });
    } catch (err) {
      if (err instanceof LedgerError && !TRANSIENT_CODES.has(err.code)) {
        await this.finish(em, op, { ok: false, code: err.code, message: err.message });
        return;
      }
      this.log.warn({ err, operationId: op.id }, 'chain submission failed; will retry');
      throw err;
    }
  }

  private async finish(
    em: EntityManager,
    op: ChainOperation,
    outcome:
      | { ok: true; receipt: { txHash: string; blockNumber: number; blockHash: string; result?: unknown } }
      | {
          ok: false;
          code: string;
          message: string;
          receipt?: { txHash: string; blockNumber: number; blockHash: string };
        },
  ): Promise<void> {
    const receipt = outcome.receipt
      ? {
          txHash: outcome.receipt.txHash,
          blockNumber: outcome.receipt.blockNumber,
          blockHash: outcome.receipt.blockHash,
        }
      : null;
    if (outcome.ok) {
      // The port returns once the block is final (embedded: at inclusion), so both steps are recorded.
      op.status = 'in-block';
      op.receipt = receipt;
      await em.flush();
      this.emit(op);
    }
    const followUps: ChainOperation[] = [];
    await em.transactional(async (tx) => {
      const row = tx.merge(op);
      row.receipt = receipt;
      if (outcome.ok) {
        row.status = 'finalised';
        row.result = outcome.receipt.result ?? null;
        row.finalisedAt = new Date();
      } else {
        row.status = 'failed';
        row.errorCode = outcome.code;
        row.errorMessage = outcome.message;
      }
      await this.audit.append(tx, {
        actor: 'system',
        action: outcome.ok ? 'operation.finalised' : 'operation.failed',
        subjectType: 'chain_operation',
        subjectId: op.id,
        data: outcome.ok
          ? { kind: op.kind, nonce: op.nonce, receipt, result: row.result }
          : {
              kind: op.kind,
              nonce: op.nonce,
              receipt,
              errorCode: outcome.code,
              errorMessage: outcome.message,
            },
      });
      for (const hook of (row.subjectType && this.finalHooks.get(row.subjectType)) || []) {
        followUps.push(...((await hook(tx, row)) ?? []));
      }
    });
    this.emit(op);
    for (const next of followUps) await this.dispatch(next);
  }

  private emit(op: ChainOperation): void {
    this.changes.emit('change', op);
  }
}
