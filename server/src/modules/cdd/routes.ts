import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses } from '../../schemas.js';
import { CAN } from '../auth/roles.js';
import { SECURITY } from '../auth/schemas.js';
import { serializeIdentity } from '../identities/routes.js';
import { Application } from '../onboarding/entity.js';
import { AppParams, ListQuery, ReasonBody } from '../onboarding/schemas.js';
import { serializeApplication } from '../onboarding/view.js';
import { serializeOperation } from '../operations/routes.js';
import type { Attestation } from '../identities/entity.js';
import { AttestBody, AttestResponse } from './schemas.js';

const tags = ['cdd'];

const serializeAttestation = (a: Attestation) => ({
  id: a.id,
  applicationId: a.applicationId,
  identityId: a.identityId,
  kind: a.kind,
  status: a.status,
  requestedBy: a.requestedBy,
  plan: a.plan,
  error: a.error,
  createdAt: a.createdAt.toISOString(),
});

/** The CDD provider API (usable with an API key): review queue, attest, reject, revoke. */
export const cddRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { onboarding, cdd, uploads } = app.investors;
  const show = async (a: Application) =>
    serializeApplication(
      a,
      await onboarding.profile(a),
      await onboarding.documents(onboarding.em(), a.id),
      uploads.limits,
    );

  app.get(
    '/cdd/applications',
    {
      config: { roles: CAN.reviewApplications },
      schema: {
        tags,
        summary: 'Applications waiting for a CDD decision (status in-review by default)',
        security: SECURITY,
        querystring: ListQuery,
        response: {
          200: Type.Object({ items: Type.Array(Type.Ref('OnboardingApplication')), total: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const [items, total] = await onboarding
        .em()
        .findAndCount(
          Application,
          { status: request.query.status ?? 'in-review' },
          { orderBy: { submittedAt: 'asc' }, limit: request.query.limit, offset: request.query.offset },
        );
      return { items: await Promise.all(items.map(show)), total };
    },
  );

  app.get(
    '/cdd/applications/:id',
    {
      config: { roles: CAN.reviewApplications },
      schema: {
        tags,
        summary: 'One application with personal data, screening, accreditation and documents',
        security: SECURITY,
        params: AppParams,
        response: { 200: Type.Ref('OnboardingApplication'), ...errorResponses },
      },
    },
    async (request) => show(await onboarding.loadFor(onboarding.em(), request.principal!, request.params.id)),
  );

  app.post(
    '/cdd/applications/:id/attest',
    {
      config: { roles: CAN.attest },
      schema: {
        tags,
        summary:
          'Attest: approve and, through the chain-operation outbox, create the account identity with a CDD claim, then KYC / Accredited / Jurisdiction claims and POLYX funding; re-attesting renews the claims',
        security: SECURITY,
        params: AppParams,
        body: AttestBody,
        response: { 202: AttestResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { att, identity, ops } = await cdd.attest(request.principal!, request.params.id, request.body);
      return reply.status(202).send({
        attestation: serializeAttestation(att),
        identity: await serializeIdentity(onboarding.em(), identity),
        operations: ops.map(serializeOperation),
      });
    },
  );

  app.post(
    '/cdd/applications/:id/reject',
    {
      config: { roles: CAN.attest },
      schema: {
        tags,
        summary: 'Reject the application (nothing reaches the chain)',
        security: SECURITY,
        params: AppParams,
        body: ReasonBody,
        response: { 200: Type.Ref('OnboardingApplication'), ...errorResponses },
      },
    },
    async (request) => show(await cdd.reject(request.principal!, request.params.id, request.body.reason)),
  );

  app.post(
    '/cdd/identities/:id/revoke',
    {
      config: { roles: CAN.attest },
      schema: {
        tags,
        summary: "Revoke every claim issued to the investor's identity (e.g. a sanctions hit); answers 202",
        security: SECURITY,
        params: AppParams,
        body: ReasonBody,
        response: {
          202: Type.Object({
            identity: Type.Ref('InvestorIdentity'),
            operations: Type.Array(Type.Ref('ChainOperation')),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { identity, ops } = await cdd.revoke(request.principal!, request.params.id, request.body.reason);
      return reply.status(202).send({
        identity: await serializeIdentity(onboarding.em(), identity),
        operations: ops.map(serializeOperation),
      });
    },
  );
};
