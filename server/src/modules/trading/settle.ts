import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { chainErrorText, type Ledger, type LedgerCall } from '@stoa/chain';
import { lockRow } from '../../db/locks.js';
import { AppError } from '../../errors.js';
import { formatCanonicalAmount } from '../../lib/format.js';
import { canonicalAmount, fromUnits, toUnits } from '../../lib/units.js';
import { Asset } from '../assets/entity.js';
import type { AuditService } from '../audit/service.js';
import { InvestorIdentity } from '../identities/entity.js';
import { notify } from '../notifications/notify.js';
import { ChainOperation } from '../operations/entity.js';
import type { OperationService } from '../operations/service.js';
import type { PolyxFunding } from '../polyx/funding.js';
import { Settlement } from '../settlements/entity.js';
import type { PlatformStablecoin } from '../treasury/stablecoin.js';
import { OPEN_TRADE_STATUSES, Order, Trade } from './entity.js';

/** How long a trade's instruction may wait for its affirmations and execution before the platform rejects it. */
export const TRADE_DEADLINE_MS = 24 * 3_600_000;

export const keyOf = (tradeId: string, step: string) => `trade:${tradeId}:${step}`;
const stepOf = (op: ChainOperation) => op.idempotencyKey.split(':')[2] ?? '';

/** The chain's reason for a failed step, in words (a failed leg names its own refusal). */
export function failureWords(code: string | null, message: string | null): { code: string; text: string } {
  const inner = /leg \d+ failed: ([A-Za-z]+)/.exec(message ?? '')?.[1];
  const c = inner ?? code ?? 'Unknown';
  if (c === 'InstructionExpired')
    return {
      code: c,
      text: 'The settlement was not completed within a day, so the platform cancelled it.',
    };
  return { code: c, text: chainErrorText(c) };
}

/**
 * A match on its way to the chain: instruction at the ATS venue → both custodial parties affirm
 * (under the consent of their orders) → the transfer agent's mediator affirmation when the asset
 * requires it → the operator executes (SettleManual, so the execution is an operation whose
 * outcome and refusal reason the platform records). Each step is an outbox operation whose
 * outcome hook records the next one, under the trade's row lock.
 */
