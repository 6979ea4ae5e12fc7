import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { fromUnits } from '../../lib/units.js';
import { errorResponses } from '../../schemas.js';
import { Amount, DocumentInput, IdParams } from '../assets/schemas.js';
import { InvestorIdentity } from '../identities/entity.js';
import { serializeOperation } from '../operations/routes.js';
import { Asset } from '../assets/entity.js';
import type { Offering } from './entity.js';
import { Subscription } from './entity.js';
import { offeringActions } from './lifecycle.js';

const tags = ['offerings'];
const security = [{ bearer: [] }];
const ISSUER = ['issuer-admin'] as const;

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    paymentAssetId: Type.String({ format: 'uuid', description: 'The stablecoin asset investors pay with' }),
    tiers: Type.Array(Type.Object({ amount: Amount, price: Amount }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: 10,
    }),
    minInvestment: Amount,
    maxInvestment: Type.Optional(Amount),
    softCap: Type.Optional(Amount),
    hardCap: Type.Optional(Amount),
    start: Type.Optional(Type.String({ format: 'date-time' })),
    end: Type.String({ format: 'date-time' }),
    eligibleClasses: Type.Optional(
      Type.Array(Type.Union([Type.Literal('accredited'), Type.Literal('non-us'), Type.Literal('reg-cf')]), {
        maxItems: 3,
      }),
    ),
    documents: Type.Optional(Type.Array(DocumentInput, { maxItems: 10 })),
  },
  { additionalProperties: false },
);
const OfferingView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    assetId: Type.String(),
    paymentAssetId: Type.String(),
    name: Type.String(),
    status: Type.String(),
    terms: Type.Unknown(),
    fundraiserId: Type.Union([Type.Integer(), Type.Null()]),
    venueId: Type.Union([Type.Integer(), Type.Null()]),
    escrowPortfolio: Type.Union([Type.Integer(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
    dashboard: Type.Object({
      raised: Amount,
      investors: Type.Integer(),
      subscriptions: Type.Integer(),
      tiers: Type.Array(Type.Object({ amount: Amount, price: Amount, remaining: Amount })),
      chainStatus: Type.Unknown(),
    }),
  },
  { $id: 'Offering' },
);
const SubscribeBody = Type.Object(
  {
    amount: Amount,
    identityId: Type.Optional(
      Type.String({ format: 'uuid', description: 'Staff only: subscribe for this investor' }),
    ),
  },
  { additionalProperties: false },
);
const SubscriptionView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: Type.String(),
  amount: Amount,
  cost: Amount,
  failureReason: Type.Union([Type.String(), Type.Null()]),
  operation: Type.Ref('ChainOperation'),
});
const accepted = {
  202: Type.Object({ offering: Type.Ref('Offering'), operations: Type.Array(Type.Ref('ChainOperation')) }),
  ...errorResponses,
};

export const offeringRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addSchema(OfferingView);
  const svc = app.tokenization.offerings;
  const actions = offeringActions(svc);
  const em = () => app.infra.db.orm.em.fork();

  const view = async (o: Offering) => {
    const e = em();
    const subs = await e.find(Subscription, { offeringId: o.id, status: { $in: ['pending', 'settled'] } });
    const asset = await e.findOne(Asset, { id: o.assetId });
    const fr =
      o.fundraiserId !== null && asset?.chainId
        ? await app.infra.ledger.fundraiser(asset.chainId, o.fundraiserId)
        : null;
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
        raised: fromUnits(await svc.raised(e, o.id)),
        investors: new Set(subs.map((s) => s.identityId)).size,
        subscriptions: subs.length,
        tiers: fr
          ? fr.tiers.map((t) => ({ amount: t.total, price: t.price, remaining: t.remaining }))
          : o.terms.tiers.map((t) => ({ ...t, remaining: t.amount })),
        chainStatus: fr?.status ?? null,
      },
    };
  };

  app.post(
    '/assets/:id/offerings',
    {
      config: { roles: ISSUER },
      schema: {
        tags,
        security,
        summary: 'Draft an offering of the asset',
        params: IdParams,
        body: CreateBody,
        response: { 201: Type.Ref('Offering'), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await view(await svc.create(request.params.id, request.body, request.principal!.id))),
  );

  app.get(
    '/offerings/:id',
    {
      config: { roles: [] },
      schema: {
        tags,
        security,
        summary: 'An offering with its live dashboard',
        params: IdParams,
        response: { 200: Type.Ref('Offering'), ...errorResponses },
      },
    },
    async (request) => view(await svc.get(em(), request.params.id)),
  );

  const lifecycle = {
    launch: (id: string, actor: string) => svc.launch(id, actor),
    freeze: actions.freeze,
    unfreeze: actions.unfreeze,
    close: actions.close,
  };
  for (const [name, fn] of Object.entries(lifecycle)) {
    app.post(
      `/offerings/:id/${name}`,
      {
        config: { roles: ISSUER },
        schema: {
          tags,
          security,
          summary: `${name[0]!.toUpperCase()}${name.slice(1)} the offering (chain operations, 202)`,
          params: IdParams,
          response: accepted,
        },
      },
      async (request, reply) => {
        const { offering, operations } = await fn(request.params.id, request.principal!.id);
        return reply
          .status(202)
          .send({ offering: await view(offering), operations: operations.map(serializeOperation) });
      },
    );
  }
  app.post(
    '/offerings/:id/extend',
    {
      config: { roles: ISSUER },
      schema: {
        tags,
        security,
        summary: 'Move the end of the offering later',
        params: IdParams,
        body: Type.Object({ end: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
        response: accepted,
      },
    },
    async (request, reply) => {
      const { offering, operations } = await actions.extend(
        request.params.id,
        request.principal!.id,
        request.body.end,
      );
      return reply
        .status(202)
        .send({ offering: await view(offering), operations: operations.map(serializeOperation) });
    },
  );

  app.post(
    '/offerings/:id/subscriptions',
    {
      config: { roles: ['investor', 'issuer-admin', 'transfer-agent'] },
      schema: {
        tags,
        security,
        summary:
          'Subscribe: eligibility is checked first (refusals never reach the chain), then the DvP investment runs on chain',
        params: IdParams,
        body: SubscribeBody,
        response: { 202: SubscriptionView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = request.principal!;
      let identityId = request.body.identityId;
      const staff = p.roles.some((r) => r !== 'investor');
      if (!identityId || !staff) {
        const mine = p.userId ? await em().findOne(InvestorIdentity, { userId: p.userId }) : null;
        if (!mine)
          throw new AppError(
            'RULE_VIOLATION',
            'You have no investor identity yet; complete onboarding first',
          );
        if (identityId && identityId !== mine.id)
          throw new AppError('FORBIDDEN', 'Investors subscribe only for themselves');
        identityId = mine.id;
      }
      const { subscription: s, operation } = await svc.subscribe(
        request.params.id,
        identityId,
        request.body.amount,
        p.id,
      );
      return reply.status(202).send({
        id: s.id,
        status: s.status,
        amount: s.amount,
        cost: s.cost,
        failureReason: s.failureReason,
        operation: serializeOperation(operation),
      });
    },
  );
};
