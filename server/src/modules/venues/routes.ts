import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EntityManager } from '@mikro-orm/postgresql';
import Type from 'typebox';
import { errorResponses } from '../../schemas.js';
import { canonicalAmount } from '../../lib/units.js';
import { User } from '../auth/entity.js';
import { CAN } from '../auth/roles.js';
import { serializeOperation } from '../operations/routes.js';
import type { WebhookDelivery } from '../webhooks/entity.js';
import type { AssetTrading, Venue, VenueTrade } from './entity.js';
import {
  ApprovalBody,
  AssetVenueParams,
  AssetVenuesView,
  AuthorisationBody,
  DeliveryView,
  HaltBody,
  InvestorVenuesView,
  PretradeBody,
  PretradeResult,
  RegisterVenueBody,
  SignersBody,
  TradeBody,
  TradeParams,
  TradingView,
  VenueParams,
  WebhookBody,
  WebhookView,
  WindowBody,
} from './schemas.js';
import type { VenueService } from './service.js';

const security: { [k: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }];
const iso = (d: Date | null) => (d ? d.toISOString() : null);

async function venueView(em: EntityManager, v: Venue) {
  const user = v.operatorUserId
    ? await em.findOne(User, { id: v.operatorUserId }, { fields: ['email'] })
    : null;
  return {
    id: v.id,
    name: v.name,
    kind: v.kind,
    venueType: v.venueType,
    organisation: v.organisation,
    operatorEmail: user?.email ?? null,
    chainVenueId: v.chainVenueId,
    status: v.status,
    error: v.error,
    signers: v.signers,
    webhookUrl: v.webhookUrl,
    createdAt: v.createdAt.toISOString(),
  };
}

function tradingView(t: AssetTrading | null) {
  return {
    filtering: !!t?.filteringOperationId,
    halted: t?.halted ?? false,
    haltReason: t?.haltReason ?? null,
    haltedAt: iso(t?.haltedAt ?? null),
    window: t?.window ?? null,
  };
}

const deliveryView = (d: WebhookDelivery) => ({
  id: d.id,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode,
  lastError: d.lastError,
  nextAttemptAt: iso(d.nextAttemptAt),
  deliveredAt: iso(d.deliveredAt),
  createdAt: d.createdAt.toISOString(),
  payload: d.payload,
});

