import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { errorResponses } from '../../schemas.js';
import { SANDBOX_SCENARIOS } from './sandbox.js';

export const SandboxScenarioSchema = Type.Union(
  SANDBOX_SCENARIOS.map((s) => Type.Literal(s)),
  { description: 'clear, rejected, retry (resubmission requested), sanctions (hit), pep (hit)' },
);

/**
 * Vendor webhooks. Signatures are over the exact bytes received, so this plugin keeps JSON
 * bodies raw (a Buffer) instead of parsing them; the provider parses after verifying.
 */
export const kycWebhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 512 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    '/kyc/webhooks/:provider',
    {
      config: { public: true },
      schema: {
        tags: ['kyc'],
        summary:
          'KYC/AML vendor webhook (sandbox, sumsub, onfido); authenticated by the vendor HMAC signature',
        description:
          'sumsub: X-Payload-Digest (HMAC of the raw body with the webhook secret, algorithm in X-Payload-Digest-Alg); ' +
          'onfido: X-SHA2-Signature (HMAC-SHA256 hex of the raw body with the webhook token); ' +
          'sandbox: X-Stoa-Sandbox-Signature "t=<unix>,v1=<HMAC-SHA256 hex of t.body>". ' +
          'A bad, stale or replayed delivery is refused with 401 and recorded in the audit trail.',
        params: Type.Object({
          provider: Type.Union([Type.Literal('sandbox'), Type.Literal('sumsub'), Type.Literal('onfido')]),
        }),
        response: {
          202: Type.Object({ received: Type.Literal(true), id: Type.String({ format: 'uuid' }) }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const raw = request.body;
      if (!Buffer.isBuffer(raw) || raw.length === 0) {
        throw new AppError('BAD_REQUEST', 'The webhook body is empty; vendors send a JSON body');
      }
      const row = await app.investors.kyc.receive(request.params.provider, raw, request.headers, request.ip);
      return reply.status(202).send({ received: true, id: row.id });
    },
  );
};

/** What the portal needs to know about KYC before anyone signs in. */
export const kycConfigRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/kyc/config',
    {
      config: { public: true },
      schema: {
        tags: ['kyc'],
        summary: 'The KYC vendor of new applications; in sandbox mode, the verdicts an applicant may pick',
        response: {
          200: Type.Object({
            provider: Type.Union([Type.Literal('sandbox'), Type.Literal('sumsub'), Type.Literal('onfido')]),
            sandbox: Type.Boolean({ description: 'Sandbox mode: verdicts come from the picked scenario' }),
            scenarios: Type.Array(SandboxScenarioSchema, { description: 'Empty unless sandbox mode' }),
            sandboxDelayMs: Type.Union([Type.Integer(), Type.Null()], {
              description: 'How long the sandbox takes to decide; null when it does not decide by itself',
            }),
            webSdk: Type.Boolean({
              description: 'The vendor has a web SDK the portal can open (token route)',
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async () => {
      const kyc = app.investors.kyc;
      return {
        provider: kyc.providerName,
        sandbox: kyc.sandboxMode,
        scenarios: kyc.sandboxMode ? [...SANDBOX_SCENARIOS] : [],
        sandboxDelayMs: kyc.sandboxMode ? kyc.sandboxDelayMs : null,
        webSdk: kyc.hasSdk,
      };
    },
  );
};
