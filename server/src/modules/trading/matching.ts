/**
 * Continuous matching with price-time priority, as a pure function over one side of the book.
 * An incoming order trades against resting orders of the other side that cross its limit, best
 * price first and, at one price, oldest first; each fill is at the resting order's price.
 * Orders of the incoming order's own investor are passed over (self-trade prevention: the
 * resting order stays on the book, the incoming one trades with the next investor's).
 */
export interface BookOrder {
  id: string;
  identityId: string;
  side: 'buy' | 'sell';
  price: bigint;
  remaining: bigint;
  createdAt: Date;
}

export interface Fill {
  restingId: string;
  price: bigint;
  quantity: bigint;
}

/** Resting orders in the priority the incoming order meets them: best price, then oldest. */
export function byPriority(resting: BookOrder[]): BookOrder[] {
  return [...resting].sort((a, b) => {
    if (a.price !== b.price) {
      const better = a.side === 'sell' ? a.price < b.price : a.price > b.price;
      return better ? -1 : 1;
    }
    const t = a.createdAt.getTime() - b.createdAt.getTime();
    return t !== 0 ? t : a.id < b.id ? -1 : 1;
  });
}

export function crosses(incoming: BookOrder, resting: BookOrder): boolean {
  return incoming.side === 'buy' ? incoming.price >= resting.price : incoming.price <= resting.price;
}

export function match(incoming: BookOrder, resting: BookOrder[]): { fills: Fill[]; remaining: bigint } {
  let left = incoming.remaining;
  const fills: Fill[] = [];
  for (const r of byPriority(resting.filter((o) => o.side !== incoming.side))) {
    if (left === 0n || !crosses(incoming, r)) break;
    if (r.identityId === incoming.identityId || r.remaining === 0n) continue;
    const quantity = left < r.remaining ? left : r.remaining;
    fills.push({ restingId: r.id, price: r.price, quantity });
    left -= quantity;
  }
  return { fills, remaining: left };
}
