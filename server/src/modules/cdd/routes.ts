import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses } from '../../schemas.js';
import { CAN } from '../auth/roles.js';
import { SECURITY } from '../auth/schemas.js';
import { serializeIdentity } from '../identities/routes.js';
import type { Application } from '../onboarding/entity.js';
import { AppParams, ReasonBody } from '../onboarding/schemas.js';
import { serializeApplication } from '../onboarding/view.js';
import { serializeOperation } from '../operations/routes.js';
import type { Attestation } from '../identities/entity.js';
import type { Principal } from '../auth/service.js';
import { queueOf, reviewers, reviewOf } from './review.js';
import { AppError } from '../../errors.js';
import {
  AssignBody,
  AttestBatchBody,
  AttestBatchResponse,
  AttestBody,
  AttestPendingResponse,
  AttestResponse,
  CddListQuery,
} from './schemas.js';

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
  const show = async (a: Application, viewer: Principal) => {
    const em = onboarding.em();
    const profile = await onboarding.profile(a);
    return {
      ...serializeApplication(a, profile, await onboarding.documents(em, a.id), uploads.limits),
      review: await reviewOf(em, a, profile, viewer),
    };
  };

  app.get(
    '/cdd/applications',
    {
      config: { roles: CAN.reviewApplications },
      schema: {
        tags,
        summary:
          'The review queue: by default everything waiting for a reviewer (submitted, in review), longest waiting first; search by name or e-mail',
        security: SECURITY,
        querystring: CddListQuery,
        response: {
          200: Type.Object({ items: Type.Array(Type.Ref('OnboardingApplication')), total: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const p = request.principal!;
      const { items, total } = await queueOf(onboarding.em(), p, request.query, (a) => onboarding.profile(a));
      return { items: await Promise.all(items.map((a) => show(a, p))), total };
    },
  );

  app.get(
    '/cdd/reviewers',
    {
      config: { roles: CAN.reviewApplications },
      schema: {
        tags,
        summary: 'People an application can be assigned to (active CDD providers, compliance officers)',
        security: SECURITY,
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('CddPerson')) }), ...errorResponses },
      },
    },
    async () => ({ items: await reviewers(onboarding.em()) }),
  );

  app.post(
    '/cdd/applications/:id/assign',
    {
      config: { roles: CAN.decideApplications },
      schema: {
        tags,
        summary: 'Assign the application to yourself (`me`) or another reviewer, or unassign it (null)',
        security: SECURITY,
        params: AppParams,
        body: AssignBody,
        response: { 200: Type.Ref('OnboardingApplication'), ...errorResponses },
      },
    },
    async (request) =>
      show(
        await cdd.assign(request.principal!, request.params.id, request.body.reviewer),
        request.principal!,
      ),
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
    async (request) =>
      show(
        await onboarding.loadFor(onboarding.em(), request.principal!, request.params.id),
        request.principal!,
      ),
  );

  app.post(
    '/cdd/applications/:id/attest',
    {
      config: { roles: CAN.attest },
      schema: {
        tags,
        summary:
          'Attest: approve and, through the chain-operation outbox, create the account identity with a CDD claim and send it POLYX for its transaction fees, then KYC / Accredited / Jurisdiction claims; re-attesting renews the claims (and tops a custodial account up when it runs low). ' +
          'A PEP or sanctions hit (enhanced due diligence) or a RED verdict (override, with a reason) needs two different reviewers: the first call records an approval and answers 200; the second, by someone else, attests (202)',
        security: SECURITY,
        params: AppParams,
        body: AttestBody,
        response: { 200: AttestPendingResponse, 202: AttestResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = request.principal!;
      const result = await cdd.attest(p, request.params.id, request.body);
      if (result.kind === 'first-approval') {
        return reply.status(200).send({
          status: 'awaiting-second-reviewer' as const,
          message:
            'Your approval is recorded; a second reviewer must approve before the investor is attested',
          application: await show(result.app, p),
        });
      }
      const { att, identity, ops } = result;
      return reply.status(202).send({
        attestation: serializeAttestation(att),
        identity: await serializeIdentity(onboarding.em(), identity),
        operations: ops.map(serializeOperation),
      });
    },
  );

  app.post(
    '/cdd/attestations',
    {
      config: { roles: CAN.attest },
      schema: {
        tags,
        summary:
          "Attest a batch of applications at once (a CDD provider's bulk onboarding): each item is decided as `POST /cdd/applications/:id/attest` decides it and gets its own result — attested, awaiting a second reviewer, or refused with the error a single attestation would answer with; the attested ones are recorded together and their chain operations batched",
        security: SECURITY,
        body: AttestBatchBody,
        response: { 200: AttestBatchResponse, ...errorResponses },
      },
    },
    async (request) => {
      const p = request.principal!;
      const { items } = request.body;
      const seen = new Set<string>();
      const repeated = items.findIndex((i) => seen.size === seen.add(i.applicationId).size);
      if (repeated >= 0)
        throw new AppError('VALIDATION_FAILED', 'An application may appear once in a batch', {
          fields: [
            { field: `/body/items/${repeated}/applicationId`, message: 'appears earlier in the batch' },
          ],
        });
      const results = await cdd.attestMany(p, items);
      return {
        attested: results.filter((r) => r.ok && r.result.kind === 'attested').length,
        results: results.map((r, i) => {
          const applicationId = items[i]!.applicationId;
          if (!r.ok)
            return {
              applicationId,
              status: 'refused' as const,
              error: { code: r.error.code, statusCode: r.error.statusCode, message: r.error.message },
            };
          if (r.result.kind === 'first-approval')
            return { applicationId, status: 'awaiting-second-reviewer' as const };
          const { att, identity, ops } = r.result;
          return {
            applicationId,
            status: 'attested' as const,
            attestationId: att.id,
            identityId: identity.id,
            account: identity.account,
            operations: ops.map((o) => ({ id: o.id, kind: o.kind, status: o.status })),
          };
        }),
      };
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
    async (request) =>
      show(await cdd.reject(request.principal!, request.params.id, request.body.reason), request.principal!),
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
