import { describe, expect, it } from 'vitest';
import { fromUnits, percentToPermill, permillToPercent, toUnits } from '../../src/embedded/amounts.js';
import { LedgerError } from '../../src/index.js';

describe('amount conversion', () => {
  it.each([
    ['0', 0n],
    ['1', 1_000_000n],
    ['1.5', 1_500_000n],
    ['0.000001', 1n],
    ['1000000000000', 1_000_000_000_000_000_000n],
  ])('%s ↔ %s units', (dec, units) => {
    expect(toUnits(dec)).toBe(units);
    expect(fromUnits(units)).toBe(dec);
  });

  it.each(['1.0000001', '-1', '1e6', ' 1', '', '.5', '1.'])('refuses %j', (v) => {
    expect(() => toUnits(v)).toThrow(LedgerError);
  });

  it('refuses numbers (no JS floats at the port)', () => {
    expect(() => toUnits(1.5)).toThrow(/decimal string/);
  });

  it('canonicalises trailing zeros', () => {
    expect(fromUnits(toUnits('2.500000'))).toBe('2.5');
  });

  it('percentages ↔ Permill', () => {
    expect(percentToPermill('10')).toBe(100_000);
    expect(percentToPermill('12.5')).toBe(125_000);
    expect(percentToPermill('0.0001')).toBe(1);
    expect(permillToPercent(125_000)).toBe('12.5');
    expect(() => percentToPermill('100.01')).toThrow(LedgerError);
    expect(() => percentToPermill('0.00001')).toThrow(LedgerError);
  });
});
