import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Ledger, LedgerCall } from '@stoa/chain';
import { AppError } from '../../errors.js';
import { chainNow } from '../../lib/chain-time.js';
import { requireGranular, requireSupplyRoom } from '../../lib/chain-input.js';
import { fromUnits, mulUnits, toUnits } from '../../lib/units.js';
import type { Asset } from '../assets/entity.js';
import { supplyAfterPendingIssues } from '../assets/prechecks.js';
import type { AssetService } from '../assets/service.js';
import type { AuditService } from '../audit/service.js';
import type { TransferCheckService } from '../compliance/checks.js';
import { AssetRules } from '../compliance/entity.js';
import { InvestorIdentity } from '../identities/entity.js';
import type { IdentityService } from '../identities/service.js';
import { lockRow, retryOnDeadlock } from '../../db/locks.js';
import { ChainOperation } from '../operations/entity.js';
import { TERMINAL_STATUSES as TERMINAL } from '../operations/service.js';
import { assessEligibility, raisedBy, type Eligibility } from './eligibility.js';
import { OfferingDocuments, type AgreementInput } from './documents.js';
import { Offering, Subscription, type InvestorClass, type OfferingTerms } from './entity.js';
import type { KeyRing } from '../keys/keyring.js';
import type { PolyxFunding } from '../polyx/funding.js';

/** The names an investor's identity was verified under (the person, or an entity's signatory). */
export type VerifiedNames = (tx: EntityManager, identity: InvestorIdentity) => Promise<string[]>;

export interface CreateOfferingInput extends Omit<
  OfferingTerms,
  'maxInvestment' | 'softCap' | 'hardCap' | 'start' | 'eligibleClasses' | 'documents'
> {
  name: string;
  /** Unset: the platform stablecoin. */
  paymentAssetId?: string;
  maxInvestment?: string;
  softCap?: string;
  hardCap?: string;
  start?: string;
  eligibleClasses?: InvestorClass[];
  documents?: OfferingTerms['documents'];
}

export class OfferingService {
  constructor(
    readonly orm: MikroORM,
    readonly ledger: Ledger,
    readonly assets: AssetService,
    readonly checks: TransferCheckService,
    readonly identities: IdentityService,
    readonly audit: AuditService,
    keys: KeyRing,
    private readonly verifiedNames: VerifiedNames,
  ) {
    this.documents = new OfferingDocuments(this, keys, audit);
  }

  readonly documents: OfferingDocuments;

  /** The payment asset of offerings that name none (the platform stablecoin, set by the treasury). */
  defaultPaymentAsset: (em: EntityManager) => Promise<string | null> = async () => null;
  /** Tops custodial investors' accounts up before they sign (unset: no funding). */
  polyx: PolyxFunding | null = null;

  get operations() {
    return this.assets.operations;
  }

  async create(assetId: string, input: CreateOfferingInput, actor: string): Promise<Offering> {
    const problems: string[] = [];
    const end = Date.parse(input.end);
    // Without a start the fundraiser opens at the chain's time, which its window is checked by.
    const start = input.start ? Date.parse(input.start) : (await chainNow(this.ledger)).getTime();
    if (end <= start) problems.push('end must be after start');
    if (input.maxInvestment && toUnits(input.maxInvestment) < toUnits(input.minInvestment))
      problems.push('maxInvestment must be at least minInvestment');
    const hardCap = input.tiers.reduce((s, t) => s + mulUnits(toUnits(t.amount), toUnits(t.price)), 0n);
    if (input.hardCap && toUnits(input.hardCap) > hardCap)
      problems.push(`hardCap exceeds what the tiers can raise (${fromUnits(hardCap)})`);
    if (input.softCap && toUnits(input.softCap) > (input.hardCap ? toUnits(input.hardCap) : hardCap))
      problems.push('softCap must not exceed the hard cap');
    if (problems.length)
      throw new AppError('VALIDATION_FAILED', `Invalid offering terms: ${problems.join('; ')}`);
    return this.orm.em.fork().transactional(async (tx) => {
      const { asset } = await this.assets.active(tx, assetId);
      // The launch issues the tiers' tokens and investors buy them: whole tokens if indivisible.
      input.tiers.forEach((t, i) => requireGranular(`/body/tiers/${i}/amount`, t.amount, asset));
      const paymentAssetId = input.paymentAssetId ?? (await this.defaultPaymentAsset(tx));
      if (!paymentAssetId)
        throw new AppError(
          'VALIDATION_FAILED',
          'The platform stablecoin does not exist yet; give paymentAssetId or wait until it is created',
        );
      const payment = await this.assets.active(tx, paymentAssetId);
      if (payment.asset.assetType !== 'StableCoin') {
        throw new AppError(
          'VALIDATION_FAILED',
          `Payment asset ${paymentAssetId} is not a stablecoin; offerings are priced in the platform stablecoin`,
        );
      }
      const o = new Offering();
      o.assetId = assetId;
      o.paymentAssetId = paymentAssetId;
      o.name = input.name;
      o.terms = {
        tiers: input.tiers,
        minInvestment: input.minInvestment,
        maxInvestment: input.maxInvestment ?? null,
        softCap: input.softCap ?? null,
        hardCap: input.hardCap ?? fromUnits(hardCap),
        start: input.start ?? null,
        end: input.end,
        eligibleClasses: input.eligibleClasses ?? [],
        documents: input.documents ?? [],
      };
      tx.persist(o);
      await this.audit.append(tx, {
        actor,
        action: 'offering.created',
        subjectType: 'offering',
        subjectId: o.id,
        data: { assetId, terms: o.terms },
      });
      return o;
    });
  }

