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
}

/** Where a run of rows stops being a gap-free hash chain, and why. */
export interface ChainBreak {
  seq: string;
  /** `missing`: rows before `seq` are gone; `altered`: this row's content or link does not hash. */
  cause: 'missing' | 'altered';
  /** For `missing`: the first absent sequence number. */
  expected?: string;
}

/**
 * Checks that `rows` (ascending) continue the chain from `prevHash` at `firstSeq`: gap-free
 * sequence numbers, each row linked to the one before and hashing to its stored hash.
 */
export function chainBreak(
  rows: readonly AuditEntry[],
  prevHash = GENESIS_HASH,
  firstSeq = 1n,
): ChainBreak | null {
  let prev = prevHash;
  let expected = firstSeq;
  for (const row of rows) {
    if (BigInt(row.seq) !== expected) return { seq: row.seq, cause: 'missing', expected: String(expected) };
    if (row.prevHash !== prev || entryHash(prev, row) !== row.hash) return { seq: row.seq, cause: 'altered' };
    prev = row.hash;
    expected += 1n;
  }
  return null;
}
