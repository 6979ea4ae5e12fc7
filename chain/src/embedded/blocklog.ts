/** Append-only block log (JSON lines) under the data folder. */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SignedTransaction } from './signing.js';

export type ClockMode = 'system' | 'manual';

export type LogEntry =
  | { t: 'genesis'; version: 1; time: number; clock: ClockMode }
  | { t: 'block'; n: number; ts: number; txs: SignedTransaction[] }
  /** Clock state after `advanceTime`/`setTime`: offset (system clock) or absolute time (manual). */
  | { t: 'clock'; offset?: number; now?: number };

export class BlockLog {
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  static open(dataDir: string): { log: BlockLog; entries: LogEntry[] } {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'blocks.jsonl');
    const entries: LogEntry[] = [];
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      let start = 0;
      while (start < text.length) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        const line = text.slice(start, end);
        start = end + 1;
        if (line.trim() === '') continue;
        try {
          entries.push(JSON.parse(line) as LogEntry);
        } catch {
          // A torn last line (crash mid-write) is dropped; anything earlier is corruption.
          if (start < text.length) throw new Error(`corrupt block log line in ${path}`);
        }
      }
    }
    return { log: new BlockLog(path, openSync(path, 'a')), entries };
  }

  append(entry: LogEntry): void {
    if (this.fd === null) throw new Error('block log is closed');
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
