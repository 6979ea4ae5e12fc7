import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type {} from '../../plugins/tokenization.js';
import { errorResponses } from '../../schemas.js';
import { serializeOperation } from '../operations/routes.js';
import { FeeQuoteBody } from '../polyx/quote.js';
import { AssetRules } from '../compliance/entity.js';
import { Asset, Issuer } from './entity.js';
import {
  AcceptedAsset,
  AgentBody,
  AmountBody,
  AssetBody,
  ControllerTransferBody,
  CreateAssetBody,
  DocumentInput,
  FreezeBody,
  GroupBody,
  IdParams,
  IssuerBody,
} from './schemas.js';

const ISSUER = ['issuer-admin'] as const;
const ISSUING = ['issuer-admin', 'transfer-agent'] as const;
const READERS = ['issuer-admin', 'compliance-officer', 'transfer-agent', 'auditor'] as const;
const accepted = { 202: Type.Ref('ChainOperation'), ...errorResponses };
const tags = ['assets'];
const security = [{ bearer: [] }];

export function serializeAsset(
  a: Asset,
  onChain?: { totalSupply: string; frozen: boolean; holders: number; owner: string },
) {
  return {
    id: a.id,
    issuerId: a.issuerId,
    name: a.name,
    ticker: a.ticker,
    assetType: a.assetType,
    divisible: a.divisible,
    identifiers: a.identifiers,
    fundingRound: a.fundingRound,
    documents: a.documents,
    chainId: a.chainId,
    status: a.status,
    error: a.error,
    ...(onChain ? { onChain } : {}),
  };
}

