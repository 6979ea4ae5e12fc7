import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { chainErrorText, LedgerError, type Ledger, type LedgerCall } from '@stoa/chain';
import { AppError } from '../../errors.js';
import { fromUnits, toUnits } from '../../lib/units.js';
import { ChainOperation } from '../operations/entity.js';
import {
  TERMINAL_STATUSES,
  type OperationService,
  type RecordOperationInput,
} from '../operations/service.js';
import { DEFAULT_POLYX_FUNDING, type PolyxFundingConfig } from './config.js';

export { DEFAULT_POLYX_FUNDING, type PolyxFundingConfig };

/** Subject of the operator's top-up transfers: the account they fund. */
export const FUNDING_SUBJECT = 'polyx-funding';

/**
 * When the chain cannot estimate a call (the SDK adapter does not yet), in units: what it may
 * need free — 6 POLYX, above the 5.6 that Polymesh 7.0's `affirm_instruction` withdraws at its
 * declared weight before refunding most of it — and what it may cost: 1 POLYX, above the
 * dearest investor call (`sto.invest`, ~0.83).
 */
const FALLBACK = { required: 6_000_000n, total: 1_000_000n };

/** Admission refusals: the call cannot go through whatever the balance; funding cannot help. */
const ADMISSION_CODES = new Set(['MissingIdentity', 'CddRequired', 'InvalidAuthorization']);

/**
 * An account's POLYX against what it is committed to. A transaction withdraws its fee at the
 * declared weight and gets back what it did not use, so calls sent one after another each need
 * what the earlier ones cost, plus their own `required`.
 */
interface Position {
  /** Free POLYX on chain. */
  free: bigint;
  /** What the account's unfinished operations will cost, sent before the new calls. */
  reserved: bigint;
  /** Unfinished transfers of POLYX to it (grants, top-ups). */
  incoming: bigint;
  /** What the new calls need free beyond `reserved` at their most (fees withdrawn up front). */
  need: bigint;
  /** What they cost once done. */
  cost: bigint;
}

/**
 * The POLYX the platform's custodial investors need for their transaction fees (Polymesh
 * charges every signed transaction, and an account that cannot pay is refused before the
 * chain looks at the call). The operator funds each new investor account at attestation and
 * tops an account up before an operation it signs for them would leave it short.
 */
