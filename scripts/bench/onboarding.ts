/**
 * Onboarding bench (issue 11): N investors (default 1,000) onboarded through the HTTP API, C at
 * once (default 32), in two phases:
 *   1. applications: sign-up, e-mail confirmation, application with documents, sandbox KYC
 *      verdict, accreditation verified by the reviewer (the investors' own pace: password
 *      hashing, uploads, document encryption — not chain work);
 *   2. attestation: the CDD provider attests the N applications through the bulk API
 *      (`POST /cdd/attestations`, B per request, default 100, C/8 requests at once), then the
 *      bench waits until every chain operation the attestations caused is final;
 *   3. the same for M more applications (default 300) attested one request each
 *      (`POST /cdd/applications/:id/attest`, C at once), as the portal's reviewers do.
 * Reports
 *   onboarding.investorsPerSec         N / (first attestation → last operation final): phase 2
 *   onboarding.singleRequestInvestorsPerSec  M / (first attestation → last final): phase 3
 *   onboarding.applicationsPerSec      N / phase 1
 *   onboarding.fullJourneyInvestorsPerSec  N / (first sign-up → last operation final)
 *   onboarding.opsPerInvestor          chain operations per investor
 *   onboarding.txPer100Investors       ledger transactions per 100 investors (distinct tx hashes)
 *   onboarding.blocksPer100Investors   ledger blocks per 100 investors (distinct blocks holding them)
 *   onboarding.apiSec                  first sign-up → last attestation answered
 *   onboarding.firstFinalSec / lastFinalSec   first sign-up → first / last operation final
 * On PostgreSQL when DATABASE_URL is set (a scratch database), else PGlite; embedded ledger.
 * Options: --investors N --concurrency C --quick (200 investors) --json [file]
 */
import { parseArgs } from 'node:util';
import type { LedgerCall } from '@stoa/chain';
import { attestBatch, attestInvestor, pool, prepareInvestor, staffWithKey } from './investors.js';
import { benchArgv, jsonTarget, recordFigures } from './results.js';
import { startBenchServer } from './server.js';

