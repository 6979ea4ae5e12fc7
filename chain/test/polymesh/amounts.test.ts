import { describe, expect, it } from 'vitest';
import { toUnits as embeddedUnits, percentToPermill as embeddedPermill } from '../../src/embedded/amounts.js';
import { LedgerError } from '../../src/errors.js';
import { MAX_BALANCE_UNITS, toUnits } from '../../src/polymesh/mappers/json.js';
import { percentToPermill, toBigNumber } from '../../src/polymesh/mappers/values.js';

const outcome = (f: () => unknown): string => {
  try {
    return String(f());
  } catch (err) {
    return LedgerError.is(err) ? `refused ${err.code}` : `threw ${String(err)}`;
  }
};

describe('amounts: the SDK adapter parses as strictly as the embedded ledger', () => {
  const inputs = [
    '0',
    '1',
    '1.5',
    '0.000001',
    '1000000000000',
    '12.345678',
    '12.3456789',
    '0.0000001',
    'NaN',
    'Infinity',
    '-1',
    '-0.5',
    '+1',
    '1e6',
    '1.',
    '.5',
    ' 1',
    '1,5',
    '',
    '0x10',
  ];

  it.each(inputs)('"%s" gives the same units or the same refusal', (input) => {
    const mine = outcome(() => toUnits(input));
    const embedded = outcome(() => embeddedUnits(input).toString());
    expect(mine).toBe(embedded);
  });

  it('refuses NaN, negatives and more than 6 decimals without flooring', () => {
    for (const bad of ['NaN', '-1', '1.0000001']) {
      expect(() => toUnits(bad)).toThrow(LedgerError);
      expect(() => toBigNumber(bad)).toThrow(LedgerError);
    }
    expect(toUnits('1.000001')).toBe('1000001');
    expect(toBigNumber('1.000001').toFixed()).toBe('1.000001');
  });

  it("refuses more than the chain's largest balance (u128 units)", () => {
    const max = MAX_BALANCE_UNITS.toString();
    const top = `${max.slice(0, -6)}.${max.slice(-6)}`;
    expect(toUnits(top)).toBe(max);
    const above = `${(MAX_BALANCE_UNITS + 1n).toString().slice(0, -6)}.${(MAX_BALANCE_UNITS + 1n).toString().slice(-6)}`;
    expect(() => toUnits(above)).toThrow(/largest balance/);
  });

  it('names the field it refuses', () => {
    expect(() => toUnits('x', 'tiers[1].price')).toThrow(/tiers\[1\]\.price/);
  });
});

describe('percentages: 0–100 with at most 4 decimals, as the embedded ledger takes them', () => {
  it.each(['0', '15', '12.5', '33.3333', '100', '100.0001', '33.33333', '-1', 'NaN', '101'])(
    '"%s"',
    (input) => {
      expect(outcome(() => percentToPermill(input))).toBe(outcome(() => embeddedPermill(input)));
    },
  );
});
