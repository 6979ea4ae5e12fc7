import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditEntry } from './entity.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  data?: Record<string, unknown>;
}

/** Canonical JSON: keys sorted, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function entryHash(prevHash: string, e: Omit<AuditEntry, 'hash' | 'prevHash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    data: e.data,
  });
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}

export class AuditService {
  /**
   * The last entry appended in each open transaction: several appends in one transaction chain
   * from each other even before the entity manager has flushed them.
   */
  private readonly pending = new WeakMap<object, { seq: string; hash: string }>();

  /**
   * Appends within the caller's transaction (`em` must be inside `em.transactional`), so the
   * audit row commits or rolls back with the decision it records. An advisory lock serialises
   * appenders so the chain never forks.
   */
  async append(em: EntityManager, input: AuditInput): Promise<AuditEntry> {
    const conn = em.getConnection();
    const ctx = em.getTransactionContext();
    await conn.execute(`select pg_advisory_xact_lock(7340211)`, [], 'all', ctx);
    const last = await conn.execute<{ seq: string; hash: string }[]>(
      // Order by the column, not the text alias: '9' sorts after '10'.
      `select seq::text as seq, hash from audit_entry order by audit_entry.seq desc limit 1`,
      [],
      'all',
      ctx,
    );
    let prev = last[0];
    const inTx = this.pending.get(em);
    if (inTx && (!prev || BigInt(inTx.seq) > BigInt(prev.seq))) prev = inTx;
    const entry = new AuditEntry();
    entry.seq = String(prev ? BigInt(prev.seq) + 1n : 1n);
    entry.at = new Date();
    entry.actor = input.actor;
    entry.action = input.action;
    entry.subjectType = input.subjectType;
    entry.subjectId = input.subjectId;
    entry.data = input.data ?? {};
    entry.prevHash = prev?.hash ?? GENESIS_HASH;
    entry.hash = entryHash(entry.prevHash, entry);
    em.persist(entry);
    this.pending.set(em, { seq: entry.seq, hash: entry.hash });
    return entry;
  }

  /** Recomputes the chain; returns the first broken sequence number, or null if intact. */
  async verify(em: EntityManager): Promise<{ ok: true; count: number } | { ok: false; brokenAt: string }> {
    const rows = await em.find(AuditEntry, {}, { orderBy: { seq: 'asc' } });
    let prev = GENESIS_HASH;
    let expectedSeq = 1n;
    for (const row of rows) {
      if (BigInt(row.seq) !== expectedSeq || row.prevHash !== prev || entryHash(prev, row) !== row.hash) {
        return { ok: false, brokenAt: row.seq };
      }
      prev = row.hash;
      expectedSeq += 1n;
    }
    return { ok: true, count: rows.length };
  }
}
