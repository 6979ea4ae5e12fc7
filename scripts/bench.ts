/**
 * `npm run bench`: runs every benchmark in turn, each in its own process; each prints its figures.
 *
 *   npm run bench -- --json [file]   each bench also merges its named figures into bench-results.json
 *                                    (or `file`): see scripts/bench/results.ts
 *   npm run bench -- --quick         smaller runs (minutes, not an hour): figures for a quick look
 *   npm run bench -- --only api,reads  just these benches (names below)
 *
 * The benches on PostgreSQL when DATABASE_URL is set (each makes its own scratch database), else
 * PGlite. Benches listed here whose file does not exist yet are skipped with a note.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchArgv } from './bench/results.js';

interface Bench {
  name: string;
  file: string;
  what: string;
  /** Arguments of a `--quick` run (each bench's own sizes). */
  quick: string[];
}

const BENCHES: Bench[] = [
  {
    name: 'ledger',
    file: 'scripts/bench/ledger.ts',
    what: 'embedded ledger',
    quick: ['--quick'],
  },
  { name: 'outbox', file: 'scripts/bench/outbox.ts', what: 'outbox (operator writes)', quick: ['--quick'] },
  { name: 'audit', file: 'scripts/bench/audit.ts', what: 'audit trail appends', quick: ['--quick'] },
  {
    name: 'api',
    file: 'scripts/bench/api.ts',
    what: 'pre-trade check API against /health',
    quick: ['--quick'],
  },
  {
    name: 'onboarding',
    file: 'scripts/bench/onboarding.ts',
    what: 'investors onboarded through the API until final',
    quick: ['--quick'],
  },
  {
    name: 'trading',
    file: 'scripts/bench/trading.ts',
    what: 'ATS order entry (pre-trade check, reservation, matching) and settlement',
    quick: ['--quick'],
  },
  {
    name: 'reads',
    file: 'scripts/bench/reads.ts',
    what: 'reads at 100 and 100,000 platform rows',
    quick: ['--quick'],
  },
];

const { values: opts } = parseArgs({
  options: {
    json: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
  // `--json` alone (no file) is allowed: the default file.
  args: benchArgv(),
});

const root = fileURLToPath(new URL('..', import.meta.url));
const only = opts.only?.split(',').map((s) => s.trim());
const unknown = only?.filter((n) => !BENCHES.some((b) => b.name === n)) ?? [];
if (unknown.length) {
  console.error(`unknown bench ${unknown.join(', ')}; benches: ${BENCHES.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const failed: string[] = [];
for (const bench of BENCHES) {
  if (only && !only.includes(bench.name)) continue;
  if (!existsSync(`${root}/${bench.file}`)) {
    process.stdout.write(`\n=== ${bench.what}: ${bench.file} is not there yet, skipped\n`);
    continue;
  }
  const args = [...(opts.json ? ['--json', opts.json] : []), ...(opts.quick ? bench.quick : [])];
  process.stdout.write(`\n=== ${bench.what} (${bench.file}${args.length ? ` ${args.join(' ')}` : ''})\n`);
  const r = spawnSync('npx', ['tsx', '--tsconfig', 'tsconfig.tests.json', bench.file, ...args], {
    stdio: 'inherit',
    cwd: root,
  });
  if (r.status !== 0) failed.push(bench.name);
}
if (opts.json) process.stdout.write(`\nfigures merged into ${opts.json}\n`);
if (failed.length) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