const { values: opts } = parseArgs({
  args: benchArgv(),
  options: {
    investors: { type: 'string' },
    concurrency: { type: 'string', default: '32' },
    batch: { type: 'string', default: '100' },
    single: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const N = Number(opts.investors ?? (opts.quick ? '200' : '1000'));
const C = Number(opts.concurrency);
const B = Number(opts.batch);
const M = Number(opts.single ?? (opts.quick ? '100' : '300'));
const log = (m: string) => process.stdout.write(`${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const server = await startBenchServer({ KYC_SANDBOX_DELAY_MS: '20' });
try {
  log(`# Onboarding bench — ${N} investors through the API, ${C} at once, ${server.database}`);
  const reviewer = await staffWithKey(server, 'cdd@bench.example', ['cdd-provider']);
  const tApps = Date.now();
  let ready = 0;
  const prepared = await pool(N + M, C, async (i) => {
    const inv = await prepareInvestor(server, reviewer.key, i, 'o');
    if (++ready % 100 === 0)
      log(`  ${ready} applications ready (${((Date.now() - tApps) / 1000).toFixed(1)} s)`);
    return inv;
  });
  const appsMs = Date.now() - tApps;
  log(`phase 1: ${N + M} applications ready for attestation in ${(appsMs / 1000).toFixed(1)} s`);
  /** Waits until every operation recorded since `since` is final; their counts by status. */
  const settled = async (since: string, t0: number) => {
    for (;;) {
      const rows = await server.sql<{ status: string; n: string }>(
        `select status, count(*)::text as n from chain_operation where created_at >= ?::timestamptz group by status`,
        [since],
      );
      const counts = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      const open = Object.entries(counts).filter(([st]) => st !== 'finalised' && st !== 'failed');
      if (open.length === 0 || open.every(([, n]) => n === 0)) return counts as Record<string, number>;
      if (Date.now() - t0 > 60 * 60_000)
        throw new Error(`operations still open after an hour: ${JSON.stringify(counts)}`);
      await sleep(100);
    }
  };
  const dbNow = async () =>
    (await server.sql<{ now: string }>(`select clock_timestamp()::text as now`))[0]!.now;
  const since = await dbNow();
  const startHeight = (await server.app.infra.ledger.info()).blockHeight;
  const t0 = Date.now();
  let done = 0;
  const batches = Array.from({ length: Math.ceil(N / B) }, (_, k) =>
    prepared.slice(k * B, Math.min(N, (k + 1) * B)),
  );
  await pool(batches.length, Math.max(1, Math.round(C / 8)), async (k) => {
    const out = await attestBatch(server, reviewer.key, batches[k]!);
    done += out.length;
    log(`  ${done} attested (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return out;
  });
  const apiMs = Date.now() - t0;
  // Every operation recorded since the onboarding began (attestations and what follows them).
  const counts = await settled(since, t0);
  const endMs = Date.now() - t0;
  const [agg] = await server.sql<{
    ops: string;
    txs: string;
    blocks: string;
    first: string | null;
    last: string | null;
  }>(
    `select count(*)::text as ops,
            count(distinct receipt->>'txHash')::text as txs,
            count(distinct receipt->>'blockNumber')::text as blocks,
            (extract(epoch from min(finalised_at)) * 1000)::text as first,
            (extract(epoch from max(finalised_at)) * 1000)::text as last
       from chain_operation where created_at >= ?::timestamptz`,
    [since],
  );
  const failed = counts.failed ?? 0;
  if (failed > 0) {
    const why = await server.sql<{ kind: string; error_code: string; error_message: string; n: string }>(
      `select kind, error_code, error_message, count(*)::text as n from chain_operation
        where status = 'failed' and created_at >= ?::timestamptz group by 1, 2, 3 order by 4 desc limit 5`,
      [since],
    );
    throw new Error(
      `${failed} chain operations failed: the figures would not be of a real onboarding: ${JSON.stringify(why)}`,
    );
  }
  const ops = Number(agg!.ops);
  const txs = Number(agg!.txs);
  const blocks = Number(agg!.blocks);
  const produced = (await server.app.infra.ledger.info()).blockHeight - startHeight;
  // What the transactions would take of a node's blocks: each one's declared weight (the
  // embedded ledger's 7.0 weights), summed, against a block's normal-transaction weight.
  const sent = await server.sql<{ signer: string; nonce: number; calls: LedgerCall[] }>(
    `select signer, nonce, json_agg(call order by batch_index) as calls, max(batch_size) as size
       from chain_operation where created_at >= ?::timestamptz and nonce is not null
      group by signer, nonce`,
    [since],
  );
  let weight = 0n;
  for (const tx of sent) {
    const call: LedgerCall =
      tx.calls.length > 1 ? { name: 'utility.forceBatch', args: { calls: tx.calls } } : tx.calls[0]!;
    const est = await server.app.infra.ledger.estimateFee(call, tx.signer);
    weight += BigInt(est.weight ?? '0');
  }
  const NORMAL_BLOCK_WEIGHT = 1_500_000_000_000n;
  const firstFinalSec = (Number(agg!.first) - t0) / 1000;
  const lastFinalSec = (Number(agg!.last) - t0) / 1000;

  // Phase 3: the same, one request per application.
  const since3 = await dbNow();
  const t3 = Date.now();
  await pool(M, C, (i) => attestInvestor(server, reviewer.key, prepared[N + i]!));
  const api3Ms = Date.now() - t3;
  const counts3 = await settled(since3, t3);
  const end3Ms = Date.now() - t3;
  if ((counts3.failed ?? 0) > 0) throw new Error(`${counts3.failed} chain operations failed in phase 3`);
  const figures = {
    'onboarding.investorsPerSec': Math.round((N / (endMs / 1000)) * 100) / 100,
    'onboarding.applicationsPerSec': Math.round(((N + M) / (appsMs / 1000)) * 100) / 100,
    'onboarding.singleRequestInvestorsPerSec': Math.round((M / (end3Ms / 1000)) * 100) / 100,
    'onboarding.fullJourneyInvestorsPerSec':
      Math.round(((N + M) / ((appsMs + endMs + end3Ms) / 1000)) * 100) / 100,
    'onboarding.opsPerInvestor': Math.round((ops / N) * 100) / 100,
    'onboarding.txPer100Investors': Math.round((txs / N) * 100 * 10) / 10,
    'onboarding.blocksPer100Investors': Math.round((blocks / N) * 100 * 10) / 10,
    'onboarding.blockWeightPer100Investors':
      Math.round((Number((weight * 1_000_000n) / NORMAL_BLOCK_WEIGHT) / 1_000_000 / N) * 100 * 1000) / 1000,
    'onboarding.apiSec': Math.round(apiMs / 100) / 10,
    'onboarding.firstFinalSec': Math.round(firstFinalSec * 10) / 10,
    'onboarding.lastFinalSec': Math.round(lastFinalSec * 10) / 10,
  };
  log(`phase 2: ${N} investors attested through the API in ${(apiMs / 1000).toFixed(1)} s`);
  log(
    `every operation final after ${(endMs / 1000).toFixed(1)} s → ${figures['onboarding.investorsPerSec']} investors/s`,
  );
  log(
    `${ops} chain operations (${figures['onboarding.opsPerInvestor']} per investor) in ${txs} transactions and ${blocks} blocks ` +
      `(${produced} blocks produced by the ledger meanwhile); declared weight ${(Number(weight) / 1e12).toFixed(3)}·10¹² ` +
      `→ ${figures['onboarding.blockWeightPer100Investors']} of a node's block per 100 investors`,
  );
  log(`first final at ${firstFinalSec.toFixed(1)} s, last at ${lastFinalSec.toFixed(1)} s`);
  log(
    `phase 3: ${M} investors attested one request each in ${(api3Ms / 1000).toFixed(1)} s, every operation final after ` +
      `${(end3Ms / 1000).toFixed(1)} s → ${figures['onboarding.singleRequestInvestorsPerSec']} investors/s`,
  );
  const file = jsonTarget(opts.json);
  if (file) {
    await recordFigures(file, figures, {
      bench: 'onboarding',
      database: server.database,
      options: { investors: N, batch: B, single: M, concurrency: C, quick: opts.quick },
    });
    log(`recorded in ${file}`);
  }
} finally {
  await server.close();
}
