import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { canonicalAmount } from '../../lib/units.js';
import { errorResponses } from '../../schemas.js';
import { IdParams, PositiveAmount } from '../assets/schemas.js';
import { CAN, investorOnly } from '../auth/roles.js';
import { ownIdentity } from '../identities/directory.js';
import { serializeOperation } from '../operations/routes.js';
import { Asset } from '../assets/entity.js';
import { Order, Trade, TradingBook } from './entity.js';

const tags = ['trading'];
const security = [{ bearer: [] }];

const OrderView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  assetId: Type.String({ format: 'uuid' }),
  side: Type.Union([Type.Literal('buy'), Type.Literal('sell')]),
  price: Type.String(),
  quantity: Type.String(),
  remaining: Type.String(),
  settled: Type.String(),
  goodTill: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  status: Type.String({ description: 'open, partially-filled, filled, cancelled or expired' }),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
const TradeView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  assetId: Type.String({ format: 'uuid' }),
  price: Type.String(),
  quantity: Type.String(),
  value: Type.String(),
  status: Type.String({ description: 'instructing, affirming, mediating, executing, settled or failed' }),
  side: Type.Union([Type.Literal('buy'), Type.Literal('sell'), Type.Null()], {
    description: 'Your side of the trade (null: you are not a party)',
  }),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  settlementId: Type.String({ format: 'uuid' }),
  needsApproval: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  settledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const PublicTrade = Type.Object({
  price: Type.String(),
  quantity: Type.String(),
  at: Type.String({ format: 'date-time' }),
  settled: Type.Boolean(),
});
const Level = Type.Object({ price: Type.String(), quantity: Type.String(), orders: Type.Integer() });
const Book = Type.Object({
  asset: Type.Object({
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    ticker: Type.Union([Type.String(), Type.Null()]),
  }),
  bids: Type.Array(Level),
  asks: Type.Array(Level),
  lastPrice: Type.Union([Type.String(), Type.Null()]),
  bandPercent: Type.Union([Type.String(), Type.Null()]),
  requireMediation: Type.Boolean(),
  currency: Type.String(),
  trades: Type.Array(PublicTrade),
});
const PlaceBody = Type.Object(
  {
    side: Type.Union([Type.Literal('buy'), Type.Literal('sell')]),
    price: PositiveAmount,
    quantity: PositiveAmount,
    goodTill: Type.Optional(Type.String({ format: 'date-time' })),
    consent: Type.Boolean({
      description:
        'I agree that Stoa settles a match of this order for me (affirms its instruction on my behalf)',
    }),
  },
  { additionalProperties: false },
);
const Settings = Type.Object(
  {
    bandPercent: Type.Union([Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,4})?$' }), Type.Null()], {
      description: 'Orders priced further than this % from the last trade are refused; null: no band',
    }),
    requireMediation: Type.Boolean({ description: "Every trade waits for a transfer agent's approval" }),
  },
  { additionalProperties: false },
);

const iso = (d: Date | null) => (d ? d.toISOString() : null);
export const orderView = (o: Order) => ({
  id: o.id,
  assetId: o.assetId,
  side: o.side,
  price: canonicalAmount(o.price),
  quantity: canonicalAmount(o.quantity),
  remaining: canonicalAmount(o.remaining),
  settled: canonicalAmount(o.settled),
  goodTill: iso(o.goodTill),
  status: o.status,
  failureReason: o.failureReason,
  createdAt: o.createdAt.toISOString(),
});
const tradeView = (t: Trade, identityId?: string) => ({
  id: t.id,
  assetId: t.assetId,
  price: canonicalAmount(t.price),
  quantity: canonicalAmount(t.quantity),
  value: canonicalAmount(t.value),
  status: t.status,
  side:
    identityId === t.buyerIdentityId
      ? ('buy' as const)
      : identityId === t.sellerIdentityId
        ? ('sell' as const)
        : null,
  failureReason: t.failureReason,
  settlementId: t.settlementId,
  needsApproval: t.mediation && !t.mediatorAffirmed && t.status !== 'failed' && t.status !== 'settled',
  createdAt: t.createdAt.toISOString(),
  settledAt: iso(t.settledAt),
});

