import { describe, expect, it } from 'vitest';
import { cusipCheckDigit, identifierProblem, identifierState } from '../../src/issuer/identifiers';

describe('security identifier checksums (Polymesh rules)', () => {
  it('accepts real identifiers', () => {
    expect(identifierProblem('Isin', 'US0378331005')).toBeNull(); // Apple
    expect(identifierProblem('Isin', 'GB0002634946')).toBeNull(); // BAE Systems
    expect(identifierProblem('Cusip', '037833100')).toBeNull();
    expect(identifierProblem('Cusip', '38259P508')).toBeNull(); // letters in the body
    expect(identifierProblem('Cins', 'G0052B105')).toBeNull();
    expect(identifierProblem('Lei', '5493001KJTIIGC8Y1R12')).toBeNull();
    expect(identifierProblem('Figi', 'BBG000BLNNH6')).toBeNull();
  });

  it('refuses a wrong check digit with the reason', () => {
    expect(identifierProblem('Isin', 'US0378331006')).toBe('check digit does not match (Luhn)');
    expect(identifierProblem('Cusip', '037833101')).toBe('check digit does not match');
    expect(identifierProblem('Lei', '5493001KJTIIGC8Y1R13')).toMatch(/mod 97-10/);
    expect(identifierProblem('Figi', 'BBG000BLNNH7')).toBe('check digit does not match');
  });

  it('refuses malformed codes and FIGI prefixes Polymesh forbids', () => {
    expect(identifierProblem('Isin', '1S0378331005')).toMatch(/country code/);
    expect(identifierProblem('Figi', 'BSG000BLNNH6')).toBe('prefix BS is not allowed');
    expect(identifierProblem('Figi', 'BBX000BLNNH6')).toMatch(/"G"/);
    // Polymesh checks CINS exactly like CUSIP (no rule on the first character).
    expect(identifierProblem('Cins', '037833101')).toMatch(/check digit/);
  });

  it('computes the CUSIP check digit with *, @ and # valued 36–38', () => {
    expect(cusipCheckDigit('03783310')).toBe(0);
    expect(cusipCheckDigit('0378331*')).not.toBeNull();
    // Lower case has values on chain (as upper case); characters outside 0–9 A–Z a–z *@# have none.
    expect(cusipCheckDigit('abc')).toBe(cusipCheckDigit('ABC'));
    expect(cusipCheckDigit('AB-')).toBeNull();
  });

  it('tells the issuer what is left to type, then the verdict', () => {
    expect(identifierState('Isin', '')).toEqual({ state: 'empty' });
    expect(identifierState('Isin', 'us 0378')).toEqual({
      state: 'typing',
      message: '6 more characters needed',
    });
    expect(identifierState('Isin', 'us0378 3310 05')).toEqual({ state: 'valid' });
    expect(identifierState('Isin', 'US03783310055')).toMatchObject({
      state: 'invalid',
      message: 'must be exactly 12 characters',
    });
    expect(identifierState('Cusip', '03783-')).toMatchObject({ state: 'invalid' });
  });
});
