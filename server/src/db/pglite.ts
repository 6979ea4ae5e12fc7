import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { lockStore } from '@stoa/chain';
import type { FastifyBaseLogger } from 'fastify';

export interface EmbeddedPostgres {
  /** Folder holding the Unix socket: what `pg` takes as its host. */
  socketDir: string;
  close(): Promise<void>;
}

// The file name libpq and `pg` look for in a socket folder, for the default port.
const SOCKET_NAME = '.s.PGSQL.5432';
export const SOCKET_PORT = 5432;
// sun_path is 104 bytes on macOS and 108 on Linux, terminating NUL included.
const MAX_SOCKET_PATH = 103;

/**
 * PostgreSQL in WebAssembly, persisted under `DATA_DIR/pglite`, served on a Unix socket so that
 * the server reaches it through exactly the same MikroORM PostgreSQL driver, SQL and migrations
 * as a real PostgreSQL. (mikro-orm-pglite would skip the socket but needs a second driver and a
 * dependency override; one code path was worth the small wire overhead.)
 *
 * PGlite accepts any user and password, so access is decided by the file system: the socket
 * lives in `DATA_DIR/run` (0700) with mode 0600, and the data folder is 0700; another user can
 * neither connect nor read the files. A lock in `DATA_DIR/run` keeps a second server off the
 * same folder.
 *
 * PGlite is single-session: the socket server multiplexes connections onto it and holds other
 * connections' queries while one has a transaction open. The server therefore never waits on
 * another connection from inside a transaction.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  logger?: FastifyBaseLogger,
): Promise<EmbeddedPostgres> {
  const dir = join(dataDir, 'pglite');
  const runDir = join(dataDir, 'run');
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  await chmod(runDir, 0o700);
  const lock = lockStore(join(runDir, 'pglite.lock'), `The embedded database in ${dir}`);
  if (lock.replaced) {
    logger?.warn({ previous: lock.replaced }, 'the embedded database was not closed cleanly last time');
  }
  const opened: { close(): Promise<void> }[] = [];
  try {
    const first = !existsSync(join(dir, 'PG_VERSION'));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    logger?.info(
      { dir },
      first ? 'creating the embedded database (first start)…' : 'opening the embedded database…',
    );
    const t0 = performance.now();
    const db = await PGlite.create(dir);
    opened.push(db);
    logger?.info({ ms: Math.round(performance.now() - t0) }, 'embedded database open');

    let socketDir = runDir;
    if (join(runDir, SOCKET_NAME).length > MAX_SOCKET_PATH) {
      // A deep DATA_DIR cannot hold a socket; a private temporary folder (0700) protects it as well.
      socketDir = await mkdtemp(join(tmpdir(), 'stoa-pg-'));
      opened.push({ close: () => rm(socketDir, { recursive: true, force: true }) });
      logger?.info({ socketDir }, 'DATA_DIR is too long a path for a Unix socket; using a private folder');
    }
    const socketPath = join(socketDir, SOCKET_NAME);
    // Left by a server that did not stop cleanly: the lock says nobody serves it any more.
    await rm(socketPath, { force: true });
    const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 8 });
    await server.start();
    opened.push({ close: () => server.stop() });
    await chmod(socketPath, 0o600);
    return {
      socketDir,
      async close() {
        for (const r of [...opened].reverse()) await r.close();
        lock.release();
      },
    };
  } catch (err) {
    for (const r of [...opened].reverse()) await r.close().catch(() => undefined);
    lock.release();
    throw err;
  }
}
