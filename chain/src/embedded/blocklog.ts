/**
 * Append-only block log (JSON lines) under the data folder: the embedded ledger's only durable
 * state. An entry counts once its `done` callback ran: it is then on disk (fdatasync).
 */
import {
  closeSync,
  existsSync,
  fdatasync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import type { Hash } from 'node:crypto';
import { join } from 'node:path';
import { lockStore, type StoreLock } from './lock.js';
import type { SignedTransaction } from './signing.js';
import type { LogMark } from './snapshot.js';

export type ClockMode = 'system' | 'manual';

export type LogEntry =
  /**
   * Version 2: the chain charges transaction fees and checks key permissions; a version-1 log
   * (written before either existed) replays without them.
   */
  | { t: 'genesis'; version: 1 | 2; time: number; clock: ClockMode }
  | { t: 'block'; n: number; ts: number; txs: SignedTransaction[] }
  /** Clock state after `advanceTime`/`setTime`: offset (system clock) or absolute time (manual). */
  | { t: 'clock'; offset?: number; now?: number };

export interface OpenedLog {
  log: BlockLog;
  /** The log's complete lines (a torn last line already cut off), to replay from. */
  bytes: Buffer;
  /** Bytes of an unfinished last line (a crash mid-append) cut off the end of the file. */
  truncatedBytes: number;
}

export interface LogLine {
  entry: LogEntry;
  /** Byte offsets of the line in the log, its newline included in `end`. */
  start: number;
  end: number;
}

const NEWLINE = 0x0a;

/**
 * The entries of the log's lines from byte `from` (a line start), one at a time; refuses damage
 * before the tail.
 */
export function* readLines(path: string, bytes: Buffer, from = 0): Generator<LogLine> {
  let start = from;
  for (let nl = bytes.indexOf(NEWLINE, start); nl >= 0; nl = bytes.indexOf(NEWLINE, start)) {
    const text = bytes.toString('utf8', start, nl);
    if (text.trim() !== '') {
      let entry: LogEntry;
      try {
        entry = JSON.parse(text) as LogEntry;
      } catch {
        // A complete line that does not parse is not an interrupted append: appends write the
        // newline last. Guessing past it would rebuild a different chain.
        let line = 1;
        for (let i = bytes.indexOf(NEWLINE); i >= 0 && i < start; i = bytes.indexOf(NEWLINE, i + 1)) line++;
        throw new Error(
          `block log ${path} is damaged at line ${line} (byte ${start}): restore the data folder from a backup`,
        );
      }
      yield { entry, start, end: nl + 1 };
    }
    start = nl + 1;
  }
}

export class BlockLog {
  private fd: number | null;
  /** Callbacks of appended entries waiting for the next fdatasync. */
  private waiting: ((err: Error | null) => void)[] = [];
  private syncing = false;
  private scheduled = false;
  private failure: Error | null = null;
  private idle: (() => void)[] = [];
  /** SHA-256 of every byte written so far, and their count (for snapshots' log marks). */
  private hash: Hash | null = null;
  private size = 0;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly lock: StoreLock,
  ) {
    this.fd = fd;
  }

  static open(dataDir: string): OpenedLog {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const lock = lockStore(join(dataDir, 'blocks.lock'), `The block log in ${dataDir}`);
    try {
      const path = join(dataDir, 'blocks.jsonl');
      const existed = existsSync(path);
      const bytes = existed ? readFileSync(path) : Buffer.alloc(0);
      const end = bytes.lastIndexOf(NEWLINE) + 1;
      const fd = openSync(path, 'a', 0o600);
      const truncatedBytes = bytes.length - end;
      if (truncatedBytes > 0) {
        // Appends go to the end of the file: without the cut, the next entry would be glued to
        // the torn line and the log would no longer open.
        ftruncateSync(fd, end);
        fsyncSync(fd);
      }
      if (!existed) syncDirectory(dataDir);
      return { log: new BlockLog(path, fd, lock), bytes: bytes.subarray(0, end), truncatedBytes };
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** Takes over the digest of the log's bytes so far (computed by whoever read them). */
  adoptHash(hash: Hash, size: number): void {
    this.hash = hash;
    this.size = size;
  }

  /** The log's length and the SHA-256 of its bytes now. */
  mark(): LogMark {
    if (!this.hash) throw new Error('block log: no digest adopted');
    return { offset: this.size, sha256: this.hash.copy().digest('hex') };
  }

  /**
   * Writes the entry now; `done` runs once it is on disk, or with the error that kept it off.
   * Entries appended while a sync runs share the next one (group commit).
   */
  append(entry: LogEntry, done: (err: Error | null) => void = () => undefined): void {
    if (this.fd === null) throw new Error('block log is closed');
    if (this.failure) throw this.failure;
    const bytes = Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8');
    for (let off = 0; off < bytes.length;) off += writeSync(this.fd, bytes, off);
    this.hash?.update(bytes);
    this.size += bytes.length;
    this.waiting.push(done);
    // Started after the current task, so that blocks sealed together (a block and the one its
    // scheduled work opens) reach the disk, and are published, together.
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.sync();
      });
    }
  }

  private sync(): void {
    if (this.syncing || this.scheduled) return;
    if (this.waiting.length === 0 || this.fd === null) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    this.syncing = true;
    const batch = this.waiting;
    this.waiting = [];
    fdatasync(this.fd, (err) => {
      this.syncing = false;
      if (err) {
        this.failure = new Error(`block log ${this.path} could not be written to disk: ${err.message}`);
      }
      for (const done of batch) done(this.failure);
      if (this.failure) for (const done of this.waiting.splice(0)) done(this.failure);
      this.sync();
    });
  }

  /** Waits for appended entries to reach the disk, then closes the file and frees the lock. */
  async close(): Promise<void> {
    if (this.fd === null) return;
    if (this.syncing || this.waiting.length > 0) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
    closeSync(this.fd);
    this.fd = null;
    this.lock.release();
  }
}

/** A new file's name must reach the disk too, or a crash can lose the whole file. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open a directory for syncing; nothing more can be done there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