  async get(em: EntityManager, id: string, lock = false): Promise<Offering> {
    const o = await em.findOne(Offering, { id }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
    if (!o) throw AppError.notFound('Offering', id);
    return o;
  }

  /**
   * Records offering operations (signed by the issuer) with an audit entry, dispatched after
   * commit. `fn` checks the offering's state and returns the calls; it runs under the offering's
   * row lock, so two requests cannot both pass the check (launch or close twice). While
   * operations of the same action are unfinished, a repeat answers with them instead of
   * recording more. Keys come from the request's Idempotency-Key scope or, without one, from
   * how many operations the action already has: never from the clock. The asset row is locked
   * too (before the offering, the lock order), so supply checks see every pending issue.
   */
  async record(
    id: string,
    actor: string,
    action: string,
    fn: (
      tx: EntityManager,
      o: Offering,
      chainId: string,
      asset: Asset,
    ) => Promise<LedgerCall[]> | LedgerCall[],
    scope?: string,
  ): Promise<{ offering: Offering; operations: ChainOperation[]; fresh: boolean }> {
    const out = await retryOnDeadlock(() =>
      this.orm.em.fork().transactional(async (tx) => {
        const peek = await tx.findOne(Offering, { id });
        if (!peek) throw AppError.notFound('Offering', id);
        const { asset, issuer } = await this.assets.active(tx, peek.assetId, { lock: true });
        const o = await lockRow(tx, Offering, id);
        if (!o) throw AppError.notFound('Offering', id);
        const prefix = `${action}:${o.id}:`;
        const earlier = await tx.find(
          ChainOperation,
          { idempotencyKey: { $like: `${prefix}%` } },
          { orderBy: { createdAt: 'asc' } },
        );
        // Keys are `<prefix><instance>:<call index>`: one instance per time the action was taken.
        const instance = (op: ChainOperation) =>
          op.idempotencyKey.slice(0, op.idempotencyKey.lastIndexOf(':'));
        const unfinished = earlier.find((op) => !TERMINAL.has(op.status));
        const repeat =
          scope && earlier.some((op) => instance(op) === `${prefix}${scope}`)
            ? `${prefix}${scope}`
            : unfinished && instance(unfinished);
        if (repeat)
          return { offering: o, operations: earlier.filter((op) => instance(op) === repeat), fresh: false };
        const calls = await fn(tx, o, asset.chainId, asset);
        await this.audit.append(tx, {
          actor,
          action,
          subjectType: 'offering',
          subjectId: o.id,
          data: { calls: calls.map((c) => c.name), status: o.status },
        });
        const ops: ChainOperation[] = [];
        for (const [i, call] of calls.entries()) {
          ops.push(
            await this.operations.record(tx, {
              idempotencyKey: `${prefix}${scope ?? `n${earlier.length}`}:${i}`,
              call,
              signer: issuer.account,
              requestedBy: actor,
              subject: { type: 'offering', id: o.id },
            }),
          );
        }
        return { offering: o, operations: ops, fresh: true };
      }),
    );
    if (out.fresh) for (const op of out.operations) await this.operations.dispatch(op);
    return { offering: out.offering, operations: out.operations, fresh: out.fresh };
  }

  /** Launch: an Sto venue, an escrow portfolio when there is a soft cap, the tokens; then the fundraiser. */
  launch(id: string, actor: string, scope?: string) {
    return this.record(
      id,
      actor,
      'offering.launch',
      async (tx, o, assetId, asset) => {
        if (o.status !== 'draft')
          throw new AppError('CONFLICT', `Offering ${id} is ${o.status}; only a draft can be launched`);
        const total = o.terms.tiers.reduce((s, t) => s + toUnits(t.amount), 0n);
        const supply = await supplyAfterPendingIssues(tx, this.ledger, assetId);
        requireSupplyRoom('/terms/tiers', supply, fromUnits(total), asset.name);
        o.status = 'launching';
        const calls: LedgerCall[] = [
          {
            name: 'settlement.createVenue',
            args: { details: `Offering ${o.name}`.slice(0, 100), type: 'Sto' },
          },
        ];
        if (o.terms.softCap)
          calls.push({ name: 'portfolio.createPortfolio', args: { name: `escrow ${o.id}` } });
        calls.push({ name: 'asset.issue', args: { assetId, amount: fromUnits(total) } });
        return calls;
      },
      scope,
    );
  }

  /**
   * The investor's account pays the subscription's fees (a pre-approval of the payment asset,
   * then `sto.invest`): the platform makes sure it can before anything is recorded. The calls are
   * weighed as written below; the real ones differ only in ids of the same size.
   */
  private async fundInvestor(identityId: string, amount: string, actor: string, scope?: string) {
    if (!this.polyx) return;
    const em = this.orm.em.fork();
    if (scope && (await em.count(ChainOperation, { idempotencyKey: `invest:${scope}` }))) return;
    const identity = await em.findOne(InvestorIdentity, { id: identityId });
    if (!identity?.custodial || !identity.did) return;
    const pf = { did: identity.did };
    const assetId = '00000000-0000-8000-8000-000000000000';
    await this.polyx.prepare(
      identity.account,
      [
        { name: 'asset.preApproveAsset', args: { assetId } },
        {
          name: 'sto.invest',
          args: {
            investmentPortfolio: pf,
            fundingPortfolio: pf,
            assetId,
            fundraiserId: 0,
            purchaseAmount: amount,
          },
        },
      ],
      actor,
    );
  }

  /**
   * Eligibility, then the DvP investment through the outbox, in one transaction holding the
   * asset, offering and investor rows (that order: db/locks.ts): concurrent subscriptions of one
   * offering or one investor run one after the other, each seeing the ones before it, so no
   * limit (Reg CF, maximum investment, hard cap, holder cap, tier inventory, funds) is passed
   * twice. A refusal is audited in the same transaction and never reaches the chain. With the
   * request's Idempotency-Key `scope`, a re-run of the request answers with the first
   * subscription.
   */
  async subscribe(
    id: string,
    identityId: string,
    amount: string,
    actor: string,
    scope?: string,
    agreement?: AgreementInput,
  ): Promise<{ subscription: Subscription; operation: ChainOperation }> {
    await this.fundInvestor(identityId, amount, actor, scope);
    const out = await retryOnDeadlock(() =>
      this.orm.em.fork().transactional(async (tx) => {
        const first = scope ? await tx.findOne(ChainOperation, { idempotencyKey: `invest:${scope}` }) : null;
        if (first) {
          const subscription = await tx.findOneOrFail(Subscription, { id: first.subjectId! });
          return { kind: 'repeat' as const, subscription, operation: first };
        }
        const { offering: o, identity } = await this.lockSubject(tx, id, identityId, amount);
        // The signature covers the documents as they are now: adding one locks this row too.
        const signed = await this.documents.checkAgreement(
          tx,
          o,
          agreement,
          await this.verifiedNames(tx, identity),
          new Date(),
          actor,
        );
        const { result, context } = await assessEligibility(this, tx, o, identity, amount);
        if (!result.eligible) {
          await this.audit.append(tx, {
            actor,
            action: 'offering.subscription-refused',
            subjectType: 'offering',
            subjectId: o.id,
            data: { identityId, amount, reasons: result.reasons },
          });
          return { kind: 'refused' as const, reasons: result.reasons };
        }
        const { asset, payment, cost, now } = context;
        const signer = await this.identities.custodialSigner(identity.id, tx);
        const rules = await tx.findOne(AssetRules, { assetId: o.assetId });
        const claimIssuer = await this.ledger.identityOf(this.assets.operatorAddress());
        const s = new Subscription();
        Object.assign(s, {
          offeringId: o.id,
          identityId,
          did: identity.did,
          amount,
          cost: fromUnits(cost),
          agreement: signed,
          chainTime: new Date(now),
        });
        tx.persist(s);
        await this.audit.append(tx, {
          actor,
          action: 'offering.agreement-signed',
          subjectType: 'offering',
          subjectId: o.id,
          data: { subscriptionId: s.id, identityId, ...signed },
        });
        await this.audit.append(tx, {
          actor,
          action: 'offering.subscribed',
          subjectType: 'offering',
          subjectId: o.id,
          data: { subscriptionId: s.id, identityId, amount, cost: s.cost },
        });
        const subject = { type: 'subscription', id: s.id };
        const ops: ChainOperation[] = [];
        if (o.terms.softCap) {
          // Refunds from escrow reach the investor without a further signature.
          ops.push(
            await this.operations.record(tx, {
              idempotencyKey: `preapprove:${identity.id}:${payment.chainId}`,
              call: { name: 'asset.preApproveAsset', args: { assetId: payment.chainId } },
              signer,
              requestedBy: actor,
              subject,
            }),
          );
        }
        const op = await this.operations.record(tx, {
          idempotencyKey: `invest:${scope ?? s.id}`,
          call: {
            name: 'sto.invest',
            args: {
              investmentPortfolio: { did: identity.did! },
              fundingPortfolio: { did: identity.did! },
              assetId: asset.chainId,
              fundraiserId: o.fundraiserId!,
              purchaseAmount: amount,
            },
          },
          signer,
          requestedBy: actor,
          subject,
        });
        s.operationId = op.id;
        ops.push(op);
        const lockupDays = rules?.compiled.offChain.lockupDays;
        if (lockupDays) {
          ops.push(
            await this.operations.record(tx, {
              idempotencyKey: `lockup:${s.id}`,
              call: {
                name: 'identity.addClaim',
                args: {
                  target: identity.did!,
                  claim: { type: 'SellLockup', scope: { type: 'Identity', value: claimIssuer! } },
                  expiry: new Date(now + lockupDays * 86_400_000).toISOString(),
                },
              },
              signer: this.assets.operatorAddress(),
              requestedBy: actor,
              subject,
            }),
          );
        }
        return { kind: 'subscribed' as const, subscription: s, operation: op, ops };
      }),
    );
    if (out.kind === 'refused') {
      throw new AppError(
        'RULE_VIOLATION',
        `Subscription refused: ${out.reasons.map((r) => r.message).join('; ')}`,
        { reasons: out.reasons },
      );
    }
    if (out.kind === 'subscribed') for (const op of out.ops) await this.operations.dispatch(op);
    return { subscription: out.subscription, operation: out.operation };
  }

  /** The dry run of `subscribe`: the same assessment, nothing recorded. */
  async checkEligibility(id: string, identityId: string, amount: string): Promise<Eligibility> {
    const em = this.orm.em.fork();
    const { offering, identity } = await this.subject(em, id, identityId, amount);
    return (await assessEligibility(this, em, offering, identity, amount)).result;
  }

  private async subject(em: EntityManager, id: string, identityId: string, amount: string) {
    const offering = await this.get(em, id);
    const identity = await em.findOne(InvestorIdentity, { id: identityId });
    if (!identity) throw AppError.notFound('Investor identity', identityId);
    requireGranular('/body/amount', amount, await this.assets.get(em, offering.assetId));
    return { offering, identity };
  }

  /** The offering and the investor, locked in the one order (asset, offering, identity). */
  private async lockSubject(tx: EntityManager, id: string, identityId: string, amount: string) {
    const { assetId } = await this.get(tx, id);
    const { asset } = await this.assets.active(tx, assetId, { lock: true });
    requireGranular('/body/amount', amount, asset);
    const offering = await lockRow(tx, Offering, id);
    const identity = await lockRow(tx, InvestorIdentity, identityId);
    if (!offering) throw AppError.notFound('Offering', id);
    if (!identity) throw AppError.notFound('Investor identity', identityId);
    return { offering, identity };
  }

  raised(em: EntityManager, offeringId: string): Promise<bigint> {
    return raisedBy(em, offeringId);
  }
}
