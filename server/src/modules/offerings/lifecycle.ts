import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { fromUnits, toUnits } from '../../lib/units.js';
import { Asset, Issuer } from '../assets/entity.js';
import { subscriptionOutcome } from '../notifications/events.js';
import { ChainOperation } from '../operations/entity.js';
import { Offering, Subscription } from './entity.js';
import type { OfferingService } from './service.js';

const openOps = (tx: EntityManager, type: string, id: string, except: string) =>
  tx.count(ChainOperation, {
    subjectType: type,
    subjectId: id,
    id: { $ne: except },
    status: { $nin: ['finalised', 'failed'] },
  });

const ACTION_NAMES: Readonly<Record<string, string>> = {
  'sto.freezeFundraiser': 'a freeze',
  'sto.unfreezeFundraiser': 'an unfreeze',
  'sto.modifyFundraiserWindow': 'an extension',
  'sto.stop': 'the close',
};

/**
 * Freeze, unfreeze, extend and close: each a chain operation; the outcome updates the
 * offering. Each needs the offering in the right state with no other change in flight (the
 * offering row is locked), so the chain never sees a transition it refuses. `scope` is the
 * request's Idempotency-Key scope (see `OfferingService.record`).
 */
export function offeringActions(svc: OfferingService) {
  const live = async (tx: EntityManager, o: Offering, allowed: Offering['status'][]) => {
    if (!allowed.includes(o.status) || o.fundraiserId === null) {
      throw new AppError(
        'CONFLICT',
        `Offering ${o.name} is ${o.status}; this needs it to be ${allowed.join(' or ')}`,
      );
    }
    const [busy] = await tx.find(ChainOperation, {
      subjectType: 'offering',
      subjectId: o.id,
      status: { $nin: ['finalised', 'failed'] },
    });
    if (busy) {
      throw new AppError(
        'CONFLICT',
        `Offering ${o.name} has ${ACTION_NAMES[busy.kind] ?? 'a change'} in progress; wait until it is final`,
      );
    }
    return o.fundraiserId;
  };
  return {
    freeze: (id: string, actor: string, scope?: string) =>
      svc.record(
        id,
        actor,
        'offering.freeze',
        async (tx, o, assetId) => [
          { name: 'sto.freezeFundraiser', args: { assetId, fundraiserId: await live(tx, o, ['live']) } },
        ],
        scope,
      ),
    unfreeze: (id: string, actor: string, scope?: string) =>
      svc.record(
        id,
        actor,
        'offering.unfreeze',
        async (tx, o, assetId) => [
          { name: 'sto.unfreezeFundraiser', args: { assetId, fundraiserId: await live(tx, o, ['frozen']) } },
        ],
        scope,
      ),
    extend: (id: string, actor: string, end: string, scope?: string) =>
      svc.record(
        id,
        actor,
        'offering.extend',
        async (tx, o, assetId) => {
          const fundraiserId = await live(tx, o, ['live', 'frozen']);
          const fr = await svc.ledger.fundraiser(assetId, fundraiserId);
          if (Date.parse(end) <= Date.parse(o.terms.end))
            throw new AppError(
              'VALIDATION_FAILED',
              `The new end must be after the current end ${o.terms.end}`,
            );
          const now = Date.parse((await svc.ledger.info()).time);
          if (fr?.end && Date.parse(fr.end) <= now)
            throw new AppError(
              'CONFLICT',
              `Offering ${o.name} ended at ${fr.end}; an ended offering cannot be extended`,
            );
          return [
            { name: 'sto.modifyFundraiserWindow', args: { assetId, fundraiserId, start: fr!.start, end } },
          ];
        },
        scope,
      ),
    close: (id: string, actor: string, scope?: string) =>
      svc.record(
        id,
        actor,
        'offering.close',
        async (tx, o, assetId) => {
          const fundraiserId = await live(tx, o, ['live', 'frozen']);
          o.status = 'closing';
          return [{ name: 'sto.stop', args: { assetId, fundraiserId } }];
        },
        scope,
      ),
  };
}

/**
 * The outbox hooks of offerings and subscriptions (run in the transaction recording each
 * outcome): launch steps lead to the fundraiser; a close with a missed soft cap refunds every
 * investor from escrow and takes the tokens back; a met soft cap releases the escrow.
 */
