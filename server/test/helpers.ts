import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedger, type Ledger } from '@stoa/chain';
import type { FastifyInstance } from 'fastify';
import { scratchDatabase } from './support/scratch-database.js';
import { buildApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/orm.js';
import { BullMqQueue } from '../src/jobs/bullmq.js';
import { InlineQueue } from '../src/jobs/inline.js';
import type { JobQueue } from '../src/jobs/queue.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
/** The sandbox vendor's webhook secret in tests (a server without one derives its own). */
export const TEST_SANDBOX_SECRET = 'test-sandbox-webhook-secret-0123456789';

/** Queue modes to run queue-dependent suites in: inline always, BullMQ where Redis is configured. */
export const QUEUE_MODES: ('inline' | 'bullmq')[] = process.env.REDIS_URL ? ['inline', 'bullmq'] : ['inline'];

export interface TestEnv {
  config: Config;
  db: Database;
  ledger: Ledger;
  dir: string;
  /** Where the scratch database is, when on PostgreSQL (undefined on PGlite under `dir`). */
  databaseUrl?: string;
  /** The BullMQ key prefix of this file's queues. */
  queuePrefix: string;
  makeQueue(mode: 'inline' | 'bullmq'): JobQueue;
  /** An app on this file's database; `ledger` and `config` replace the file's own for this app. */
  app(opts?: { queue?: JobQueue; ledger?: Ledger; config?: Partial<Config> }): Promise<FastifyInstance>;
  /**
   * Closes apps, queues, ledger and database but keeps their data (folder, scratch database),
   * so another process can open them — a server started as a child process, say.
   */
  release(): Promise<void>;
  close(): Promise<void>;
}

export interface TestEnvOptions {
  /** Keep the embedded ledger's block log under `dir/ledger` (as a server does), not in memory. */
  persistentLedger?: boolean;
  /** PGlite under `dir` even when DATABASE_URL is set (the embedded default, as `npm start` runs). */
  embeddedDatabase?: boolean;
}

/**
 * A fresh database per test file: a scratch database on the PostgreSQL in DATABASE_URL (CI),
 * or a PGlite in a temporary folder. One embedded ledger (memory-only) per file, shared by the
 * apps the file builds, so tests can restart the app around the same chain and database.
 */
export async function createTestEnv(opts: TestEnvOptions = {}): Promise<TestEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'stoa-test-'));
  let dropDb: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  const base = opts.embeddedDatabase ? undefined : process.env.DATABASE_URL;
  if (base) {
    const scratch = await scratchDatabase(base, 'stoa_t');
    databaseUrl = scratch.url;
    dropDb = scratch.drop;
  }
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    ADMIN_TOKEN,
    SANDBOX_WEBHOOK_SECRET: TEST_SANDBOX_SECRET,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const db = await openDatabase({ databaseUrl, dataDir: dir });
  // The same ledger options as production (block time from config), memory-only.
  const ledger = await createLedger({
    signers: config.signers,
    blockTimeMs: config.ledgerBlockTimeMs,
    ...(opts.persistentLedger ? { dataDir: join(dir, 'ledger') } : {}),
  });
  const queues: JobQueue[] = [];
  const apps: FastifyInstance[] = [];
  const prefix = `stoa-test-${randomBytes(4).toString('hex')}`;
  const makeQueue = (mode: 'inline' | 'bullmq'): JobQueue => {
    const q =
      mode === 'bullmq'
        ? new BullMqQueue(process.env.REDIS_URL!, prefix, () => undefined)
        : new InlineQueue();
    queues.push(q);
    return q;
  };
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    for (const a of apps) await a.close();
    for (const q of queues) {
      if (q instanceof BullMqQueue) await q.obliterate().catch(() => undefined);
      await q.close();
    }
    await ledger.close();
    await db.close();
  };
  return {
    config,
    db,
    ledger,
    dir,
    databaseUrl,
    queuePrefix: prefix,
    makeQueue,
    release,
    async app(opts = {}) {
      const queue = opts.queue ?? makeQueue('inline');
      const app = await buildApp({ ...config, ...opts.config }, { db, ledger: opts.ledger ?? ledger, queue });
      apps.push(app);
      return app;
    },
    async close() {
      await release();
      await dropDb?.();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
