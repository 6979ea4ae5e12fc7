import { describe, expect, it } from 'vitest';
import {
  ASSET_NAME_MAX_BYTES,
  RESERVED_TICKERS,
  byteLength,
  isGranular,
  isReservedTicker,
  textTooLong,
} from '../../src/limits.js';

describe('chain limits', () => {
  it('counts UTF-8 bytes, as the chain does', () => {
    expect(byteLength('abc')).toBe(3);
    expect(byteLength('é')).toBe(2);
    expect(byteLength('📈')).toBe(4);
  });

  it('explains a text that is too long in characters or bytes', () => {
    expect(textTooLong('a'.repeat(ASSET_NAME_MAX_BYTES), ASSET_NAME_MAX_BYTES)).toBeNull();
    expect(textTooLong('a'.repeat(129), 128)).toBe('is 129 characters long; the chain allows at most 128');
    // 65 characters, 130 bytes: under the limit as people count, over it as the chain does.
    expect(textTooLong('é'.repeat(65), 128)).toMatch(/^takes 130 bytes .*at most 128$/);
  });

  it('indivisible assets move in whole tokens only', () => {
    expect(isGranular(1_500_000n, true)).toBe(true);
    expect(isGranular(1_500_000n, false)).toBe(false);
    expect(isGranular(2_000_000n, false)).toBe(true);
  });

  it('knows the 170 currency codes reserved at genesis', () => {
    expect(RESERVED_TICKERS).toHaveLength(170);
    expect(new Set(RESERVED_TICKERS).size).toBe(170);
    expect(isReservedTicker('USD')).toBe(true);
    expect(isReservedTicker('HYD')).toBe(true);
    expect(isReservedTicker('HKD')).toBe(false);
  });
});
