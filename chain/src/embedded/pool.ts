/**
 * The embedded ledger's transaction pool, as a node's: which nonces each account has in
 * flight (so `submit` without a nonce hands out the next free one, as
 * `system.accountNextIndex` counts the pool), and the future queue: a transaction whose nonce
 * is above the account's next waits there until the gap below it fills, bounded per account.
 *
 * A transaction refused before inclusion (bad signature, fee, no identity) leaves its nonce
 * free, so transactions above it keep waiting, as on a node; the next transaction sent without
 * a nonce gets the free one and fills the gap. Waiting transactions are let go on close.
 */
import { LedgerError } from '../errors.js';
import type { Address } from '../ledger.js';

/** Polymesh's pool keeps up to 8,192 transactions in its future queue (substrate's default). */
export const DEFAULT_FUTURE_LIMIT = 8192;

export class TxPool<T> {
  /** Nonces in flight per account (submitted, not yet included or refused), with a count each. */
  private readonly claims = new Map<Address, Map<number, number>>();
  /** Per account: every nonce from the chain's next up to (not including) this one is claimed. */
  private readonly claimedUpTo = new Map<Address, number>();
  private readonly future = new Map<Address, Map<number, T>>();

  /** `futureLimit` 0: no future queue, a nonce above the next is refused (`InvalidNonce`). */
  constructor(readonly futureLimit: number) {}

  /** The nonce for a new transaction of `signer`: the chain's next one, past those in flight. */
  nextNonce(signer: Address, chainNonce: number): number {
    let n = Math.max(chainNonce, this.claimedUpTo.get(signer) ?? 0);
    const claimed = this.claims.get(signer);
    if (claimed) while (claimed.has(n)) n++;
    if (claimed) this.claimedUpTo.set(signer, n);
    return n;
  }

  claim(signer: Address, nonce: number): void {
    let claimed = this.claims.get(signer);
    if (!claimed) {
      claimed = new Map();
      this.claims.set(signer, claimed);
    }
    claimed.set(nonce, (claimed.get(nonce) ?? 0) + 1);
  }

  /**
   * The transaction with this nonce was included (`freed` false) or refused before inclusion
   * (`freed`: the nonce is free again): its claim ends.
   */
  release(signer: Address, nonce: number, freed: boolean): void {
    const claimed = this.claims.get(signer);
    const count = claimed?.get(nonce);
    if (!claimed || count === undefined) return;
    if (count > 1) claimed.set(nonce, count - 1);
    else claimed.delete(nonce);
    if (claimed.size === 0) {
      this.claims.delete(signer);
      this.claimedUpTo.delete(signer);
      return;
    }
    // Refused before inclusion: the nonce is free again, below what was claimed.
    const upTo = this.claimedUpTo.get(signer);
    if (freed && upTo !== undefined && nonce < upTo) this.claimedUpTo.set(signer, nonce);
  }

  /**
   * Queues a transaction with a future nonce, or returns the refusal: the account's future
   * queue is full, or holds a transaction with that nonce already.
   */
  hold(signer: Address, nonce: number, expected: number, item: T): LedgerError | null {
    let waiting = this.future.get(signer);
    if (waiting?.has(nonce)) {
      return new LedgerError(
        'InvalidNonce',
        `a transaction of ${signer} with nonce ${nonce} already waits for nonce ${expected}`,
        'system',
        { expected, pool: 'duplicate' },
      );
    }
    if ((waiting?.size ?? 0) >= this.futureLimit) {
      return new LedgerError(
        'InvalidNonce',
        `the pool is full: ${this.futureLimit} transactions of ${signer} already wait for nonce ${expected}`,
        'system',
        { expected, pool: 'full', limit: this.futureLimit },
      );
    }
    if (!waiting) {
      waiting = new Map();
      this.future.set(signer, waiting);
    }
    waiting.set(nonce, item);
    return null;
  }

  /** The waiting transaction of `signer` with `nonce`, taken out of the queue. */
  take(signer: Address, nonce: number): T | undefined {
    const waiting = this.future.get(signer);
    const item = waiting?.get(nonce);
    if (item === undefined || !waiting) return undefined;
    waiting.delete(nonce);
    if (waiting.size === 0) this.future.delete(signer);
    return item;
  }

  /** Transactions of `signer` waiting in the future queue. */
  waiting(signer: Address): number {
    return this.future.get(signer)?.size ?? 0;
  }

  /** Every waiting transaction, taken out of the queue. */
  drain(): T[] {
    const all: T[] = [];
    for (const waiting of this.future.values()) all.push(...waiting.values());
    this.future.clear();
    return all;
  }
}
