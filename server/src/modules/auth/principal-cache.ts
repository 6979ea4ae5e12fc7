import type { Principal } from './service.js';

/** How long a resolved session or API key is trusted without reading its row again. */
export const PRINCIPAL_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  principal: Principal;
  userId: string;
  /** Trusted until then: the TTL, or the credential's own expiry when that comes first. */
  until: number;
  /** API keys: when `lastUsedAt` was last known to be written (ms). */
  lastUsedAt?: number;
}

/**
 * Resolved principals by credential hash, for a few seconds. Every path that ends or changes a
 * credential (revocation, logout, disabling, role changes, password reset, two-factor changes)
 * evicts the user's entries once its transaction has committed, so on this instance the change
 * takes effect on the next request. Another server instance sees it within the TTL.
 *
 * A lookup that started before an eviction does not store its (possibly stale) answer: each
 * eviction moves the generation on, and `set` takes the generation read before the query.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();
  private gen = 0;

  constructor(readonly ttlMs: number = PRINCIPAL_CACHE_TTL_MS) {}

  /** The generation to pass to `set` for a lookup starting now. */
  generation(): number {
    return this.gen;
  }

  get(hash: string, now = Date.now()): Entry | null {
    const e = this.entries.get(hash);
    if (!e) return null;
    if (e.until <= now) {
      this.entries.delete(hash);
      return null;
    }
    return e;
  }

  set(
    hash: string,
    generation: number,
    entry: { principal: Principal; userId: string; expiresAt?: Date | null; lastUsedAt?: number },
    now = Date.now(),
  ): void {
    if (this.ttlMs <= 0 || generation !== this.gen) return;
    const until = Math.min(now + this.ttlMs, entry.expiresAt ? entry.expiresAt.getTime() : Infinity);
    if (until <= now) return;
    if (this.entries.size >= MAX_ENTRIES) {
      for (const [k, v] of this.entries) if (v.until <= now) this.entries.delete(k);
      // Still full: drop the oldest insertions (Map keeps insertion order).
      for (const k of this.entries.keys()) {
        if (this.entries.size < MAX_ENTRIES) break;
        this.entries.delete(k);
      }
    }
    this.entries.set(hash, {
      principal: entry.principal,
      userId: entry.userId,
      until,
      ...(entry.lastUsedAt !== undefined ? { lastUsedAt: entry.lastUsedAt } : {}),
    });
  }

  /** Forgets every credential of the user (after a change to the user or one of its credentials). */
  evictUser(userId: string): void {
    this.gen++;
    for (const [k, v] of this.entries) if (v.userId === userId) this.entries.delete(k);
  }

  /** Forgets everything (a change made outside the services, e.g. by hand in the database). */
  clear(): void {
    this.gen++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