export const tradingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const svc = app.trading;
  const em = () => app.infra.db.orm.em.fork();

  app.post(
    '/assets/:id/orders',
    {
      config: { roles: CAN.trade },
      schema: {
        tags,
        security,
        summary: 'Place a limit order (Idempotency-Key): checked, reserved and matched at once',
        params: IdParams,
        body: PlaceBody,
        response: {
          201: Type.Object({ order: OrderView, trades: Type.Array(TradeView) }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { order, trades } = await svc.place(
        { ...request.body, assetId: request.params.id },
        { id: request.principal!.id, userId: request.principal!.userId },
        request.idempotency?.scope,
      );
      return reply.status(201).send({
        order: orderView(order),
        trades: trades.map((t) => tradeView(t, order.identityId)),
      });
    },
  );

  app.post(
    '/orders/:id/cancel',
    {
      config: { roles: CAN.cancelOrders },
      schema: {
        tags,
        security,
        summary: 'Cancel what is left of an open order (trades already matched settle on)',
        params: IdParams,
        response: { 200: OrderView, ...errorResponses },
      },
    },
    async (request) =>
      orderView(
        await svc.cancel(
          request.params.id,
          { id: request.principal!.id, userId: request.principal!.userId },
          !investorOnly(request.principal!),
        ),
      ),
  );

  app.get(
    '/orders',
    {
      config: { roles: [...CAN.trade, ...CAN.readOrders] },
      schema: {
        tags,
        security,
        summary: 'Orders: investors their own, staff every investor’s (filter by asset)',
        querystring: Type.Object({
          assetId: Type.Optional(Type.String({ format: 'uuid' })),
          live: Type.Optional(Type.Boolean({ description: 'Only orders still on the book' })),
        }),
        response: { 200: Type.Object({ items: Type.Array(OrderView) }), ...errorResponses },
      },
    },
    async (request) => {
      const where: Record<string, unknown> = {};
      if (investorOnly(request.principal!)) where.userId = request.principal!.userId ?? '-';
      if (request.query.assetId) where.assetId = request.query.assetId;
      if (request.query.live) where.status = { $in: ['open', 'partially-filled'] };
      const rows = await em().find(Order, where, { orderBy: { createdAt: 'desc' }, limit: 200 });
      return { items: rows.map(orderView) };
    },
  );

  app.get(
    '/trades',
    {
      config: { roles: [...CAN.trade, ...CAN.readOrders] },
      schema: {
        tags,
        security,
        summary: 'Trades: investors those they are a party to, staff all (filter by asset or status)',
        querystring: Type.Object({
          assetId: Type.Optional(Type.String({ format: 'uuid' })),
          status: Type.Optional(
            Type.Union(
              ['instructing', 'affirming', 'mediating', 'executing', 'settled', 'failed'].map((v) =>
                Type.Literal(v),
              ),
            ),
          ),
        }),
        response: { 200: Type.Object({ items: Type.Array(TradeView) }), ...errorResponses },
      },
    },
    async (request) => {
      const where: Record<string, unknown> = {};
      let mine: string | undefined;
      if (investorOnly(request.principal!)) {
        const identity = await ownIdentity(em(), request.principal!);
        if (!identity) return { items: [] };
        mine = identity.id;
        where.$or = [{ buyerIdentityId: identity.id }, { sellerIdentityId: identity.id }];
      }
      if (request.query.assetId) where.assetId = request.query.assetId;
      if (request.query.status) where.status = request.query.status;
      const rows = await em().find(Trade, where, { orderBy: { createdAt: 'desc' }, limit: 200 });
      return { items: rows.map((t) => tradeView(t, mine)) };
    },
  );

  app.get(
    '/assets/:id/book',
    {
      config: { roles: [] },
      schema: {
        tags,
        security,
        summary: 'Order book depth (price levels, no identities) and the last trades',
        params: IdParams,
        response: { 200: Book, ...errorResponses },
      },
    },
    async (request) => {
      const asset = await em().findOne(Asset, { id: request.params.id });
      if (!asset) throw AppError.notFound('Asset', request.params.id);
      const depth = await svc.depth(em(), request.params.id);
      const trades = await svc.lastTrades(em(), request.params.id);
      return {
        asset: { id: asset.id, name: asset.name, ticker: asset.ticker },
        ...depth,
        trades: trades.map((t) => ({
          price: canonicalAmount(t.price),
          quantity: canonicalAmount(t.quantity),
          at: t.createdAt.toISOString(),
          settled: t.status === 'settled',
        })),
      };
    },
  );

  app.get(
    '/trading/assets',
    {
      config: { roles: [] },
      schema: {
        tags,
        security,
        summary: 'Assets traded on the ATS, with their last price',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String({ format: 'uuid' }),
                name: Type.String(),
                ticker: Type.Union([Type.String(), Type.Null()]),
                lastPrice: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async () => {
      const assets = await em().find(
        Asset,
        { status: 'active', chainId: { $ne: null } },
        { orderBy: { name: 'asc' }, limit: 500 },
      );
      const books = await em().find(TradingBook, { assetId: { $in: assets.map((a) => a.id) } });
      return {
        items: assets
          .filter((a) => a.assetType !== 'StableCoin')
          .map((a) => {
            const last = books.find((b) => b.assetId === a.id)?.lastPrice ?? null;
            return {
              id: a.id,
              name: a.name,
              ticker: a.ticker,
              lastPrice: last === null ? null : canonicalAmount(last),
            };
          }),
      };
    },
  );

  app.put(
    '/assets/:id/trading',
    {
      config: { roles: CAN.tradingSettings },
      schema: {
        tags,
        security,
        summary: 'Trading rules of an asset: price band around the last trade, transfer-agent approval',
        params: IdParams,
        body: Settings,
        response: { 200: Settings, ...errorResponses },
      },
    },
    async (request) => {
      const book = await svc.settings(request.params.id, request.body, request.principal!.id);
      return {
        bandPercent: book.bandPercent === null ? null : canonicalAmount(book.bandPercent),
        requireMediation: book.requireMediation,
      };
    },
  );

  app.post(
    '/trades/:id/approve',
    {
      config: { roles: CAN.mediateTrades },
      schema: {
        tags,
        security,
        summary: "Approve a trade as its mediator (assets that require a transfer agent's approval)",
        params: IdParams,
        response: { 202: Type.Ref('ChainOperation'), ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!request.principal) throw new AppError('UNAUTHENTICATED', 'Sign in first');
      return reply
        .status(202)
        .send(serializeOperation(await svc.approve(request.params.id, request.principal.id)));
    },
  );
};
