import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { canonicalAmount, fromUnits, toUnits } from '../../lib/units.js';
import { errorResponses } from '../../schemas.js';
import { Asset } from '../assets/entity.js';
import { Amount } from '../assets/schemas.js';
import { CAN } from '../auth/roles.js';
import { ownIdentity } from '../identities/directory.js';
import { Offering, Subscription } from '../offerings/entity.js';
import { escrowHeld } from '../offerings/view.js';
import { identityBalances } from './balances.js';

const tags = ['identities'];
const security = [{ bearer: [] }];

const InstructionQuery = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 200, default: 100, description: 'Settlements per page' }),
  ),
  offset: Type.Optional(
    Type.Integer({ minimum: 0, default: 0, description: 'Settlements to skip (newest first)' }),
  ),
});

const Holding = Type.Object({
  assetId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'Platform asset id; null for an asset the platform did not create',
  }),
  chainId: Type.String(),
  name: Type.String(),
  ticker: Type.Union([Type.String(), Type.Null()]),
  total: Amount,
  free: Amount,
  locked: Amount,
  inEscrow: Amount,
  escrowNote: Type.Union([Type.String(), Type.Null()], {
    description: 'Why part of the holding is not free yet, in words',
  }),
});
const MySubscription = Type.Object({
  id: Type.String({ format: 'uuid' }),
  offeringId: Type.String({ format: 'uuid' }),
  offeringName: Type.String(),
  assetId: Type.String({ format: 'uuid' }),
  paymentAssetId: Type.String({ format: 'uuid' }),
  amount: Amount,
  cost: Amount,
  status: Type.String({ description: 'pending, settled, failed, refunding, refunded' }),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  operationId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  escrow: Type.Boolean({ description: 'Held in escrow until the soft cap is met (refunded if it is not)' }),
  createdAt: Type.String({ format: 'date-time' }),
});
const PendingInstruction = Type.Object({
  settlementId: Type.String({ format: 'uuid' }),
  instructionId: Type.Integer(),
  purpose: Type.Union([Type.String(), Type.Null()]),
  memo: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  legs: Type.Array(
    Type.Object({
      direction: Type.Union([Type.Literal('in'), Type.Literal('out'), Type.Literal('other')], {
        description: 'in: to the investor; out: from the investor; other: between other parties',
      }),
      asset: Type.String({ description: 'Asset name (or chain id / off-chain ticker)' }),
      amount: Amount,
    }),
  ),
  myAffirmation: Type.Union([Type.Literal('Pending'), Type.Literal('Affirmed')]),
  pendingAffirmations: Type.Integer(),
});

