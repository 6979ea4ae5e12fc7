import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import Type from 'typebox';
import type {} from '../../plugins/tokenization.js';
import { errorResponses } from '../../schemas.js';
import { Amount, IdParams } from '../assets/schemas.js';
import { AuditService } from '../audit/service.js';
import { CAN } from '../auth/roles.js';
import { serializeOperation } from '../operations/routes.js';
import { INVESTOR_TYPE_LABELS } from './service.js';

const tags = ['cap table'];
const security = [{ bearer: [] }];
const Percent = Type.String({ pattern: '^\\d{1,3}\\.\\d{2}$', description: 'Percent, two decimals' });

const Row = Type.Object({
  did: Type.String(),
  kind: Type.Union([Type.Literal('issuer'), Type.Literal('investor'), Type.Literal('unknown')]),
  name: Type.String({ description: 'The investor’s name, the issuer’s name, or "Unknown holder"' }),
  investorType: Type.Union(
    Object.keys(INVESTOR_TYPE_LABELS).map((k) => Type.Literal(k)),
    { description: 'issuer, accredited, retail, entity, affiliate or unknown (as of the checkpoint)' },
  ),
  jurisdiction: Type.Union([Type.String(), Type.Null()], {
    description: 'Country of residence (ISO alpha-2)',
  }),
  balance: Amount,
  ownershipPercent: Percent,
});

const Group = Type.Object({
  key: Type.String(),
  label: Type.String(),
  holders: Type.Integer(),
  balance: Amount,
  percent: Percent,
});

export const CapTableBody = Type.Object(
  {
    assetId: Type.String({ format: 'uuid' }),
    assetName: Type.String(),
    checkpointId: Type.Union([Type.Integer(), Type.Null()], { description: 'Null: the balances now' }),
    at: Type.String({ format: 'date-time', description: 'The checkpoint’s time (or now)' }),
    totalSupply: Amount,
    holders: Type.Array(Row, { description: 'Largest first, ties by DID' }),
    holderCount: Type.Integer(),
    investorCount: Type.Integer({ description: 'Holders other than the issuer' }),
    byJurisdiction: Type.Array(Group),
    byInvestorType: Type.Array(Group),
    top10Percent: Percent,
  },
  {
    $id: 'CapTable',
    description:
      'Ownership percentages use the largest-remainder method: each holder’s exact share rounded down to ' +
      'two decimals, the hundredths left over given one each to the largest remainders (ties: the larger ' +
      'holding, then DID order), so they add up to exactly 100.00. Groups are apportioned the same way.',
  },
);

const CheckpointQuery = Type.Object({
  checkpoint: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Checkpoint id; omitted: the balances now' }),
  ),
});

const CheckpointBody = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  totalSupply: Amount,
  holderCount: Type.Integer(),
  top10Percent: Percent,
});

const ScheduleBody = Type.Object({
  points: Type.Array(Type.String({ format: 'date-time' }), {
    minItems: 1,
    maxItems: 50,
    description: 'Future times at which the chain takes a checkpoint (e.g. quarter ends)',
  }),
});

