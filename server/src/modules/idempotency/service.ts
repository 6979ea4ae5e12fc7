import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { answerContext } from '../keys/contexts.js';
import type { KeyRing } from '../keys/keyring.js';

/** How long the first request holds its key; past it the request is presumed dead (crash). */
export const IDEMPOTENCY_LEASE_MS = 5 * 60_000;

export type Claim =
  /** The key is this request's: run it, then `complete` or `release`. */
  | { kind: 'new'; id: string }
  | { kind: 'replay'; status: number; headers: Record<string, string>; body: Buffer }
  /** The key was first used for another request (`request` names it). */
  | { kind: 'mismatch'; request: string }
  | { kind: 'in-flight' };

interface Row {
  id: string;
  request: string;
  fingerprint: string;
  status: 'processing' | 'completed';
  abandoned: boolean;
  expired: boolean;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: Buffer | null;
}

/**
 * The store behind the Idempotency-Key header. Each statement runs on its own (no transaction),
 * so it never holds a connection the request's own transaction needs (PGlite has one session);
 * times come from the database so several servers agree on expiry and leases.
 */
export class IdempotencyService {
  constructor(
    private readonly orm: MikroORM,
    /** Stored answers can hold secrets (a new API key's token): sealed like personal data. */
    private readonly keys: KeyRing,
    private readonly ttlMs: number,
    private readonly leaseMs = IDEMPOTENCY_LEASE_MS,
  ) {}

  private sql<T>(query: string, params: unknown[]): Promise<T[]> {
    return this.orm.em.fork().getConnection().execute<T[]>(query, params, 'all');
  }

  /**
   * Takes the key for a request, or says what the key already stands for. The unique
   * (principal, key) constraint decides between concurrent requests: one inserts, the others
   * find its row. An expired row is removed and the insert tried again (a new id: the key now
   * means a new request); the row of a request that died holding its lease is taken over.
   */
  async claim(principal: string, key: string, request: string, fingerprint: string): Promise<Claim> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = randomUUID();
      const inserted = await this.sql<{ id: string }>(
        `insert into idempotency_record
           (id, created_at, updated_at, principal, key, request, fingerprint, status, locked_until, expires_at)
         values (?, now(), now(), ?, ?, ?, ?, 'processing',
           now() + ? * interval '1 millisecond', now() + ? * interval '1 millisecond')
         on conflict (principal, key) do nothing returning id`,
        [id, principal, key, request.slice(0, 250), fingerprint, this.leaseMs, this.ttlMs],
      );
      if (inserted.length > 0) return { kind: 'new', id };
      const [row] = await this.sql<Row>(
        `select id, request, fingerprint, status, locked_until < now() as abandoned,
           expires_at < now() as expired, response_status, response_headers, response_body
         from idempotency_record where principal = ? and key = ?`,
        [principal, key],
      );
      if (!row) continue;
      if (row.expired) {
        await this.sql(`delete from idempotency_record where id = ? and expires_at < now()`, [row.id]);
        continue;
      }
      if (row.fingerprint !== fingerprint) return { kind: 'mismatch', request: row.request };
      if (row.status === 'completed') {
        return {
          kind: 'replay',
          status: row.response_status!,
          headers: row.response_headers ?? {},
          body: await this.keys.open('profile', row.response_body!, answerContext(row.id)),
        };
      }
      if (!row.abandoned) return { kind: 'in-flight' };
      // Taken over in place: the same id, so the re-run derives the same chain-operation keys.
      const taken = await this.sql<{ id: string }>(
        `update idempotency_record set locked_until = now() + ? * interval '1 millisecond', updated_at = now()
         where id = ? and status = 'processing' and locked_until < now() returning id`,
        [this.leaseMs, row.id],
      );
      if (taken.length > 0) return { kind: 'new', id: row.id };
    }
    return { kind: 'in-flight' };
  }

  /** Stores the answer of the request holding the key; it is replayed until the key expires. */
  async complete(id: string, status: number, headers: Record<string, string>, body: Buffer): Promise<void> {
    // Its own short transaction: the key ring seals inside the transaction that writes (rotation).
    await this.orm.em.fork().transactional(async (tx) => {
      const sealed = await this.keys.seal(tx, 'profile', body, answerContext(id));
      await tx.getConnection().execute(
        `update idempotency_record set status = 'completed', response_status = ?, response_headers = ?,
             response_body = ?, updated_at = now(), expires_at = now() + ? * interval '1 millisecond'
           where id = ?`,
        [status, JSON.stringify(headers), sealed, this.ttlMs, id],
        'run',
        tx.getTransactionContext(),
      );
    });
  }

  /** Frees the key: the request changed nothing (a 4xx answer), so a retry runs it as new. */
  async release(id: string): Promise<void> {
    await this.sql(`delete from idempotency_record where id = ? and status = 'processing'`, [id]);
  }

  /**
   * Ends the request's hold without an answer to store (a 5xx: what it did is unknown). The next
   * retry takes the row over in place, keeping its id, so it finds what this run recorded.
   */
  async abandon(id: string): Promise<void> {
    await this.sql(
      `update idempotency_record set locked_until = now() - interval '1 millisecond', updated_at = now()
       where id = ? and status = 'processing'`,
      [id],
    );
  }

  /** Deletes expired keys; returns how many. */
  async purge(): Promise<number> {
    const rows = await this.sql<{ id: string }>(
      `delete from idempotency_record where expires_at < now() returning id`,
      [],
    );
    return rows.length;
  }
}
