import { DeadlockException, LockMode, type EntityClass, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { BaseEntity } from './base.js';

/**
 * Row locks for check-then-act: a decision (a limit, a state transition) is checked and acted
 * on inside one transaction holding `SELECT … FOR UPDATE` on the rows it depends on, so
 * concurrent requests for the same rows run one after the other.
 *
 * One lock order everywhere, so two transactions never wait on each other in a cycle:
 *
 *   asset (or its trading book) → offering → settlement → investor identity → money account
 *
 * (Trades lock only their own row, in the hooks that record their outcomes.)
 *
 * Take the row locks first in the transaction. Audit appends take no lock (one insert; the
 * appender chains committed rows afterwards), so they add nothing to this order. Where a cycle
 * is still possible, PostgreSQL breaks it with a deadlock error and `retryOnDeadlock` re-runs
 * the loser.
 *
 * On PGlite (one session) transactions are serial anyway and the locks cost nothing.
 */
export function lockRow<T extends BaseEntity>(
  tx: EntityManager,
  entity: EntityClass<T>,
  id: string,
): Promise<T | null> {
  // `refresh`: the row as committed now, not as an earlier read in this context cached it.
  return tx.findOne(entity, { id } as FilterQuery<T>, {
    lockMode: LockMode.PESSIMISTIC_WRITE,
    refresh: true,
  });
}

/** Runs a transaction again when PostgreSQL aborted it to break a deadlock (or a serialization failure). */
export async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof DeadlockException) || i >= attempts) throw err;
    }
  }
}