export function offeringHooks(svc: OfferingService) {
  const record = async (
    tx: EntityManager,
    o: Offering,
    key: string,
    call: ChainOperation['call'],
    subject = { type: 'offering', id: o.id },
  ) => {
    const asset = await tx.findOneOrFail(Asset, { id: o.assetId });
    const issuer = await tx.findOneOrFail(Issuer, { id: asset.issuerId });
    return svc.operations.record(tx, {
      idempotencyKey: key,
      call,
      signer: issuer.account,
      requestedBy: 'system',
      subject,
    });
  };

  async function onOffering(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    const o = await tx.findOne(Offering, { id: op.subjectId! });
    if (!o) return [];
    const result = op.result as Record<string, number> | null;
    if (op.status === 'failed') {
      if (o.status === 'launching') o.status = 'failed';
      if (o.status === 'closing') o.status = 'live';
      o.error = `${op.kind}: ${op.errorCode ?? 'failed'} — ${op.errorMessage ?? ''}`;
      return [];
    }
    switch (op.kind) {
      case 'settlement.createVenue':
        o.venueId = result!.venueId!;
        break;
      case 'portfolio.createPortfolio':
        o.escrowPortfolio = result!.number!;
        break;
      case 'sto.createFundraiser':
        o.fundraiserId = result!.fundraiserId!;
        o.status = 'live';
        return [];
      case 'sto.freezeFundraiser':
        o.status = 'frozen';
        return [];
      case 'sto.unfreezeFundraiser':
        o.status = 'live';
        return [];
      case 'sto.modifyFundraiserWindow': {
        const call = op.call as { args: { end?: string } };
        o.terms = { ...o.terms, end: call.args.end ?? o.terms.end };
        return [];
      }
      case 'sto.stop':
        return close(tx, o);
      case 'portfolio.movePortfolioFunds':
        if (op.idempotencyKey === `offering.release:${o.id}`) {
          for (const sub of await tx.find(Subscription, { offeringId: o.id, status: 'settled' }))
            await subscriptionOutcome(tx, o, sub, 'settled');
        }
        return [];
    }
    if (o.status === 'launching' && (await openOps(tx, 'offering', o.id, op.id)) === 0) {
      const asset = await tx.findOneOrFail(Asset, { id: o.assetId });
      const payment = await tx.findOneOrFail(Asset, { id: o.paymentAssetId });
      const issuer = await tx.findOneOrFail(Issuer, { id: asset.issuerId });
      const did = issuer.did!;
      return [
        await record(tx, o, `offering.fundraiser:${o.id}`, {
          name: 'sto.createFundraiser',
          args: {
            offeringPortfolio: { did },
            assetId: asset.chainId!,
            raisingPortfolio: { did, number: o.escrowPortfolio ?? 0 },
            raisingAssetId: payment.chainId!,
            tiers: o.terms.tiers.map((t) => ({ total: t.amount, price: t.price })),
            venueId: o.venueId!,
            ...(o.terms.start ? { start: o.terms.start } : {}),
            end: o.terms.end,
            minimumInvestment: o.terms.minInvestment,
            name: o.name,
          },
        }),
      ];
    }
    return [];
  }

  async function close(tx: EntityManager, o: Offering): Promise<ChainOperation[]> {
    const subs = await tx.find(Subscription, { offeringId: o.id, status: 'settled' });
    const raised = subs.reduce((s, x) => s + toUnits(x.cost), 0n);
    const asset = await tx.findOneOrFail(Asset, { id: o.assetId });
    const payment = await tx.findOneOrFail(Asset, { id: o.paymentAssetId });
    const issuer = await tx.findOneOrFail(Issuer, { id: asset.issuerId });
    const escrow = { did: issuer.did!, number: o.escrowPortfolio ?? 0 };
    if (!o.terms.softCap || raised >= toUnits(o.terms.softCap)) {
      o.status = 'closed';
      if (!o.escrowPortfolio || raised === 0n) return [];
      return [
        await record(tx, o, `offering.release:${o.id}`, {
          name: 'portfolio.movePortfolioFunds',
          args: {
            from: escrow,
            to: { did: issuer.did! },
            items: [{ assetId: payment.chainId!, amount: fromUnits(raised) }],
          },
        }),
      ];
    }
    o.status = subs.length > 0 ? 'refunding' : 'refunded';
    const out: ChainOperation[] = [];
    for (const s of subs) {
      s.status = 'refunding';
      const subject = { type: 'subscription', id: s.id };
      out.push(
        await record(
          tx,
          o,
          `refund:${s.id}`,
          {
            name: 'settlement.addAndAffirmInstruction',
            args: {
              settlementType: { type: 'SettleOnAffirmation' },
              legs: [
                {
                  type: 'Fungible',
                  from: escrow,
                  to: { did: s.did },
                  assetId: payment.chainId!,
                  amount: s.cost,
                },
              ],
              memo: 'soft cap missed: refund',
              portfolios: [escrow],
            },
          },
          subject,
        ),
        await record(
          tx,
          o,
          `reclaim:${s.id}`,
          {
            name: 'asset.controllerTransfer',
            args: { assetId: asset.chainId!, amount: s.amount, from: { did: s.did } },
          },
          subject,
        ),
      );
    }
    return out;
  }

  async function onSubscription(tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> {
    const s = await tx.findOne(Subscription, { id: op.subjectId! });
    if (!s) return [];
    if (op.kind === 'sto.invest') {
      if (op.status === 'finalised') {
        s.status = 'settled';
        s.cost = (op.result as { cost: string }).cost;
        const o = await tx.findOneOrFail(Offering, { id: s.offeringId });
        await subscriptionOutcome(tx, o, s, o.terms.softCap ? 'escrow' : 'settled');
      } else {
        s.status = 'failed';
        s.failureReason = `${op.errorCode ?? 'failed'}: ${op.errorMessage ?? ''}`;
      }
      return [];
    }
    if (s.status !== 'refunding') return [];
    if (op.status === 'failed') {
      s.failureReason = `refund ${op.kind}: ${op.errorCode ?? 'failed'} — ${op.errorMessage ?? ''}`;
      return [];
    }
    if ((await openOps(tx, 'subscription', s.id, op.id)) > 0 || s.failureReason) return [];
    s.status = 'refunded';
    const o = await tx.findOneOrFail(Offering, { id: s.offeringId });
    await subscriptionOutcome(tx, o, s, 'refunded');
    const left = await tx.count(Subscription, { offeringId: o.id, status: 'refunding', id: { $ne: s.id } });
    if (left === 0) o.status = 'refunded';
    return [];
  }

  return { onOffering, onSubscription };
}
