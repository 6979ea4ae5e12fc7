/**
 * Operator lanes: secondary keys of the operator's identity, each with its own nonce, so the
 * operator's independent writes (claims, remarks: `LANE_CALLS` in service.ts) are spread over
 * several accounts that the outbox drains side by side. DID registrations and POLYX grants stay
 * on the operator's key: a grant must follow its registration in nonce order, and the POLYX it
 * moves is the operator's, not a lane's.
 *
 * A lane's key is derived from the operator's secret (`<secret>//stoa-lane//<n>`), so nothing
 * new has to be kept: the same secret gives the same lanes on every start and every instance.
 * A lane joins the operator's identity through the chain's own flow, each step an outbox
 * operation of subject `operator-lane` (exactly once, audited like any other): the operator
 * invites the lane's account (`JoinIdentity`), the lane accepts, and the operator funds it (a
 * lane pays its own fees; POLYX reaches only accounts of an identity with CDD, so the funding
 * comes after the join). Until the chain says a lane belongs to the operator's identity and the
 * lane holds POLYX, it carries nothing.
 *
 * Routing happens when an operation is recorded (`OperationService.record`): an operation of
 * the operator whose call a lane may carry goes to one of the operator's ready keys (primary
 * included), chosen by a hash of its subject — so the claims of one attestation go through one
 * lane, in order. Its registration and grant go through the operator's key, so the outcomes of
 * one attestation may be recorded by two signers' transactions at once: the attestation hook
 * locks the attestation rows before it asks whether any operation is still open.
 */
import type { Address, Ledger, SignerKey } from '@stoa/chain';
import type { FastifyBaseLogger } from 'fastify';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { AuditService } from '../audit/service.js';
import { ChainOperation } from './entity.js';
import type { OperationService } from './service.js';

export const LANE_SUBJECT = 'operator-lane';

/** The key of lane `n` (1-based) of the operator whose key is `key`. */
export function laneKey(key: SignerKey, n: number): SignerKey {
  const path = `//stoa-lane//${n}`;
  return 'uri' in key
    ? { uri: `${key.uri}${path}` }
    : { ...key, derivationPath: `${key.derivationPath ?? ''}${path}` };
}

/** FNV-1a, 32 bits: a stable, even spread of subjects over lanes. */
export function laneHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export interface LaneOptions {
  /** How many lanes beside the primary key (0: none). */
  count: number;
  /** POLYX the operator sends each new lane for its fees. */
  fundPolyx: string;
  /** Setup attempts per lane before it is left out (each failed attempt is audited). */
  maxAttempts?: number;
}

