import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { errorResponses } from '../../schemas.js';
import { SandboxScenarioSchema } from '../kyc/routes.js';
import { CAN } from '../auth/roles.js';
import { SECURITY } from '../auth/schemas.js';
import { Application } from './entity.js';
import {
  AccreditationReviewBody,
  AddressProofBody,
  AppParams,
  ApplicationInput,
  ListQuery,
  ReviewActionBody,
} from './schemas.js';
import type { Principal } from '../auth/service.js';
import { isReviewer } from './service.js';
import { documentRoutes } from './document-routes.js';
import { serializeApplication } from './view.js';

const tags = ['onboarding'];
const App = Type.Ref('OnboardingApplication');

export const onboardingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { onboarding, uploads } = app.investors;
  const show = async (a: Application, viewer: Principal) => {
    const view = serializeApplication(
      a,
      await onboarding.profile(a),
      await onboarding.documents(onboarding.em(), a.id),
      uploads.limits,
    );
    // Screening results (PEP, sanctions, vendor labels) are for reviewers: telling the subject
    // would tip them off, and labels are vendor codes, not reasons.
    return isReviewer(viewer) ? view : { ...view, kyc: { ...view.kyc, screening: null } };
  };

  app.post(
    '/onboarding/applications',
    {
      config: { roles: CAN.applyForOnboarding },
      schema: {
        tags,
        summary: 'Start an onboarding application (draft): personal or entity data, countries, financials',
        security: SECURITY,
        body: ApplicationInput,
        response: { 201: App, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await show(await onboarding.create(request.principal!, request.body), request.principal!)),
  );

  app.get(
    '/onboarding/applications',
    {
      config: { roles: [] },
      schema: {
        tags,
        summary: 'Applications: your own, or (reviewers) all, optionally by status',
        security: SECURITY,
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(App), total: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const p = request.principal!;
      const where: Record<string, string> = {};
      if (!isReviewer(p)) where.userId = p.userId ?? '00000000-0000-0000-0000-000000000000';
      if (request.query.status) where.status = request.query.status;
      const [items, total] = await onboarding.em().findAndCount(Application, where, {
        orderBy: { createdAt: 'desc' },
        limit: request.query.limit,
        offset: request.query.offset,
      });
      return { items: await Promise.all(items.map((a) => show(a, p))), total };
    },
  );

  app.get(
    '/onboarding/applications/:id',
    {
      config: { roles: [] },
      schema: {
        tags,
        summary: 'One application with its documents (metadata), KYC and accreditation state',
        security: SECURITY,
        params: AppParams,
        response: { 200: App, ...errorResponses },
      },
    },
    async (request) =>
      show(
        await onboarding.loadFor(onboarding.em(), request.principal!, request.params.id),
        request.principal!,
      ),
  );

  app.put(
    '/onboarding/applications/:id',
    {
      config: { roles: CAN.applyForOnboarding },
      schema: {
        tags,
        summary: 'Replace the application data (while draft or needs-more-info)',
        security: SECURITY,
        params: AppParams,
        body: ApplicationInput,
        response: { 200: App, ...errorResponses },
      },
    },
    async (request) =>
      show(await onboarding.update(request.principal!, request.params.id, request.body), request.principal!),
  );

  app.post(
    '/onboarding/applications/:id/submit',
    {
      config: { roles: CAN.applyForOnboarding },
      schema: {
        tags,
        summary: 'Submit for review: checks the required documents, then starts KYC/AML screening',
        description:
          'In sandbox mode (GET /kyc/config), `sandboxScenario` picks the verdict the sandbox vendor ' +
          'sends by itself after KYC_SANDBOX_DELAY_MS (default clear); other vendors refuse it.',
        security: SECURITY,
        params: AppParams,
        querystring: Type.Object({ sandboxScenario: Type.Optional(SandboxScenarioSchema) }),
        response: { 200: App, ...errorResponses },
      },
    },
    async (request) => {
      const kyc = app.investors.kyc;
      const scenario = request.query.sandboxScenario;
      if (scenario && !kyc.sandboxMode) {
        throw new AppError(
          'VALIDATION_FAILED',
          'A sandbox scenario can only be picked when this server runs the sandbox verification vendor',
        );
      }
      return show(
        await onboarding.submit(
          request.principal!,
          request.params.id,
          kyc.providerName,
          kyc.sandboxMode ? (scenario ?? 'clear') : null,
        ),
        request.principal!,
      );
    },
  );

  app.post(
    '/onboarding/applications/:id/kyc/sdk-token',
    {
      config: { roles: CAN.applyForOnboarding },
      schema: {
        tags,
        summary: "A token for the verification vendor's web SDK (Sumsub WebSDK, Onfido web SDK)",
        security: SECURITY,
        params: AppParams,
        response: {
          200: Type.Object({
            provider: Type.Union([Type.Literal('sumsub'), Type.Literal('onfido'), Type.Literal('sandbox')]),
            token: Type.String(),
            applicantId: Type.String(),
            levelName: Type.Optional(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const a = await onboarding.loadFor(onboarding.em(), request.principal!, request.params.id);
      if (a.userId !== request.principal!.userId) {
        throw new AppError('FORBIDDEN', 'Only the applicant may open the verification web app');
      }
      if (a.status === 'draft') {
        throw new AppError('RULE_VIOLATION', 'Submit your application first; then verification starts');
      }
      return app.investors.kyc.sdkToken(a);
    },
  );

  app.post(
    '/onboarding/applications/:id/review',
    {
      config: { roles: CAN.decideApplications },
      schema: {
        tags,
        summary: 'Reviewer decision short of attestation: start review, ask for more information, or reject',
        security: SECURITY,
        params: AppParams,
        body: ReviewActionBody,
        response: { 200: App, ...errorResponses },
      },
    },
    async (request) => {
      const to = (
        { 'start-review': 'in-review', 'request-info': 'needs-more-info', reject: 'rejected' } as const
      )[request.body.action];
      return show(
        await onboarding.decide(request.principal!, request.params.id, to, request.body.reason),
        request.principal!,
      );
    },
  );

  app.post(
    '/onboarding/applications/:id/accreditation/review',
    {
      config: { roles: CAN.decideApplications },
      schema: {
        tags,
        summary: 'Verify or reject the claimed Reg D 506(c) accreditation (default expiry 90 days)',
        security: SECURITY,
        params: AppParams,
        body: AccreditationReviewBody,
        response: { 200: App, ...errorResponses },
      },
    },
    async (request) =>
      show(
        await onboarding.reviewAccreditation(request.principal!, request.params.id, request.body),
        request.principal!,
      ),
  );

  app.post(
    '/onboarding/applications/:id/address-challenge',
    {
      config: { roles: CAN.applyForOnboarding },
      schema: {
        tags,
        summary:
          'Get a challenge to sign with your own key, to use your own address instead of a custodial one',
        security: SECURITY,
        params: AppParams,
        response: { 200: Type.Object({ challenge: Type.String() }), ...errorResponses },
      },
    },
    async (request) => ({
      challenge: await onboarding.addressChallenge(request.principal!, request.params.id),
    }),
  );

  app.post(
    '/onboarding/applications/:id/address',
    {
      config: { roles: CAN.applyForOnboarding },
      schema: {
        tags,
        summary: 'Prove control of an address with an sr25519 signature of the challenge',
        security: SECURITY,
        params: AppParams,
        body: AddressProofBody,
        response: { 200: App, ...errorResponses },
      },
    },
    async (request) => {
      const { address, signature } = request.body;
      return show(
        await onboarding.proveAddress(request.principal!, request.params.id, address, signature),
        request.principal!,
      );
    },
  );

  await app.register(documentRoutes);
};
