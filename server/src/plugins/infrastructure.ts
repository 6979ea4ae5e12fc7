import { RequestContext } from '@mikro-orm/core';
import { createLedger, type Ledger } from '@stoa/chain';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/orm.js';
import { BullMqQueue } from '../jobs/bullmq.js';
import { InlineQueue } from '../jobs/inline.js';
import type { JobQueue } from '../jobs/queue.js';

export interface Infrastructure {
  db: Database;
  ledger: Ledger;
  queue: JobQueue;
}

declare module 'fastify' {
  interface FastifyInstance {
    infra: Infrastructure;
  }
}

export interface InfrastructureOptions {
  config: Config;
  /** Injected parts are used as they are and not closed with the app (tests share them). */
  provided?: Partial<Infrastructure>;
}

/** Phase 1: database, ledger and queue, opened at registration and closed with the app. */
export const infrastructurePlugin = fp(
  async (app: FastifyInstance, { config, provided = {} }: InfrastructureOptions) => {
    const owned: { close(): Promise<void> }[] = [];
    try {
      const db =
        provided.db ??
        (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger: app.log }));
      if (!provided.db) owned.push(db);
      if (!provided.ledger) {
        app.log.info(
          config.polymeshNodeUrl
            ? `connecting to the Polymesh node at ${config.polymeshNodeUrl}…`
            : 'opening the embedded ledger (replaying its block log)…',
        );
      }
      const ledger =
        provided.ledger ??
        (await createLedger({
          nodeUrl: config.polymeshNodeUrl,
          dataDir: `${config.dataDir}/ledger`,
          blockTimeMs: config.ledgerBlockTimeMs,
          snapshotEveryBlocks: config.ledgerSnapshotEveryBlocks,
          signers: config.signers,
          onNotice: ({ level, message }) => app.log[level](message),
        }));
      if (!provided.ledger) owned.push(ledger);
      const onJobError = (err: unknown, job: { name: string; id: string; attempt: number }) =>
        app.log.warn({ err, job }, 'job failed');
      const queue =
        provided.queue ??
        (config.redisUrl
          ? new BullMqQueue(config.redisUrl, config.queuePrefix, onJobError)
          : new InlineQueue(onJobError));
      // The queue closes first so no job runs against a closed database or ledger.
      if (!provided.queue) owned.push(queue);
      app.decorate('infra', { db, ledger, queue });
    } catch (err) {
      for (const r of owned.reverse()) await r.close().catch(() => undefined);
      throw err;
    }

    app.addHook('onRequest', (_request, _reply, done) => {
      RequestContext.create(app.infra.db.orm.em, done);
    });
    app.addHook('onClose', async () => {
      for (const r of owned.reverse()) {
        await r.close().catch((err: unknown) => app.log.error({ err }, 'error while closing'));
      }
    });
  },
  { name: 'stoa-infrastructure' },
);