export class OperatorLanes {
  private primary: Address | null = null;
  private did: string | null = null;
  private readonly lanes: Address[] = [];
  private readonly ready = new Set<Address>();

  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly operations: OperationService,
    private readonly audit: AuditService,
    private readonly log: FastifyBaseLogger,
    private readonly opts: LaneOptions,
  ) {
    operations.onFinal(LANE_SUBJECT, (tx, op) => this.onStep(tx, op));
  }

  /** The operator's keys that carry operations now: the primary first, then the joined lanes. */
  keys(): Address[] {
    return this.primary ? [this.primary, ...this.lanes.filter((l) => this.ready.has(l))] : [];
  }

  /** Whether `address` is the operator's primary key or one of its lanes (joined or not). */
  isOperatorKey(address: Address): boolean {
    return address === this.primary || this.lanes.includes(address);
  }

  /**
   * Loads the lanes' keys and brings each to the operator's identity: a lane the chain already
   * counts as the operator's is ready at once; the others get their setup operations (recorded
   * once: the idempotency keys name the lane and the attempt). Returns the operations to dispatch.
   */
  async start(primaryKey: SignerKey, primary: Address): Promise<ChainOperation[]> {
    this.primary = primary;
    if (this.opts.count <= 0) return [];
    this.did = await this.ledger.identityOf(primary);
    if (!this.did) {
      this.log.warn('the operator account has no identity on chain: its lanes stay unused');
      return [];
    }
    for (let n = 1; n <= this.opts.count; n++) {
      const address = await this.ledger.addSigner(laneKey(primaryKey, n));
      this.operations.keys.markLoaded(address);
      if (!this.lanes.includes(address)) this.lanes.push(address);
    }
    const em = this.orm.em.fork();
    const pending: ChainOperation[] = [];
    for (const lane of this.lanes) {
      const joined = (await this.ledger.identityOf(lane)) === this.did;
      const funded = joined && Number((await this.ledger.polyxBalance(lane)).free) > 0;
      if (funded) {
        this.ready.add(lane);
        continue;
      }
      const steps = await em.find(ChainOperation, { subjectType: LANE_SUBJECT, subjectId: lane });
      if (steps.some((s) => s.status !== 'finalised' && s.status !== 'failed')) continue; // under way
      const attempt = Math.max(0, ...steps.map((s) => attemptOf(s.idempotencyKey))) + 1;
      if (attempt > (this.opts.maxAttempts ?? 3)) {
        this.log.warn({ lane }, 'operator lane setup failed too often; the lane stays unused');
        continue;
      }
      pending.push(
        await em.fork().transactional(async (tx) => {
          await this.audit.append(tx, {
            actor: 'system',
            action: 'operator.lane-requested',
            subjectType: 'account',
            subjectId: lane,
            data: { lane, operator: this.primary, did: this.did, attempt, joined },
          });
          return this.step(tx, lane, attempt, joined ? 'fund' : 'invite');
        }),
      );
    }
    return pending;
  }

  /** Records one setup step of `lane` (attempt `attempt`). */
  private step(
    tx: EntityManager,
    lane: Address,
    attempt: number,
    step: 'invite' | 'join' | 'fund',
    authId?: number,
  ): Promise<ChainOperation> {
    const primary = this.primary!;
    return this.operations.record(tx, {
      idempotencyKey: `${LANE_SUBJECT}:${lane}:${attempt}:${step}`,
      call:
        step === 'invite'
          ? { name: 'identity.inviteAccount', args: { targetAccount: lane } }
          : step === 'join'
            ? { name: 'identity.acceptAuthorization', args: { authId: authId! } }
            : {
                name: 'balances.transfer',
                args: { to: lane, amount: this.opts.fundPolyx, memo: 'Stoa operator lane' },
              },
      signer: step === 'join' ? lane : primary,
      requestedBy: 'system',
      subject: { type: LANE_SUBJECT, id: lane },
    });
  }

  /** Each setup step's outcome: the invitation accepted by the lane, then the lane in service. */
  private async onStep(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    const lane = op.subjectId!;
    if (op.status === 'failed') {
      await this.audit.append(tx, {
        actor: 'system',
        action: 'operator.lane-failed',
        subjectType: 'account',
        subjectId: lane,
        data: { lane, step: op.kind, errorCode: op.errorCode, errorMessage: op.errorMessage },
      });
      return [];
    }
    const attempt = attemptOf(op.idempotencyKey);
    if (op.kind === 'identity.inviteAccount') {
      const { authId } = op.result as { authId: number };
      return [await this.step(tx, lane, attempt, 'join', authId)];
    }
    if (op.kind === 'identity.acceptAuthorization') return [await this.step(tx, lane, attempt, 'fund')];
    if (op.kind === 'balances.transfer') {
      // Final on chain: the lane is the operator's funded key whatever becomes of this transaction.
      this.ready.add(lane);
      await this.audit.append(tx, {
        actor: 'system',
        action: 'operator.lane-ready',
        subjectType: 'account',
        subjectId: lane,
        data: { lane, operator: this.primary, did: this.did, fundPolyx: this.opts.fundPolyx },
      });
    }
    return [];
  }
}

function attemptOf(idempotencyKey: string): number {
  return Number(idempotencyKey.split(':').at(-2) ?? 0);
}
