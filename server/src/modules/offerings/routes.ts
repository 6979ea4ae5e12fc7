import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FilterQuery } from '@mikro-orm/core';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { errorResponses } from '../../schemas.js';
import { IdParams } from '../assets/schemas.js';
import { CAN, hasRole, investorOnly } from '../auth/roles.js';
import { serializeOperation } from '../operations/routes.js';
import { Offering } from './entity.js';
import { offeringActions } from './lifecycle.js';
import { assertVisible, subscriberFor } from './policy.js';
import { offeringImpact } from './impact.js';
import { serializeDocument } from './documents.js';
import {
  AddDocumentBody,
  CreateBody,
  EligibilityView,
  ImpactView,
  InvestorPageQuery,
  OfferingDocumentView,
  OfferingInvestor,
  OfferingListQuery,
  OfferingView,
  SubscribeBody,
  SubscriptionView,
} from './schemas.js';
import { escrowHeld, investorPage, LAUNCHED, offeringView, readCursor } from './view.js';

const tags = ['offerings'];
const DocumentParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), documentId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);
const security = [{ bearer: [] }];
const ISSUER = ['issuer-admin'] as const;

const accepted = {
  202: Type.Object({ offering: Type.Ref('Offering'), operations: Type.Array(Type.Ref('ChainOperation')) }),
  ...errorResponses,
};

