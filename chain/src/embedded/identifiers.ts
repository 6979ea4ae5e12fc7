/**
 * Security identifier validation as in Polymesh (primitives/src/asset_identifier.rs).
 * Character values: 0–9 → 0–9, A–Z → 10–35, `*` → 36, `@` → 37, `#` → 38.
 */
import type { SecurityIdentifier } from '../types.js';

function charValue(c: string): number | null {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  if (c === '*') return 36;
  if (c === '@') return 37;
  if (c === '#') return 38;
  return null;
}

/** CUSIP-style check digit over `body`: digit-sum of values, doubled at odd (0-based) index. */
export function cusipCheckDigit(body: string): number | null {
  let total = 0;
  for (let i = 0; i < body.length; i++) {
    const v = charValue(body[i] ?? '');
    if (v === null) return null;
    const p = i % 2 === 1 ? v * 2 : v;
    total += Math.floor(p / 10) + (p % 10);
  }
  return (10 - (total % 10)) % 10;
}

function lastDigitIs(value: string, expected: number | null): boolean {
  const last = value.charCodeAt(value.length - 1) - 48;
  return expected !== null && last === expected;
}

export function isValidCusip(value: string): boolean {
  return /^[0-9A-Z*@#]{8}[0-9]$/.test(value) && lastDigitIs(value, cusipCheckDigit(value.slice(0, 8)));
}

/** CINS share CUSIP's format and check digit (the first character is a country letter). */
export function isValidCins(value: string): boolean {
  return isValidCusip(value);
}

export function isValidIsin(value: string): boolean {
  if (!/^[A-Z]{2}[0-9A-Z]{9}[0-9]$/.test(value)) return false;
  let digits = '';
  for (const c of value) digits += String(charValue(c));
  // Luhn over the expanded digits, check digit included.
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function isValidLei(value: string): boolean {
  if (!/^[0-9A-Z]{18}[0-9]{2}$/.test(value)) return false;
  let rem = 0;
  for (const c of value.slice(0, 18)) {
    const v = charValue(c) ?? 0;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  const check = 98 - ((rem * 100) % 97);
  return Number(value.slice(18)) === check;
}

const FIGI_BAD_PREFIXES = new Set(['BS', 'BM', 'GG', 'GB', 'GH', 'KY', 'VG']);

export function isValidFigi(value: string): boolean {
  if (!/^[0-9A-Z]{11}[0-9]$/.test(value)) return false;
  if (value[2] !== 'G' || FIGI_BAD_PREFIXES.has(value.slice(0, 2))) return false;
  return lastDigitIs(value, cusipCheckDigit(value.slice(0, 11)));
}

export function isValidIdentifier(id: SecurityIdentifier): boolean {
  switch (id.type) {
    case 'Isin':
      return isValidIsin(id.value);
    case 'Cusip':
      return isValidCusip(id.value);
    case 'Cins':
      return isValidCins(id.value);
    case 'Lei':
      return isValidLei(id.value);
    case 'Figi':
      return isValidFigi(id.value);
    default:
      return false;
  }
}
