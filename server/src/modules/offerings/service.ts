import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Ledger, LedgerCall } from '@stoa/chain';
import { AppError } from '../../errors.js';
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
import type { ChainOperation } from '../operations/entity.js';
import { assessEligibility, raisedBy, type Eligibility } from './eligibility.js';
import { Offering, Subscription, type InvestorClass, type OfferingTerms } from './entity.js';

export interface CreateOfferingInput extends Omit<
  OfferingTerms,
  'maxInvestment' | 'softCap' | 'hardCap' | 'start' | 'eligibleClasses' | 'documents'
> {
  name: string;
  paymentAssetId: string;
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
  ) {}

  get operations() {
    return this.assets.operations;
  }

  async create(assetId: string, input: CreateOfferingInput, actor: string): Promise<Offering> {
    const problems: string[] = [];
    const end = Date.parse(input.end);
    const start = input.start ? Date.parse(input.start) : Date.now();
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
      const payment = await this.assets.active(tx, input.paymentAssetId);
      if (payment.asset.assetType !== 'StableCoin') {
        throw new AppError(
          'VALIDATION_FAILED',
          `Payment asset ${input.paymentAssetId} is not a stablecoin; offerings are priced in the platform stablecoin`,
        );
      }
      const o = new Offering();
      o.assetId = assetId;
      o.paymentAssetId = input.paymentAssetId;
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
   * commit. The offering row is locked, so `fn` sees every operation recorded before it.
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
  ): Promise<{ offering: Offering; operations: ChainOperation[] }> {
    const out = await this.orm.em.fork().transactional(async (tx) => {
      const o = await this.get(tx, id, true);
      const { asset, issuer } = await this.assets.active(tx, o.assetId);
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
            idempotencyKey: `${action}:${o.id}:${i}:${Date.now()}`,
            call,
            signer: issuer.account,
            requestedBy: actor,
            subject: { type: 'offering', id: o.id },
          }),
        );
      }
      return { offering: o, operations: ops };
    });
    for (const op of out.operations) await this.operations.dispatch(op);
    return out;
  }

  /** Launch: an Sto venue, an escrow portfolio when there is a soft cap, the tokens; then the fundraiser. */
  launch(id: string, actor: string) {
    return this.record(id, actor, 'offering.launch', async (tx, o, assetId, asset) => {
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
    });
  }

  /**
   * Eligibility first — standing, investor class, amounts, the asset's rules, funds — so a
   * refusal never reaches the chain; then the DvP investment through the outbox.
   */
  async subscribe(
    id: string,
    identityId: string,
    amount: string,
    actor: string,
  ): Promise<{ subscription: Subscription; operation: ChainOperation }> {
    const em = this.orm.em.fork();
    const { offering: o, identity } = await this.subject(em, id, identityId, amount);
    const { result, context } = await assessEligibility(this, em, o, identity, amount);
    const { asset, payment, cost, now } = context;
    if (!result.eligible) {
      const reasons = result.reasons;
      await em.transactional((tx) =>
        this.audit.append(tx, {
          actor,
          action: 'offering.subscription-refused',
          subjectType: 'offering',
          subjectId: o.id,
          data: { identityId, amount, reasons },
        }),
      );
      throw new AppError(
        'RULE_VIOLATION',
        `Subscription refused: ${reasons.map((r) => r.message).join('; ')}`,
        { reasons },
      );
    }
    const signer = await this.identities.unlockSigner(identity.id);
    const rules = await em.findOne(AssetRules, { assetId: o.assetId });
    const claimIssuer = await this.ledger.identityOf(this.assets.operatorAddress());
    const out = await em.transactional(async (tx) => {
      const s = new Subscription();
      Object.assign(s, { offeringId: o.id, identityId, did: identity.did, amount, cost: fromUnits(cost) });
      tx.persist(s);
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
        idempotencyKey: `invest:${s.id}`,
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
      return { subscription: s, operation: op, ops };
    });
    for (const op of out.ops) await this.operations.dispatch(op);
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

  raised(em: EntityManager, offeringId: string): Promise<bigint> {
    return raisedBy(em, offeringId);
  }
}