export class PolyxFunding {
  private readonly waitMs: number;

  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly operations: OperationService,
    private readonly operatorAddress: () => string,
    readonly config: PolyxFundingConfig = DEFAULT_POLYX_FUNDING,
    opts: { waitMs?: number } = {},
  ) {
    this.waitMs = opts.waitMs ?? 90_000;
  }

  /**
   * The grant of a new investor account, to record in the attestation's transaction right after
   * the identity's registration: the same signer sends it next (in the same batch when the
   * outbox batches), so the receiver already has the CDD claim a POLYX transfer needs. Null
   * when the amount is 0.
   */
  grantInput(input: {
    account: string;
    attestationId: string;
    requestedBy: string;
    amount?: string;
  }): RecordOperationInput | null {
    const amount = input.amount ?? this.config.grant;
    if (toUnits(amount) === 0n) return null;
    return {
      idempotencyKey: `att-${input.attestationId}-fund`,
      call: { name: 'balances.transfer', args: { to: input.account, amount, memo: 'Stoa onboarding' } },
      signer: this.operatorAddress(),
      requestedBy: input.requestedBy,
      subject: { type: 'attestation', id: input.attestationId },
    };
  }

  /**
   * Before an operation the platform signs for a custodial account is recorded (outside that
   * operation's transaction): when the account cannot pay these calls now, a top-up is sent and
   * awaited (`SERVICE_UNAVAILABLE` if it fails or takes too long); when it can but would be left
   * below `topUpBelow`, a top-up is sent without waiting, so it lands before the next one.
   */
  async prepare(account: string, calls: LedgerCall[], requestedBy: string): Promise<void> {
    const em = this.orm.em.fork();
    const pos = await this.position(em, account, calls);
    if (!pos) return;
    const canPayNow = pos.free - pos.reserved >= pos.need;
    const open = await this.openTopUp(em, account);
    if (canPayNow) {
      if (!open && this.after(pos) < toUnits(this.config.topUpBelow)) {
        const op = await this.recordTopUp(account, pos, requestedBy);
        if (op) await this.operations.dispatch(op);
      }
      return;
    }
    const op = open ?? (await this.recordTopUp(account, pos, requestedBy));
    if (!op) return;
    await this.operations.dispatch(op);
    await this.awaitFinal(op.id);
  }

  /**
   * Inside a transaction that records operations for the account (e.g. a re-attestation): a
   * top-up recorded with them when the account is below `topUpBelow`. The caller dispatches it.
   */
  async topUpIfLow(tx: EntityManager, account: string, requestedBy: string): Promise<ChainOperation | null> {
    const pos = await this.position(tx, account, []);
    if (!pos || (await this.openTopUp(tx, account))) return null;
    if (this.after(pos) >= toUnits(this.config.topUpBelow)) return null;
    return this.recordTopUpIn(tx, account, pos, requestedBy);
  }

  /** What the account holds once the calls and its unfinished operations are done. */
  private after(pos: Position): bigint {
    return pos.free - pos.reserved - pos.cost + pos.incoming;
  }

  /** The account's POLYX and what it is committed to; null when no balance can help the calls. */
  private async position(em: EntityManager, account: string, calls: LedgerCall[]): Promise<Position | null> {
    const unfinished = await em.find(
      ChainOperation,
      { signer: account, status: { $nin: [...TERMINAL_STATUSES] } },
      { fields: ['call'] },
    );
    let reserved = 0n;
    for (const op of unfinished) {
      const e = await this.estimate(op.call, account);
      if (e) reserved += e.total;
    }
    let need = 0n;
    let cost = 0n;
    for (const call of calls) {
      const e = await this.estimate(call, account);
      if (!e) return null;
      if (cost + e.required > need) need = cost + e.required;
      cost += e.total;
    }
    const free = toUnits((await this.ledger.polyxBalance(account)).free);
    return { free, reserved, incoming: await this.incoming(em, account), need, cost };
  }

  /** The chain's estimate in units; the fallback when it has none; null when admission refuses. */
  private async estimate(
    call: LedgerCall,
    account: string,
  ): Promise<{ required: bigint; total: bigint } | null> {
    try {
      const e = await this.ledger.estimateFee(call, account);
      return { required: toUnits(e.required), total: toUnits(e.total) };
    } catch (err) {
      if (err instanceof LedgerError && ADMISSION_CODES.has(err.code)) return null;
      if (err instanceof LedgerError && err.code === 'Unsupported') return FALLBACK;
      throw err;
    }
  }

  /** Unfinished POLYX transfers to the account (grants and top-ups). */
  private async incoming(em: EntityManager, account: string): Promise<bigint> {
    const rows = await em.getConnection().execute<{ amount: string }[]>(
      `select call->'args'->>'amount' as amount from chain_operation
          where kind = 'balances.transfer' and status not in ('finalised', 'failed')
            and call->'args'->>'to' = ?`,
      [account],
      'all',
      em.getTransactionContext(),
    );
    return rows.reduce((n, r) => n + toUnits(String(r.amount)), 0n);
  }

  private async openTopUp(em: EntityManager, account: string): Promise<ChainOperation | null> {
    return em.findOne(
      ChainOperation,
      { subjectType: FUNDING_SUBJECT, subjectId: account, status: { $nin: [...TERMINAL_STATUSES] } },
      { orderBy: { createdAt: 'asc' } },
    );
  }

  private recordTopUp(account: string, pos: Position, requestedBy: string): Promise<ChainOperation | null> {
    return this.orm.em.fork().transactional(async (tx) => {
      // Two requests at once: the second finds the first's top-up and sends none.
      const open = await this.openTopUp(tx, account);
      return open ?? this.recordTopUpIn(tx, account, pos, requestedBy);
    });
  }

  private async recordTopUpIn(
    tx: EntityManager,
    account: string,
    pos: Position,
    requestedBy: string,
  ): Promise<ChainOperation | null> {
    const amount = toUnits(this.config.topUpTo) - this.after(pos);
    if (amount <= 0n) return null;
    return this.operations.record(tx, {
      idempotencyKey: `polyx-top-up:${account}:${randomUUID()}`,
      call: {
        name: 'balances.transfer',
        args: { to: account, amount: fromUnits(amount), memo: 'Stoa fees top-up' },
      },
      signer: this.operatorAddress(),
      requestedBy,
      subject: { type: FUNDING_SUBJECT, id: account },
    });
  }

  private async awaitFinal(id: string): Promise<void> {
    const until = Date.now() + this.waitMs;
    for (let delay = 10; ; delay = Math.min(delay * 2, 500)) {
      const op = await this.operations.get(id);
      if (op?.status === 'finalised') return;
      if (op?.status === 'failed') {
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          `The platform could not send this account the POLYX for its chain fee: ${chainErrorText(op.errorCode ?? '')}`,
          { chainError: op.errorCode ?? undefined, operationId: id },
        );
      }
      if (Date.now() >= until) {
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'The POLYX for this account’s chain fee is on its way; try again in a minute',
          { operationId: id },
        );
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
