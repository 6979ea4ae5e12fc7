import { describe, expect, it } from 'vitest';
import { fieldLabel, fieldSentence } from '../../src/api/fieldMessages';
import { formatAmount, formatCalendarDate, formatMoney, formatUsd } from '../../src/lib/format';

describe('formatting', () => {
  it('groups thousands, keeps exact decimals and names the unit', () => {
    expect(formatAmount('1234567.125')).toBe('1,234,567.125');
    expect(formatAmount('-12000')).toBe('-12,000');
    expect(formatAmount('999')).toBe('999');
    expect(formatMoney('245000', 'USDS')).toBe('245,000 USDS');
  });

  it('shows dollars without empty cents: $124,000 not $124000.00', () => {
    expect(formatUsd('124000.00')).toBe('$124,000');
    expect(formatUsd('1250.5')).toBe('$1,250.50');
  });

  it('never shows a calendar date as an ISO string', () => {
    expect(formatCalendarDate('1980-02-03')).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(formatCalendarDate('1980-02-03')).toMatch(/1980/);
    expect(formatCalendarDate(null)).toBe('—');
  });
});

describe('field sentences', () => {
  it('names the field from its pointer', () => {
    expect(fieldLabel('/body/individual/lastName')).toBe('Last name');
    expect(fieldLabel('/body/individual/address/line1')).toBe('Street address');
    expect(fieldLabel('/body/tiers/1/amount')).toBe('Tier 2 amount');
    expect(fieldSentence('/body/residenceCountry', 'must be a country from the list')).toBe(
      'Country of residence must be a country from the list.',
    );
  });
});
