/**
 * Prints the README's benchmark table from bench-results.json: figure, value, target, what it
 * measures, with the machine and the load each figure was measured under. With `--write`,
 * replaces the table between the `bench-table` markers in README.md instead (formatted by prettier).
 *   npx tsx scripts/bench/readme-table.ts [--results file] [--write]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { DEFAULT_RESULTS_FILE, readResults, type RecordedFigure } from './results.js';

interface Known {
  what: string;
  unit: string;
  /** The target, in words, and whether the value meets it (undefined: no target). */
  target?: (v: number, all: Record<string, RecordedFigure>) => { text: string; met: boolean };
}

const atLeast = (n: number) => (v: number) => ({ text: `≥ ${n.toLocaleString('en-US')}`, met: v >= n });
const atMost = (n: number) => (v: number) => ({ text: `≤ ${n.toLocaleString('en-US')}`, met: v <= n });
/** A figure at 100k rows against its pair at 100: the same time (within 1.5×). */
const flat = (pair: string) => (v: number, all: Record<string, RecordedFigure>) => {
  const base = all[pair]?.value;
  return base === undefined
    ? { text: `≈ ${pair}`, met: false }
    : { text: `≈ at 100 (≤ 1.5×; ${(v / base).toFixed(2)}×)`, met: v <= base * 1.5 };
};

const KNOWN: Record<string, Known> = {
  'ledger.transfers1LegPerSec': {
    what: 'embedded ledger: settled 1-leg transfers (signed, verified, in blocks), one sender with 256 in flight',
    unit: '/s',
    target: atLeast(3000),
  },
  'ledger.transfers1LegOneAtATimePerSec': {
    what: 'the same, one sender awaiting each receipt before the next',
    unit: '/s',
  },
  'ledger.transfers16SendersPerSec': {
    what: 'the same, 16 senders with 16 in flight each',
    unit: '/s',
  },
  'ledger.canTransferPerSec': {
    what: 'embedded ledger: canTransfer with the full breakdown',
    unit: '/s',
    target: atLeast(20000),
  },
  'ledger.rssMbAfterReplay': {
    what: 'embedded ledger: RSS after replaying 160k blocks',
    unit: 'MB',
    target: atMost(300),
  },
  'ledger.restartSecAt150kBlocks': {
    what: 'embedded ledger: restart at 150k blocks',
    unit: 's',
    target: atMost(3),
  },
  'outbox.opsPerSec': { what: 'outbox: operator writes until final', unit: '/s', target: atLeast(500) },
  'outbox.ledgerTxPerSec': { what: 'the same calls straight to the ledger, same run', unit: '/s' },
  'audit.appendsPerSec': { what: 'audit trail: appends (hash-chained)', unit: '/s' },
  'trading.ordersPerSec': {
    what: 'ATS orders answered (pre-trade check, reservation under row locks, matching), 8 investors at once',
    unit: 'orders/s',
  },
  'trading.orderP99Ms': { what: 'one ATS order, 99th percentile', unit: 'ms' },
  'trading.matchesPerSec': { what: 'trades matched per second of order entry', unit: 'trades/s' },
  'trading.settledTradesPerSec': {
    what: 'trades settled on chain (instruction, two affirmations, execution through the outbox)',
    unit: 'trades/s',
  },
  'api.checkPerSec': { what: 'pre-trade check with an API key (autocannon, interleaved)', unit: 'req/s' },
  'api.healthPerSec': { what: '`GET /health` in the same rounds', unit: 'req/s' },
  'api.checkToHealthRatio': {
    what: 'check ÷ /health throughput',
    unit: '×',
    target: atLeast(0.5),
  },
  'api.checkP99Ms': {
    what: 'check p99 latency (median of rounds)',
    unit: 'ms',
    target: (v, all) => {
      const h = all['api.healthP99Ms']?.value;
      return h === undefined
        ? { text: '≤ 2× /health p99', met: false }
        : { text: `≤ 2× /health p99 (${(v / h).toFixed(2)}×)`, met: v <= 2 * h };
    },
  },
  'api.healthP99Ms': { what: '`/health` p99 latency (median of rounds)', unit: 'ms' },
  'api.floorPerSec': { what: '`GET /kyc/config` (no database) in the same rounds: the floor', unit: 'req/s' },
  'api.floorP99Ms': { what: '`GET /kyc/config` p99 latency', unit: 'ms' },
  'api.checkToFloorRatio': { what: 'check ÷ floor throughput', unit: '×' },
  'onboarding.investorsPerSec': {
    what: 'investors attested through the bulk API (100 a request) until every chain operation is final (phase 2)',
    unit: '/s',
    target: atLeast(100),
  },
  'onboarding.singleRequestInvestorsPerSec': {
    what: 'the same, one attestation request per investor (phase 3)',
    unit: '/s',
  },
  'onboarding.blockWeightPer100Investors': {
    what: "blocks of a node that 100 investors' transactions fill: their declared weight ÷ a block's normal weight (1.5·10¹²)",
    unit: '',
    target: atMost(1),
  },
  'onboarding.applicationsPerSec': {
    what: 'applications made ready through the API: sign-up → accreditation verified (phase 1)',
    unit: '/s',
  },
  'onboarding.fullJourneyInvestorsPerSec': {
    what: 'both phases: first sign-up → last operation final',
    unit: '/s',
  },
  'onboarding.opsPerInvestor': { what: 'chain operations per investor', unit: '' },
  'onboarding.txPer100Investors': { what: 'ledger transactions per 100 investors', unit: '' },
  'onboarding.blocksPer100Investors': {
    what: 'embedded ledger blocks per 100 investors (one block per submission there)',
    unit: '',
  },
  'onboarding.apiSec': { what: 'first attestation → last attestation answered', unit: 's' },
  'onboarding.firstFinalSec': { what: 'first attestation → first operation final', unit: 's' },
  'onboarding.lastFinalSec': { what: 'first attestation → last operation final', unit: 's' },
  'reads.instructionsMsAt100': { what: '`GET /identities/me/instructions`, 100 settlements', unit: 'ms' },
  'reads.instructionsMsAt100k': {
    what: 'the same, 100,000 settlements',
    unit: 'ms',
    target: flat('reads.instructionsMsAt100'),
  },
  'reads.offeringMsAt100': {
    what: 'offering view + subscription dry run, 100 subscriptions',
    unit: 'ms',
  },
  'reads.offeringMsAt100k': {
    what: 'the same, 100,000 subscriptions',
    unit: 'ms',
    target: flat('reads.offeringMsAt100'),
  },
  'reads.capTableMsAt100': { what: 'cap-table page (50), 100 investor identities', unit: 'ms' },
  'reads.capTableMsAt100k': {
    what: 'the same, 100,000 investor identities',
    unit: 'ms',
    target: flat('reads.capTableMsAt100'),
  },
};

