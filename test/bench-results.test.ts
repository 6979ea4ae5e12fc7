import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { table } from '../scripts/bench/readme-table.js';
import { benchArgv, DEFAULT_RESULTS_FILE, readResults, recordFigures } from '../scripts/bench/results.js';

/** bench-results.json: each bench merges its figures; the README table is made from it. */
describe('bench results', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stoa-bench-results-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('merges the figures of several benches into one file, the newest value of a name winning', async () => {
    const file = join(dir, 'merge.json');
    await recordFigures(
      file,
      { 'api.checkPerSec': 900, 'api.healthPerSec': 1000 },
      {
        bench: 'api',
        database: 'postgresql',
        options: { quick: true },
      },
    );
    await recordFigures(file, { 'outbox.opsPerSec': 512.5 }, { bench: 'outbox', database: 'pglite' });
    await recordFigures(file, { 'api.checkPerSec': 950 }, { bench: 'api', database: 'postgresql' });
    const r = (await readResults(file))!;
    expect(Object.keys(r.figures)).toEqual(['api.checkPerSec', 'api.healthPerSec', 'outbox.opsPerSec']);
    expect(r.figures['api.checkPerSec']).toMatchObject({ value: 950, bench: 'api', options: {} });
    expect(r.figures['api.healthPerSec']).toMatchObject({ value: 1000, options: { quick: true } });
    expect(r.figures['outbox.opsPerSec']).toMatchObject({ value: 512.5, database: 'pglite' });
    expect(r.machine.cores).toBeGreaterThan(0);
    expect(r.machine.node).toBe(process.version);
    expect(typeof r.figures['outbox.opsPerSec']!.load1).toBe('number');
  });

  it('refuses a figure that is not a number or not named <bench>.<figure>, and writes nothing', async () => {
    const file = join(dir, 'refused.json');
    await expect(
      recordFigures(file, { 'api.checkPerSec': NaN }, { bench: 'api', database: 'none' }),
    ).rejects.toThrow(/api.checkPerSec is NaN/);
    await expect(recordFigures(file, { checkPerSec: 1 }, { bench: 'api', database: 'none' })).rejects.toThrow(
      /<bench>.<figure>/,
    );
    expect(await readResults(file)).toBeNull();
  });

  it('renders the README table with each target met or missed, pairs compared within their run', async () => {
    const file = join(dir, 'table.json');
    await recordFigures(
      file,
      {
        'api.checkToHealthRatio': 0.42,
        'api.checkP99Ms': 30,
        'api.healthP99Ms': 20,
        'reads.offeringMsAt100': 10,
        'reads.offeringMsAt100k': 40,
        'reads.capTableMsAt100': 10,
        'reads.capTableMsAt100k': 11,
        'custom.thing': 3,
      },
      { bench: 'api', database: 'postgresql' },
    );
    const out = await table(file);
    expect(out).toMatch(/\| `api.checkToHealthRatio` \| 0.42 × \| ≥ 0.5 ✗ \|/);
    expect(out).toMatch(/\| `api.checkP99Ms` \| 30 ms \| ≤ 2× \/health p99 \(1.50×\) ✓ \|/);
    expect(out).toMatch(/\| `reads.offeringMsAt100k` \| 40 ms \| ≈ at 100 \(≤ 1.5×; 4.00×\) ✗ \|/);
    expect(out).toMatch(/\| `reads.capTableMsAt100k` \| 11 ms \| ≈ at 100 \(≤ 1.5×; 1.10×\) ✓ \|/);
    expect(out).toMatch(/\| `custom.thing` \| 3 \| {2}\|/);
    expect(out).toMatch(/^Machine: .+ cores/);
  });

  it('says so when there is no results file yet', async () => {
    await expect(table(join(dir, 'missing.json'))).rejects.toThrow(/run npm run bench -- --json first/);
  });

  it('reads `--json` without a file as the default results file', () => {
    expect(benchArgv(['--json'])).toEqual(['--json', DEFAULT_RESULTS_FILE]);
    expect(benchArgv(['--json', '--quick'])).toEqual(['--json', DEFAULT_RESULTS_FILE, '--quick']);
    expect(benchArgv(['--json', 'x.json', '--quick'])).toEqual(['--json', 'x.json', '--quick']);
    expect(benchArgv(['--quick'])).toEqual(['--quick']);
  });
});
