/**
 * State snapshots of the embedded ledger: the whole runtime state at a block boundary, so that an
 * open replays only the block log after it. A snapshot names the exact log prefix it stands for
 * (byte length and SHA-256), the genesis and block hash at its height and the layout of the state
 * containers; one that does not match the log or this code is ignored, never trusted.
 *
 * File: `snapshot-<height>.bin` under the data folder: "STOASNAP", u32 format, u32 CRC-32 of the
 * payload, u32 payload length, payload (`v8.serialize`). Written to a temporary file, fsynced,
 * renamed, then the folder fsynced; the newest two are kept.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import { syncDirectory } from './blocklog.js';
import type { StoreIndex } from './store.js';
import type { Persistent } from './state.js';

/**
 * Bump when a change makes replaying existing blocks compute a different state (a rule, a
 * record's shape): snapshots of the old format are then ignored and the log replayed once.
 * Added or removed state containers need no bump: the layout check catches them.
 */
export const SNAPSHOT_FORMAT = 1;
const MAGIC = Buffer.from('STOASNAP', 'latin1');
const HEAD = MAGIC.length + 12;
const KEEP = 2;
/** Default snapshot interval in blocks (besides the one written on close). */
export const DEFAULT_SNAPSHOT_EVERY_BLOCKS = 10_000;

export interface ChainHead {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
}

/** Where in the block log a snapshot stands: the bytes before it and their digest. */
export interface LogMark {
  offset: number;
  sha256: string;
}

/** The state part, taken synchronously at a block boundary. */
export interface StateCapture {
  genesisHash: string;
  head: ChainHead;
  clock: { offset: number; manualNow: number };
  log: LogMark;
  layout: string[];
  /** `v8.serialize` of every container's contents, in creation order. */
  state: Buffer;
}

export interface Snapshot extends StateCapture {
  format: number;
  store: StoreIndex;
}

/** Names each container by the module and field that hold it (`asset.tickers`), for the layout. */
export function layoutOf(root: object, containers: readonly Persistent[]): string[] {
  const names = new Map<Persistent, string>();
  for (const [modName, mod] of Object.entries(root)) {
    if (mod === null || typeof mod !== 'object') continue;
    for (const [field, value] of Object.entries(mod as Record<string, unknown>)) {
      if (containers.includes(value as Persistent) && !names.has(value as Persistent))
        names.set(value as Persistent, `${modName}.${field}`);
    }
  }
  return containers.map((c, i) => names.get(c) ?? `#${i}:${c.kind}`);
}

export function captureState(
  containers: readonly Persistent[],
  fields: Omit<StateCapture, 'state'>,
): StateCapture {
  return { ...fields, state: serialize(containers.map((c) => c.dump())) };
}

export function restoreState(containers: readonly Persistent[], state: Buffer): void {
  const data = deserialize(state) as unknown[];
  if (data.length !== containers.length) throw new Error('snapshot holds a different number of containers');
  containers.forEach((c, i) => c.load(data[i]));
}

export function logMark(hash: ReturnType<typeof createHash>, offset: number): LogMark {
  return { offset, sha256: hash.copy().digest('hex') };
}

/** Writes the snapshot atomically, then deletes all but the newest `KEEP`. */
export function writeSnapshot(dataDir: string, snap: Snapshot): string {
  const payload = serialize(snap);
  const head = Buffer.alloc(HEAD);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(SNAPSHOT_FORMAT, MAGIC.length);
  head.writeUInt32LE(crc32(payload), MAGIC.length + 4);
  head.writeUInt32LE(payload.length, MAGIC.length + 8);
  const name = `snapshot-${String(snap.head.number).padStart(10, '0')}.bin`;
  const path = join(dataDir, name);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    for (const buf of [head, payload]) for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDirectory(dataDir);
  const names = snapshotFiles(dataDir);
  for (const old of names.slice(KEEP)) rmSync(join(dataDir, old), { force: true });
  return path;
}

/** Snapshot file names, newest first. */
export function snapshotFiles(dataDir: string): string[] {
  return readdirSync(dataDir)
    .filter((n) => /^snapshot-\d+\.bin$/.test(n))
    .sort()
    .reverse();
}

export interface LoadedSnapshot {
  snap: Snapshot;
  path: string;
  /** The log's hash state after the snapshot's prefix (to go on hashing the tail). */
  hash: ReturnType<typeof createHash>;
}

/**
 * The newest snapshot that matches `log` (its bytes), this genesis and this layout; `reject`
 * hears why each other one was passed over.
 */
export function loadSnapshot(
  dataDir: string,
  log: Buffer,
  expect: { genesisHash: string; layout: string[] },
  reject: (path: string, why: string) => void,
): LoadedSnapshot | null {
  for (const name of snapshotFiles(dataDir)) {
    const path = join(dataDir, name);
    try {
      const snap = readSnapshot(path);
      if (snap.genesisHash !== expect.genesisHash) throw new Error('it belongs to another chain (genesis)');
      if (snap.layout.join('\n') !== expect.layout.join('\n'))
        throw new Error('the ledger’s state layout changed since it was written');
      if (snap.log.offset > log.length)
        throw new Error(`it stands at byte ${snap.log.offset} of a block log of ${log.length} bytes`);
      const hash = createHash('sha256').update(log.subarray(0, snap.log.offset));
      if (hash.copy().digest('hex') !== snap.log.sha256)
        throw new Error(`the block log's first ${snap.log.offset} bytes are not the ones it was taken after`);
      return { snap, path, hash };
    } catch (err) {
      reject(path, err instanceof Error ? err.message : String(err));
    }
  }
  return null;
}

function readSnapshot(path: string): Snapshot {
  const bytes = readFileSync(path);
  if (bytes.length < HEAD || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
    throw new Error('not a snapshot file');
  const format = bytes.readUInt32LE(MAGIC.length);
  if (format !== SNAPSHOT_FORMAT) throw new Error(`format ${format}, this code reads ${SNAPSHOT_FORMAT}`);
  const len = bytes.readUInt32LE(MAGIC.length + 8);
  const payload = bytes.subarray(HEAD);
  if (payload.length !== len) throw new Error(`torn: ${payload.length} of ${len} bytes`);
  if (crc32(payload) !== bytes.readUInt32LE(MAGIC.length + 4)) throw new Error('damaged (checksum)');
  return deserialize(payload) as Snapshot;
}
