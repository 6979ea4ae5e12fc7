/**
 * The embedded ledger's event and receipt store: one record per published block (its hash,
 * events and transaction outcomes), appended to `events.bin` under the data folder, with only a
 * bounded window of recent blocks in memory. It is derived data: the block log stays the source
 * of truth, and whatever the store holds past the newest snapshot is cut off at open and rebuilt
 * by replaying the log's tail. Memory-only ledgers keep every record in memory.
 *
 * Record frame: u32 payload length, u32 CRC-32 of the payload, payload (`v8.serialize`).
 * In memory besides the window: the file offset of each block (8 bytes a block) and, per signer,
 * the block of each nonce (8 bytes a transaction).
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import type { LedgerError } from '../errors.js';
import type { Address, LedgerEvent } from '../ledger.js';

export interface TxRecord {
  hash: string;
  signer: Address;
  nonce: number;
  result: unknown;
  error?: { code: LedgerError['code']; message: string };
}

export interface BlockRecord {
  n: number;
  hash: string;
  events: LedgerEvent[];
  txs: TxRecord[];
}

/** What a snapshot keeps of the store: enough to reopen it at the snapshot's height. */
export interface StoreIndex {
  /** Bytes of `events.bin` that hold blocks 1…height. */
  size: number;
  height: number;
  /** File offset of block n's record at [n - 1]. */
  offsets: Float64Array;
  /** Per signer, the block that included each nonce. */
  nonces: [Address, number[]][];
}

const HEADER = 8;
const READ_CHUNK = 4 << 20;
const WRITE_FLUSH = 1 << 20;
/** Recent blocks kept decoded in memory (receipts just published, subscribers close behind). */
export const DEFAULT_WINDOW_BLOCKS = 256;

export class StoreDamagedError extends Error {}

export class EventStore {
  private fd: number | null;
  private size = 0;
  private offsets = new Float64Array(1024);
  private readonly nonces = new Map<Address, number[]>();
  /** Decoded records of the newest blocks (all of them when memory-only), oldest first. */
  private readonly window = new Map<number, BlockRecord>();
  private pendingWrites: Buffer[] = [];
  private pendingBytes = 0;
  height = 0;

  private constructor(
    readonly path: string | null,
    fd: number | null,
    private readonly windowBlocks: number,
  ) {
    this.fd = fd;
  }

  static memory(): EventStore {
    return new EventStore(null, null, Infinity);
  }

