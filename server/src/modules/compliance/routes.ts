import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { errorResponses } from '../../schemas.js';
import { Amount, IdParams, PortfolioRefSchema } from '../assets/schemas.js';
import { CAN } from '../auth/roles.js';
import { serializeOperation } from '../operations/routes.js';
import { Issuer } from '../assets/entity.js';
import { investorDirectory } from '../identities/directory.js';
import { holdersOutOfCompliance } from './preview.js';
import { describeTemplate } from './reasons.js';
import { RuleTemplate, TEMPLATE_NAMES } from './templates.js';

const tags = ['compliance'];
const security = [{ bearer: [] }];
const READERS = ['issuer-admin', 'compliance-officer', 'transfer-agent', 'auditor'] as const;

const Compiled = Type.Object({
  requirements: Type.Array(
    Type.Object({ label: Type.String(), audience: Type.String(), conditions: Type.Array(Type.Unknown()) }),
  ),
  trustedIssuers: Type.Array(Type.Unknown()),
  stats: Type.Array(Type.Unknown()),
  restrictions: Type.Array(Type.Unknown()),
  offChain: Type.Object({
    regCf: Type.Boolean(),
    lockupDays: Type.Union([Type.Integer(), Type.Null()]),
    maxInvestors: Type.Optional(
      Type.Union([Type.Integer(), Type.Null()], {
        description: 'Holder cap in investors (the chain restriction is one higher: it counts the issuer)',
      }),
    ),
    affiliateVolumePercent: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  }),
  summary: Type.Array(Type.String(), { description: 'The rules in plain language' }),
});
const RulesBody = Type.Object(
  { templates: Type.Array(RuleTemplate, { maxItems: 12 }) },
  { additionalProperties: false },
);
const RulesView = Type.Object({
  assetId: Type.String({ format: 'uuid' }),
  version: Type.Integer(),
  templates: Type.Array(Type.Unknown()),
  compiled: Compiled,
  changedBy: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
});
const Reason = Type.Object({
  rule: Type.String({ description: 'The rule that refused, in words' }),
  message: Type.String(),
});
const CheckBody = Type.Object(
  {
    from: Type.Optional(PortfolioRefSchema),
    to: PortfolioRefSchema,
    amount: Amount,
    value: Type.Optional(
      Type.String({
        pattern: '^\\d{1,13}(\\.\\d{1,6})?$',
        description: 'Purchase value in USD, for Reg CF limits',
      }),
    ),
  },
  { additionalProperties: false },
);

export const complianceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { compliance, checks } = app.tokenization;
  const em = () => app.infra.db.orm.em.fork();

  app.get(
    '/compliance/templates',
    {
      config: { roles: [] },
      schema: {
        tags,
        security,
        summary: 'The rule library',
        response: { 200: Type.Array(Type.String()), ...errorResponses },
      },
    },
    async () => TEMPLATE_NAMES,
  );

  app.post(
    '/compliance/preview',
    {
      config: { roles: READERS },
      schema: {
        tags,
        security,
        summary:
          'Compile templates without applying them: Polymesh requirements, stats, restrictions and plain language',
        body: RulesBody,
        response: { 200: Compiled, ...errorResponses },
      },
    },
    async (request) => compliance.compile(request.body.templates),
  );

  app.get(
    '/assets/:id/rules',
    {
      config: { roles: [] },
      schema: {
        tags,
        security,
        summary: 'The rules of an asset, in plain language and compiled',
        params: IdParams,
        response: { 200: RulesView, ...errorResponses },
      },
    },
    async (request) => {
      const rules = await compliance.get(em(), request.params.id);
      if (!rules) {
        throw new AppError(
          'NOT_FOUND',
          `Asset ${request.params.id} has no rules yet; PUT /assets/${request.params.id}/rules`,
        );
      }
      return {
        assetId: rules.assetId,
        version: rules.version,
        templates: rules.templates,
        compiled: { ...rules.compiled, summary: rules.templates.map(describeTemplate) },
        changedBy: rules.changedBy,
        updatedAt: rules.updatedAt.toISOString(),
      };
    },
  );

  app.put(
    '/assets/:id/rules',
    {
      config: { roles: ['compliance-officer', 'issuer-admin'] },
      schema: {
        tags,
        security,
        summary: 'Set the asset’s rules; audited with a diff. 202 with the chain operations that apply them',
        params: IdParams,
        body: RulesBody,
        response: {
          202: Type.Object({
            version: Type.Integer(),
            summary: Type.Array(Type.String()),
            operations: Type.Array(Type.Ref('ChainOperation')),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { rules, operations } = await compliance.setRules(
        request.params.id,
        request.body.templates,
        request.principal!.id,
      );
      return reply.status(202).send({
        version: rules.version,
        summary: rules.compiled.summary,
        operations: operations.map(serializeOperation),
      });
    },
  );

  app.post(
    '/assets/:id/rules/preview',
    {
      config: { roles: ['compliance-officer', 'issuer-admin'] },
      schema: {
        tags,
        security,
        summary:
          'What a rule change would do before it is made: the rules in words and the current holders it would put out of compliance',
        description:
          'Reads only. A holder is out of compliance when the new rules would no longer let them receive the asset (by their claims now); they keep what they hold, but could not buy more or take part in transfers in.',
        params: IdParams,
        body: RulesBody,
        response: {
          200: Type.Object({
            summary: Type.Array(Type.String()),
            holders: Type.Integer({ description: 'Current holders, the issuer aside' }),
            outOfCompliance: Type.Array(
              Type.Object({
                did: Type.String(),
                name: Type.String({ description: 'The investor’s name, or "an unknown holder"' }),
                balance: Amount,
                reasons: Type.Array(Type.String()),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const em = app.infra.db.orm.em.fork();
      const { asset } = await app.tokenization.assets.active(em, request.params.id);
      const issuer = await em.findOne(Issuer, { id: asset.issuerId });
      const compiled = await compliance.compile(request.body.templates, asset.chainId);
      const onChain = (await app.infra.ledger.holders(asset.chainId)).filter((h) => h.did !== issuer?.did);
      const { byDid } = await investorDirectory(em, { dids: onChain.map((h) => h.did) });
      const holders = onChain.map((h) => ({
        did: h.did,
        name: byDid.get(h.did)?.name ?? 'an unknown holder',
        balance: h.balance,
      }));
      return {
        summary: compiled.summary,
        holders: holders.length,
        outOfCompliance: await holdersOutOfCompliance(app.infra.ledger, compiled, holders),
      };
    },
  );

  app.post(
    '/assets/:id/transfer-checks',
    {
      config: { roles: CAN.checkTransfers },
      schema: {
        tags,
        security,
        summary: 'Pre-trade check: allowed, or refused with one plain-language reason per failed rule',
        description:
          'Staff check any transfer and read every reason. Investors check only transfers they send or ' +
          'receive: their own reasons in full, the other party only as "not eligible", and no check that ' +
          "rests on the other party's holdings (listed in `withheld`, the same for every amount).",
        params: IdParams,
        body: CheckBody,
        response: {
          200: Type.Object({
            allowed: Type.Boolean({ description: 'For investors: by the checks they may see' }),
            reasons: Type.Array(Reason),
            withheld: Type.Array(Type.String(), {
              description:
                'Checks whose outcome is not shown to you; they run again when the transfer settles',
            }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => checks.checkAs(em(), request.principal!, request.params.id, request.body),
  );
};
