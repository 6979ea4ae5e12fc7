import { describe, expect, it } from 'vitest';
import { formatMoney, statusLabel } from '../../src/treasury/money';

describe('money in words', () => {
  it('groups thousands, shows cents, keeps extra decimals and marks money out', () => {
    expect(formatMoney('1250.5', 'Stoa USD')).toBe('1,250.50 Stoa USD');
    expect(formatMoney('1000000', 'Stoa USD')).toBe('1,000,000.00 Stoa USD');
    expect(formatMoney('0.000001', 'USDS')).toBe('0.000001 USDS');
    expect(formatMoney('-500', 'Stoa USD')).toBe('−500.00 Stoa USD');
  });

  it('names every status in words, never the raw code', () => {
    expect(statusLabel('deposit', 'awaiting-affirmation')).toEqual([
      'Waiting for the investor to accept',
      'warning',
    ]);
    expect(statusLabel('withdrawal', 'awaiting-payout')).toEqual(['Awaiting payout', 'warning']);
    expect(statusLabel('subscription', 'settled')).toEqual(['Paid', 'success']);
    expect(statusLabel('deposit', 'something-new')[0]).toBe('something new');
  });
});

describe('a refusal for want of funds', () => {
  it('keeps the link to the Money page, and no link that leaves the portal', async () => {
    const { refusalReasons } = await import('../../src/investor/offerings/eligibility');
    expect(
      refusalReasons({
        reasons: [
          { rule: 'funds', message: 'you have 0 Stoa USD available', link: '/investor/money' },
          { rule: 'other', message: 'x', link: 'https://evil.example' },
        ],
      }),
    ).toEqual([
      { rule: 'funds', message: 'you have 0 Stoa USD available', link: '/investor/money' },
      { rule: 'other', message: 'x' },
    ]);
  });
});
