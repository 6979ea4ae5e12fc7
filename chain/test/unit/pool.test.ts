/** The transaction pool's bookkeeping: nonces in flight and the bounded future queue. */
import { describe, expect, it } from 'vitest';
import { TxPool } from '../../src/embedded/pool.js';

const A = '5Alice';
const B = '5Bob';

describe('nonces in flight', () => {
  it('hands out the chain nonce past those in flight, and a nonce freed by a refusal again', () => {
    const pool = new TxPool<string>(8);
    expect(pool.nextNonce(A, 5)).toBe(5);
    for (const n of [5, 6, 7]) {
      expect(pool.nextNonce(A, 5)).toBe(n);
      pool.claim(A, n);
    }
    expect(pool.nextNonce(A, 5)).toBe(8);
    expect(pool.nextNonce(B, 0)).toBe(0);
    // 6 refused before inclusion: free again, handed out before 8.
    pool.release(A, 6, true);
    expect(pool.nextNonce(A, 5)).toBe(6);
    pool.claim(A, 6);
    // 5 included: the chain's next is 6 now.
    pool.release(A, 5, false);
    expect(pool.nextNonce(A, 6)).toBe(8);
    // Nothing left in flight: the chain's nonce again.
    pool.release(A, 6, false);
    pool.release(A, 7, false);
    expect(pool.nextNonce(A, 8)).toBe(8);
  });

  it('counts a nonce claimed twice until both are released', () => {
    const pool = new TxPool<string>(8);
    pool.claim(A, 0);
    pool.claim(A, 0);
    pool.release(A, 0, true);
    expect(pool.nextNonce(A, 0)).toBe(1);
    pool.release(A, 0, true);
    expect(pool.nextNonce(A, 0)).toBe(0);
  });
});

describe('future queue', () => {
  it('holds up to its bound per account, refuses duplicates, and gives back by nonce', () => {
    const pool = new TxPool<string>(2);
    expect(pool.hold(A, 3, 1, 'a3')).toBeNull();
    expect(pool.hold(A, 3, 1, 'again')).toMatchObject({
      code: 'InvalidNonce',
      details: { pool: 'duplicate' },
    });
    expect(pool.hold(A, 2, 1, 'a2')).toBeNull();
    expect(pool.hold(A, 4, 1, 'a4')).toMatchObject({
      code: 'InvalidNonce',
      details: { pool: 'full', limit: 2, expected: 1 },
    });
    expect(pool.hold(B, 9, 0, 'b9')).toBeNull();
    expect(pool.waiting(A)).toBe(2);
    expect(pool.take(A, 1)).toBeUndefined();
    expect(pool.take(A, 2)).toBe('a2');
    expect(pool.take(A, 2)).toBeUndefined();
    expect(pool.drain().sort()).toEqual(['a3', 'b9']);
    expect(pool.waiting(A)).toBe(0);
  });
});
