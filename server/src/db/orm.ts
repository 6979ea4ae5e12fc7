import { join } from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { FastifyBaseLogger } from 'fastify';
import { entities } from './entities.js';
import { migrationsList } from '../migrations/index.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './pglite.js';

export interface Database {
  orm: MikroORM;
  kind: 'postgresql' | 'pglite';
  close(): Promise<void>;
}

/** The one ORM configuration: used by the app, the tests and the migration CLI. */
export function ormOptions(clientUrl: string, embedded: boolean): Options {
  return {
    clientUrl,
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
  let url = opts.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(join(opts.dataDir, 'pglite'));
    url = embedded.url;
  }
  try {
    const orm = await MikroORM.init(ormOptions(url, embedded !== undefined));
    const applied = await orm.getMigrator().up();
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
