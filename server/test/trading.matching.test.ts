import { describe, expect, it } from 'vitest';
import { byPriority, match, type BookOrder } from '../src/modules/trading/matching.js';

const t0 = new Date('2026-12-01T10:00:00Z').getTime();
const order = (
  id: string,
  side: 'buy' | 'sell',
  price: bigint,
  remaining: bigint,
  minute: number,
  identityId = id,
): BookOrder => ({ id, side, price, remaining, identityId, createdAt: new Date(t0 + minute * 60_000) });

describe('matching: price-time priority', () => {
  it('an incoming buy meets the cheapest ask first and, at one price, the oldest', () => {
    const asks = [
      order('late-10', 'sell', 10n, 5n, 3),
      order('eleven', 'sell', 11n, 5n, 0),
      order('early-10', 'sell', 10n, 5n, 1),
      order('nine', 'sell', 9n, 5n, 2),
    ];
    expect(byPriority(asks).map((o) => o.id)).toEqual(['nine', 'early-10', 'late-10', 'eleven']);
    const { fills, remaining } = match(order('buy', 'buy', 10n, 12n, 5), asks);
    expect(fills).toEqual([
      { restingId: 'nine', price: 9n, quantity: 5n },
      { restingId: 'early-10', price: 10n, quantity: 5n },
      { restingId: 'late-10', price: 10n, quantity: 2n },
    ]);
    expect(remaining).toBe(0n);
  });

  it('an incoming sell meets the highest bid first; fills are at the resting price', () => {
    const bids = [
      order('b8', 'buy', 8n, 10n, 0),
      order('b12', 'buy', 12n, 3n, 1),
      order('b10', 'buy', 10n, 4n, 2),
    ];
    const { fills, remaining } = match(order('s', 'sell', 9n, 10n, 3), bids);
    expect(fills).toEqual([
      { restingId: 'b12', price: 12n, quantity: 3n },
      { restingId: 'b10', price: 10n, quantity: 4n },
    ]);
    // 8 is below the seller's limit: the rest waits on the book.
    expect(remaining).toBe(3n);
  });

  it('partial fill of the resting order: the incoming one takes only what it asks', () => {
    const { fills, remaining } = match(order('buy', 'buy', 12n, 60n, 1), [
      order('ask', 'sell', 12n, 100n, 0),
    ]);
    expect(fills).toEqual([{ restingId: 'ask', price: 12n, quantity: 60n }]);
    expect(remaining).toBe(0n);
  });

  it('no cross, no trade', () => {
    expect(match(order('buy', 'buy', 11n, 5n, 1), [order('ask', 'sell', 12n, 5n, 0)])).toEqual({
      fills: [],
      remaining: 5n,
    });
  });

  it('never trades with the same investor: their own resting order is passed over, not filled', () => {
    const asks = [order('own', 'sell', 10n, 5n, 0, 'ann'), order('other', 'sell', 11n, 5n, 1, 'bob')];
    const { fills, remaining } = match(order('buy', 'buy', 11n, 8n, 2, 'ann'), asks);
    expect(fills).toEqual([{ restingId: 'other', price: 11n, quantity: 5n }]);
    expect(remaining).toBe(3n);
  });

  it('ignores orders of its own side', () => {
    expect(match(order('buy', 'buy', 11n, 5n, 1), [order('bid', 'buy', 12n, 5n, 0)]).fills).toEqual([]);
  });
});