export class TradeSettlement {
  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly operations: OperationService,
    private readonly audit: AuditService,
    private readonly stablecoin: PlatformStablecoin,
    private readonly operatorAddress: () => string,
    private readonly polyx?: PolyxFunding,
  ) {}

  async onOperation(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[] | void> {
    const t = await lockRow(tx, Trade, op.subjectId!);
    if (!t || t.status === 'settled' || t.status === 'failed') return;
    const step = stepOf(op);
    if (op.status === 'failed') return this.fail(tx, t, op.errorCode, op.errorMessage);
    const s = await tx.findOneOrFail(Settlement, { id: t.settlementId });
    const out: ChainOperation[] = [];
    if (step === 'instruct') {
      const id = (op.result as { instructionId?: number } | null)?.instructionId;
      if (id === undefined) return this.fail(tx, t, 'Unknown', 'no instruction id');
      t.instructionId = id;
      s.instructionId = id;
      t.status = 'affirming';
      for (const [who, identityId, did] of [
        ['seller', t.sellerIdentityId, t.sellerDid],
        ['buyer', t.buyerIdentityId, t.buyerDid],
      ] as const) {
        const identity = await tx.findOneOrFail(InvestorIdentity, { id: identityId });
        const top = await this.polyx?.topUpIfLow(tx, identity.account, 'system');
        if (top) out.push(top);
        out.push(
          await this.operations.record(tx, {
            idempotencyKey: keyOf(t.id, `affirm-${who}`),
            call: { name: 'settlement.affirmInstruction', args: { id, portfolios: [{ did }] } },
            signer: identity.account,
            requestedBy: 'system',
            subject: { type: 'trade', id: t.id },
          }),
        );
      }
      return out;
    }
    if (step === 'affirm-seller') t.sellerAffirmed = true;
    if (step === 'affirm-buyer') t.buyerAffirmed = true;
    if (step === 'mediate') t.mediatorAffirmed = true;
    if (step.startsWith('affirm') || step === 'mediate') {
      if (!t.sellerAffirmed || !t.buyerAffirmed) return;
      if (t.mediation && !t.mediatorAffirmed) {
        t.status = 'mediating';
        return;
      }
      t.status = 'executing';
      return [
        await this.operations.record(tx, {
          idempotencyKey: keyOf(t.id, 'execute'),
          call: { name: 'settlement.executeManualInstruction', args: { id: t.instructionId! } },
          signer: this.operatorAddress(),
          requestedBy: 'system',
          subject: { type: 'trade', id: t.id },
        }),
      ];
    }
    if (step === 'execute') {
      t.status = 'settled';
      t.settledAt = new Date();
      s.failureReason = null;
      for (const id of [t.buyOrderId, t.sellOrderId]) {
        const o = await tx.findOneOrFail(Order, { id });
        o.settled = fromUnits(toUnits(canonicalAmount(o.settled)) + toUnits(canonicalAmount(t.quantity)));
      }
      await this.audit.append(tx, {
        actor: 'system',
        action: 'trading.trade-settled',
        subjectType: 'trade',
        subjectId: t.id,
        data: { instructionId: t.instructionId, price: t.price, quantity: t.quantity },
      });
      await this.tell(tx, t, 'settled');
    }
  }

  /**
   * A trade that cannot settle: its reservations end with it (they are counted only while it
   * is open), a live instruction is rejected so the chain unlocks what affirmations locked, and
   * both sides are told the chain's reason. The failed quantity does not go back on the book:
   * the refusal (a rule, a balance) would meet the same counterparty again; the orders keep
   * whatever else remains on the book.
   */
  private async fail(
    tx: EntityManager,
    t: Trade,
    code: string | null,
    message: string | null,
    actor = 'system',
  ): Promise<ChainOperation[]> {
    const words = failureWords(code, message);
    t.status = 'failed';
    t.failureCode = words.code;
    t.failureReason = words.text;
    const s = await tx.findOne(Settlement, { id: t.settlementId });
    if (s) s.failureReason = words.text;
    for (const id of [t.buyOrderId, t.sellOrderId]) {
      const o = await tx.findOneOrFail(Order, { id });
      o.failureReason = `A match of ${formatCanonicalAmount(t.quantity)} at ${formatCanonicalAmount(t.price)} did not settle: ${words.text}`;
      // Nothing left of it on the book, nothing settled, nothing settling: the order is over.
      const open = await tx.count(Trade, {
        id: { $ne: t.id },
        status: { $in: OPEN_TRADE_STATUSES },
        $or: [{ buyOrderId: o.id }, { sellOrderId: o.id }],
      });
      if (
        toUnits(canonicalAmount(o.remaining)) === 0n &&
        toUnits(canonicalAmount(o.settled)) === 0n &&
        open === 0
      )
        o.status = 'cancelled';
    }
    await this.audit.append(tx, {
      actor,
      action: 'trading.trade-failed',
      subjectType: 'trade',
      subjectId: t.id,
      data: { code: words.code, reason: words.text, message },
    });
    await this.tell(tx, t, 'failed');
    const out: ChainOperation[] = [];
    if (t.instructionId !== null) {
      const status = (await this.ledger.instructionStatus(t.instructionId).catch(() => null))?.type;
      if (status === 'Pending' || status === 'Failed') {
        const seller = await tx.findOneOrFail(InvestorIdentity, { id: t.sellerIdentityId });
        out.push(
          await this.operations.record(tx, {
            idempotencyKey: keyOf(t.id, 'reject'),
            call: {
              name: 'settlement.rejectInstruction',
              args: { id: t.instructionId, portfolio: { did: t.sellerDid } },
            },
            signer: seller.account,
            requestedBy: 'system',
            subject: { type: 'trade-release', id: t.id },
          }),
        );
      }
    }
    return out;
  }

  private async tell(tx: EntityManager, t: Trade, what: 'settled' | 'failed') {
    const asset = await tx.findOne(Asset, { id: t.assetId });
    const unit = asset?.ticker ?? asset?.name ?? 'tokens';
    const money = this.stablecoin.name;
    for (const [identityId, verb] of [
      [t.buyerIdentityId, 'bought'],
      [t.sellerIdentityId, 'sold'],
    ] as const) {
      const identity = await tx.findOne(InvestorIdentity, { id: identityId });
      if (!identity) continue;
      const deal = `${formatCanonicalAmount(t.quantity)} ${unit} at ${formatCanonicalAmount(t.price)} ${money}`;
      await notify(tx, {
        userId: identity.userId,
        kind: `trade.${what}`,
        dedupeKey: `trade.${what}:${t.id}:${identityId}`,
        title: what === 'settled' ? `Your trade settled` : `Your trade did not settle`,
        message:
          what === 'settled'
            ? `You ${verb} ${deal} (${formatCanonicalAmount(t.value)} ${money} in total). It has settled.`
            : `Your trade of ${deal} did not settle: ${t.failureReason} Whatever it held for you is released.`,
        link: asset ? `/investor/trade/${asset.id}` : '/investor',
        data: { tradeId: t.id },
      });
    }
  }

  /** Trades past their deadline (instruction never executed) are failed and their instruction rejected. */
  async expireDue(now = new Date()): Promise<number> {
    const due = await this.orm.em
      .fork()
      .find(Trade, { status: { $in: OPEN_TRADE_STATUSES }, expiresAt: { $lte: now } });
    for (const d of due) {
      const ops = await this.orm.em.fork().transactional(async (tx) => {
        const t = await lockRow(tx, Trade, d.id);
        if (!t || !OPEN_TRADE_STATUSES.includes(t.status)) return [];
        return this.fail(tx, t, 'InstructionExpired', null);
      });
      for (const op of ops) await this.operations.dispatch(op);
    }
    return due.length;
  }

  /** A transfer agent approves a trade of an asset that requires it: the operator affirms as mediator. */
  async approve(tradeId: string, actor: string): Promise<ChainOperation> {
    const out = await this.orm.em.fork().transactional(async (tx) => {
      const t = await lockRow(tx, Trade, tradeId);
      if (!t) throw AppError.notFound('Trade', tradeId);
      if (!t.mediation) throw new AppError('CONFLICT', 'This trade needs no approval');
      if (t.instructionId === null || !OPEN_TRADE_STATUSES.includes(t.status))
        throw new AppError('CONFLICT', `This trade is ${t.status}; it cannot be approved now`);
      const first = await tx.findOne(ChainOperation, { idempotencyKey: keyOf(t.id, 'mediate') });
      if (first) return { op: first, fresh: false };
      await this.audit.append(tx, {
        actor,
        action: 'trading.trade-approved',
        subjectType: 'trade',
        subjectId: t.id,
        data: {},
      });
      const call: LedgerCall = {
        name: 'settlement.affirmInstructionAsMediator',
        args: { id: t.instructionId },
      };
      const op = await this.operations.record(tx, {
        idempotencyKey: keyOf(t.id, 'mediate'),
        call,
        signer: this.operatorAddress(),
        requestedBy: actor,
        subject: { type: 'trade', id: t.id },
      });
      return { op, fresh: true };
    });
    if (out.fresh) await this.operations.dispatch(out.op);
    return out.op;
  }
}
