import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import Type from 'typebox';
import { errorResponses } from '../../schemas.js';
import { CAN } from '../auth/roles.js';
import { actorNames } from './actors.js';
import type { AuditAnchorService } from './anchors.js';
import type { AuditChainer } from './chainer.js';
import { AuditAnchor, AuditEntry } from './entity.js';
import {
  AnchorBody,
  AuditEntryBody,
  ExportQuery,
  ListQuery,
  ProofBody,
  serialize,
  serializeAnchor,
  serializeProof,
  VerificationBody,
} from './schemas.js';
import type { AuditVerifier } from './verify.js';

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

/**
 * The audit trail for auditors and compliance: search, verify, export, and the on-chain anchors
 * (Merkle roots) with inclusion proofs. Anchors are also made every `anchorIntervalMs`.
 */
export const auditRoutes: FastifyPluginAsyncTypebox<{
  anchors: AuditAnchorService;
  verifier: AuditVerifier;
  chainer: AuditChainer;
  anchorIntervalMs: number;
}> = async (app, opts) => {
  const anchors = opts.anchors;
  // The appender: chains what a previous run left at start, then follows commits.
  app.addHook('onReady', async () => opts.chainer.start());
  app.addHook('onClose', async () => opts.chainer.stop());
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
  app.addSchema(VerificationBody);
  const em = () => app.infra.db.orm.em.fork();

  app.get(
    '/audit',
    {
      config: { roles: CAN.readAudit },
      schema: {
        tags: ['audit'],
        summary: 'Search the audit trail, oldest first (entries not chained yet last, as pending)',
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
      const fork = em();
      const [items, total] = await fork.findAndCount(AuditEntry, where(q), {
        // Pending rows (no position yet) sort last: they are the newest.
        orderBy: { seq: 'asc', id: 'asc' },
        limit: q.limit,
        offset: q.offset,
      });
      const names = await actorNames(
        fork,
        items.map((e) => e.actor),
      );
      return {
        items: items.map((e) => ({ ...serialize(e), actorName: names.get(e.actor) ?? e.actor })),
        total,
      };
    },
  );

  app.get(
    '/audit/verify',
    {
      config: { roles: CAN.readAudit },
      schema: {
        tags: ['audit'],
        summary:
          'Verify the trail: the hash chain, every anchor against the remark the chain holds, and the chain since the last anchor for anchors this database lost',
        description:
          'Not itself audited: it is a read anyone with the role can repeat, and writing an entry would change the trail it checks. Failures are logged.',
        security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
        querystring: Type.Object({
          full: Type.Boolean({
            default: false,
            description:
              'Search every block from genesis, not only those since the last anchor (slow on a long chain; catches re-anchored history)',
          }),
        }),
        response: { 200: Type.Ref('AuditVerification'), ...errorResponses },
      },
    },
    async (request) => {
      const result = await opts.verifier.verify({ full: request.query.full });
      if (!result.ok) request.log.warn({ problems: result.problems }, 'audit trail verification failed');
      return result;
    },
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
      // Chained first, so an export holds every entry committed before it with its position.
      await opts.chainer.chainNow();
      const rows = (
        await em().find(AuditEntry, where(request.query), { orderBy: { seq: 'asc', id: 'asc' } })
      ).map(serialize);
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
          "Anchor the trail: a Merkle root over the first range no anchor covers (a failed anchor's range first, else every entry since the last anchor), sent on chain as a remark. 202 with the anchor; 204 when nothing is new; 409 while the previous anchor waits for the chain",
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
        { orderBy: { createdAt: 'desc' }, limit: request.query.limit },
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
        summary:
          'Merkle inclusion proof of one entry in its anchor, served only while the chain holds that anchor and its entries still match it',
        security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
        params: Type.Object({ seq: Type.String({ pattern: '^[1-9][0-9]{0,17}$' }) }),
        response: { 200: ProofBody, ...errorResponses },
      },
    },
    async (request) => serializeProof(await anchors.proof(request.params.seq)),
  );
};