export const assetRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addSchema(AssetBody);
  const assets = app.tokenization.assets;
  const em = () => app.infra.db.orm.em.fork();
  const who = (r: { principal: { id: string } | null }) => r.principal!.id;

  app.get(
    '/issuers',
    {
      config: { roles: READERS },
      schema: {
        tags,
        security,
        summary: 'Issuer organisations',
        response: { 200: Type.Array(IssuerBody), ...errorResponses },
      },
    },
    async () =>
      (await em().find(Issuer, {}, { orderBy: { createdAt: 'asc' } })).map((i) => ({
        id: i.id,
        name: i.name,
        account: i.account,
        did: i.did,
      })),
  );

  app.post(
    '/issuers',
    {
      config: { roles: ['admin'] },
      schema: {
        tags,
        security,
        summary: 'Create an issuer organisation run by the operator account',
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 201: IssuerBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const i = await em().transactional((tx) => assets.createIssuer(tx, request.body.name, who(request)));
      return reply.status(201).send({ id: i.id, name: i.name, account: i.account, did: i.did });
    },
  );

  app.post(
    '/assets',
    {
      config: { roles: ISSUER },
      schema: {
        tags,
        security,
        summary:
          'Create an asset; identifiers are checksum-validated before anything is submitted. 202 with the creation operation',
        body: CreateAssetBody,
        response: { 202: AcceptedAsset, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { asset, op } = await assets.create(request.body, who(request), request.idempotency?.scope);
      return reply.status(202).send({ asset: serializeAsset(asset), operation: serializeOperation(op) });
    },
  );

  app.post(
    '/assets/fee-estimate',
    {
      config: { roles: ISSUER },
      schema: {
        tags,
        security,
        summary:
          'What creating this asset would cost on chain now (POLYX: the transaction fee and the 2,500 protocol fee, more with a new ticker), before it is sent. Nothing is recorded',
        body: CreateAssetBody,
        response: { 200: FeeQuoteBody, ...errorResponses },
      },
    },
    async (request) => assets.estimateCreate(request.body),
  );

  app.get(
    '/assets',
    {
      config: { roles: READERS },
      schema: {
        tags,
        security,
        summary: 'Assets',
        response: { 200: Type.Array(Type.Ref('Asset')), ...errorResponses },
      },
    },
    async () => (await em().find(Asset, {}, { orderBy: { createdAt: 'asc' } })).map((a) => serializeAsset(a)),
  );

  app.get(
    '/assets/:id',
    {
      config: { roles: [] },
      schema: {
        tags,
        security,
        summary: 'An asset, with its chain state once created',
        params: IdParams,
        response: { 200: Type.Ref('Asset'), ...errorResponses },
      },
    },
    async (request) => {
      const db = em();
      const a = await assets.get(db, request.params.id);
      const hasRules = (await db.count(AssetRules, { assetId: a.id })) > 0;
      if (!a.chainId) return { ...serializeAsset(a), hasRules };
      const [details, holders] = await Promise.all([
        app.infra.ledger.asset(a.chainId),
        app.infra.ledger.holders(a.chainId),
      ]);
      const view = serializeAsset(
        a,
        details
          ? {
              totalSupply: details.totalSupply,
              frozen: details.frozen,
              holders: holders.length,
              owner: details.owner,
            }
          : undefined,
      );
      return { ...view, hasRules };
    },
  );

  const action = <B>(
    url: string,
    summary: string,
    roles: readonly ('issuer-admin' | 'transfer-agent' | 'compliance-officer')[],
    body: B,
  ) => ({
    url,
    opts: {
      config: { roles },
      schema: {
        tags,
        security,
        summary,
        params: IdParams,
        body,
        response: accepted,
      },
    },
  });

  const send = (
    reply: { status(c: number): { send(b: unknown): unknown } },
    op: Parameters<typeof serializeOperation>[0],
  ) => reply.status(202).send(serializeOperation(op));

  const issue = action('/assets/:id/issue', 'Issue tokens into the issuer portfolio', ISSUING, AmountBody);
  app.post(issue.url, issue.opts, async (request, reply) =>
    send(
      reply,
      await assets.issue(
        request.params.id,
        who(request),
        request.body.amount,
        request.body.portfolio,
        request.idempotency?.scope,
      ),
    ),
  );
  app.post(
    '/assets/:id/issue/fee-estimate',
    {
      config: { roles: ISSUING },
      schema: {
        tags,
        security,
        summary:
          'What issuing this amount would cost on chain now (POLYX), before it is sent. Nothing is recorded',
        params: IdParams,
        body: AmountBody,
        response: { 200: FeeQuoteBody, ...errorResponses },
      },
    },
    async (request) => assets.estimateIssue(request.params.id, request.body.amount, request.body.portfolio),
  );
  const redeem = action(
    '/assets/:id/redeem',
    'Redeem (burn) tokens from the issuer portfolio',
    ISSUING,
    AmountBody,
  );
  app.post(redeem.url, redeem.opts, async (request, reply) =>
    send(
      reply,
      await assets.redeem(
        request.params.id,
        who(request),
        request.body.amount,
        request.body.portfolio,
        request.idempotency?.scope,
      ),
    ),
  );
  for (const frozen of [true, false]) {
    const r = action(
      `/assets/:id/${frozen ? 'freeze' : 'unfreeze'}`,
      frozen ? 'Freeze all transfers' : 'Resume transfers',
      ['issuer-admin', 'compliance-officer'],
      FreezeBody,
    );
    app.post(r.url, r.opts, async (request, reply) =>
      send(
        reply,
        await assets.setFrozen(
          request.params.id,
          who(request),
          frozen,
          request.body.reason,
          request.idempotency?.scope,
        ),
      ),
    );
  }
  const ct = action(
    '/assets/:id/controller-transfers',
    'Force tokens back into the issuer portfolio (reason required, audited)',
    ISSUING,
    ControllerTransferBody,
  );
  app.post(ct.url, ct.opts, async (request, reply) =>
    send(
      reply,
      await assets.controllerTransfer(
        request.params.id,
        who(request),
        request.body.from,
        request.body.amount,
        request.body.reason,
        request.idempotency?.scope,
      ),
    ),
  );
  const agent = action(
    '/assets/:id/agents',
    'Invite an identity as agent with a permission group (it accepts the authorization)',
    ISSUER,
    AgentBody,
  );
  app.post(agent.url, agent.opts, async (request, reply) =>
    send(
      reply,
      await assets.inviteAgent(
        request.params.id,
        who(request),
        request.body.did,
        request.body.group,
        request.idempotency?.scope,
      ),
    ),
  );
  const group = action(
    '/assets/:id/agent-groups',
    'Create a custom permission group (e.g. issue but not change rules)',
    ISSUER,
    GroupBody,
  );
  app.post(group.url, group.opts, async (request, reply) =>
    send(
      reply,
      await assets.createGroup(
        request.params.id,
        who(request),
        request.body.permissions,
        request.idempotency?.scope,
      ),
    ),
  );
  const doc = action(
    '/assets/:id/documents',
    'Attach a legal document; its content hash is recorded on chain',
    ISSUER,
    DocumentInput,
  );
  app.post(doc.url, doc.opts, async (request, reply) =>
    send(
      reply,
      await assets.addDocument(request.params.id, who(request), request.body, request.idempotency?.scope),
    ),
  );
};
