import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import Type from 'typebox';
import { errorResponses } from '../../schemas.js';
import { CAN } from '../auth/roles.js';
import { AppError } from '../../errors.js';
import type { AuditAnchorService } from './anchors.js';
import { AuditAnchor, AuditEntry } from './entity.js';
import { AuditService } from './service.js';

const AuditEntryBody = Type.Object(
  {
    seq: Type.String({ description: 'Position in the hash chain, from 1' }),
    at: Type.String({ format: 'date-time' }),
    actor: Type.String(),
    action: Type.String(),
    subjectType: Type.String(),
    subjectId: Type.String(),
    data: Type.Record(Type.String(), Type.Unknown()),
    prevHash: Type.String(),
    hash: Type.String(),
  },
  { $id: 'AuditEntry' },
);

const Filters = Type.Object({
  action: Type.Optional(
    Type.String({ maxLength: 100, description: 'Exact action, or a prefix ending in "." (e.g. "kyc.")' }),
  ),
  actor: Type.Optional(Type.String({ maxLength: 100 })),
  subjectType: Type.Optional(Type.String({ maxLength: 50 })),
  subjectId: Type.Optional(Type.String({ maxLength: 100 })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
});

const ListQuery = Type.Intersect([
  Filters,
  Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  }),
]);

const ExportQuery = Type.Intersect([
  Filters,
  Type.Object({ format: Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' }) }),
]);

type FilterInput = {
  action?: string;
  actor?: string;
  subjectType?: string;
  subjectId?: string;
  from?: string;
  to?: string;
};

function where(q: FilterInput): Record<string, unknown> {
  const w: Record<string, unknown> = {};
  if (q.action)
    w.action = q.action.endsWith('.') ? { $like: `${q.action.replace(/[%_]/g, '\\$&')}%` } : q.action;
  if (q.actor) w.actor = q.actor;
  if (q.subjectType) w.subjectType = q.subjectType;
  if (q.subjectId) w.subjectId = q.subjectId;
  if (q.from || q.to) {
    const at: Record<string, Date> = {};
    if (q.from) at.$gte = new Date(q.from);
    if (q.to) at.$lt = new Date(q.to);
    w.at = at;
  }
  return w;
}

function serialize(e: AuditEntry) {
  return {
    seq: String(e.seq),
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    data: e.data,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

const AnchorBody = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    createdAt: Type.String({ format: 'date-time' }),
    fromSeq: Type.String(),
    toSeq: Type.String(),
    leafCount: Type.Integer(),
    root: Type.String({ description: "SHA-256 Merkle root over the entries' hashes (hex)" }),
    remark: Type.String({ description: 'The remark sent on chain' }),
    operationId: Type.String({ format: 'uuid', description: 'The chain operation carrying the remark' }),
  },
  { $id: 'AuditAnchor' },
);

function serializeAnchor(a: AuditAnchor) {
  return {
    id: a.id,
    createdAt: a.createdAt.toISOString(),
    fromSeq: String(a.fromSeq),
    toSeq: String(a.toSeq),
    leafCount: a.leafCount,
    root: a.root,
    remark: a.remark,
    operationId: a.operationId,
  };
}

/**
 * The audit trail for auditors and compliance: search, verify, export, and the on-chain anchors
 * (Merkle roots) with inclusion proofs. Anchors are also made every `anchorIntervalMs`.
 */
export const auditRoutes: FastifyPluginAsyncTypebox<{
  anchors: AuditAnchorService;
  anchorIntervalMs: number;
}> = async (app, opts) => {
  const anchors = opts.anchors;
  if (opts.anchorIntervalMs > 0) {
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      timer = setInterval(() => {
        anchors.anchor('system').catch((err: unknown) => app.log.warn({ err }, 'audit anchoring failed'));
      }, opts.anchorIntervalMs);
      timer.unref();
    });
    app.addHook('onClose', async () => clearInterval(timer));
  }
  app.addSchema(AnchorBody);
  app.addSchema(AuditEntryBody);
  const audit = new AuditService();
  const em = () => app.infra.db.orm.em.fork();

  app.get(
    '/audit',
    {
      config: { roles: CAN.readAudit },
      schema: {
        tags: ['audit'],
        summary: 'Search the audit trail, oldest first',
        security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
        querystring: ListQuery,
        response: {
          200: Type.Object({ items: Type.Array(Type.Ref('AuditEntry')), total: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const [items, total] = await em().findAndCount(AuditEntry, where(q), {
        orderBy: { seq: 'asc' },
        limit: q.limit,
        offset: q.offset,
      });
      return { items: items.map(serialize), total };
    },
  );

  app.get(
    '/audit/verify',
    {
      config: { roles: CAN.readAudit },
      schema: {
        tags: ['audit'],
        summary: 'Recompute the hash chain: proves no row was rewritten, removed or inserted',
        security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            count: Type.Optional(Type.Integer()),
            brokenAt: Type.Optional(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async () => audit.verify(em()),
  );

  app.get(
    '/audit/export',
    {
      config: { roles: CAN.readAudit },
      schema: {
        tags: ['audit'],
        summary: 'Export the (filtered) audit trail for examiners as CSV or JSON',
        security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
        querystring: ExportQuery,
        produces: ['text/csv', 'application/json'],
        response: { 200: Type.String(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const rows = (await em().find(AuditEntry, where(request.query), { orderBy: { seq: 'asc' } })).map(
        serialize,
      );
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      if (request.query.format === 'json') {
        return reply
          .type('application/json')
          .header('content-disposition', `attachment; filename="stoa-audit-${stamp}.json"`)
          .send(JSON.stringify(rows, null, 2));
      }
      const csv = stringify(
        rows.map((r) => ({ ...r, data: JSON.stringify(r.data) })),
        {
          header: true,
          columns: ['seq', 'at', 'actor', 'action', 'subjectType', 'subjectId', 'data', 'prevHash', 'hash'],
        },
      );
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="stoa-audit-${stamp}.csv"`)
        .send(csv);
    },
  );

  app.post(
    '/audit/anchors',
    {
      config: { roles: CAN.anchorAudit },
      schema: {
        tags: ['audit'],
        summary:
          'Anchor every entry since the last anchor: a Merkle root sent on chain as a remark (202 with the anchor; 204 when nothing is new)',
        security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
        response: { 202: Type.Ref('AuditAnchor'), 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const anchor = await anchors.anchor(request.principal!.id);
      if (!anchor) return reply.status(204).send(null);
      return reply.status(202).send(serializeAnchor(anchor));
    },
  );

  app.get(
    '/audit/anchors',
    {
      config: { roles: CAN.readAudit },
      schema: {
        tags: ['audit'],
        summary: 'Anchors, newest first',
        security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }),
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('AuditAnchor')) }), ...errorResponses },
      },
    },
    async (request) => {
      const items = await em().find(
        AuditAnchor,
        {},
        { orderBy: { toSeq: 'desc' }, limit: request.query.limit },
      );
      return { items: items.map(serializeAnchor) };
    },
  );

  app.get(
    '/audit/entries/:seq/proof',
    {
      config: { roles: CAN.readAudit },
      schema: {
        tags: ['audit'],
        summary: 'Merkle inclusion proof of one entry in its on-chain anchor',
        security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
        params: Type.Object({ seq: Type.String({ pattern: '^[1-9][0-9]{0,17}$' }) }),
        response: {
          200: Type.Object({
            entry: Type.Ref('AuditEntry'),
            anchor: Type.Ref('AuditAnchor'),
            proof: Type.Array(
              Type.Object({
                hash: Type.String(),
                position: Type.Union([Type.Literal('left'), Type.Literal('right')]),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const found = await anchors.proof(request.params.seq);
      if (!found) {
        throw new AppError(
          'NOT_FOUND',
          `Audit entry ${request.params.seq} does not exist or is not anchored yet; anchor with POST /audit/anchors`,
        );
      }
      return { entry: serialize(found.entry), anchor: serializeAnchor(found.anchor), proof: found.proof };
    },
  );
};