/** Admin registry, the issuer's approvals and trading controls, investors' authorisations. */
export const venueRoutes: FastifyPluginAsyncTypebox<{ venues: VenueService }> = async (app, { venues }) => {
  const em = () => app.infra.db.orm.em.fork();
  const tags = ['venues'];

  app.get(
    '/venues',
    {
      config: { roles: [...CAN.manageVenues, ...CAN.readVenues] },
      schema: {
        tags,
        security,
        summary: 'Every venue: the platform ATS and licensed external venues',
        response: { 200: Type.Array(Type.Ref('Venue')), ...errorResponses },
      },
    },
    async () => {
      const m = em();
      return Promise.all((await venues.list(m)).map((v) => venueView(m, v)));
    },
  );

  app.post(
    '/venues',
    {
      config: { roles: CAN.manageVenues },
      schema: {
        tags,
        security,
        summary:
          'Register an external venue: created on chain by the operator, operated through its API keys',
        body: RegisterVenueBody,
        response: {
          202: Type.Object({ venue: Type.Ref('Venue'), operation: Type.Ref('ChainOperation') }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { venue, op } = await venues.register(request.body, request.principal!.id);
      return reply
        .status(202)
        .send({ venue: await venueView(em(), venue), operation: serializeOperation(op) });
    },
  );

  app.get(
    '/venues/:id',
    {
      config: { roles: [...CAN.manageVenues, ...CAN.readVenues] },
      schema: {
        tags,
        security,
        summary: 'One venue',
        params: VenueParams,
        response: { 200: Type.Ref('Venue'), ...errorResponses },
      },
    },
    async (request) => {
      const m = em();
      return venueView(m, await venues.get(m, request.params.id));
    },
  );

  app.put(
    '/venues/:id/signers',
    {
      config: { roles: CAN.manageVenues },
      schema: {
        tags,
        security,
        summary: "Replace the venue's signers on chain (settlement.updateVenueSigners)",
        params: VenueParams,
        body: SignersBody,
        response: {
          202: Type.Object({ venue: Type.Ref('Venue'), operations: Type.Array(Type.Ref('ChainOperation')) }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { venue, ops } = await venues.setSigners(
        request.params.id,
        request.body.signers,
        request.principal!.id,
      );
      return reply
        .status(202)
        .send({ venue: await venueView(em(), venue), operations: ops.map(serializeOperation) });
    },
  );

  app.get(
    '/venues/:id/webhook-deliveries',
    {
      config: { roles: CAN.manageVenues },
      schema: {
        tags,
        security,
        summary: "A venue's webhook delivery log, newest first",
        params: VenueParams,
        response: { 200: Type.Array(DeliveryView), ...errorResponses },
      },
    },
    async (request) => (await venues.webhooks.list(em(), request.params.id)).map(deliveryView),
  );

  // ---------------------------------------------------------------- per asset

  const assetVenues = async (assetId: string) => {
    const m = em();
    const { trading, venues: rows } = await venues.forAsset(m, assetId);
    return {
      trading: tradingView(trading),
      venues: await Promise.all(
        rows.map(async (r) => ({
          venue: await venueView(m, r.venue),
          approved: r.approval?.approved ?? false,
          onChain: r.approval?.onChain ?? true,
          decidedAt: iso(r.approval?.updatedAt ?? null),
          pendingTrades: r.pendingTrades,
        })),
      ),
    };
  };

  app.get(
    '/assets/:id/venues',
    {
      config: { roles: [...CAN.readVenues, ...CAN.haltTrading] },
      schema: {
        tags,
        security,
        summary: "The asset's venue approvals, trading halt and window",
        params: VenueParams,
        response: { 200: AssetVenuesView, ...errorResponses },
      },
    },
    async (request) => assetVenues(request.params.id),
  );

  app.put(
    '/assets/:id/venues/:venueId',
    {
      config: { roles: CAN.approveVenues },
      schema: {
        tags,
        security,
        summary: 'Approve or revoke a venue for the asset (venue filtering on chain; audited)',
        description:
          'A revocation disallows the venue on chain: its instructions for the asset no longer settle, and trades waiting there fail.',
        params: AssetVenueParams,
        body: ApprovalBody,
        response: { 200: AssetVenuesView, ...errorResponses },
      },
    },
    async (request) => {
      await venues.setApproval(
        request.params.id,
        request.params.venueId,
        request.body.approved,
        request.principal!.id,
        request.body.reason,
      );
      return assetVenues(request.params.id);
    },
  );

  app.post(
    '/assets/:id/trading/halt',
    {
      config: { roles: CAN.haltTrading },
      schema: {
        tags,
        security,
        summary: 'Halt trading in the asset at every venue (audited)',
        params: VenueParams,
        body: HaltBody,
        response: { 200: TradingView, ...errorResponses },
      },
    },
    async (request) =>
      tradingView(await venues.halt(request.params.id, request.body.reason, request.principal!.id)),
  );

  app.post(
    '/assets/:id/trading/resume',
    {
      config: { roles: CAN.haltTrading },
      schema: {
        tags,
        security,
        summary: 'Resume trading after a halt (audited)',
        params: VenueParams,
        response: { 200: TradingView, ...errorResponses },
      },
    },
    async (request) => tradingView(await venues.resume(request.params.id, request.principal!.id)),
  );

  app.put(
    '/assets/:id/trading/window',
    {
      config: { roles: CAN.haltTrading },
      schema: {
        tags,
        security,
        summary: 'Set (or clear with null) the daily trading window, in a named time zone',
        params: VenueParams,
        body: WindowBody,
        response: { 200: TradingView, ...errorResponses },
      },
    },
    async (request) =>
      tradingView(await venues.setWindow(request.params.id, request.body.window, request.principal!.id)),
  );

  // ---------------------------------------------------------------- investors

  app.get(
    '/investor/venues',
    {
      config: { roles: CAN.authoriseVenues },
      schema: {
        tags,
        security,
        summary: 'Venues that may settle for you',
        response: { 200: InvestorVenuesView, ...errorResponses },
      },
    },
    async (request) =>
      (await venues.investorVenues(em(), request.principal!)).map((r) => ({
        venue: { id: r.venue.id, name: r.venue.name, organisation: r.venue.organisation },
        authorised: r.authorised,
        since: iso(r.since),
      })),
  );

  app.put(
    '/investor/venues/:id',
    {
      config: { roles: CAN.authoriseVenues },
      schema: {
        tags,
        security,
        summary:
          'Let a venue settle for you (the platform affirms its trades in your name), or withdraw that',
        params: VenueParams,
        body: AuthorisationBody,
        response: { 200: Type.Object({ authorised: Type.Boolean() }), ...errorResponses },
      },
    },
    async (request) => {
      const a = await venues.setAuthorisation(request.principal!, request.params.id, request.body.authorised);
      return { authorised: a.active };
    },
  );
};

/** The API licensed external venues call with their API key. */
export const venueApiRoutes: FastifyPluginAsyncTypebox<{ venues: VenueService }> = async (
  app,
  { venues },
) => {
  const em = () => app.infra.db.orm.em.fork();
  const tags = ['venue API'];
  const roles = CAN.operateVenue;

  const tradeView = async (t: VenueTrade) => {
    const m = em();
    return {
      tradeId: t.tradeId,
      status: t.status,
      assetId: t.assetId,
      paymentAssetId: t.paymentAssetId,
      seller: t.sellerDid,
      buyer: t.buyerDid,
      quantity: canonicalAmount(t.quantity),
      price: canonicalAmount(t.price),
      instructionId: await venues.instructionOf(m, t),
      awaitingAffirmation: await venues.awaiting(m, t),
      failureReason: t.failureReason,
      submittedAt: t.createdAt.toISOString(),
      settledAt: iso(t.settledAt),
    };
  };

  app.get(
    '/venue',
    {
      config: { roles },
      schema: {
        tags,
        security,
        summary: 'Your venue',
        response: { 200: Type.Ref('Venue'), ...errorResponses },
      },
    },
    async (request) => {
      const m = em();
      return venueView(m, await venues.ownVenue(m, request.principal!));
    },
  );

  app.post(
    '/venue/pretrade-checks',
    {
      config: { roles },
      schema: {
        tags,
        security,
        summary: 'Check up to 1,000 transfers at once: allowed, or every reason in words',
        description:
          "Each pair runs the platform's pre-trade check (the chain's compliance rules and transfer restrictions, investor standing) plus your venue's standing for the asset (approved, halted, trading window). Reads are batched: one query for the receivers, cached rules per asset.",
        body: PretradeBody,
        response: { 200: PretradeResult, ...errorResponses },
      },
    },
    async (request) => ({ results: await venues.pretrade(request.principal!, request.body.pairs) }),
  );

  app.post(
    '/venue/trades',
    {
      config: { roles },
      schema: {
        tags,
        security,
        summary: 'Submit a matched trade for settlement (idempotent by your trade id)',
        description:
          'Checked first (venue approval, halt, window, pre-trade check of both legs), then one settlement instruction at your venue: the tokens seller → buyer, the payment buyer → seller. Parties who let your venue settle for them are affirmed by the platform; the others affirm in the portal. 202 for a new trade, 200 for a resubmission of the same trade; the same id with other terms is 409.',
        body: TradeBody,
        response: { 200: Type.Ref('VenueTrade'), 202: Type.Ref('VenueTrade'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { trade, created } = await venues.submitTrade(request.principal!, request.body);
      return reply.status(created ? 202 : 200).send(await tradeView(trade));
    },
  );

  app.get(
    '/venue/trades/:tradeId',
    {
      config: { roles },
      schema: {
        tags,
        security,
        summary: "A trade's settlement status: pending, settled, or failed with the chain's reason",
        params: TradeParams,
        response: { 200: Type.Ref('VenueTrade'), ...errorResponses },
      },
    },
    async (request) => tradeView(await venues.trade(request.principal!, request.params.tradeId)),
  );

  app.put(
    '/venue/webhook',
    {
      config: { roles },
      schema: {
        tags,
        security,
        summary:
          'Set where settlement outcomes are sent; the signing secret is created (and shown) the first time',
        body: WebhookBody,
        response: { 200: WebhookView, ...errorResponses },
      },
    },
    async (request) => {
      const { venue, secret } = await venues.setWebhook(request.principal!, request.body.url);
      return { url: venue.webhookUrl, secret };
    },
  );

  app.post(
    '/venue/webhook/secret',
    {
      config: { roles },
      schema: {
        tags,
        security,
        summary: 'Rotate the webhook signing secret (shown once); deliveries from now on use the new one',
        response: { 200: WebhookView, ...errorResponses },
      },
    },
    async (request) => {
      const secret = await venues.rotateSecret(request.principal!);
      const venue = await venues.ownVenue(em(), request.principal!);
      return { url: venue.webhookUrl, secret };
    },
  );

  app.get(
    '/venue/webhook/deliveries',
    {
      config: { roles },
      schema: {
        tags,
        security,
        summary: 'Your webhook delivery log, newest first',
        response: { 200: Type.Array(DeliveryView), ...errorResponses },
      },
    },
    async (request) => {
      const m = em();
      const venue = await venues.ownVenue(m, request.principal!);
      return (await venues.webhooks.list(m, venue.id)).map(deliveryView);
    },
  );
};
