import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import Type from 'typebox';
import { errorResponses } from '../../schemas.js';
import { CAN } from '../auth/roles.js';
import { AuditEntry } from './entity.js';
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

/** Read-only access to the audit trail for auditors and compliance: search, verify, export. */
export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
};
