import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  chainErrorText,
  MAX_FUNGIBLE_LEGS,
  MAX_OFFCHAIN_LEGS,
  type InstructionDetails,
  type InstructionStatus,
  type InstructionLeg,
  type Ledger,
  type LedgerCall,
  type PortfolioRef,
  type SettlementType,
} from '@stoa/chain';
import { AppError } from '../../errors.js';
import { refuseField, requireGranular } from '../../lib/chain-input.js';
import { Asset } from '../assets/entity.js';
import type { AuditService } from '../audit/service.js';
import { InvestorIdentity } from '../identities/entity.js';
import type { IdentityService } from '../identities/service.js';
import { ChainOperation } from '../operations/entity.js';
import { TERMINAL_STATUSES, type OperationService } from '../operations/service.js';
import { lockRow, retryOnDeadlock } from '../../db/locks.js';
import { instructionAwaitingAffirmation } from '../notifications/events.js';
import { notify } from '../notifications/notify.js';
import type { PolyxFunding } from '../polyx/funding.js';
import { instructionRefusals } from '../lockups/service.js';
import { Settlement } from './entity.js';

export interface SettlementInput {
  venueId?: number;
  settlementType: SettlementType;
  /** Fungible legs name the platform's asset id. */
  legs: InstructionLeg[];
  memo?: string;
  purpose?: string;
  /** The platform-side deadline (default: SETTLEMENT_DEADLINE_MS from now). */
  expiresAt?: Date;
}

/**
 * A settlement the platform's own rules refuse (lock-ups, affiliates' volume, the holder cap in
 * investors): thrown by `record` before anything is written, with a reason in words per leg.
 */
export class SettlementRefused extends AppError {
  constructor(readonly refusals: { assetId: string; message: string }[]) {
    super('RULE_VIOLATION', `Settlement refused: ${refusals.map((r) => r.message).join('; ')}`, {
      reasons: refusals.map((r) => ({ rule: 'settlement', message: r.message })),
    });
  }
}

export type PartyAction = 'affirm' | 'withdraw' | 'reject';

/** How long an instruction may wait to be executed before the platform rejects it (7 days). */
export const SETTLEMENT_DEADLINE_MS = 7 * 86_400_000;

/** Each identity with a fungible leg, with one of its portfolios in the instruction. */
function partiesOfFungible(legs: InstructionLeg[]): Map<string, PortfolioRef> {
  const out = new Map<string, PortfolioRef>();
  for (const l of legs)
    if (l.type === 'Fungible') for (const p of [l.from, l.to]) if (!out.has(p.did)) out.set(p.did, p);
  return out;
}
const DONE: Record<PartyAction, string> = {
  affirm: 'affirmed',
  withdraw: 'withdrawn from',
  reject: 'rejected',
};

/** True when a leg of the instruction moves from or to the DID (its portfolios or off chain). */
export function involves(legs: InstructionLeg[], did: string): boolean {
  return legs.some((l) =>
    l.type === 'Fungible' ? l.from.did === did || l.to.did === did : l.from === did || l.to === did,
  );
}

/**
 * Settlement instructions the platform creates (operator signs, affirming the portfolios it
 * custodies) and the affirmations it gives on behalf of custodial investor accounts.
 */
