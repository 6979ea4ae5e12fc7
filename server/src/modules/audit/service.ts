import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditEntry, type ChainedEntry } from './entity.js';

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

/** What a row's hash covers: everything fixed at insert, plus the chain position it was given. */
export type HashedFields = Pick<
  AuditEntry,
  'at' | 'actor' | 'action' | 'subjectType' | 'subjectId' | 'data'
> & {
  seq: string;
};

export function entryHash(prevHash: string, e: HashedFields): string {
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

/**
 * Root transactions (knex transactors) that appended at least one entry: when one commits, the
 * appender is told at once (chainer.ts), so the chain lags a commit by milliseconds.
 */
const appendedIn = new WeakSet<object>();

/** The outermost transaction of a (possibly nested) knex transaction. */
function rootOf(ctx: object): object {
  let t = ctx as { parentTransaction?: object };
  while (t.parentTransaction) t = t.parentTransaction as { parentTransaction?: object };
  return t;
}

/** An append outside a transaction: its row goes in with the next flush, whichever commit that is. */
let looseAppend = false;

/**
 * Whether the root transaction `trx` (as a commit event names it) appended audit entries, or an
 * append outside any transaction is waiting for a flush (then the first commit counts, once).
 */
export function appendedInTransaction(trx: object | undefined): boolean {
  if (looseAppend) {
    looseAppend = false;
    return true;
  }
  return trx !== undefined && appendedIn.has(trx);
}

export class AuditService {
  /**
   * Appends within the caller's transaction (`em` must be inside `em.transactional`), so the
   * audit row commits or rolls back with the decision it records. It costs one insert and takes
   * no lock: the row goes in unchained, and the appender (`AuditChainer`) gives it its chain
   * position and hash once it has committed, in the order it sees rows commit.
   */
  async append(em: EntityManager, input: AuditInput): Promise<AuditEntry> {
    const entry = new AuditEntry();
    entry.at = new Date();
    entry.actor = input.actor;
    entry.action = input.action;
    entry.subjectType = input.subjectType;
    entry.subjectId = input.subjectId;
    entry.data = input.data ?? {};
    em.persist(entry);
    const ctx = em.getTransactionContext() as object | undefined;
    if (ctx) appendedIn.add(rootOf(ctx));
    else looseAppend = true;
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
 * Follows the chain one row at a time (ascending), so a reader can check a trail of any length
 * in chunks, keeping only the running hash and the next expected position.
 */
export class ChainCursor {
  private prev: string;
  private expected: bigint;
  /** The first break seen; once set, later rows are not checked. */
  broken: ChainBreak | null = null;

  constructor(prevHash = GENESIS_HASH, firstSeq = 1n) {
    this.prev = prevHash;
    this.expected = firstSeq;
  }

  /** Checks the next row and returns the row's hash recomputed from its content. */
  next(row: ChainedEntry): string {
    const recomputed = entryHash(row.prevHash, row);
    if (this.broken) return recomputed;
    if (BigInt(row.seq) !== this.expected) {
      this.broken = { seq: row.seq, cause: 'missing', expected: String(this.expected) };
    } else if (row.prevHash !== this.prev || recomputed !== row.hash) {
      this.broken = { seq: row.seq, cause: 'altered' };
    }
    this.prev = row.hash;
    this.expected += 1n;
    return recomputed;
  }
}

/**
 * Checks that `rows` (ascending) continue the chain from `prevHash` at `firstSeq`: gap-free
 * sequence numbers, each row linked to the one before and hashing to its stored hash.
 */
export function chainBreak(
  rows: readonly ChainedEntry[],
  prevHash = GENESIS_HASH,
  firstSeq = 1n,
): ChainBreak | null {
  const cursor = new ChainCursor(prevHash, firstSeq);
  for (const row of rows) {
    cursor.next(row);
    if (cursor.broken) return cursor.broken;
  }
  return null;
}
