/**
 * One process at a time per embedded store (the block log, the embedded database): two
 * processes appending to one block log, or opening one PGlite folder, corrupt it silently.
 *
 * A lock file holds the owner's pid and host. Liveness is decided by asking the kernel whether
 * that pid runs, not by a heartbeat: a heartbeat would go stale while the owner is busy on its
 * event loop (replaying a long block log, creating the database), and let a second process in.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';

export class StoreInUseError extends Error {
  override readonly name = 'StoreInUseError';
}

interface Owner {
  pid: number;
  host: string;
  since: string;
}

export interface StoreLock {
  readonly path: string;
  /** The owner of a stale lock (its process is gone) that this one replaced. */
  readonly replaced?: Owner;
  release(): void;
}

// Locks this process holds: the pid check alone cannot tell a second opener in the same process.
const heldHere = new Set<string>();

function readOwner(path: string): Owner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<Owner>;
    return typeof o.pid === 'number' && typeof o.host === 'string'
      ? { pid: o.pid, host: o.host, since: String(o.since) }
      : null;
  } catch {
    return null;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock file at `path` for `what` (words for the messages), or throws StoreInUseError
 * naming the owner and what to do.
 */
export function lockStore(path: string, what: string): StoreLock {
  const full = resolve(path);
  if (heldHere.has(full)) {
    throw new StoreInUseError(`${what} is already open in this process (lock ${full})`);
  }
  mkdirSync(dirname(full), { recursive: true, mode: 0o700 });
  const me: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  // Written whole, then linked into place: link fails if the lock exists, so no reader ever
  // sees a half-written lock and two openers cannot both create it.
  const tmp = `${full}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, JSON.stringify(me), { mode: 0o600 });
  let replaced: Owner | undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, full);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = readOwner(full);
      if (owner && owner.host !== me.host) {
        throw new StoreInUseError(
          `${what} is locked by process ${owner.pid} on host ${owner.host} (since ${owner.since}). ` +
            `Stop that server first; if none is running there, delete ${full}`,
        );
      }
      // The same pid as ours (and not held here) is a previous life of this process, as after
      // a container restart where the server is pid 1 again.
      if ((owner && owner.pid !== process.pid && running(owner.pid)) || attempt >= 3) {
        throw new StoreInUseError(
          `${what} is in use by another process (pid ${owner?.pid ?? 'unknown'}, since ${owner?.since ?? 'unknown'}). ` +
            `Stop that server, or give this one its own DATA_DIR; if no Stoa server is running, delete ${full}`,
        );
      }
      replaced = owner ?? undefined;
      try {
        unlinkSync(full);
      } catch (err) {
        // Its owner let go in the meantime: try again.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  } finally {
    unlinkSync(tmp);
  }
  heldHere.add(full);
  return {
    path: full,
    replaced,
    release() {
      if (!heldHere.delete(full)) return;
      try {
        unlinkSync(full);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    },
  };
}