/** Checkpoints, schedules and the cap table at any of them (or now). */
export const capTableRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addSchema(CapTableBody);
  const svc = app.tokenization.captable;
  const audit = new AuditService();
  const who = (request: { principal: { id: string } | null }) => request.principal!.id;

  app.get(
    '/assets/:id/checkpoints',
    {
      config: { roles: CAN.readHolders },
      schema: {
        tags,
        security,
        summary:
          'Checkpoints of an asset, newest first (time, supply, holders, top-10 share), and its schedules',
        params: IdParams,
        response: {
          200: Type.Object({
            assetId: Type.String({ format: 'uuid' }),
            checkpoints: Type.Array(CheckpointBody),
            schedules: Type.Array(
              Type.Object({
                id: Type.Integer(),
                pending: Type.Array(Type.String({ format: 'date-time' })),
                checkpoints: Type.Array(Type.Integer()),
                removable: Type.Boolean(),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => svc.checkpoints(request.params.id),
  );

  app.post(
    '/assets/:id/checkpoints',
    {
      config: { roles: CAN.takeCheckpoints },
      schema: {
        tags,
        security,
        summary: 'Take a checkpoint now (a record date): the chain records every balance and the supply',
        description: 'Answers 202 with the chain operation; its result carries `checkpointId`.',
        params: IdParams,
        response: { 202: Type.Ref('ChainOperation'), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(202)
        .send(
          serializeOperation(
            await svc.createCheckpoint(request.params.id, who(request), request.idempotency?.scope),
          ),
        ),
  );

  app.post(
    '/assets/:id/checkpoint-schedules',
    {
      config: { roles: CAN.takeCheckpoints },
      schema: {
        tags,
        security,
        summary: 'Schedule future checkpoints (e.g. quarter ends as record dates)',
        description:
          'The chain takes each point at the first issue, redemption or transfer after it. Answers 202 with the ' +
          'chain operation; its result carries `scheduleId`.',
        params: IdParams,
        body: ScheduleBody,
        response: { 202: Type.Ref('ChainOperation'), ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .status(202)
        .send(
          serializeOperation(
            await svc.createSchedule(
              request.params.id,
              who(request),
              request.body.points,
              request.idempotency?.scope,
            ),
          ),
        ),
  );

  app.get(
    '/assets/:id/cap-table',
    {
      config: { roles: CAN.readHolders },
      schema: {
        tags,
        security,
        summary:
          'The cap table at a checkpoint (or now): every holder, ownership %, breakdowns, concentration',
        params: IdParams,
        querystring: CheckpointQuery,
        response: { 200: Type.Ref('CapTable'), ...errorResponses },
      },
    },
    async (request) => svc.capTable(request.params.id, request.query.checkpoint ?? null),
  );

  app.get(
    '/assets/:id/cap-table/export',
    {
      config: { roles: CAN.readHolders },
      schema: {
        tags,
        security,
        summary: 'The cap table at a checkpoint (or now) as CSV; each export is in the audit trail',
        params: IdParams,
        querystring: CheckpointQuery,
        produces: ['text/csv'],
        response: { 200: Type.String(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const table = await svc.capTable(request.params.id, request.query.checkpoint ?? null);
      await app.infra.db.orm.em.fork().transactional((tx) =>
        audit.append(tx, {
          actor: who(request),
          action: 'captable.exported',
          subjectType: 'asset',
          subjectId: table.assetId,
          data: { checkpointId: table.checkpointId, at: table.at, holders: table.holderCount },
        }),
      );
      const csv = stringify(
        table.holders.map((h) => ({
          holder: h.name,
          kind: h.kind,
          investorType: INVESTOR_TYPE_LABELS[h.investorType],
          jurisdiction: h.jurisdiction ?? '',
          balance: h.balance,
          ownershipPercent: h.ownershipPercent,
          did: h.did,
        })),
        {
          header: true,
          columns: [
            { key: 'holder', header: 'Holder' },
            { key: 'kind', header: 'Kind' },
            { key: 'investorType', header: 'Investor type' },
            { key: 'jurisdiction', header: 'Jurisdiction' },
            { key: 'balance', header: 'Balance' },
            { key: 'ownershipPercent', header: 'Ownership %' },
            { key: 'did', header: 'Identity (DID)' },
          ],
        },
      );
      const slug = table.assetName.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'asset';
      const when = table.checkpointId === null ? 'now' : `checkpoint-${table.checkpointId}`;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="cap-table-${slug}-${when}.csv"`)
        .send(csv);
    },
  );

  app.get(
    '/assets/:id/holders/:did/history',
    {
      config: { roles: CAN.readHolders },
      schema: {
        tags,
        security,
        summary: "One holder's balance at every checkpoint, oldest first, and now",
        params: Type.Object({
          id: Type.String({ format: 'uuid' }),
          did: Type.String({
            pattern: '^0x[0-9a-fA-F]{64}$',
            'x-hint': 'must be a DID (0x and 64 hex digits)',
          }),
        }),
        response: {
          200: Type.Object({
            assetId: Type.String({ format: 'uuid' }),
            did: Type.String(),
            history: Type.Array(
              Type.Object({
                checkpointId: Type.Integer(),
                at: Type.String({ format: 'date-time' }),
                balance: Amount,
              }),
            ),
            now: Type.Object({ at: Type.String({ format: 'date-time' }), balance: Amount }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => svc.holdingHistory(request.params.id, request.params.did.toLowerCase()),
  );
};