  /**
   * Opens `events.bin`, keeping only what `index` vouches for (nothing without one): the rest is
   * cut off, to be rebuilt by the replay. Throws StoreDamagedError when the file holds less than
   * the index says or its last record does not check out.
   */
  static open(
    dataDir: string,
    index: StoreIndex | null,
    lastHash: string | null,
    windowBlocks = DEFAULT_WINDOW_BLOCKS,
  ): EventStore {
    const path = join(dataDir, 'events.bin');
    const existed = existsSync(path);
    const fd = openSync(path, existed ? 'r+' : 'w+', 0o600);
    const store = new EventStore(path, fd, windowBlocks);
    try {
      const fileSize = fstatSync(fd).size;
      if (index && index.height > 0) {
        if (fileSize < index.size)
          throw new StoreDamagedError(
            `${path} is shorter (${fileSize} bytes) than its snapshot says (${index.size})`,
          );
        store.offsets = Float64Array.from(index.offsets);
        store.size = index.size;
        store.height = index.height;
        for (const [signer, blocks] of index.nonces) store.nonces.set(signer, blocks);
        const last = store.readAt(store.offsetOf(index.height), index.size);
        if (last.n !== index.height || last.hash !== lastHash)
          throw new StoreDamagedError(`${path}: block ${index.height} is not the one its snapshot names`);
      }
      if (fileSize !== store.size) ftruncateSync(fd, store.size);
      return store;
    } catch (err) {
      store.close();
      if (err instanceof StoreDamagedError) throw err;
      throw new StoreDamagedError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Decoded blocks held in memory now (bounded by the window on disk). */
  get inMemoryBlocks(): number {
    return this.window.size;
  }

  append(rec: BlockRecord): void {
    if (rec.n !== this.height + 1) throw new Error(`event store: block ${rec.n} after ${this.height}`);
    for (const t of rec.txs) {
      let list = this.nonces.get(t.signer);
      if (!list) this.nonces.set(t.signer, (list = []));
      list[t.nonce] = rec.n;
    }
    this.height = rec.n;
    this.window.set(rec.n, rec);
    if (this.window.size > this.windowBlocks) this.window.delete(this.window.keys().next().value as number);
    if (this.fd === null) return;
    if (rec.n > this.offsets.length) {
      const grown = new Float64Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[rec.n - 1] = this.size;
    const payload = serialize(rec);
    const head = Buffer.allocUnsafe(HEADER);
    head.writeUInt32LE(payload.length, 0);
    head.writeUInt32LE(crc32(payload), 4);
    this.pendingWrites.push(head, payload);
    this.pendingBytes += HEADER + payload.length;
    this.size += HEADER + payload.length;
    if (this.pendingBytes >= WRITE_FLUSH) this.flush();
  }

  /** The block that included `signer`'s transaction with `nonce`, if published. */
  blockOf(signer: Address, nonce: number): number | undefined {
    return this.nonces.get(signer)?.[nonce];
  }

  block(n: number): BlockRecord | null {
    if (n < 1 || n > this.height) return null;
    const w = this.window.get(n);
    if (w) return w;
    if (this.fd === null) return null;
    this.flush();
    return this.readAt(this.offsetOf(n), n < this.height ? this.offsetOf(n + 1) : this.size);
  }

  /** Calls `fn` with every block from `from` to the current height, in order. */
  forEach(from: number, fn: (rec: BlockRecord) => void): void {
    const start = Math.max(1, from);
    const height = this.height;
    let n = start;
    if (this.fd !== null) {
      // Blocks older than the window: read the file in chunks.
      const firstInWindow = this.window.keys().next().value ?? height + 1;
      if (n < firstInWindow) {
        this.flush();
        let pos = this.offsetOf(n);
        const end = firstInWindow > height ? this.size : this.offsetOf(firstInWindow);
        let buf = Buffer.alloc(0);
        let at = 0;
        while (pos < end || at < buf.length) {
          if (buf.length - at < HEADER || buf.length - at < HEADER + buf.readUInt32LE(at)) {
            const want = Math.min(READ_CHUNK, end - pos);
            if (want <= 0) throw new StoreDamagedError(`${this.path}: record at ${pos} runs past the end`);
            const next = Buffer.allocUnsafe(buf.length - at + want);
            buf.copy(next, 0, at);
            this.readFully(next, buf.length - at, want, pos);
            pos += want;
            buf = next;
            at = 0;
            continue;
          }
          const len = buf.readUInt32LE(at);
          const rec = this.decode(
            buf.subarray(at + HEADER, at + HEADER + len),
            buf.readUInt32LE(at + 4),
            pos,
          );
          at += HEADER + len;
          fn(rec);
          n = rec.n + 1;
        }
      }
    }
    for (; n <= height; n++) {
      const rec = this.window.get(n);
      if (rec) fn(rec);
    }
  }

  /** The store's index at its current height, after its bytes are on disk (for a snapshot). */
  durableIndex(): StoreIndex {
    if (this.fd !== null) {
      this.flush();
      fsyncSync(this.fd);
    }
    return {
      size: this.size,
      height: this.height,
      offsets: this.offsets.slice(0, this.height),
      nonces: [...this.nonces],
    };
  }

  close(): void {
    if (this.fd === null) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  private offsetOf(n: number): number {
    return this.offsets[n - 1] as number;
  }

  private flush(): void {
    if (this.fd === null || this.pendingBytes === 0) return;
    const buf = Buffer.concat(this.pendingWrites, this.pendingBytes);
    this.pendingWrites = [];
    this.pendingBytes = 0;
    const at = this.size - buf.length;
    for (let off = 0; off < buf.length;) off += writeSync(this.fd, buf, off, buf.length - off, at + off);
  }

  private readFully(into: Buffer, offset: number, length: number, position: number): void {
    for (let got = 0; got < length;) {
      const n = readSync(this.fd as number, into, offset + got, length - got, position + got);
      if (n === 0) throw new StoreDamagedError(`${this.path}: ends at ${position + got}, expected more`);
      got += n;
    }
  }

  private readAt(pos: number, end: number): BlockRecord {
    const len = end - pos;
    if (!(len > HEADER)) throw new StoreDamagedError(`${this.path}: no record at ${pos}`);
    const buf = Buffer.allocUnsafe(len);
    this.readFully(buf, 0, len, pos);
    if (buf.readUInt32LE(0) !== len - HEADER)
      throw new StoreDamagedError(`${this.path}: record at ${pos} has the wrong length`);
    return this.decode(buf.subarray(HEADER), buf.readUInt32LE(4), pos);
  }

  private decode(payload: Buffer, crc: number, pos: number): BlockRecord {
    if (crc32(payload) !== crc)
      throw new StoreDamagedError(
        `${this.path}: record at byte ${pos} is damaged; delete the file and the snapshots beside it to rebuild them from the block log`,
      );
    return deserialize(payload) as BlockRecord;
  }
}
