import { describe, expect, it } from 'vitest';
import { lockupEnds, lockupWords } from '../../src/investor/portfolio/lockupWords';

const day = (iso: string) => new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });

describe('lock-up words on the portfolio', () => {
  const june = '2027-06-01T10:00:00.000Z';
  const july = '2027-07-03T10:00:00.000Z';

  it('says what can be sold now and what unlocks when, in the reader’s locale', () => {
    const l = {
      name: 'Acme Common',
      ticker: 'ACME',
      sellable: '500',
      locked: [
        { quantity: '300', unlocksAt: june },
        { quantity: '1200.5', unlocksAt: july },
      ],
    };
    expect(lockupWords(l)).toBe(
      `You can sell 500 ACME now; 300 more from ${day(june)}; 1,200.5 more from ${day(july)}.`,
    );
    expect(lockupEnds(l)).toBe(july);
  });

  it('says when nothing can be sold yet, and names the asset when it has no ticker', () => {
    const l = {
      name: 'Beta Fund',
      ticker: null,
      sellable: '0',
      locked: [{ quantity: '100', unlocksAt: june }],
    };
    expect(lockupWords(l)).toBe(`You cannot sell Beta Fund yet: 100 from ${day(june)}.`);
    expect(lockupWords({ ...l, locked: [], sellable: '100' })).toBe('You can sell all 100 Beta Fund now.');
    expect(lockupEnds({ ...l, locked: [] })).toBeNull();
  });
});
