import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Ledger, LedgerCall } from '@stoa/chain';
import type { TreasuryConfig } from '../../config.js';
import { lockRow, retryOnDeadlock } from '../../db/locks.js';
import { AppError } from '../../errors.js';
import { fromUnits, toUnits } from '../../lib/units.js';
import type { AuditService } from '../audit/service.js';
import { Attestation, InvestorIdentity } from '../identities/entity.js';
import { notify } from '../notifications/notify.js';
import { Offering } from '../offerings/entity.js';
import { reservedSubscriptions } from '../offerings/reservations.js';
import { ChainOperation } from '../operations/entity.js';
import { TERMINAL_STATUSES, type OperationService } from '../operations/service.js';
import type { PolyxFunding } from '../polyx/funding.js';
import { Deposit, TreasuryAccount, Withdrawal } from './entity.js';
import { formatMoney, newReference, normaliseReference } from './money.js';
import { tradingHeld } from '../trading/service.js';
import type { PlatformStablecoin } from './stablecoin.js';

export interface DepositInput {
  reference: string;
  amount: string;
  bankTxId: string;
}

export interface Balance {
  /** On chain, in the investor's portfolios. */
  total: string;
  /** What the investor can spend or withdraw now. */
  available: string;
  /** Held for subscriptions and withdrawals in progress. */
  held: string;
}

const SOA = { type: 'SettleOnAffirmation' } as const;
/** An asset id of the right size for a fee estimate, where the real one is not read yet. */
const STAND_IN_ASSET = '00000000-0000-8000-8000-000000000000';

/**
 * Money in and out of the platform. A deposit received in the bank becomes stablecoin issued to
 * the platform and sent to the investor (whose identity pre-approved the stablecoin, so it
 * arrives without their affirmation); a withdrawal sends the investor's stablecoin back, the
 * platform redeems it, and the treasury pays the bank transfer. Every step is an outbox
 * operation recorded with the row that asks for it; the next step is recorded by the outcome hook.
 */
