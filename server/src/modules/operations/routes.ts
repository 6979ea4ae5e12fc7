import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { ANCHOR_REMARK_PREFIX } from '../audit/remark.js';
import { investorOnly } from '../auth/roles.js';
import { errorResponses } from '../../schemas.js';
import { ChainOperation } from './entity.js';
import { OperationListQuery, OperationParams, RemarkBody } from './schemas.js';
import { TERMINAL_STATUSES } from './service.js';

export function serializeOperation(op: ChainOperation) {
  return {
    id: op.id,
    kind: op.kind,
    status: op.status,
    idempotencyKey: op.idempotencyKey,
    signer: op.signer,
    nonce: op.nonce,
    attempts: op.attempts,
    error: op.errorCode ? { code: op.errorCode, message: op.errorMessage ?? '' } : null,
    lastError: op.lastError,
    receipt: op.receipt,
    result: op.result ?? null,
    subject: op.subjectType && op.subjectId ? { type: op.subjectType, id: op.subjectId } : null,
    createdAt: op.createdAt.toISOString(),
    updatedAt: op.updatedAt.toISOString(),
    finalisedAt: op.finalisedAt ? op.finalisedAt.toISOString() : null,
  };
}

/** Investors see only the operations they requested; staff see every operation. */
function visibleTo(request: FastifyRequest, op: ChainOperation | null): op is ChainOperation {
  const p = request.principal;
  return op !== null && p !== null && (!investorOnly(p) || op.requestedBy === p.id);
}

export const operationRoutes: FastifyPluginAsyncTypebox<{ operatorAddress: () => string }> = async (
  app,
  opts,
) => {
  const ops = app.services.operations;
  const authenticated = app.requireRole();
  // Open event streams, ended when the app closes so shutdown is not held up by clients.
  const streams = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const stop of [...streams]) stop();
  });

  app.get(
    '/operations',
    {
      preHandler: authenticated,
      schema: {
        tags: ['operations'],
        summary: 'List chain operations, newest first (investors: only the ones they requested)',
        security: [{ bearer: [] }],
        querystring: OperationListQuery,
        response: {
          200: Type.Object({ items: Type.Array(Type.Ref('ChainOperation')), total: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const where: Record<string, string> = {};
      if (q.status) where.status = q.status;
      if (q.subjectType) where.subjectType = q.subjectType;
      if (q.subjectId) where.subjectId = q.subjectId;
      const p = request.principal!;
      if (investorOnly(p)) where.requestedBy = p.id;
      const [items, total] = await app.infra.db.orm.em.fork().findAndCount(ChainOperation, where, {
        orderBy: { createdAt: 'desc' },
        limit: q.limit,
        offset: q.offset,
      });
      return { items: items.map(serializeOperation), total };
    },
  );

  app.get(
    '/operations/:id',
    {
      preHandler: authenticated,
      schema: {
        tags: ['operations'],
        summary: 'One chain operation and its status',
        security: [{ bearer: [] }],
        params: OperationParams,
        response: { 200: Type.Ref('ChainOperation'), ...errorResponses },
      },
    },
    async (request) => {
      const op = await ops.get(request.params.id);
      if (!visibleTo(request, op)) throw AppError.notFound('Chain operation', request.params.id);
      return serializeOperation(op);
    },
  );

  app.get(
    '/operations/:id/events',
    {
      preHandler: authenticated,
      schema: {
        tags: ['operations'],
        summary: 'Server-sent events: the operation as JSON on every status change, until it is final',
        security: [{ bearer: [] }],
        params: OperationParams,
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const first = await ops.get(request.params.id);
      if (!visibleTo(request, first)) throw AppError.notFound('Chain operation', request.params.id);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-request-id': request.id,
      });
      let last = '';
      let closed = false;
      const write = (op: ChainOperation) => {
        const body = JSON.stringify(serializeOperation(op));
        if (body === last || closed) return;
        last = body;
        raw.write(`event: status\ndata: ${body}\n\n`);
        if (TERMINAL_STATUSES.has(op.status)) stop();
      };
      const onChange = (op: ChainOperation) => {
        if (op.id === first.id) write(op);
      };
      // Changes made by workers in other processes reach this one through the database. The
      // stream ends when the session or key it was opened with does (signed out, disabled,
      // revoked, a role taken away).
      const poll = setInterval(() => {
        void app.stillAuthenticated(request).then(
          (ok) => {
            if (!ok) return stop();
            return ops.get(first.id).then((op) => op && write(op));
          },
          () => undefined,
        );
      }, 2000);
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15000);
      function stop() {
        if (closed) return;
        closed = true;
        clearInterval(poll);
        clearInterval(heartbeat);
        ops.changes.off('change', onChange);
        streams.delete(stop);
        raw.end();
      }
      ops.changes.on('change', onChange);
      request.raw.on('close', stop);
      streams.add(stop);
      write(first);
    },
  );

  app.post(
    '/operations/remarks',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['operations'],
        summary: 'Anchor a remark on chain (e.g. an audit-log Merkle root); answers 202 with the operation',
        security: [{ bearer: [] }],
        body: RemarkBody,
        response: { 202: Type.Ref('ChainOperation'), ...errorResponses },
      },
    },
    async (request, reply) => {
      if (request.body.remark.startsWith(ANCHOR_REMARK_PREFIX)) {
        // Only the anchorer may sign these, or an admin could put a forged audit anchor on chain.
        throw new AppError(
          'VALIDATION_FAILED',
          `Remarks starting with "${ANCHOR_REMARK_PREFIX}" are reserved for audit anchors; use POST /audit/anchors`,
          { fields: [{ field: '/body/remark', message: `must not start with "${ANCHOR_REMARK_PREFIX}"` }] },
        );
      }
      const key = `remark:${request.idempotency?.scope ?? randomUUID()}`;
      const op = await ops.submit({
        idempotencyKey: key,
        call: { name: 'system.remark', args: { remark: request.body.remark } },
        signer: opts.operatorAddress(),
        requestedBy: request.principal!.id,
      });
      return reply.status(202).header('location', `/operations/${op.id}`).send(serializeOperation(op));
    },
  );
};
