import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_FUNGIBLE_LEGS, MAX_OFFCHAIN_LEGS, MEMO_MAX_BYTES, TICKER_PATTERN } from '@stoa/chain';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { ChainText, errorResponses } from '../../schemas.js';
import { Did, IdParams, PortfolioRefSchema, PositiveAmount } from '../assets/schemas.js';
import { serializeOperation } from '../operations/routes.js';
import { AppError } from '../../errors.js';
import { CAN, investorOnly } from '../auth/roles.js';
import { ownIdentity } from '../identities/directory.js';
import type { Settlement } from './entity.js';
import { involves } from './service.js';

const tags = ['settlements'];
const security = [{ bearer: [] }];
const STAFF = ['issuer-admin', 'transfer-agent'] as const;

const Leg = Type.Union([
  Type.Object(
    {
      type: Type.Literal('Fungible'),
      from: PortfolioRefSchema,
      to: PortfolioRefSchema,
      assetId: Type.String({ format: 'uuid', description: 'Platform asset id' }),
      amount: PositiveAmount,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('OffChain'),
      from: Did,
      to: Did,
      ticker: Type.String({ pattern: TICKER_PATTERN }),
      amount: PositiveAmount,
    },
    { additionalProperties: false },
  ),
]);
const CreateBody = Type.Object(
  {
    venueId: Type.Optional(Type.Integer({ minimum: 1 })),
    settlementType: Type.Union([
      Type.Object({ type: Type.Literal('SettleOnAffirmation') }),
      Type.Object({
        type: Type.Union([Type.Literal('SettleOnBlock'), Type.Literal('SettleManual')]),
        block: Type.Integer({ minimum: 0 }),
      }),
    ]),
    legs: Type.Array(Leg, {
      minItems: 1,
      maxItems: MAX_FUNGIBLE_LEGS + MAX_OFFCHAIN_LEGS,
      description: `At most ${MAX_FUNGIBLE_LEGS} fungible and ${MAX_OFFCHAIN_LEGS} off-chain legs`,
    }),
    memo: Type.Optional(ChainText(MEMO_MAX_BYTES, { minLength: 0 })),
    expiresAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'Platform-side deadline: not executed by then, the instruction is rejected and its locks released (default: 7 days)',
      }),
    ),
  },
  { additionalProperties: false },
);
const View = Type.Object({
  id: Type.String({ format: 'uuid' }),
  instructionId: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.String({
    description: 'Chain status: Creating, Pending, Failed, Success, Rejected (Unknown: not on chain)',
  }),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  legs: Type.Array(Type.Unknown()),
  pendingAffirmations: Type.Union([Type.Integer(), Type.Null()]),
  operations: Type.Array(Type.Ref('ChainOperation')),
});
const PartyBody = Type.Object(
  {
    identityId: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'Custodial investor to act for; the operator when omitted',
      }),
    ),
  },
  { additionalProperties: false },
);

export const settlementRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const svc = app.tokenization.settlements;
  const em = () => app.infra.db.orm.em.fork();
  const view = async (s: Settlement) => {
    const { chain, status, operations } = await svc.view(em(), s);
    const failed = operations.filter((o) => o.status === 'failed').at(-1);
    return {
      id: s.id,
      instructionId: s.instructionId,
      status: s.instructionId === null ? 'Creating' : (status?.type ?? 'Unknown'),
      failureReason: s.failureReason ?? (failed ? `${failed.errorCode}: ${failed.errorMessage}` : null),
      legs: s.legs,
      pendingAffirmations: chain?.pendingAffirmations ?? null,
      operations: operations.map(serializeOperation),
    };
  };

  /** Investors read only the settlements that involve their DID (404 for others). */
  const readable = async (request: FastifyRequest, id: string) => {
    const s = await svc.get(em(), id);
    if (!investorOnly(request.principal!)) return s;
    const mine = await ownIdentity(em(), request.principal!);
    if (!mine?.did || !involves(s.legs, mine.did)) throw AppError.notFound('Settlement', id);
    return s;
  };
  /** Who acts: staff name the custodial investor (or act as the operator); investors act for themselves. */
  const party = async (request: FastifyRequest, id: string, named: string | undefined) => {
    if (!investorOnly(request.principal!)) return named;
    const mine = await ownIdentity(em(), request.principal!);
    if (!mine?.did)
      throw new AppError('RULE_VIOLATION', 'You have no identity on chain yet; complete onboarding first');
    if (named && named !== mine.id)
      throw new AppError('FORBIDDEN', 'Investors affirm or reject only for their own identity');
    const s = await svc.get(em(), id);
    if (!involves(s.legs, mine.did))
      throw new AppError('FORBIDDEN', 'This instruction does not involve your identity');
    return mine.id;
  };

  app.post(
    '/settlements',
    {
      config: { roles: STAFF },
      schema: {
        tags,
        security,
        summary: 'Create an instruction with several legs; the operator affirms its own portfolios',
        body: CreateBody,
        response: { 202: View, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { expiresAt, ...body } = request.body;
      const { settlement } = await svc.create(
        { ...body, ...(expiresAt ? { expiresAt: new Date(expiresAt) } : {}) },
        request.principal!.id,
        request.idempotency?.scope,
      );
      return reply.status(202).send(await view(settlement));
    },
  );

  app.get(
    '/settlements/:id',
    {
      config: { roles: [] },
      schema: {
        tags,
        security,
        summary: 'A settlement with its chain status and failure reason',
        params: IdParams,
        response: { 200: View, ...errorResponses },
      },
    },
    async (request) => view(await readable(request, request.params.id)),
  );

  for (const action of ['affirm', 'withdraw', 'reject'] as const) {
    const investorsMay = action !== 'withdraw';
    app.post(
      `/settlements/:id/${action}`,
      {
        config: { roles: investorsMay ? CAN.affirmInstructions : STAFF },
        schema: {
          tags,
          security,
          summary: investorsMay
            ? `${action} on behalf of a custodial account (investors: their own, when the instruction involves their DID)`
            : `${action} on behalf of a custodial account`,
          params: IdParams,
          body: PartyBody,
          response: { 202: Type.Ref('ChainOperation'), ...errorResponses },
        },
      },
      async (request, reply) =>
        reply
          .status(202)
          .send(
            serializeOperation(
              await svc.partyAction(
                request.params.id,
                action,
                request.principal!.id,
                await party(request, request.params.id, request.body.identityId),
                request.idempotency?.scope,
              ),
            ),
          ),
    );
  }
  app.post(
    '/settlements/:id/execute',
    {
      config: { roles: CAN.affirmInstructions },
      schema: {
        tags,
        security,
        summary:
          'Execute a manual (or retry a failed) instruction: staff, or an investor who is a party (signed by a party the platform signs for)',
        params: IdParams,
        response: { 202: Type.Ref('ChainOperation'), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(202)
        .send(
          serializeOperation(
            await svc.execute(
              request.params.id,
              request.principal!.id,
              request.idempotency?.scope,
              await party(request, request.params.id, undefined),
            ),
          ),
        ),
  );
};
