import { describe, expect, it } from 'vitest';
import { amountProblem, refusalReasons } from '../../src/investor/offerings/eligibility';
import { formatAmount, fromUnits, quote, toUnits } from '../../src/offerings/units';

const tiers = [
  { amount: '1000', price: '1', remaining: '100' },
  { amount: '1000', price: '2', remaining: '1000' },
];

describe('amounts', () => {
  it('computes in micro-units without floats', () => {
    expect(fromUnits(toUnits('0.1') + toUnits('0.2'))).toBe('0.3');
    expect(formatAmount('1234567.5')).toBe('1,234,567.5');
    expect(() => toUnits('1e3')).toThrow();
  });

  it('fills tiers in order like the chain', () => {
    expect(quote(tiers, '150')).toEqual({ cost: '200', filled: true });
    expect(quote(tiers, '1200')).toEqual({ cost: '2100', filled: false });
  });
});

describe('subscription checks', () => {
  it('asks for a number of tokens before calling the server', () => {
    expect(amountProblem('60')).toBeNull();
    for (const bad of ['abc', '0', '', '1e3'])
      expect(amountProblem(bad)).toEqual({
        rule: 'amount',
        message: 'enter how many tokens to buy, e.g. 100',
      });
  });

  it('reads the reasons of a refusal', () => {
    expect(refusalReasons({ reasons: [{ rule: 'Reg D', message: 'not accredited' }, 'junk'] })).toEqual([
      { rule: 'Reg D', message: 'not accredited' },
    ]);
    expect(refusalReasons({})).toEqual([]);
  });
});
