/**
 * Outbox benchmark (issue 11 item 1): the server in-process on PostgreSQL (a scratch database on
 * DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) with the embedded ledger in a
 * temporary data folder (block log fsynced, as a server runs it). N operator writes
 * (`system.remark`) go through `OperationService.submit` until every one is final; then the same
 * number of calls go straight to the ledger, in the same run, for the ledger's own tx/s.
 * Run: npx tsx --tsconfig tsconfig.tests.json scripts/bench/outbox.ts (sources of @stoa/chain),
 * or plain tsx after `npm run build -w chain`.
 * Options: --ops N (default 5000) --json <file> (merges the figures into that file)
 *   --batch N (calls per forceBatch, default 200; 1 = none) --window N (transactions in flight)
 *   --no-audit (audit appends stubbed out, to price the audit trail; not a valid configuration)
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLedger } from '@stoa/chain';
import { buildApp } from '../../server/src/app.js';
import { loadConfig } from '../../server/src/config.js';
import { openDatabase } from '../../server/src/db/orm.js';
import { InlineQueue } from '../../server/src/jobs/inline.js';
import { ChainOperation } from '../../server/src/modules/operations/entity.js';
import { recordFigures } from './results.js';
import { scratchDatabase } from './server.js';

const { values: opts } = parseArgs({
  options: {
    ops: { type: 'string', default: '5000' },
    json: { type: 'string' },
    window: { type: 'string' },
    batch: { type: 'string' },
    // Measures what the audit trail costs: appends become no-ops (not a valid configuration).
    'no-audit': { type: 'boolean', default: false },
  },
});
const N = Number(opts.ops);
const log = (msg: string) => process.stdout.write(`${msg}\n`);

async function main(): Promise<void> {
  const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const scratch = await scratchDatabase(base);
  const dir = await mkdtemp(join(tmpdir(), 'stoa-bench-outbox-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATA_DIR: dir,
    ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef',
    SANDBOX_WEBHOOK_SECRET: 'bench-sandbox-webhook-secret-0123456789',
    DATABASE_URL: scratch.url,
    OUTBOX_SUBMIT_TIMEOUT_MS: '0',
    OPERATOR_LANES: process.env.OPERATOR_LANES ?? '3',
  };
  if (opts.window) env.OUTBOX_WINDOW = opts.window;
  // The production default (tests default to 1); --batch 1 measures without coalescing.
  env.OUTBOX_BATCH_SIZE = opts.batch ?? '200';
  const config = loadConfig(env);
  const db = await openDatabase({ databaseUrl: scratch.url, dataDir: dir });
  const ledger = await createLedger({ signers: config.signers, dataDir: join(dir, 'ledger') });
  const queue = new InlineQueue();
  const app = await buildApp(config, { db, ledger, queue });
  try {
    await app.ready();
    const operator = app.services.operatorAddress();
    const ops = app.services.operations;
    if (opts['no-audit']) {
      const audit = app.services.audit as unknown as { append: (...a: unknown[]) => Promise<unknown> };
      audit.append = async () => ({});
    }
    const run = randomBytes(4).toString('hex');
    log(
      `# Outbox benchmark — ${N.toLocaleString('en-US')} system.remark, PostgreSQL, node ${process.version}${opts['no-audit'] ? ', audit appends stubbed out' : ''}, batch size ${env.OUTBOX_BATCH_SIZE}, window ${env.OUTBOX_WINDOW ?? 'default'}`,
    );

    // Warm-up (connections, JIT), not counted.
    for (let i = 0; i < 20; i++) {
      await ops.submit({
        idempotencyKey: `warm-${run}-${i}`,
        call: { name: 'system.remark', args: { remark: `warm ${i}` } },
        signer: operator,
        requestedBy: 'bench',
      });
    }
    await queue.drain();

    // Statements and transactions the server sends while the N operations go through.
    let statements = 0;
    let transactions = 0;
    const kinds = new Map<string, number>();
    db.orm.em
      .getConnection()
      .getKnex()
      .on('query', (q: { sql?: string }) => {
        statements++;
        if (process.env.BENCH_SQL) {
          const k = (q.sql ?? '').replace(/\s+/g, ' ').slice(0, 70);
          kinds.set(k, (kinds.get(k) ?? 0) + 1);
        }
        if (/^begin/i.test(q.sql ?? '')) transactions++;
      });
    const t0 = performance.now();
    const ids: string[] = [];
    // Requests arrive 32 at a time, as concurrent API calls would.
    for (let i = 0; i < N; i += 32) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(32, N - i) }, (_, j) =>
          ops.submit({
            idempotencyKey: `bench-${run}-${i + j}`,
            call: { name: 'system.remark', args: { remark: `bench ${run} ${i + j}` } },
            signer: operator,
            requestedBy: 'bench',
          }),
        ),
      );
      for (const op of batch) ids.push(op.id);
    }
    const tRecorded = performance.now();
    // A slow configuration may take longer than the queue's own wait; the poll below decides.
    await queue.drain().catch(() => undefined);
    const em = db.orm.em.fork();
    for (;;) {
      const open = await em.count(ChainOperation, { status: { $nin: ['finalised', 'failed'] } });
      if (open === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const t1 = performance.now();
    const counted = { statements, transactions };
    const failed = await em.count(ChainOperation, { id: { $in: ids }, status: 'failed' });
    if (failed > 0) throw new Error(`${failed} operations failed`);
    const opsPerSec = (N / (t1 - t0)) * 1000;
    log(
      `outbox: ${N} operations final in ${((t1 - t0) / 1000).toFixed(2)} s (recorded in ${((tRecorded - t0) / 1000).toFixed(2)} s) → ${Math.round(opsPerSec)} ops/s`,
    );

    log(
      `        ${(counted.statements / N).toFixed(1)} statements, ${(counted.transactions / N).toFixed(2)} transactions per operation (the final polling included)`,
    );

    if (process.env.BENCH_SQL) {
      for (const [k, n] of [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 15))
        log(`  ${(n / N).toFixed(2)}  ${k}`);
    }

    // The ledger alone, same calls, same signer, submitted without waiting for each other.
    const l0 = performance.now();
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        ledger.submit(
          { name: 'system.remark', args: { remark: `direct ${run} ${i}` } },
          { signer: operator },
        ),
      ),
    );
    const l1 = performance.now();
    const ledgerTxPerSec = (N / (l1 - l0)) * 1000;
    log(
      `ledger: ${N} system.remark straight to the ledger in ${((l1 - l0) / 1000).toFixed(2)} s → ${Math.round(ledgerTxPerSec)} tx/s`,
    );
    log(`ratio outbox / ledger: ${(opsPerSec / ledgerTxPerSec).toFixed(2)}`);

    if (opts.json) {
      await recordFigures(
        opts.json,
        { 'outbox.opsPerSec': Math.round(opsPerSec), 'outbox.ledgerTxPerSec': Math.round(ledgerTxPerSec) },
        { bench: 'outbox', database: 'postgresql', options: { ...opts, json: undefined } },
      );
    }
  } finally {
    await app.close();
    await queue.close();
    await ledger.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
    await scratch.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