/** The signed-in investor's own holdings, subscriptions and pending instructions. */
export const portfolioRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const em = () => app.infra.db.orm.em.fork();
  const ledger = app.infra.ledger;
  const me = async (request: FastifyRequest) => {
    const identity = await ownIdentity(em(), request.principal!);
    if (!identity)
      throw new AppError('NOT_FOUND', 'You have no investor identity yet; complete onboarding first');
    return identity;
  };
  /** Tokens bought in offerings still holding payments in escrow (soft cap), by platform asset id. */
  const escrowByAsset = async (identityId: string) => {
    const e = em();
    const subs = await e.find(Subscription, { identityId, status: 'settled' });
    const offerings = subs.length
      ? await e.find(Offering, { id: { $in: [...new Set(subs.map((s) => s.offeringId))] } })
      : [];
    const held = new Map(offerings.filter(escrowHeld).map((o) => [o.id, o.assetId] as const));
    const out = new Map<string, bigint>();
    for (const s of subs) {
      const assetId = held.get(s.offeringId);
      if (assetId) out.set(assetId, (out.get(assetId) ?? 0n) + toUnits(s.amount));
    }
    return out;
  };
  const assetsByChainId = async (chainIds: string[]) => {
    const rows = chainIds.length ? await em().find(Asset, { chainId: { $in: chainIds } }) : [];
    return new Map(rows.map((a) => [a.chainId!, a]));
  };

  app.get(
    '/identities/me/portfolio',
    {
      config: { roles: CAN.readOwnPortfolio },
      schema: {
        tags,
        security,
        summary: 'Your balances per asset (total, free, locked), from the chain, over all your portfolios',
        response: {
          200: Type.Object({ did: Type.Union([Type.String(), Type.Null()]), holdings: Type.Array(Holding) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const identity = await me(request);
      if (!identity.did) return { did: null, holdings: [] };
      const balances = await identityBalances(ledger, identity.did);
      const assets = await assetsByChainId([...balances.keys()]);
      const escrow = await escrowByAsset(identity.id);
      const holdings = [...balances].map(([chainId, b]) => {
        const a = assets.get(chainId);
        const held = (a && escrow.get(a.id)) ?? 0n;
        const free = toUnits(b.free) > held ? toUnits(b.free) - held : 0n;
        return {
          assetId: a?.id ?? null,
          chainId,
          name: a?.name ?? chainId,
          ticker: a?.ticker ?? null,
          ...b,
          free: fromUnits(free),
          inEscrow: fromUnits(held),
          escrowNote: held > 0n ? 'Held in escrow until the soft cap is met; refunded if it is not' : null,
        };
      });
      holdings.sort((x, y) => x.name.localeCompare(y.name));
      return { did: identity.did, holdings };
    },
  );

  app.get(
    '/identities/me/subscriptions',
    {
      config: { roles: CAN.readOwnPortfolio },
      schema: {
        tags,
        security,
        summary: 'Your offering subscriptions, newest first, with status and chain operation',
        response: { 200: Type.Object({ items: Type.Array(MySubscription) }), ...errorResponses },
      },
    },
    async (request) => {
      const identity = await me(request);
      const e = em();
      const subs = await e.find(
        Subscription,
        { identityId: identity.id },
        { orderBy: { createdAt: 'desc' } },
      );
      const offerings = subs.length
        ? await e.find(Offering, { id: { $in: [...new Set(subs.map((s) => s.offeringId))] } })
        : [];
      const byId = new Map(offerings.map((o) => [o.id, o]));
      return {
        items: subs.map((s) => {
          const o = byId.get(s.offeringId);
          return {
            id: s.id,
            offeringId: s.offeringId,
            offeringName: o?.name ?? '',
            assetId: o?.assetId ?? '',
            paymentAssetId: o?.paymentAssetId ?? '',
            amount: canonicalAmount(s.amount),
            cost: canonicalAmount(s.cost),
            status: s.status,
            failureReason: s.failureReason,
            operationId: s.operationId,
            escrow: Boolean(o && escrowHeld(o)) && ['pending', 'settled'].includes(s.status),
            createdAt: s.createdAt.toISOString(),
          };
        }),
      };
    },
  );

  app.get(
    '/identities/me/instructions',
    {
      config: { roles: CAN.readOwnPortfolio },
      schema: {
        tags,
        security,
        summary: 'Settlement instructions that involve you and wait for affirmations (affirm/reject them)',
        description:
          'Pages through your settlements newest first (`limit`, `offset`); a page lists the ones that still wait on chain, so it may hold fewer than `limit`. `next` is the offset of the following page, or null after the last.',
        querystring: InstructionQuery,
        response: {
          200: Type.Object({
            items: Type.Array(PendingInstruction),
            limit: Type.Integer(),
            offset: Type.Integer(),
            next: Type.Union([Type.Integer(), Type.Null()], {
              description: 'Offset of the next page of your settlements; null when this page was the last',
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit = 100, offset = 0 } = request.query;
      const identity = await me(request);
      if (!identity.did) return { items: [], limit, offset, next: null };
      const did = identity.did;
      const { pending, scanned } = await app.tokenization.settlements.pendingFor(em(), did, {
        limit,
        offset,
      });
      const chainIds = pending.flatMap((p) =>
        p.chain.legs.flatMap((l) => (l.type === 'Fungible' ? [l.assetId] : [])),
      );
      const assets = await assetsByChainId([...new Set(chainIds)]);
      return {
        limit,
        offset,
        next: scanned === limit ? offset + limit : null,
        items: pending.map(({ settlement: s, chain }) => {
          const mine = chain.affirmations.filter((a) => a.portfolio.did === did);
          return {
            settlementId: s.id,
            instructionId: chain.id,
            purpose: s.purpose,
            memo: s.memo,
            createdAt: s.createdAt.toISOString(),
            legs: chain.legs.map((l) => {
              const [from, to] = l.type === 'Fungible' ? [l.from.did, l.to.did] : [l.from, l.to];
              return {
                direction:
                  to === did ? ('in' as const) : from === did ? ('out' as const) : ('other' as const),
                asset: l.type === 'Fungible' ? (assets.get(l.assetId)?.name ?? l.assetId) : l.ticker,
                amount: l.amount,
              };
            }),
            myAffirmation:
              mine.length > 0 && mine.every((a) => a.status === 'Affirmed')
                ? ('Affirmed' as const)
                : ('Pending' as const),
            pendingAffirmations: chain.pendingAffirmations,
          };
        }),
      };
    },
  );
};