const START = '<!-- bench-table:start (generated by scripts/bench/readme-table.ts) -->';
const END = '<!-- bench-table:end -->';

export async function table(file: string): Promise<string> {
  const results = await readResults(file);
  if (!results) throw new Error(`${file} does not exist: run npm run bench -- --json first`);
  const { machine: m, figures } = results;
  const names = Object.keys(figures).sort((a, b) => {
    const ka = Object.keys(KNOWN).indexOf(a);
    const kb = Object.keys(KNOWN).indexOf(b);
    return (ka < 0 ? 1e9 : ka) - (kb < 0 ? 1e9 : kb) || a.localeCompare(b);
  });
  const rows = names.map((name) => {
    const f = figures[name]!;
    const k = KNOWN[name];
    const t = k?.target?.(f.value, figures);
    const value = `${f.value.toLocaleString('en-US')}${k?.unit ? ` ${k.unit}` : ''}`;
    const target = t ? `${t.text} ${t.met ? '✓' : '✗'}` : '';
    const when = `${f.database}, load ${f.load1}${f.options.quick ? ', quick' : ''}`;
    return `| \`${name}\` | ${value} | ${target} | ${k?.what ?? ''} | ${when} |`;
  });
  return [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGb} GB RAM, Node ${m.node}, ${m.os}; ` +
      `figures of ${results.updatedAt.slice(0, 10)}. "load" is the 1-minute load average when the figure was recorded ` +
      `(other work on the machine); each bench runs alone in its own process, in turn.`,
    '',
    '| figure | value | target | what it measures | database, load |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

const main = fileURLToPath(import.meta.url) === process.argv[1];
if (main) {
  const { values: opts } = parseArgs({
    options: {
      results: { type: 'string', default: DEFAULT_RESULTS_FILE },
      write: { type: 'boolean', default: false },
    },
  });
  const out = await table(opts.results);
  if (!opts.write) process.stdout.write(`${out}\n`);
  else {
    const readme = fileURLToPath(new URL('../../README.md', import.meta.url));
    const text = await readFile(readme, 'utf8');
    const a = text.indexOf(START);
    const b = text.indexOf(END);
    if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} markers`);
    const next = `${text.slice(0, a + START.length)}\n\n${out}\n\n${text.slice(b)}`;
    // Formatted as `npm run lint` checks it.
    const config = (await resolveConfig(readme)) ?? {};
    await writeFile(readme, await format(next, { ...config, parser: 'markdown' }));
    process.stdout.write('README.md benchmark table rewritten\n');
  }
}
