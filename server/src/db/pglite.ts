import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  close(): Promise<void>;
}

/**
 * PostgreSQL in WebAssembly, persisted under `dir`, served on a loopback socket so that the
 * server reaches it through exactly the same MikroORM PostgreSQL driver, SQL and migrations as
 * a real PostgreSQL. (mikro-orm-pglite would skip the socket but needs a second driver and a
 * dependency override; one code path was worth the small wire overhead.)
 *
 * PGlite is single-session: the socket server multiplexes connections onto it and holds other
 * connections' queries while one has a transaction open. The server therefore never waits on
 * another connection from inside a transaction.
 */
export async function startEmbeddedPostgres(dir: string): Promise<EmbeddedPostgres> {
  await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await server.start();
  const conn = server.getServerConn();
  return {
    url: `postgresql://postgres:postgres@${conn}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
