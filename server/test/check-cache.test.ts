import type { EntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import { CheckContextCache } from '../src/modules/compliance/check-cache.js';

/** An entity manager whose every query answers `rows()` and is counted; `during` runs mid-query. */
function fakeEm(rows: () => object[], during?: () => void) {
  const calls = { n: 0 };
  const em = {
    execute: async () => {
      calls.n++;
      during?.();
      return rows();
    },
  } as unknown as EntityManager;
  return { em, calls };
}

const active = { status: 'active', chainId: 'chain-1', issuerDid: '0xissuer', compiled: { version: 1 } };

describe('CheckContextCache', () => {
  it('reads an active asset once, then answers from memory until it is forgotten', async () => {
    const cache = new CheckContextCache(5_000);
    let compiled: object = { version: 1 };
    const { em, calls } = fakeEm(() => [{ ...active, compiled }]);
    expect((await cache.get(em, 'a1')).compiled).toEqual({ version: 1 });
    expect((await cache.get(em, 'a1')).chainId).toBe('chain-1');
    expect(calls.n).toBe(1);
    compiled = { version: 2 };
    cache.forget('a1');
    expect((await cache.get(em, 'a1')).compiled).toEqual({ version: 2 });
    expect(calls.n).toBe(2);
  });

  it('does not keep what a lookup read while the asset was being changed', async () => {
    const cache = new CheckContextCache(5_000);
    const { em, calls } = fakeEm(
      () => [active],
      () => cache.forget('a1'),
    );
    await cache.get(em, 'a1');
    await cache.get(em, 'a1');
    expect(calls.n).toBe(2);
  });

  it('refuses unknown and unfinished assets in words, and keeps nothing of them', async () => {
    const cache = new CheckContextCache(5_000);
    const missing = fakeEm(() => []);
    await expect(cache.get(missing.em, 'a1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const creating = fakeEm(() => [{ ...active, status: 'creating', chainId: null }]);
    await expect(cache.get(creating.em, 'a2')).rejects.toThrow(
      /is creating on chain; wait until its creation is final/,
    );
    await expect(cache.get(creating.em, 'a2')).rejects.toThrow(/creating/);
    expect(creating.calls.n).toBe(2);
  });

  it('with a TTL of 0 reads every time', async () => {
    const cache = new CheckContextCache(0);
    const { em, calls } = fakeEm(() => [active]);
    await cache.get(em, 'a1');
    await cache.get(em, 'a1');
    expect(calls.n).toBe(2);
  });
});
