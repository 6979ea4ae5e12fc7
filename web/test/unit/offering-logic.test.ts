import { describe, expect, it } from 'vitest';
import { termChecks, refusalReasons } from '../../src/investor/offerings/eligibility';
import { portfolioLines } from '../../src/investor/portfolio/holdings';
import type { HistoryItem } from '../../src/investor/portfolio/holdings';
import { offeringIdsFrom, offeringTerms } from '../../src/offerings/offering';
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

describe('subscription checks before the server', () => {
  const terms = offeringTerms({
    terms: { tiers: [], minInvestment: '50', maxInvestment: '1000', end: '2030-01-01' },
  });

  it('passes a fitting amount with its cost', () => {
    expect(termChecks(terms, tiers, '60')).toEqual({ cost: '60', reasons: [] });
  });

  it('explains every problem', () => {
    expect(termChecks(terms, tiers, 'abc').reasons[0]!.rule).toBe('amount');
    expect(termChecks(terms, tiers, '10').reasons).toEqual([
      { rule: 'minimum investment', message: 'the cost 10 is below the minimum investment of 50' },
    ]);
    expect(termChecks(terms, tiers, '1200').reasons.map((r) => r.rule)).toEqual([
      'offering',
      'maximum investment',
    ]);
  });

  it('reads the reasons of a refusal', () => {
    expect(refusalReasons({ reasons: [{ rule: 'Reg D', message: 'not accredited' }, 'junk'] })).toEqual([
      { rule: 'Reg D', message: 'not accredited' },
    ]);
    expect(refusalReasons({})).toEqual([]);
  });
});

describe('offerings and portfolio', () => {
  it('lists each offering named by operations once', () => {
    expect(
      offeringIdsFrom([
        { subject: { type: 'offering', id: 'a' } },
        { subject: { type: 'asset', id: 'x' } },
        { subject: { type: 'offering', id: 'a' } },
        { subject: null },
        { subject: { type: 'offering', id: 'b' } },
      ]),
    ).toEqual(['a', 'b']);
  });

  it('counts settled tokens as free and unsettled ones as pending', () => {
    const placed = {
      subscriptionId: 's',
      operationId: 'o',
      offeringId: 'f',
      offeringName: 'Series A',
      assetId: 'acme',
      amount: '100',
      cost: '100',
      at: '',
    };
    const item = (status: HistoryItem['status'], amount: string): HistoryItem => ({
      operationId: status + amount,
      subscriptionId: null,
      status,
      cost: null,
      block: null,
      at: '',
      error: null,
      placed: { ...placed, amount },
    });
    expect(portfolioLines([item('finalised', '100'), item('submitted', '5'), item('failed', '7')])).toEqual([
      { assetId: 'acme', name: 'Series A', free: '100', pending: '5' },
    ]);
  });
});