export class TreasuryService {
  /** Tops custodial investors' accounts up before they sign (unset: no funding). */
  polyx: PolyxFunding | null = null;

  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly operations: OperationService,
    private readonly audit: AuditService,
    readonly stablecoin: PlatformStablecoin,
    readonly settings: TreasuryConfig,
    private readonly operatorAddress: () => string,
  ) {
    operations.onFinal('treasury-account', (tx, op) => this.onPreApproval(tx, op));
    operations.onFinal('deposit', (tx, op) => this.onDepositStep(tx, op));
    operations.onFinal('withdrawal', (tx, op) => this.onWithdrawalStep(tx, op));
    // After the attestation's own (set-wise) hook, registered earlier, which completes it.
    operations.onFinalMany('attestation', (tx, ops) => this.onAttestations(tx, ops));
  }

  /**
   * Investors attested: open their money accounts and pre-approve the platform stablecoin on
   * their identities, so the first deposit reaches them without an affirmation.
   */
  private async onAttestations(tx: EntityManager, ops: ChainOperation[]): Promise<ChainOperation[]> {
    const atts = (
      await tx.find(Attestation, { id: { $in: [...new Set(ops.map((o) => o.subjectId!))] } })
    ).filter((a) => a.kind === 'attest' && a.status === 'completed');
    if (atts.length === 0) return [];
    const identities = (
      await tx.find(InvestorIdentity, { id: { $in: [...new Set(atts.map((a) => a.identityId))] } })
    ).filter((i) => i.did && i.custodial);
    if (identities.length === 0) return [];
    const coin = await this.stablecoin.created(tx);
    if (!coin) return [];
    const accounts = await tx.find(TreasuryAccount, { identityId: { $in: identities.map((i) => i.id) } });
    const accountOf = new Map(accounts.map((a) => [a.identityId, a]));
    const out: ChainOperation[] = [];
    for (const identity of identities) {
      let account = accountOf.get(identity.id);
      if (!account) {
        account = this.newAccount(identity);
        tx.persist(account);
        accountOf.set(identity.id, account);
        await this.openedAudit(tx, account);
      }
      const pre = await this.ensurePreApproval(tx, account, identity, coin.chainId, 'system');
      if (pre) out.push(pre);
    }
    return out;
  }

  private newAccount(identity: InvestorIdentity): TreasuryAccount {
    const a = new TreasuryAccount();
    a.identityId = identity.id;
    a.userId = identity.userId;
    a.reference = newReference();
    return a;
  }

  private openedAudit(tx: EntityManager, a: TreasuryAccount) {
    return this.audit.append(tx, {
      actor: 'system',
      action: 'treasury.account-opened',
      subjectType: 'identity',
      subjectId: a.identityId,
      data: { accountId: a.id, reference: a.reference },
    });
  }

  private money(amount: string): string {
    return formatMoney(amount, this.stablecoin.name);
  }

  private async coin(em: EntityManager) {
    const coin = await this.stablecoin.active(em);
    if (!coin)
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `The platform stablecoin ${this.stablecoin.name} is still being created; try again in a minute`,
      );
    return coin;
  }

  private async operatorDid(): Promise<string> {
    const did = await this.ledger.identityOf(this.operatorAddress());
    if (!did) throw new AppError('SERVICE_UNAVAILABLE', 'The operator account has no identity on chain');
    return did;
  }

  /** The investor's money account, created (with a fresh reference) on first use. */
  async account(identity: InvestorIdentity): Promise<TreasuryAccount> {
    const em = this.orm.em.fork();
    const found = await em.findOne(TreasuryAccount, { identityId: identity.id });
    if (found) return found;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.orm.em.fork().transactional(async (tx) => {
          const a = this.newAccount(identity);
          tx.persist(a);
          await this.openedAudit(tx, a);
          return a;
        });
      } catch (err) {
        if (!(err instanceof UniqueConstraintViolationException) || attempt >= 3) throw err;
        // A concurrent first visit opened it (identity unique), or the reference was taken.
        const again = await this.orm.em.fork().findOne(TreasuryAccount, { identityId: identity.id });
        if (again) return again;
      }
    }
  }

  /** The investor's stablecoin: on chain, held for work in progress, and free to use. */
  async balance(em: EntityManager, identity: InvestorIdentity): Promise<Balance> {
    const coin = await this.stablecoin.active(em);
    if (!coin || !identity.did) return { total: '0', available: '0', held: '0' };
    const [funds] = await this.ledger.portfolioBalances({ did: identity.did }, coin.chainId);
    const total = await this.ledger.assetBalance(coin.chainId, identity.did);
    const priced = await em.find(Offering, { paymentAssetId: coin.id }, { fields: ['id'] });
    const subs = priced.length
      ? await reservedSubscriptions(em, this.ledger, {
          offeringId: { $in: priced.map((o) => o.id) },
          identityId: identity.id,
        })
      : [];
    // Withdrawals count as held until their transfer's outcome is recorded (the hook moves them
    // on): a transfer the chain already shows is then counted twice for a moment — towards
    // refusing, never towards spending the same money twice.
    const leaving = await em.find(Withdrawal, { identityId: identity.id, status: 'transferring' });
    // Open buy orders on the ATS and its trades not yet affirmed on chain hold money too.
    const trading = (await tradingHeld(em, identity.id)).funds;
    const held =
      subs.reduce((s, x) => s + toUnits(x.cost), 0n) +
      leaving.reduce((s, w) => s + toUnits(w.amount), 0n) +
      trading;
    const free = toUnits(funds?.free ?? '0') - held;
    return { total, available: fromUnits(free > 0n ? free : 0n), held: fromUnits(held) };
  }

  // ------------------------------------------------------------------------------ deposits

  /**
   * Records money received for the investor whose reference the payment carries. Idempotent by
   * the bank's transaction id: the same payment recorded again (by hand or by the bank's
   * webhook) answers the first deposit; the same id with other details is refused.
   */
  async recordDeposit(
    input: DepositInput,
    actor: string,
    source: Deposit['source'],
  ): Promise<{ deposit: Deposit; duplicate: boolean }> {
    const reference = normaliseReference(input.reference);
    const bankTxId = input.bankTxId.trim();
    const amount = fromUnits(toUnits(input.amount));
    if (toUnits(amount) <= 0n) throw new AppError('VALIDATION_FAILED', 'The amount must be more than zero');
    const run = () =>
      retryOnDeadlock(() =>
        this.orm.em.fork().transactional(async (tx) => {
          const first = await tx.findOne(Deposit, { bankTxId });
          if (first) return { deposit: first, duplicate: true, ops: [] as ChainOperation[] };
          const found = await tx.findOne(TreasuryAccount, { reference });
          if (!found)
            throw new AppError(
              'NOT_FOUND',
              `No investor has the deposit reference "${input.reference}"; check the payment's reference field`,
            );
          const account = (await lockRow(tx, TreasuryAccount, found.id))!;
          const identity = await tx.findOneOrFail(InvestorIdentity, { id: account.identityId });
          if (!identity.did || identity.standing === 'revoked')
            throw new AppError(
              'RULE_VIOLATION',
              `The investor with reference ${reference} cannot receive funds (their identity is ${identity.did ? 'revoked' : 'not on chain yet'}); return the payment to the sender`,
            );
          const coin = await this.coin(tx);
          const deposit = new Deposit();
          Object.assign(deposit, {
            accountId: account.id,
            identityId: identity.id,
            userId: identity.userId,
            reference,
            amount,
            bankTxId,
            source,
            recordedBy: actor,
          });
          tx.persist(deposit);
          await this.audit.append(tx, {
            actor,
            action: 'treasury.deposit-recorded',
            subjectType: 'deposit',
            subjectId: deposit.id,
            data: { reference, amount, bankTxId, source, identityId: identity.id, asset: coin.chainId },
          });
          const ops: ChainOperation[] = [];
          const pre = await this.ensurePreApproval(tx, account, identity, coin.chainId, actor);
          if (pre) ops.push(pre);
          if (account.preApprovalOperationId && !account.preApproved) deposit.status = 'pre-approving';
          else ops.push(await this.issueFor(tx, deposit, coin.chainId));
          return { deposit, duplicate: false, ops };
        }),
      );
    let out;
    try {
      out = await run();
    } catch (err) {
      // The same bank transaction recorded at the same moment (webhook and operator): the first wins.
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      out = await run();
    }
    if (out.duplicate) {
      const d = out.deposit;
      if (d.reference !== reference || toUnits(d.amount) !== toUnits(amount))
        throw new AppError(
          'CONFLICT',
          `Bank transaction ${bankTxId} was already recorded for ${d.reference} with ${this.money(d.amount)}; it cannot be recorded again with other details`,
        );
    }
    for (const op of out.ops) await this.operations.dispatch(op);
    return { deposit: out.deposit, duplicate: out.duplicate };
  }

  /** A payment the bank reported that could not be credited: kept for the treasury to resolve. */
  async noteUnmatched(entry: DepositInput, reason: string): Promise<void> {
    await this.orm.em.fork().transactional((tx) =>
      this.audit.append(tx, {
        actor: 'bank-webhook',
        action: 'treasury.deposit-unmatched',
        subjectType: 'bank-transaction',
        subjectId: entry.bankTxId.slice(0, 100),
        data: { ...entry, reason },
      }),
    );
  }

  /**
   * The investor's pre-approval of the stablecoin (Polymesh `pre_approve_asset`), signed by
   * their custodial account, once. Investors holding their own key pre-approve it themselves
   * (or affirm each payment).
   */
  private async ensurePreApproval(
    tx: EntityManager,
    account: TreasuryAccount,
    identity: InvestorIdentity,
    assetId: string,
    actor: string,
  ): Promise<ChainOperation | null> {
    if (account.preApproved || account.preApprovalOperationId || !identity.custodial || !identity.did)
      return null;
    const op = await this.operations.record(tx, {
      idempotencyKey: `treasury-pre-approve:${identity.id}:${assetId}`,
      call: { name: 'asset.preApproveAsset', args: { assetId } },
      signer: identity.account,
      requestedBy: actor,
      subject: { type: 'treasury-account', id: account.id },
    });
    // Refused once (the key was used): payments are then affirmed one by one.
    if (op.status === 'failed') return null;
    account.preApprovalOperationId = op.id;
    return op;
  }

  /** At attestation or before the first deposit: records the pre-approval if still missing. */
  async preApprove(identity: InvestorIdentity): Promise<void> {
    const account = await this.account(identity);
    if (
      identity.custodial &&
      identity.did &&
      this.polyx &&
      !account.preApproved &&
      !account.preApprovalOperationId
    )
      await this.polyx.prepare(
        identity.account,
        [{ name: 'asset.preApproveAsset', args: { assetId: STAND_IN_ASSET } }],
        'system',
      );
    const op = await this.orm.em.fork().transactional(async (tx) => {
      const coin = await this.stablecoin.active(tx);
      if (!coin) return null;
      const locked = (await lockRow(tx, TreasuryAccount, account.id))!;
      const fresh = await tx.findOneOrFail(InvestorIdentity, { id: identity.id });
      return this.ensurePreApproval(tx, locked, fresh, coin.chainId, 'system');
    });
    if (op) await this.operations.dispatch(op);
  }

  private async issueFor(tx: EntityManager, deposit: Deposit, assetId: string): Promise<ChainOperation> {
    const op = await this.operations.record(tx, {
      idempotencyKey: `deposit-${deposit.id}-issue`,
      call: { name: 'asset.issue', args: { assetId, amount: deposit.amount } },
      signer: this.operatorAddress(),
      requestedBy: deposit.recordedBy,
      subject: { type: 'deposit', id: deposit.id },
    });
    deposit.issueOperationId = op.id;
    deposit.status = 'issuing';
    return op;
  }

  private async onPreApproval(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    // Locked: a deposit recorded at this moment either sees the pre-approval or is picked up here.
    const account = await lockRow(tx, TreasuryAccount, op.subjectId!);
    if (!account) return [];
    if (op.status === 'failed') {
      // Payments still reach the investor; they affirm each one instead.
      account.preApprovalOperationId = null;
      await this.audit.append(tx, {
        actor: 'system',
        action: 'treasury.pre-approval-failed',
        subjectType: 'treasury-account',
        subjectId: account.id,
        data: { operationId: op.id, errorCode: op.errorCode },
      });
    } else {
      account.preApproved = true;
      await this.audit.append(tx, {
        actor: 'system',
        action: 'treasury.pre-approved',
        subjectType: 'treasury-account',
        subjectId: account.id,
        data: { operationId: op.id, call: op.call },
      });
    }
    const waiting = await tx.find(Deposit, { accountId: account.id, status: 'pre-approving' });
    const coin = await this.stablecoin.active(tx);
    const ops: ChainOperation[] = [];
    for (const d of waiting) if (coin) ops.push(await this.issueFor(tx, d, coin.chainId));
    return ops;
  }

  private async failDeposit(tx: EntityManager, d: Deposit, op: ChainOperation) {
    d.status = 'failed';
    d.failureReason = `${op.kind}: ${op.errorCode ?? 'failed'}`;
    await this.audit.append(tx, {
      actor: 'system',
      action: 'treasury.deposit-failed',
      subjectType: 'deposit',
      subjectId: d.id,
      data: { operationId: op.id, errorCode: op.errorCode, errorMessage: op.errorMessage },
    });
  }

  private async onDepositStep(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    const d = await tx.findOne(Deposit, { id: op.subjectId! });
    if (!d) return [];
    if (op.status === 'failed') {
      await this.failDeposit(tx, d, op);
      return [];
    }
    if (op.id === d.issueOperationId) {
      const coin = await this.coin(tx);
      const identity = await tx.findOneOrFail(InvestorIdentity, { id: d.identityId });
      const operatorDid = await this.operatorDid();
      const call: LedgerCall = {
        name: 'settlement.addAndAffirmInstruction',
        args: {
          settlementType: SOA,
          legs: [
            {
              type: 'Fungible',
              from: { did: operatorDid },
              to: { did: identity.did! },
              assetId: coin.chainId,
              amount: d.amount,
            },
          ],
          memo: `Deposit ${d.reference}`,
          portfolios: [{ did: operatorDid }],
        },
      };
      const next = await this.operations.record(tx, {
        idempotencyKey: `deposit-${d.id}-transfer`,
        call,
        signer: this.operatorAddress(),
        requestedBy: d.recordedBy,
        subject: { type: 'deposit', id: d.id },
      });
      d.transferOperationId = next.id;
      d.status = 'transferring';
      return [next];
    }
    if (op.id === d.transferOperationId) await this.settleDeposit(tx, d, op);
    return [];
  }

  /** Looks at the deposit's instruction on chain: executed → credited (and the investor told). */
  private async settleDeposit(tx: EntityManager, d: Deposit, op: ChainOperation): Promise<void> {
    const id = (op.result as { instructionId?: number } | null)?.instructionId;
    if (id === undefined) return;
    const status = await this.ledger.instructionStatus(id);
    if (!status) return;
    if (status.type === 'Success') {
      d.status = 'credited';
      d.creditedAt = new Date();
      await this.audit.append(tx, {
        actor: 'system',
        action: 'treasury.deposit-credited',
        subjectType: 'deposit',
        subjectId: d.id,
        data: { amount: d.amount, instructionId: id, identityId: d.identityId },
      });
      await notify(tx, {
        userId: d.userId,
        kind: 'deposit.credited',
        title: 'Your deposit arrived',
        message: `Your deposit of ${this.money(d.amount)} has arrived. You can use it to subscribe to offerings.`,
        link: '/investor/money',
        data: { depositId: d.id, amount: d.amount },
        dedupeKey: `deposit.credited:${d.id}`,
      });
    } else if (status.type === 'Failed' || status.type === 'Rejected') {
      await this.failDeposit(tx, d, { ...op, errorCode: `instruction ${status.type}` } as ChainOperation);
    } else if (
      ((await this.ledger.instruction(id))?.pendingAffirmations ?? 0) > 0 &&
      d.status !== 'awaiting-affirmation'
    ) {
      d.status = 'awaiting-affirmation';
      await notify(tx, {
        userId: d.userId,
        kind: 'instruction.waiting',
        title: 'A payment waits for your acceptance',
        message: `Your deposit of ${this.money(d.amount)} is waiting for you to accept it under Portfolio → pending settlements.`,
        link: '/investor/portfolio',
        data: { depositId: d.id },
        dedupeKey: `deposit.awaiting:${d.id}`,
      });
    }
  }

  // ------------------------------------------------------------------------------ withdrawals

  /**
   * The investor asks for money back. The amount must not exceed what is free now, checked
   * under the money account's row lock in the transaction that reserves it, so two requests at
   * once cannot both spend the same balance.
   */
  async requestWithdrawal(
    identity: InvestorIdentity,
    input: { amount: string; payTo: string },
    actor: string,
  ): Promise<Withdrawal> {
    const amount = fromUnits(toUnits(input.amount));
    if (toUnits(amount) <= 0n) throw new AppError('VALIDATION_FAILED', 'The amount must be more than zero');
    const account = await this.account(identity);
    // The investor's account signs the transfer and pays its fee: funded first if it cannot.
    if (identity.custodial && identity.did && this.polyx) {
      const pf = { did: identity.did };
      await this.polyx.prepare(
        identity.account,
        [
          {
            name: 'settlement.addAndAffirmInstruction',
            args: {
              settlementType: SOA,
              legs: [{ type: 'Fungible', from: pf, to: pf, assetId: STAND_IN_ASSET, amount }],
              memo: `Withdrawal ${account.reference}`,
              portfolios: [pf],
            },
          },
        ],
        actor,
      );
    }
    const { w, op } = await retryOnDeadlock(() =>
      this.orm.em.fork().transactional(async (tx) => {
        await lockRow(tx, TreasuryAccount, account.id);
        const fresh = await tx.findOneOrFail(InvestorIdentity, { id: identity.id });
        if (!fresh.did || fresh.standing === 'revoked')
          throw new AppError(
            'RULE_VIOLATION',
            'Your identity cannot move funds at the moment; contact support',
          );
        if (!fresh.custodial)
          throw new AppError(
            'RULE_VIOLATION',
            'Your account holds its own key: send the stablecoin to the platform from your wallet to withdraw',
          );
        const coin = await this.coin(tx);
        const { available } = await this.balance(tx, fresh);
        if (toUnits(amount) > toUnits(available))
          throw new AppError(
            'RULE_VIOLATION',
            `You have ${this.money(available)} available to withdraw; ask for ${this.money(available)} or less`,
            { fields: [{ field: '/body/amount', message: `at most ${available}` }] },
          );
        const w = new Withdrawal();
        Object.assign(w, {
          accountId: account.id,
          identityId: fresh.id,
          userId: fresh.userId,
          amount,
          payTo: input.payTo.trim(),
        });
        tx.persist(w);
        const operatorDid = await this.operatorDid();
        const op = await this.operations.record(tx, {
          idempotencyKey: `withdrawal-${w.id}-transfer`,
          call: {
            name: 'settlement.addAndAffirmInstruction',
            args: {
              settlementType: SOA,
              legs: [
                {
                  type: 'Fungible',
                  from: { did: fresh.did },
                  to: { did: operatorDid },
                  assetId: coin.chainId,
                  amount,
                },
              ],
              memo: `Withdrawal ${account.reference}`,
              portfolios: [{ did: fresh.did }],
            },
          },
          signer: fresh.account,
          requestedBy: actor,
          subject: { type: 'withdrawal', id: w.id },
        });
        w.transferOperationId = op.id;
        await this.audit.append(tx, {
          actor,
          action: 'treasury.withdrawal-requested',
          subjectType: 'withdrawal',
          subjectId: w.id,
          data: { amount, payTo: w.payTo, identityId: fresh.id, availableBefore: available },
        });
        return { w, op };
      }),
    );
    await this.operations.dispatch(op);
    return w;
  }

  private async onWithdrawalStep(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    const w = await tx.findOne(Withdrawal, { id: op.subjectId! });
    if (!w) return [];
    if (op.status === 'failed') {
      w.status = 'failed';
      w.failureReason = `${op.kind}: ${op.errorCode ?? 'failed'}`;
      await this.audit.append(tx, {
        actor: 'system',
        action: 'treasury.withdrawal-failed',
        subjectType: 'withdrawal',
        subjectId: w.id,
        data: { operationId: op.id, errorCode: op.errorCode, errorMessage: op.errorMessage },
      });
      await notify(tx, {
        userId: w.userId,
        kind: 'withdrawal.failed',
        title: 'Your withdrawal did not go through',
        message: `Your withdrawal of ${this.money(w.amount)} could not be processed; the money stays in your account.`,
        link: '/investor/money',
        dedupeKey: `withdrawal.failed:${w.id}`,
      });
      return [];
    }
    if (op.id === w.transferOperationId) return this.afterWithdrawalTransfer(tx, w, op);
    if (op.id === w.redeemOperationId) {
      w.status = 'awaiting-payout';
      await this.audit.append(tx, {
        actor: 'system',
        action: 'treasury.withdrawal-redeemed',
        subjectType: 'withdrawal',
        subjectId: w.id,
        data: { amount: w.amount, operationId: op.id },
      });
    }
    return [];
  }

  private async afterWithdrawalTransfer(
    tx: EntityManager,
    w: Withdrawal,
    op: ChainOperation,
  ): Promise<ChainOperation[]> {
    const id = (op.result as { instructionId?: number } | null)?.instructionId;
    const status = id === undefined ? null : await this.ledger.instructionStatus(id);
    if (status?.type !== 'Success') {
      if (status?.type === 'Failed' || status?.type === 'Rejected') {
        w.status = 'failed';
        w.failureReason = `instruction ${status.type}`;
      }
      return [];
    }
    const coin = await this.coin(tx);
    const redeem = await this.operations.record(tx, {
      idempotencyKey: `withdrawal-${w.id}-redeem`,
      call: { name: 'asset.redeem', args: { assetId: coin.chainId, amount: w.amount } },
      signer: this.operatorAddress(),
      requestedBy: 'system',
      subject: { type: 'withdrawal', id: w.id },
    });
    w.redeemOperationId = redeem.id;
    w.status = 'redeeming';
    return [redeem];
  }

  /** The treasury operator sent the bank payment: the withdrawal is done. */
  async markPaid(id: string, bankReference: string, actor: string): Promise<Withdrawal> {
    return retryOnDeadlock(() =>
      this.orm.em.fork().transactional(async (tx) => {
        const w = await lockRow(tx, Withdrawal, id);
        if (!w) throw AppError.notFound('Withdrawal', id);
        if (w.status === 'paid')
          throw new AppError(
            'CONFLICT',
            `This withdrawal was already paid out (bank reference ${w.bankReference})`,
          );
        if (w.status !== 'awaiting-payout')
          throw new AppError(
            'CONFLICT',
            w.status === 'failed'
              ? 'This withdrawal failed; nothing is to be paid'
              : 'The stablecoin of this withdrawal is not redeemed yet; pay it out once it shows "awaiting payout"',
          );
        w.status = 'paid';
        w.bankReference = bankReference.trim();
        w.paidBy = actor;
        w.paidAt = new Date();
        await this.audit.append(tx, {
          actor,
          action: 'treasury.withdrawal-paid',
          subjectType: 'withdrawal',
          subjectId: w.id,
          data: { amount: w.amount, payTo: w.payTo, bankReference: w.bankReference },
        });
        await notify(tx, {
          userId: w.userId,
          kind: 'withdrawal.paid',
          title: 'Your withdrawal was paid out',
          message: `We have sent ${this.money(w.amount)} to your bank account ${w.payTo}. It usually arrives within one business day.`,
          link: '/investor/money',
          data: { withdrawalId: w.id, amount: w.amount },
          dedupeKey: `withdrawal.paid:${w.id}`,
        });
        return w;
      }),
    );
  }

  /**
   * Moves on deposits and withdrawals whose instruction was waiting on chain (an investor
   * affirming later, a chain that executes in the next block). Cheap when nothing waits.
   */
  async reconcile(where: { identityId?: string } = {}): Promise<void> {
    const em = this.orm.em.fork();
    const deposits = await em.find(Deposit, {
      ...where,
      status: { $in: ['transferring', 'awaiting-affirmation'] },
    });
    const withdrawals = await em.find(Withdrawal, { ...where, status: 'transferring' });
    for (const row of [...deposits, ...withdrawals]) {
      const op = row.transferOperationId
        ? await em.findOne(ChainOperation, { id: row.transferOperationId })
        : null;
      if (!op || !TERMINAL_STATUSES.has(op.status) || op.status !== 'finalised') continue;
      const next = await retryOnDeadlock(() =>
        this.orm.em.fork().transactional(async (tx) => {
          if (row instanceof Deposit) {
            const d = await lockRow(tx, Deposit, row.id);
            if (d && (d.status === 'transferring' || d.status === 'awaiting-affirmation'))
              await this.settleDeposit(tx, d, op);
            return [];
          }
          const w = await lockRow(tx, Withdrawal, row.id);
          return w && w.status === 'transferring' ? this.afterWithdrawalTransfer(tx, w, op) : [];
        }),
      );
      for (const n of next) await this.operations.dispatch(n);
    }
  }
}
