import type { EntityManager } from '@mikro-orm/postgresql';
import type { Ledger } from '@stoa/chain';
import { canonicalAmount, fromUnits } from '../../lib/units.js';
import { Asset } from '../assets/entity.js';
import { investorDirectory } from '../identities/directory.js';
import { serializeDocument } from './documents.js';
import { OfferingDocument, Subscription, type Offering } from './entity.js';
import { offeringTotals } from './eligibility.js';

/** Statuses an investor may see: the offering has been launched (drafts stay with the issuer). */
export const LAUNCHED = ['live', 'frozen', 'closing', 'closed', 'refunding', 'refunded'] as const;

/**
 * Whether the offering's payments sit in escrow: it has a soft cap and has not closed yet. Its
 * subscribers' tokens are theirs only once the soft cap is met at the close (else refunded).
 */
export const escrowHeld = (o: Offering): boolean =>
  Boolean(o.terms.softCap) && ['live', 'frozen', 'closing'].includes(o.status);

/** The investors of an offering, one row per subscription, newest first. */
async function investorRows(em: EntityManager, offeringId: string) {
  const subs = await em.find(Subscription, { offeringId }, { orderBy: { createdAt: 'desc' } });
  const { byId } = await investorDirectory(em, { identityIds: [...new Set(subs.map((s) => s.identityId))] });
  return subs.map((s) => ({
    subscriptionId: s.id,
    identityId: s.identityId,
    name: byId.get(s.identityId)?.name ?? '',
    email: byId.get(s.identityId)?.email ?? '',
    did: s.did,
    amount: canonicalAmount(s.amount),
    cost: canonicalAmount(s.cost),
    status: s.status,
    failureReason: s.failureReason,
    createdAt: s.createdAt.toISOString(),
  }));
}

/** An offering with its live dashboard; with `withInvestors`, the list of who subscribed. */
export async function offeringView(em: EntityManager, ledger: Ledger, o: Offering, withInvestors: boolean) {
  const totals = await offeringTotals(em, o.id);
  const asset = await em.findOne(Asset, { id: o.assetId });
  const fr =
    o.fundraiserId !== null && asset?.chainId ? await ledger.fundraiser(asset.chainId, o.fundraiserId) : null;
  return {
    id: o.id,
    assetId: o.assetId,
    paymentAssetId: o.paymentAssetId,
    name: o.name,
    status: o.status,
    terms: o.terms,
    fundraiserId: o.fundraiserId,
    venueId: o.venueId,
    escrowPortfolio: o.escrowPortfolio,
    error: o.error,
    dashboard: {
      raised: fromUnits(totals.raised),
      investors: totals.investors,
      subscriptions: totals.subscriptions,
      tiers: fr
        ? fr.tiers.map((t) => ({ amount: t.total, price: t.price, remaining: t.remaining }))
        : o.terms.tiers.map((t) => ({ ...t, remaining: t.amount })),
      chainStatus: fr?.status ?? null,
    },
    documents: (await em.find(OfferingDocument, { offeringId: o.id }, { orderBy: { createdAt: 'asc' } })).map(
      serializeDocument,
    ),
    ...(withInvestors ? { investors: await investorRows(em, o.id) } : {}),
  };
}