export class SettlementService {
  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly operations: OperationService,
    private readonly identities: IdentityService,
    private readonly audit: AuditService,
    private readonly operatorAddress: () => string,
    /** Tops custodial accounts up before they sign (absent: no funding). */
    private readonly polyx?: PolyxFunding,
  ) {
    operations.onFinal('settlement', (tx, op) => this.onOutcome(tx, op));
  }

  /**
   * Legs as clients send them (fungible legs name the platform's asset id) → chain legs,
   * refusing what the chain would: too many legs of a kind, off-chain legs without a venue, a
   * leg from an identity to itself, unknown assets and fractions of indivisible ones.
   */
  private async chainLegs(
    em: EntityManager,
    legs: InstructionLeg[],
    venueId?: number,
  ): Promise<InstructionLeg[]> {
    const count = (type: InstructionLeg['type']) => legs.filter((l) => l.type === type).length;
    if (count('Fungible') > MAX_FUNGIBLE_LEGS)
      refuseField(
        'VALIDATION_FAILED',
        '/body/legs',
        `An instruction holds at most ${MAX_FUNGIBLE_LEGS} fungible legs`,
      );
    if (count('OffChain') > MAX_OFFCHAIN_LEGS)
      refuseField(
        'VALIDATION_FAILED',
        '/body/legs',
        `An instruction holds at most ${MAX_OFFCHAIN_LEGS} off-chain legs`,
      );
    if (count('OffChain') > 0 && venueId === undefined)
      refuseField('VALIDATION_FAILED', '/body/venueId', 'Off-chain legs need a venue: give venueId');
    const out: InstructionLeg[] = [];
    for (const [i, l] of legs.entries()) {
      const from = l.type === 'Fungible' ? l.from.did : l.from;
      const to = l.type === 'Fungible' ? l.to.did : l.to;
      if (from === to)
        refuseField(
          'VALIDATION_FAILED',
          `/body/legs/${i}`,
          `Leg ${i + 1} moves from and to the same identity`,
        );
      if (l.type === 'OffChain') {
        out.push(l);
        continue;
      }
      const asset = await em.findOne(Asset, { id: l.assetId });
      if (!asset?.chainId)
        refuseField(
          'VALIDATION_FAILED',
          `/body/legs/${i}/assetId`,
          `Asset ${l.assetId} does not exist on chain`,
        );
      requireGranular(`/body/legs/${i}/amount`, l.amount, asset);
      out.push({ ...l, assetId: asset.chainId });
    }
    return out;
  }

  async create(
    input: SettlementInput,
    actor: string,
    scope?: string,
  ): Promise<{ settlement: Settlement; op: ChainOperation }> {
    const out = await this.orm.em.fork().transactional(async (tx) => {
      // A re-run of the same request (its Idempotency-Key scope) answers with the first settlement.
      const first = scope
        ? await tx.findOne(ChainOperation, { idempotencyKey: `settlement:${scope}` })
        : null;
      if (first) return { settlement: await this.get(tx, first.subjectId!), op: first };
      try {
        return await this.record(tx, input, actor, scope);
      } catch (err) {
        if (!(err instanceof SettlementRefused)) throw err;
        // The refusal is a decision: it stays in the audit trail though nothing else is written.
        for (const assetId of new Set(err.refusals.map((r) => r.assetId)))
          await this.audit.append(tx, {
            actor,
            action: 'settlement.refused',
            subjectType: 'asset',
            subjectId: assetId,
            data: {
              legs: input.legs,
              reasons: err.refusals.filter((r) => r.assetId === assetId).map((r) => r.message),
            },
          });
        return { refused: err };
      }
    });
    if ('refused' in out) throw out.refused;
    await this.operations.dispatch(out.op);
    return out;
  }

  private async refusePastBlock(input: SettlementInput): Promise<void> {
    if (input.settlementType.type !== 'SettleOnBlock') return;
    const height = (await this.ledger.info()).blockHeight;
    if (input.settlementType.block <= height)
      refuseField(
        'VALIDATION_FAILED',
        '/body/settlementType/block',
        `Block ${input.settlementType.block} has passed (the chain is at ${height}); name a later block`,
      );
  }

  /**
   * Records a new settlement and its chain operation in the caller's transaction (which
   * dispatches `op` after commit). `scope` keys the operation (`settlement:<scope>`). Lock-ups,
   * affiliates' volume and the holder cap in investors — what the chain cannot count exactly —
   * are decided here under the assets' row locks: `SettlementRefused` before anything is written.
   */
  async record(
    tx: EntityManager,
    input: SettlementInput,
    actor: string,
    scope?: string,
  ): Promise<{ settlement: Settlement; op: ChainOperation }> {
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now())
      refuseField('VALIDATION_FAILED', '/body/expiresAt', 'The deadline has passed; choose a later one');
    const legs = await this.chainLegs(tx, input.legs, input.venueId);
    await this.refusePastBlock(input);
    const operatorDid = await this.ledger.identityOf(this.operatorAddress());
    const own = legs.flatMap((l) => (l.type === 'Fungible' && l.from.did === operatorDid ? [l.from] : []));
    const refusals = await instructionRefusals(tx, this.ledger, legs, (id) => lockRow(tx, Asset, id));
    if (refusals.length > 0) throw new SettlementRefused(refusals);
    const s = new Settlement();
    Object.assign(s, {
      venueId: input.venueId ?? null,
      settlementType: input.settlementType,
      legs,
      memo: input.memo ?? null,
      purpose: input.purpose ?? null,
      requestedBy: actor,
      expiresAt: input.expiresAt ?? new Date(Date.now() + SETTLEMENT_DEADLINE_MS),
    });
    tx.persist(s);
    await this.audit.append(tx, {
      actor,
      action: 'settlement.created',
      subjectType: 'settlement',
      subjectId: s.id,
      data: { legs, settlementType: input.settlementType },
    });
    const args = {
      ...(input.venueId ? { venueId: input.venueId } : {}),
      settlementType: input.settlementType,
      legs,
      ...(input.memo ? { memo: input.memo } : {}),
    };
    const call: LedgerCall =
      own.length > 0
        ? { name: 'settlement.addAndAffirmInstruction', args: { ...args, portfolios: own } }
        : { name: 'settlement.addInstruction', args };
    const op = await this.operations.record(tx, {
      idempotencyKey: `settlement:${scope ?? s.id}`,
      call,
      signer: this.operatorAddress(),
      requestedBy: actor,
      subject: { type: 'settlement', id: s.id },
    });
    return { settlement: s, op };
  }

  async get(em: EntityManager, id: string): Promise<Settlement> {
    const s = await em.findOne(Settlement, { id });
    if (!s) throw AppError.notFound('Settlement', id);
    return s;
  }

  /** Affirm, withdraw or reject for a custodial investor (identityId) or the operator's portfolios. */
  async partyAction(
    id: string,
    action: PartyAction,
    actor: string,
    identityId?: string,
    scope?: string,
  ): Promise<ChainOperation> {
    let signer = this.operatorAddress();
    let did = await this.ledger.identityOf(signer);
    if (identityId) {
      const em = this.orm.em.fork();
      const identity = await em.findOne(InvestorIdentity, { id: identityId });
      if (!identity?.did) throw AppError.notFound('Investor identity with a DID', identityId);
      signer = await this.identities.custodialSigner(identityId, em);
      did = identity.did;
      // The investor's account pays the fee: the platform makes sure it can, first.
      const s = await em.findOne(Settlement, { id }, { fields: ['instructionId'] });
      if (s?.instructionId != null) {
        const args = { id: s.instructionId, portfolios: [{ did }] };
        const call: LedgerCall =
          action === 'affirm'
            ? { name: 'settlement.affirmInstruction', args }
            : action === 'withdraw'
              ? { name: 'settlement.withdrawAffirmation', args }
              : { name: 'settlement.rejectInstruction', args: { id: s.instructionId, portfolio: { did } } };
        await this.polyx?.prepare(signer, [call], actor);
      }
    }
    return this.submit(id, actor, `settlement.${action}`, signer, scope, async (s, instructionId) => {
      const portfolios: PortfolioRef[] = [];
      for (const l of s.legs) {
        if (l.type !== 'Fungible') continue;
        for (const p of [l.from, l.to])
          if (
            p.did === did &&
            !portfolios.some((x) => x.did === p.did && (x.number ?? 0) === (p.number ?? 0))
          )
            portfolios.push(p);
      }
      if (portfolios.length === 0)
        throw new AppError('RULE_VIOLATION', `The identity ${did} has no portfolio in settlement ${id}`);
      await this.expectParty(instructionId, id, action, portfolios);
      return action === 'affirm'
        ? { name: 'settlement.affirmInstruction', args: { id: instructionId, portfolios } }
        : action === 'withdraw'
          ? { name: 'settlement.withdrawAffirmation', args: { id: instructionId, portfolios } }
          : { name: 'settlement.rejectInstruction', args: { id: instructionId, portfolio: portfolios[0]! } };
    });
  }

  /**
   * Executes a SettleManual instruction or retries a Failed one. Polymesh lets a party's custodian
   * (with that portfolio), the venue's creator or an off-chain party do it: the operator signs when
   * it is one of those, otherwise a custodial party — the investor asking (identityId), or the
   * first custodial investor among the parties when staff ask.
   */
  async execute(id: string, actor: string, scope?: string, identityId?: string): Promise<ChainOperation> {
    const em = this.orm.em.fork();
    const s = await this.get(em, id);
    const by = await this.executor(em, s, identityId);
    if (!by)
      throw new AppError(
        'RULE_VIOLATION',
        'Nobody the platform signs for may execute this instruction: it has no custodial party and the platform did not create its venue',
      );
    const call = (instructionId: number): LedgerCall => ({
      name: 'settlement.executeManualInstruction',
      args: { id: instructionId, ...(by.portfolio ? { portfolio: by.portfolio } : {}) },
    });
    if (by.signer !== this.operatorAddress() && s.instructionId !== null)
      await this.polyx?.prepare(by.signer, [call(s.instructionId)], actor);
    return this.submit(id, actor, 'settlement.execute', by.signer, scope, async (_s, instructionId) => {
      const status = (await this.ledger.instructionStatus(instructionId))?.type;
      if (status !== 'Pending' && status !== 'Failed')
        throw new AppError(
          'CONFLICT',
          `Settlement ${id} is ${status ?? 'gone'} on chain; there is nothing to execute`,
        );
      return call(instructionId);
    });
  }

  /** Who may execute (or reject) the instruction among the accounts the platform signs for. */
  private async executor(
    em: EntityManager,
    s: Settlement,
    identityId?: string,
  ): Promise<{ signer: string; portfolio?: PortfolioRef } | null> {
    const parties = partiesOfFungible(s.legs);
    if (identityId) {
      const identity = await em.findOne(InvestorIdentity, { id: identityId });
      if (!identity?.did || !parties.has(identity.did)) return null;
      return {
        signer: await this.identities.custodialSigner(identityId, em),
        portfolio: { did: identity.did },
      };
    }
    const operatorDid = await this.ledger.identityOf(this.operatorAddress());
    if (operatorDid && parties.has(operatorDid))
      return { signer: this.operatorAddress(), portfolio: parties.get(operatorDid)! };
    if (s.venueId !== null && operatorDid && (await this.ledger.venue(s.venueId))?.creator === operatorDid)
      return { signer: this.operatorAddress() };
    const custodial = await em.find(InvestorIdentity, { did: { $in: [...parties.keys()] }, custodial: true });
    const first = custodial[0];
    return first?.did ? { signer: first.account, portfolio: parties.get(first.did)! } : null;
  }

  /**
   * The chain ran the instruction and it failed (a scheduled execution: no operation of the
   * platform's failed, so nothing else records it). The reason goes on the settlement in words,
   * in the audit trail and to the investor parties; then the instruction is rejected, so the
   * chain releases what the affirmations locked. Once per instruction and block.
   */
  async onChainFailure(tx: EntityManager, instructionId: number, code: string, block: number) {
    const s = await tx.findOne(Settlement, { instructionId });
    if (!s || s.purpose === 'ats-trade') return [];
    // Read again after a restart: recorded already.
    if (await tx.findOne(ChainOperation, { idempotencyKey: `settlement.release:${s.id}:failed:${block}` }))
      return [];
    const reason = chainErrorText(code);
    s.failureReason = reason;
    await this.audit.append(tx, {
      actor: 'system',
      action: 'settlement.failed',
      subjectType: 'settlement',
      subjectId: s.id,
      data: { instructionId, code, block, reason },
    });
    const parties = partiesOfFungible(s.legs);
    const investors = await tx.find(InvestorIdentity, { did: { $in: [...parties.keys()] } });
    for (const identity of investors)
      await notify(tx, {
        userId: identity.userId,
        kind: 'settlement.failed',
        dedupeKey: `settlement.failed:${s.id}:${block}:${identity.id}`,
        title: 'A settlement did not go through',
        message: `A settlement involving your account did not go through: ${reason} Nothing moved, and what it held for you is released.`,
        link: '/investor/instructions',
        data: { settlementId: s.id },
      });
    return this.recordRelease(tx, s, `failed:${block}`);
  }

  /** A reject of the instruction by a party the platform signs for: the chain unlocks everything. */
  private async recordRelease(tx: EntityManager, s: Settlement, why: string): Promise<ChainOperation[]> {
    const by = await this.executor(tx, s);
    if (!by?.portfolio || s.instructionId === null) return [];
    return [
      await this.operations.record(tx, {
        idempotencyKey: `settlement.release:${s.id}:${why}`,
        call: {
          name: 'settlement.rejectInstruction',
          args: { id: s.instructionId, portfolio: by.portfolio },
        },
        signer: by.signer,
        requestedBy: 'system',
        subject: { type: 'settlement-release', id: s.id },
      }),
    ];
  }

  /**
   * Instructions past their deadline that the chain still holds (Pending, or Failed and not yet
   * released) are rejected, and the parties told why. Returns how many were expired.
   */
  async expireDue(now = new Date()): Promise<number> {
    const due = await this.orm.em.fork().find(Settlement, {
      expiresAt: { $lte: now },
      instructionId: { $ne: null },
      // ATS trades keep their own deadline (trading/service.ts).
      $or: [{ purpose: null }, { purpose: { $ne: 'ats-trade' } }],
    });
    let n = 0;
    for (const d of due) {
      const status = (await this.ledger.instructionStatus(d.instructionId!))?.type;
      if (status !== 'Pending' && status !== 'Failed') continue;
      const ops = await this.orm.em.fork().transactional(async (tx) => {
        const s = await lockRow(tx, Settlement, d.id);
        if (!s) return [];
        const release = await this.recordRelease(tx, s, 'expired');
        if (release.length === 0) return [];
        s.failureReason = 'The settlement was not completed by its deadline, so the platform cancelled it.';
        await this.audit.append(tx, {
          actor: 'system',
          action: 'settlement.expired',
          subjectType: 'settlement',
          subjectId: s.id,
          data: { instructionId: s.instructionId, expiresAt: s.expiresAt?.toISOString() },
        });
        return release;
      });
      for (const op of ops) await this.operations.dispatch(op);
      if (ops.length > 0) n += 1;
    }
    return n;
  }

  /** What the chain already says refuses the action: affirming twice, withdrawing nothing, acting on a settled instruction. */
  private async expectParty(
    instructionId: number,
    id: string,
    action: PartyAction,
    portfolios: PortfolioRef[],
  ) {
    const chain = await this.ledger.instruction(instructionId);
    // Executed and rejected instructions are pruned on chain: only their status is left.
    const status = chain?.status.type ?? (await this.ledger.instructionStatus(instructionId))?.type ?? 'gone';
    if (status !== 'Pending' && !(action === 'reject' && status === 'Failed'))
      throw new AppError(
        'CONFLICT',
        `Settlement ${id} is ${status} on chain; it can no longer be ${DONE[action]}`,
      );
    const same = (a: PortfolioRef, b: PortfolioRef) => a.did === b.did && (a.number ?? 0) === (b.number ?? 0);
    const affirmed = portfolios.filter((p) =>
      chain!.affirmations.some((a) => same(a.portfolio, p) && a.status === 'Affirmed'),
    );
    if (action === 'affirm' && affirmed.length === portfolios.length)
      throw new AppError('CONFLICT', `Settlement ${id} is already affirmed for these portfolios`);
    if (action === 'withdraw' && affirmed.length === 0)
      throw new AppError('CONFLICT', `Settlement ${id} has no affirmation of these portfolios to withdraw`);
  }

  /**
   * One party action, under the settlement's row lock: while the same action by the same signer
   * is unfinished, a repeat answers with it rather than signing twice. Keys come from the
   * request's Idempotency-Key scope or from how many times the signer took the action.
   */
  private async submit(
    id: string,
    actor: string,
    action: string,
    signer: string,
    scope: string | undefined,
    build: (s: Settlement, instructionId: number) => Promise<LedgerCall>,
  ): Promise<ChainOperation> {
    const out = await retryOnDeadlock(() =>
      this.orm.em.fork().transactional(async (tx) => {
        const s = await lockRow(tx, Settlement, id);
        if (!s) throw AppError.notFound('Settlement', id);
        const prefix = `${action}:${s.id}:${signer}:`;
        const earlier = await tx.find(ChainOperation, { idempotencyKey: { $like: `${prefix}%` } });
        const repeat =
          earlier.find((op) => scope && op.idempotencyKey === `${prefix}${scope}`) ??
          earlier.find((op) => !TERMINAL_STATUSES.has(op.status));
        if (repeat) return { op: repeat, fresh: false };
        if (s.instructionId === null)
          throw new AppError('CONFLICT', `Settlement ${id} is not on chain yet; wait for its creation`);
        const call = await build(s, s.instructionId);
        await this.audit.append(tx, {
          actor,
          action,
          subjectType: 'settlement',
          subjectId: s.id,
          data: { call },
        });
        const op = await this.operations.record(tx, {
          idempotencyKey: `${prefix}${scope ?? `n${earlier.length}`}`,
          call,
          signer,
          requestedBy: actor,
          subject: { type: 'settlement', id: s.id },
        });
        return { op, fresh: true };
      }),
    );
    if (out.fresh) await this.operations.dispatch(out.op);
    return out.op;
  }

  /**
   * Instructions on chain that involve the DID and wait for affirmations, newest first. One
   * indexed query by party (`parties @> {did}`), so the cost follows the investor's own
   * settlements, not the platform's; `limit`/`offset` page through those settlements (a page may
   * hold fewer pending ones than `limit`: the chain decides which still wait).
   */
  async pendingFor(
    em: EntityManager,
    did: string,
    page: { limit?: number; offset?: number } = {},
  ): Promise<{ pending: { settlement: Settlement; chain: InstructionDetails }[]; scanned: number }> {
    // The party's rows first (GIN index), then their order: as one plain query the planner
    // walks the created_at index backwards over every settlement of the platform looking for
    // the party's (measured: 20 ms at 100k settlements for an investor with 3, against 0.05 ms).
    const rows = (
      await em.getConnection().execute<Record<string, unknown>[]>(
        `with mine as materialized (select * from "settlement" where "parties" @> array[?]::text[])
         select * from mine where "instruction_id" is not null
          order by "created_at" desc, "id" desc
          ${page.limit !== undefined ? 'limit ?' : ''} offset ?`,
        [did, ...(page.limit !== undefined ? [page.limit] : []), page.offset ?? 0],
        'all',
        em.getTransactionContext(),
      )
    ).map((row) => em.map(Settlement, row));
    const chains = await Promise.all(rows.map((s) => this.ledger.instruction(s.instructionId!)));
    const pending = rows.flatMap((settlement, i) => {
      const chain = chains[i];
      return chain?.status.type === 'Pending' ? [{ settlement, chain }] : [];
    });
    return { pending, scanned: rows.length };
  }

  /** The chain's view: status, affirmations; the failure reason from the last failed operation. */
  async view(
    em: EntityManager,
    s: Settlement,
  ): Promise<{
    chain: InstructionDetails | null;
    status: InstructionStatus | null;
    operations: ChainOperation[];
  }> {
    const operations = await em.find(
      ChainOperation,
      { subjectType: 'settlement', subjectId: s.id },
      { orderBy: { createdAt: 'asc' } },
    );
    if (s.instructionId === null) return { chain: null, status: null, operations };
    // The details while the instruction lives; the status also after the chain pruned it.
    const [chain, status] = await Promise.all([
      this.ledger.instruction(s.instructionId),
      this.ledger.instructionStatus(s.instructionId),
    ]);
    return { chain, status, operations };
  }

  /**
   * The parties who still have to affirm a new instruction are told so. Who has affirmed comes
   * from the chain: the platform's portfolios (affirmed with the instruction) and receivers who
   * pre-approved the asset are done already; an instruction that settled at once needs nobody.
   */
  private async tellPartiesToAffirm(tx: EntityManager, s: Settlement, op: ChainOperation): Promise<void> {
    const chain = await this.ledger.instruction(s.instructionId!).catch(() => null);
    if (chain && chain.status.type !== 'Pending') return;
    // Settled (or rejected) at once: the chain pruned it, nobody has anything to affirm.
    if (!chain && (await this.ledger.instructionStatus(s.instructionId!).catch(() => null)) !== null) return;
    const own = op.call.name === 'settlement.addAndAffirmInstruction' ? op.call.args.portfolios : [];
    const waiting = new Set(
      (chain?.affirmations ?? []).filter((a) => a.status !== 'Affirmed').map((a) => a.portfolio.did),
    );
    const affirmed = chain
      ? chain.affirmations.map((a) => a.portfolio.did).filter((did) => !waiting.has(did))
      : own.map((p) => p.did);
    await instructionAwaitingAffirmation(tx, s.id, s.legs, affirmed);
  }

  private async onOutcome(tx: EntityManager, op: ChainOperation): Promise<void> {
    const s = await tx.findOne(Settlement, { id: op.subjectId! });
    if (!s) return;
    if (op.status === 'failed') {
      s.failureReason = `${op.kind}: ${op.errorCode ?? 'failed'} — ${op.errorMessage ?? ''}`;
      return;
    }
    const result = op.result as { instructionId?: number } | null;
    if (result?.instructionId !== undefined) {
      s.instructionId = result.instructionId;
      await this.tellPartiesToAffirm(tx, s, op);
    }
    s.failureReason = null;
  }
}
