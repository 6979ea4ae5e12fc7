import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import {
  MAX_FUNGIBLE_LEGS,
  MAX_OFFCHAIN_LEGS,
  type InstructionDetails,
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
import type { OperationService } from '../operations/service.js';
import { Settlement } from './entity.js';

export type PartyAction = 'affirm' | 'withdraw' | 'reject';

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
    input: {
      venueId?: number;
      settlementType: SettlementType;
      /** Fungible legs name the platform's asset id. */
      legs: InstructionLeg[];
      memo?: string;
      purpose?: string;
    },
    actor: string,
  ): Promise<{ settlement: Settlement; op: ChainOperation }> {
    const legs = await this.chainLegs(this.orm.em.fork(), input.legs, input.venueId);
    if (input.settlementType.type === 'SettleOnBlock') {
      const height = (await this.ledger.info()).blockHeight;
      if (input.settlementType.block <= height)
        refuseField(
          'VALIDATION_FAILED',
          '/body/settlementType/block',
          `Block ${input.settlementType.block} has passed (the chain is at ${height}); name a later block`,
        );
    }
    const operatorDid = await this.ledger.identityOf(this.operatorAddress());
    const own = legs.flatMap((l) => (l.type === 'Fungible' && l.from.did === operatorDid ? [l.from] : []));
    const out = await this.orm.em.fork().transactional(async (tx) => {
      const s = new Settlement();
      Object.assign(s, {
        venueId: input.venueId ?? null,
        settlementType: input.settlementType,
        legs,
        memo: input.memo ?? null,
        purpose: input.purpose ?? null,
        requestedBy: actor,
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
        idempotencyKey: `settlement:${s.id}`,
        call,
        signer: this.operatorAddress(),
        requestedBy: actor,
        subject: { type: 'settlement', id: s.id },
      });
      return { settlement: s, op };
    });
    await this.operations.dispatch(out.op);
    return out;
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
  ): Promise<ChainOperation> {
    const em = this.orm.em.fork();
    const s = await this.get(em, id);
    if (s.instructionId === null)
      throw new AppError('CONFLICT', `Settlement ${id} is not on chain yet; wait for its creation`);
    let signer = this.operatorAddress();
    let did = await this.ledger.identityOf(signer);
    if (identityId) {
      const identity = await em.findOne(InvestorIdentity, { id: identityId });
      if (!identity?.did) throw AppError.notFound('Investor identity with a DID', identityId);
      signer = await this.identities.unlockSigner(identityId);
      did = identity.did;
    }
    const portfolios: PortfolioRef[] = [];
    for (const l of s.legs) {
      if (l.type !== 'Fungible') continue;
      for (const p of [l.from, l.to])
        if (p.did === did && !portfolios.some((x) => x.did === p.did && (x.number ?? 0) === (p.number ?? 0)))
          portfolios.push(p);
    }
    if (portfolios.length === 0)
      throw new AppError('RULE_VIOLATION', `The identity ${did} has no portfolio in settlement ${id}`);
    const instructionId = s.instructionId;
    const call: LedgerCall =
      action === 'affirm'
        ? { name: 'settlement.affirmInstruction', args: { id: instructionId, portfolios } }
        : action === 'withdraw'
          ? { name: 'settlement.withdrawAffirmation', args: { id: instructionId, portfolios } }
          : { name: 'settlement.rejectInstruction', args: { id: instructionId, portfolio: portfolios[0]! } };
    return this.submit(s, actor, `settlement.${action}`, call, signer);
  }

  async execute(id: string, actor: string): Promise<ChainOperation> {
    const s = await this.get(this.orm.em.fork(), id);
    if (s.instructionId === null) throw new AppError('CONFLICT', `Settlement ${id} is not on chain yet`);
    return this.submit(
      s,
      actor,
      'settlement.execute',
      { name: 'settlement.executeManualInstruction', args: { id: s.instructionId } },
      this.operatorAddress(),
    );
  }

  private async submit(
    s: Settlement,
    actor: string,
    action: string,
    call: LedgerCall,
    signer: string,
  ): Promise<ChainOperation> {
    const op = await this.orm.em.fork().transactional(async (tx) => {
      await this.audit.append(tx, {
        actor,
        action,
        subjectType: 'settlement',
        subjectId: s.id,
        data: { call },
      });
      return this.operations.record(tx, {
        idempotencyKey: `${action}:${s.id}:${Date.now()}:${signer}`,
        call,
        signer,
        requestedBy: actor,
        subject: { type: 'settlement', id: s.id },
      });
    });
    await this.operations.dispatch(op);
    return op;
  }

  /** Instructions on chain that involve the DID and wait for affirmations, newest first. */
  async pendingFor(
    em: EntityManager,
    did: string,
  ): Promise<{ settlement: Settlement; chain: InstructionDetails }[]> {
    const rows = await em.find(
      Settlement,
      { instructionId: { $ne: null } },
      { orderBy: { createdAt: 'desc' } },
    );
    const out: { settlement: Settlement; chain: InstructionDetails }[] = [];
    for (const s of rows.filter((r) => involves(r.legs, did))) {
      const chain = await this.ledger.instruction(s.instructionId!);
      if (chain?.status.type === 'Pending') out.push({ settlement: s, chain });
    }
    return out;
  }

  /** The chain's view: status, affirmations; the failure reason from the last failed operation. */
  async view(
    em: EntityManager,
    s: Settlement,
  ): Promise<{ chain: InstructionDetails | null; operations: ChainOperation[] }> {
    const operations = await em.find(
      ChainOperation,
      { subjectType: 'settlement', subjectId: s.id },
      { orderBy: { createdAt: 'asc' } },
    );
    return {
      chain: s.instructionId === null ? null : await this.ledger.instruction(s.instructionId),
      operations,
    };
  }

  private async onOutcome(tx: EntityManager, op: ChainOperation): Promise<void> {
    const s = await tx.findOne(Settlement, { id: op.subjectId! });
    if (!s) return;
    if (op.status === 'failed') {
      s.failureReason = `${op.kind}: ${op.errorCode ?? 'failed'} — ${op.errorMessage ?? ''}`;
      return;
    }
    const result = op.result as { instructionId?: number } | null;
    if (result?.instructionId !== undefined) s.instructionId = result.instructionId;
    s.failureReason = null;
  }
}