export const offeringRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addSchema(OfferingDocumentView);
  app.addSchema(ImpactView);
  app.addSchema(OfferingView);
  app.addSchema(EligibilityView);
  const svc = app.tokenization.offerings;
  const actions = offeringActions(svc);
  const em = () => app.infra.db.orm.em.fork();

  const canSeeInvestors = (request: FastifyRequest) => hasRole(request.principal!, CAN.readOfferingInvestors);
  const view = (o: Offering, request: FastifyRequest) =>
    offeringView(em(), app.infra.ledger, o, canSeeInvestors(request));
  /** An offering the caller may see (policy.ts). */
  const visible = async (request: FastifyRequest, id: string) =>
    assertVisible(request.principal!, await svc.get(em(), id));
  const subscriber = (request: FastifyRequest, named: string | undefined) =>
    subscriberFor(em(), request.principal!, named);

  app.get(
    '/offerings',
    {
      config: { roles: [] },
      schema: {
        tags,
        security,
        summary: 'Offerings, newest first: staff see every offering, investors the launched ones',
        querystring: OfferingListQuery,
        response: {
          200: Type.Object({ items: Type.Array(Type.Ref('Offering')), total: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { assetId, status, limit, offset } = request.query;
      const where: FilterQuery<Offering> = {};
      if (assetId) where.assetId = assetId;
      if (investorOnly(request.principal!)) {
        where.status = status
          ? (LAUNCHED as readonly string[]).includes(status)
            ? status
            : { $in: [] }
          : { $in: [...LAUNCHED] };
      } else if (status) where.status = status;
      const [rows, total] = await em().findAndCount(Offering, where, {
        orderBy: { createdAt: 'desc' },
        limit,
        offset,
      });
      const items = [];
      for (const o of rows) items.push(await view(o, request));
      return { items, total };
    },
  );

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
        .send(await view(await svc.create(request.params.id, request.body, request.principal!.id), request)),
  );

  app.get(
    '/offerings/:id',
    {
      config: { roles: [] },
      schema: {
        tags,
        security,
        summary: 'An offering with its live dashboard (and its investors, for issuer staff and auditors)',
        params: IdParams,
        response: { 200: Type.Ref('Offering'), ...errorResponses },
      },
    },
    async (request) => view(await visible(request, request.params.id), request),
  );

  app.get(
    '/offerings/:id/investors',
    {
      config: { roles: CAN.readOfferingInvestors },
      schema: {
        tags,
        security,
        summary:
          "The offering's subscriptions with their investors, newest first, a page at a time (the offering view shows the first page)",
        params: IdParams,
        querystring: InvestorPageQuery,
        response: {
          200: Type.Object({
            items: Type.Array(OfferingInvestor),
            nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'null: the last page' }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const o = await visible(request, request.params.id);
      const { limit, cursor } = request.query;
      const after = cursor === undefined ? null : readCursor(cursor);
      if (cursor !== undefined && !after)
        throw new AppError(
          'VALIDATION_FAILED',
          'The cursor is not one this list gave; start again without it',
          {
            fields: [{ field: '/querystring/cursor', message: 'is not a cursor of this list' }],
          },
        );
      return investorPage(em(), o.id, { ...(limit ? { limit } : {}), after });
    },
  );

  const lifecycle = {
    launch: (id: string, actor: string, scope?: string) => svc.launch(id, actor, scope),
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
        const { offering, operations } = await fn(
          request.params.id,
          request.principal!.id,
          request.idempotency?.scope,
        );
        return reply
          .status(202)
          .send({ offering: await view(offering, request), operations: operations.map(serializeOperation) });
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
        request.idempotency?.scope,
      );
      return reply
        .status(202)
        .send({ offering: await view(offering, request), operations: operations.map(serializeOperation) });
    },
  );

  app.post(
    '/offerings/:id/subscriptions',
    {
      config: { roles: CAN.subscribe },
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
      const identityId = await subscriber(request, request.body.identityId);
      const { subscription: s, operation } = await svc.subscribe(
        request.params.id,
        identityId,
        request.body.amount,
        p.id,
        request.idempotency?.scope,
        request.body.agreement,
      );
      const o = await svc.get(em(), s.offeringId);
      return reply.status(202).send({
        id: s.id,
        status: s.status,
        amount: s.amount,
        cost: s.cost,
        failureReason: s.failureReason,
        escrow: escrowHeld(o),
        signedAt: s.agreement?.signedAt ?? null,
        operation: serializeOperation(operation),
      });
    },
  );

  app.post(
    '/offerings/:id/subscriptions/check',
    {
      config: { roles: CAN.subscribe },
      schema: {
        tags,
        security,
        summary:
          'Dry run of a subscription: the full eligibility result, by the same checks the subscription runs; nothing is recorded',
        params: IdParams,
        body: SubscribeBody,
        response: { 200: Type.Ref('SubscriptionEligibility'), ...errorResponses },
      },
    },
    async (request) => {
      const o = await visible(request, request.params.id);
      const identityId = await subscriber(request, request.body.identityId);
      return svc.checkEligibility(o.id, identityId, request.body.amount);
    },
  );

  app.get(
    '/offerings/:id/impact',
    {
      config: { roles: ISSUER },
      schema: {
        tags,
        security,
        summary:
          'What launching or closing the offering would do (tokens issued; refunds or release), for a confirmation',
        params: IdParams,
        querystring: Type.Object(
          { action: Type.Union([Type.Literal('launch'), Type.Literal('close')]) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('OfferingImpact'), ...errorResponses },
      },
    },
    async (request) => {
      const e = em();
      return offeringImpact(e, await svc.get(e, request.params.id), request.query.action);
    },
  );

  app.post(
    '/offerings/:id/documents',
    {
      config: { roles: ISSUER },
      bodyLimit: 15 * 1024 * 1024,
      schema: {
        tags,
        security,
        summary:
          'Attach a document (PPM, subscription agreement…) to the offering: stored encrypted, its SHA-256 recorded; investors sign over it',
        params: IdParams,
        body: AddDocumentBody,
        response: { 201: Type.Ref('OfferingDocument'), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          serializeDocument(await svc.documents.add(request.params.id, request.body, request.principal!.id)),
        ),
  );

  app.delete(
    '/offerings/:id/documents/:documentId',
    {
      config: { roles: ISSUER },
      schema: {
        tags,
        security,
        summary: 'Remove a document from a draft offering',
        params: DocumentParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await svc.documents.remove(request.params.id, request.params.documentId, request.principal!.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/offerings/:id/documents/:documentId',
    {
      config: { roles: [] },
      schema: {
        tags,
        security,
        summary: 'Open an offering document (anyone who may see the offering); every opening is audited',
        params: DocumentParams,
        produces: ['application/pdf', 'image/png', 'image/jpeg', 'text/plain'],
        response: { 200: Type.String({ description: 'the file', format: 'binary' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { doc, content } = await svc.documents.open(
        request.principal!,
        request.params.id,
        request.params.documentId,
      );
      return reply
        .header('content-type', doc.contentType)
        .header('content-length', doc.size)
        .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(doc.filename)}`)
        .header('x-content-sha256', doc.sha256)
        .header('cache-control', 'no-store')
        .send(content);
    },
  );
};
