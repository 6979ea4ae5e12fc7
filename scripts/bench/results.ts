/**
 * The shared record of bench figures: `bench-results.json` at the repository root. Every bench
 * merges its named figures (`api.checkPerSec`, `outbox.opsPerSec`, …) into it with
 * `recordFigures`, read-modify-write, so the benches of one `npm run bench -- --json` run (one
 * after the other, each its own process) build one file. Each figure keeps the run it came from.
 */
import { cpus, freemem, loadavg, totalmem, type, release } from 'node:os';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** Where `npm run bench -- --json` writes by default. */
export const DEFAULT_RESULTS_FILE = fileURLToPath(new URL('../../bench-results.json', import.meta.url));

export interface Machine {
  cpu: string;
  cores: number;
  ramGb: number;
  node: string;
  os: string;
}

export interface FigureMeta {
  /** The bench that measured it (`api`, `onboarding`, …). */
  bench: string;
  /** `postgresql`, `pglite` or `none` (the bench uses no database). */
  database: 'postgresql' | 'pglite' | 'none';
  /** The options of the run (as parsed), e.g. `{ quick: true, investors: 200 }`. */
  options?: Record<string, unknown>;
  /** Anything a reader needs to compare the figure (load, what ran alongside…). */
  note?: string;
}

export interface RecordedFigure {
  value: number;
  bench: string;
  database: FigureMeta['database'];
  measuredAt: string;
  options: Record<string, unknown>;
  /** 1-minute load average when recorded (other work on the machine). */
  load1: number;
  note?: string;
}

export interface BenchResults {
  machine: Machine;
  updatedAt: string;
  figures: Record<string, RecordedFigure>;
}

export function machine(): Machine {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    ramGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${type()} ${release()}`,
  };
}

/** The `--json <file>` option of a bench: the file to record into, or undefined (print only). */
export function jsonTarget(value: string | boolean | undefined): string | undefined {
  if (value === undefined || value === false) return undefined;
  return value === true || value === '' ? DEFAULT_RESULTS_FILE : value;
}

export async function readResults(file: string): Promise<BenchResults | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as BenchResults;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Merges `figures` (name → value; names are `<bench>.<figure>`) into `file`, keeping every other
 * figure. Figures that are not finite numbers are refused: a bench that failed to measure must
 * say so, not record NaN. Written through a temporary file and a rename.
 */
export async function recordFigures(
  file: string,
  figures: Record<string, number>,
  meta: FigureMeta,
): Promise<void> {
  for (const [name, value] of Object.entries(figures)) {
    if (!Number.isFinite(value)) throw new Error(`bench figure ${name} is ${value}, not a number`);
    if (!/^[a-z][A-Za-z0-9]*\.[A-Za-z0-9.]+$/.test(name))
      throw new Error(`bench figure name ${name}: <bench>.<figure>, letters and digits`);
  }
  const now = new Date().toISOString();
  const current = (await readResults(file)) ?? { machine: machine(), updatedAt: now, figures: {} };
  const entry = {
    bench: meta.bench,
    database: meta.database,
    measuredAt: now,
    options: meta.options ?? {},
    load1: Math.round(loadavg()[0]! * 100) / 100,
    ...(meta.note ? { note: meta.note } : {}),
  };
  for (const [name, value] of Object.entries(figures)) current.figures[name] = { value, ...entry };
  current.machine = machine();
  current.updatedAt = now;
  const sorted = Object.fromEntries(Object.entries(current.figures).sort(([a], [b]) => a.localeCompare(b)));
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ ...current, figures: sorted }, null, 2)}\n`);
  await rename(tmp, file);
}

/** Free memory now, for benches that note it. */
export const freeMemGb = () => Math.round((freemem() / 1024 ** 3) * 10) / 10;

/**
 * A bench's command-line arguments with `--json` given no file (last, or followed by another
 * option) pointing at the default results file, for `parseArgs` (whose string options need a value).
 */
export function benchArgv(argv: string[] = process.argv.slice(2)): string[] {
  return argv.flatMap((a, i) =>
    a === '--json' && (i === argv.length - 1 || argv[i + 1]!.startsWith('--'))
      ? [a, DEFAULT_RESULTS_FILE]
      : [a],
  );
}

/** The median of a list of measurements. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
