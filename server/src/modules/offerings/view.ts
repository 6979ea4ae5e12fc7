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

/** Investors listed per page, newest subscription first. */
export const INVESTOR_PAGE = 50;

/** Where a page of investors continues: the last row's creation time and id (keyset). */
const cursorOf = (s: Subscription) =>
  Buffer.from(`${s.createdAt.toISOString()}|${s.id}`).toString('base64url');

/** The position a cursor names, or null if it is not one of ours. */
export function readCursor(cursor: string): { createdAt: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(createdAt.getTime())) return null;
  return { createdAt, id };
}

/**
 * One page of the investors of an offering, one row per subscription, newest first: read by
 * the (offering, created_at, id) index, so a page costs the same at 100 or 100,000 subscriptions.
 */
export async function investorPage(
  em: EntityManager,
  offeringId: string,
  opts: { limit?: number; after?: { createdAt: Date; id: string } | null } = {},
) {
  const limit = opts.limit ?? INVESTOR_PAGE;
  const after = opts.after;
  const subs = await em.find(
    Subscription,
    after
      ? {
          offeringId,
          $or: [
            { createdAt: { $lt: after.createdAt } },
            { createdAt: after.createdAt, id: { $lt: after.id } },
          ],
        }
      : { offeringId },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: limit + 1 },
  );
  const page = subs.slice(0, limit);
  const { byId } = await investorDirectory(em, { identityIds: [...new Set(page.map((s) => s.identityId))] });
  return {
    items: page.map((s) => ({
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
    })),
    nextCursor: subs.length > limit ? cursorOf(page.at(-1)!) : null,
  };
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
    ...(withInvestors ? await firstInvestors(em, o.id) : {}),
  };
}

/** The first page of investors in the offering view, and where the list continues. */
async function firstInvestors(em: EntityManager, offeringId: string) {
  const page = await investorPage(em, offeringId);
  return { investors: page.items, investorsNextCursor: page.nextCursor };
}
