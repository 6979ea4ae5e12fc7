/**
 * Audit appends under concurrency, on PostgreSQL: N transactions at a time, each appending two
 * entries (as the outbox does per chain operation), for `--tx` transactions in all. Prints
 * entries/s counted until every entry is committed and chained, then checks the chain.
 *
 *   npx tsx scripts/bench/audit.ts [--tx 2000] [--concurrency 32] [--hold-ms 0] [--json <file>]
 *
 * `--hold-ms` keeps each transaction open that long after its first append (the other work an
 * audited transaction does). `--json <file>` merges `{ "audit.appendsPerSec": n }` into the file.
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; the bench
 * makes and drops its own scratch database there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../server/src/db/orm.js';
import { AuditEntry } from '../../server/src/modules/audit/entity.js';
import { scratchDatabase } from '../../server/test/support/scratch-database.js';
import { recordFigures } from './results.js';
import { AuditService, chainBreak } from '../../server/src/modules/audit/service.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const TX = Number(arg('tx', '2000'));
const CONCURRENCY = Number(arg('concurrency', '32'));
const HOLD_MS = Number(arg('hold-ms', '0'));
const JSON_FILE = arg('json', '');
const BASE = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Chainer {
  start(): Promise<void>;
  stop(): Promise<void>;
  chainNow(): Promise<void>;
}

const scratch = await scratchDatabase(BASE, 'stoa_bench_audit');
const dir = await mkdtemp(join(tmpdir(), 'stoa-bench-audit-'));
const db = await openDatabase({ databaseUrl: scratch.url, dataDir: dir });
try {
  // The appender, where this build has one (the lock-per-row build chains inside append).
  let chainer: Chainer | undefined;
  try {
    const mod = (await import('../../server/src/modules/audit/chainer.js')) as {
      AuditChainer: new (orm: typeof db.orm, opts: { waitOnCommit: boolean }) => Chainer;
    };
    chainer = new mod.AuditChainer(db.orm, { waitOnCommit: !process.argv.includes('--no-wait') });
    await chainer.start();
  } catch {
    chainer = undefined;
  }
  const audit = new AuditService();
  let next = 0;
  const worker = async () => {
    while (next < TX) {
      const i = next++;
      await db.orm.em.fork().transactional(async (tx) => {
        await audit.append(tx, {
          actor: 'bench',
          action: 'bench.first',
          subjectType: 'op',
          subjectId: `${i}`,
        });
        if (HOLD_MS > 0) await new Promise((r) => setTimeout(r, HOLD_MS));
        await audit.append(tx, {
          actor: 'bench',
          action: 'bench.second',
          subjectType: 'op',
          subjectId: `${i}`,
        });
      });
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await chainer?.chainNow();
  const seconds = (performance.now() - started) / 1000;
  const perSec = Math.round((2 * TX) / seconds);

  const rows = await db.orm.em.fork().find(AuditEntry, {}, { orderBy: { seq: 'asc' } });
  const unchained = rows.filter((r) => r.seq === null).length;
  const broken = chainBreak(rows as Parameters<typeof chainBreak>[0]);
  if (rows.length !== 2 * TX || unchained > 0 || broken) {
    throw new Error(
      `chain check failed: ${rows.length} rows, ${unchained} unchained, break ${JSON.stringify(broken)}`,
    );
  }
  await chainer?.stop();
  console.log(
    `audit appends: ${perSec} entries/s (${TX} transactions × 2 entries, ${CONCURRENCY} concurrent, hold ${HOLD_MS} ms, ${chainer ? 'appender' : 'lock per row'}, ${seconds.toFixed(2)} s; chain intact)`,
  );
  if (JSON_FILE) {
    await recordFigures(
      JSON_FILE,
      { 'audit.appendsPerSec': perSec },
      {
        bench: 'audit',
        database: 'postgresql',
        options: { tx: TX, concurrency: CONCURRENCY, holdMs: HOLD_MS, appender: chainer !== undefined },
      },
    );
  }
} finally {
  await db.close();
  await scratch.drop();
  await rm(dir, { recursive: true, force: true });
}
