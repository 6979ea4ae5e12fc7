import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { FastifyBaseLogger } from 'fastify';
import { entities } from './entities.js';
import { migrationsList } from '../migrations/index.js';
import { SOCKET_PORT, startEmbeddedPostgres, type EmbeddedPostgres } from './pglite.js';

export interface Database {
  orm: MikroORM;
  kind: 'postgresql' | 'pglite';
  close(): Promise<void>;
}

/** Where the database is: a PostgreSQL URL, or the socket folder of the embedded one. */
export type DatabaseTarget = { url: string } | { socketDir: string };

/** The one ORM configuration: used by the app, the tests and the migration CLI. */
export function ormOptions(target: DatabaseTarget): Options {
  const embedded = 'socketDir' in target;
  return {
    ...(embedded
      ? { host: target.socketDir, port: SOCKET_PORT, user: 'postgres', dbName: 'postgres' }
      : { clientUrl: target.url }),
    entities,
    extensions: [Migrator],
    // PGlite multiplexes one session; a small pool keeps its query queue short.
    pool: embedded ? { min: 0, max: 4 } : { min: 0, max: 10 },
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    discovery: { warnWhenNoEntities: true },
    forceUtcTimezone: true,
    debug: false,
    allowGlobalContext: false,
  };
}

export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  logger?: FastifyBaseLogger;
}): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let target: DatabaseTarget;
  if (opts.databaseUrl) {
    target = { url: opts.databaseUrl };
  } else {
    embedded = await startEmbeddedPostgres(opts.dataDir, opts.logger);
    target = { socketDir: embedded.socketDir };
  }
  try {
    const orm = await MikroORM.init(ormOptions(target));
    const migrator = orm.getMigrator();
    const pending = await migrator.getPendingMigrations();
    if (pending.length > 0) opts.logger?.info({ count: pending.length }, 'applying migrations…');
    const applied = await migrator.up();
    if (applied.length > 0)
      opts.logger?.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
    return {
      orm,
      kind: embedded ? 'pglite' : 'postgresql',
      async close() {
        await orm.close(true);
        await embedded?.close();
      },
    };
  } catch (err) {
    await embedded?.close();
    throw err;
  }
}
