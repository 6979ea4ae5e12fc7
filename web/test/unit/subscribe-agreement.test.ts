import { describe, expect, it } from 'vitest';
import { signingProblems, tierLines } from '../../src/investor/offerings/agreement';

describe('subscription confirmation', () => {
  it('splits the tokens over the remaining tiers in order, with each tier’s cost', () => {
    const tiers = [
      { amount: '1000', price: '1', remaining: '300' },
      { amount: '1000', price: '1.5', remaining: '1000' },
      { amount: '1000', price: '2', remaining: '1000' },
    ];
    expect(tierLines(tiers, '500')).toEqual([
      { tier: 1, price: '1', amount: '300', cost: '300' },
      { tier: 2, price: '1.5', amount: '200', cost: '300' },
    ]);
    expect(tierLines(tiers, '0.5')).toEqual([{ tier: 1, price: '1', amount: '0.5', cost: '0.5' }]);
  });

  it('asks, in words, for every unread document, the typed name and the consent', () => {
    const documents = [
      { id: 'a', name: 'PPM' },
      { id: 'b', name: 'Subscription agreement' },
    ];
    expect(signingProblems({ documents, read: { a: true }, fullName: ' ', consent: false })).toEqual({
      documents: 'Open and confirm you have read “Subscription agreement”',
      fullName: 'Type your full name to sign',
      consent: 'Tick the box to give your consent',
    });
    expect(
      signingProblems({ documents, read: { a: true, b: true }, fullName: 'Alice Doe', consent: true }),
    ).toEqual({});
  });
});
