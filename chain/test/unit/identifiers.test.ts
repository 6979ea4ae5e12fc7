import { describe, expect, it } from 'vitest';
import {
  cusipCheckDigit,
  isValidCins,
  isValidCusip,
  isValidFigi,
  isValidIsin,
  isValidLei,
} from '../../src/identifiers.js';

describe('security identifiers (Polymesh asset_identifier.rs rules)', () => {
  it.each(['US0378331005', 'GB0002634946', 'DE000BAY0017', 'US5949181045'])('valid ISIN %s', (v) =>
    expect(isValidIsin(v)).toBe(true),
  );
  it.each(['US0378331006', 'US037833100', '1S0378331005', 'US03783310é5'])('invalid ISIN %s', (v) =>
    expect(isValidIsin(v)).toBe(false),
  );
  it.each(['037833100', '38259P508', '594918104'])('valid CUSIP %s', (v) =>
    expect(isValidCusip(v)).toBe(true),
  );
  it.each(['037833101', '03783310', '0378331000'])('invalid CUSIP %s', (v) =>
    expect(isValidCusip(v)).toBe(false),
  );
  it.each(['G0052B105', 'P8055KAP0'])('valid CINS %s', (v) => expect(isValidCins(v)).toBe(true));
  it('invalid CINS', () => expect(isValidCins('G0052B106')).toBe(false));
  it.each(['HWUPKR0MPOU8FGXBT394', '529900T8BM49AURSDO55', '5493001KJTIIGC8Y1R12'])('valid LEI %s', (v) =>
    expect(isValidLei(v)).toBe(true),
  );
  it.each(['HWUPKR0MPOU8FGXBT395', 'HWUPKR0MPOU8FGXBT39'])('invalid LEI %s', (v) =>
    expect(isValidLei(v)).toBe(false),
  );
  it.each(['BBG000BLNNH6', 'BBG000B9XRY4'])('valid FIGI %s', (v) => expect(isValidFigi(v)).toBe(true));
  it.each(['BBG000B9XRY5', 'BBX000B9XRY4', 'GGG000B9XRY4'])('invalid FIGI %s', (v) =>
    expect(isValidFigi(v)).toBe(false),
  );
  it('CUSIP check digit', () => expect(cusipCheckDigit('03783310')).toBe(0));
  // The chain's byte_value maps a–z as A–Z and its shape checks use is_ascii_alphanumeric.
  it.each([
    ['Isin', 'us0378331005', isValidIsin],
    ['Cusip', '38259p508', isValidCusip],
    ['Lei', 'hwupkr0mpou8fgxbt394', isValidLei],
    ['Figi', 'bbG000B9XRY4', isValidFigi],
  ] as const)('lower-case %s %s is valid, as on chain', (_t, v, valid) => expect(valid(v)).toBe(true));
  it('FIGI: the third character must be an upper-case G; disallowed prefixes are compared byte for byte', () => {
    expect(isValidFigi('BBg000B9XRY4')).toBe(false);
    expect(isValidFigi('BSG000B9XRY4')).toBe(false);
    const body = 'bsG000B9XRY';
    expect(isValidFigi(`${body}${cusipCheckDigit(body)}`)).toBe(true);
  });
});
