import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { VERSION } from '../../version.js';

const Status = Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]);
const CheckStatus = Type.Union([Type.Literal('ok'), Type.Literal('down')]);

const HealthBody = Type.Object({
  status: Status,
  version: Type.String(),
  uptimeSeconds: Type.Integer(),
  checks: Type.Object({
    database: Type.Object({
      status: CheckStatus,
      kind: Type.Union([Type.Literal('postgresql'), Type.Literal('pglite')]),
      version: Type.Optional(Type.String()),
      latencyMs: Type.Optional(Type.Integer()),
      error: Type.Optional(Type.String()),
    }),
    queue: Type.Object({
      status: CheckStatus,
      mode: Type.Union([Type.Literal('bullmq'), Type.Literal('inline')]),
      version: Type.Optional(Type.String()),
      waiting: Type.Optional(Type.Integer()),
      active: Type.Optional(Type.Integer()),
      failed: Type.Optional(Type.Integer()),
      error: Type.Optional(Type.String()),
    }),
    operations: Type.Object(
      {
        status: Type.Union([Type.Literal('ok'), Type.Literal('attention'), Type.Literal('down')]),
        open: Type.Optional(Type.Integer({ description: 'Chain operations not finished yet' })),
        failed: Type.Optional(Type.Integer({ description: 'Operations the chain refused, ever' })),
        failedLastDay: Type.Optional(Type.Integer()),
        stuck: Type.Optional(
          Type.Integer({ description: 'Unfinished for longer than OUTBOX_STUCK_AFTER_SECONDS' }),
        ),
        retrying: Type.Optional(
          Type.Integer({
            description: 'Unfinished, last attempt ended without an outcome (e.g. no key for the signer)',
          }),
        ),
        oldestOpenSeconds: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
        error: Type.Optional(Type.String()),
      },
      {
        description:
          'The chain-operation outbox. `attention` does not make the server unhealthy (it is not this instance’s fault); it asks an operator to look',
      },
    ),
    mail: Type.Optional(
      Type.Object(
        {
          status: Type.Union([Type.Literal('ok'), Type.Literal('attention'), Type.Literal('down')]),
          mode: Type.Optional(Type.Union([Type.Literal('smtp'), Type.Literal('files')])),
          waiting: Type.Optional(Type.Integer({ description: 'Notifications not e-mailed yet' })),
          failed: Type.Optional(Type.Integer({ description: 'Notifications whose e-mail was given up' })),
          oldestWaitingSeconds: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
          error: Type.Optional(Type.String()),
        },
        {
          description:
            'E-mail copies of notifications. `attention` (failures, a long wait) does not make the server unhealthy; it asks an operator to look at the mail server',
        },
      ),
    ),
    chain: Type.Object({
      status: CheckStatus,
      adapter: Type.Union([Type.Literal('embedded'), Type.Literal('polymesh')]),
      chain: Type.Optional(Type.String()),
      specVersion: Type.Optional(Type.Integer()),
      blockHeight: Type.Optional(Type.Integer()),
      finalizedHeight: Type.Optional(Type.Integer()),
      error: Type.Optional(Type.String()),
    }),
    load: Type.Object({
      status: Type.Union([Type.Literal('ok'), Type.Literal('shedding')], {
        description: 'shedding: past a SHED_* threshold, other routes answer 503 with Retry-After',
      }),
      eventLoopDelayMs: Type.Number(),
      eventLoopUtilization: Type.Number(),
      heapUsedBytes: Type.Integer(),
      rssBytes: Type.Integer(),
    }),
  }),
});

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const started = Date.now();

export const healthRoutes: FastifyPluginAsyncTypebox<{ stuckAfterMs: number }> = async (app, opts) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness and dependencies: database, queue, chain (with versions) and load',
        description: 'Never rate-limited nor shed, so it answers while the server refuses other work.',
        response: { 200: HealthBody, 503: HealthBody },
      },
    },
    async (_request, reply) => {
      const { db, queue, ledger } = app.infra;
      const database = await (async () => {
        const t0 = performance.now();
        try {
          const rows = await db.orm.em.getConnection().execute<{ v: string }[]>(`select version() as v`);
          const version = /^(PostgreSQL \S+)/.exec(rows[0]?.v ?? '')?.[1];
          return {
            status: 'ok' as const,
            kind: db.kind,
            version,
            latencyMs: Math.round(performance.now() - t0),
          };
        } catch (err) {
          return { status: 'down' as const, kind: db.kind, error: message(err) };
        }
      })();
      const q = await queue.health();
      const operations = await app.services.operations
        .health(opts.stuckAfterMs)
        .catch((err: unknown) => ({ status: 'down' as const, error: message(err) }));
      const chain = await (async () => {
        try {
          const i = await ledger.info();
          return {
            status: 'ok' as const,
            adapter: i.kind,
            chain: i.chain,
            specVersion: i.specVersion,
            blockHeight: i.blockHeight,
            finalizedHeight: i.finalizedHeight,
          };
        } catch (err) {
          return { status: 'down' as const, adapter: ledger.kind, error: message(err) };
        }
      })();
      const mail = await app.notificationMail
        .health()
        .catch((err: unknown) => ({ status: 'down' as const, error: message(err) }));
      const usage = app.memoryUsage();
      const load = {
        status: app.isUnderPressure() ? ('shedding' as const) : ('ok' as const),
        // under-pressure reports Infinity when a whole sample passed without a tick.
        eventLoopDelayMs: Math.round(Math.min(usage.eventLoopDelay, 3_600_000) * 10) / 10,
        eventLoopUtilization: Math.round(usage.eventLoopUtilized * 1000) / 1000,
        heapUsedBytes: usage.heapUsed,
        rssBytes: usage.rssBytes,
      };
      const downs = [database.status, q.status, chain.status].filter((s) => s === 'down').length;
      const status =
        database.status === 'down' ? 'down' : downs > 0 || load.status === 'shedding' ? 'degraded' : 'ok';
      return reply.status(status === 'ok' ? 200 : 503).send({
        status,
        version: VERSION,
        uptimeSeconds: Math.floor((Date.now() - started) / 1000),
        checks: { database, queue: q, operations, chain, load, mail },
      });
    },
  );
};
