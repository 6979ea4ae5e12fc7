/**
 * Security identifier checksums as Polymesh validates them (primitives/src/asset_identifier.rs).
 * Pure and dependency-free: the embedded ledger enforces them, the server checks them before
 * anything is submitted, and the portal imports this same file for live validation.
 * Character values: 0–9 → 0–9, A–Z → 10–35 (a–z as A–Z: the chain accepts lower case), `*` → 36,
 * `@` → 37, `#` → 38. Only FIGI's third character must be an upper-case `G`.
 */
export type IdentifierType = 'Isin' | 'Cusip' | 'Cins' | 'Lei' | 'Figi';

function charValue(c: string): number | null {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  if (code >= 97 && code <= 122) return code - 87;
  return c === '*' ? 36 : c === '@' ? 37 : c === '#' ? 38 : null;
}

/** CUSIP-style check digit over `body`: digit-sum of values, doubled at odd (0-based) index. */
export function cusipCheckDigit(body: string): number | null {
  let total = 0;
  for (let i = 0; i < body.length; i++) {
    const v = charValue(body[i]!);
    if (v === null) return null;
    const p = i % 2 === 1 ? v * 2 : v;
    total += Math.floor(p / 10) + (p % 10);
  }
  return (10 - (total % 10)) % 10;
}

const lastDigit = (v: string) => v.charCodeAt(v.length - 1) - 48;

function cusip(v: string): string | null {
  if (!/^[0-9A-Za-z*@#]{8}[0-9]$/.test(v)) return 'must be 8 letters/digits followed by a check digit';
  return cusipCheckDigit(v.slice(0, 8)) === lastDigit(v) ? null : 'check digit does not match';
}

function isin(v: string): string | null {
  if (!/^[A-Za-z]{2}[0-9A-Za-z]{9}[0-9]$/.test(v))
    return 'must be a 2-letter country code, 9 letters/digits and a check digit';
  const digits = [...v].map((c) => String(charValue(c))).join('');
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0 ? null : 'check digit does not match (Luhn)';
}

function lei(v: string): string | null {
  if (!/^[0-9A-Za-z]{18}[0-9]{2}$/.test(v)) return 'must be 18 letters/digits followed by 2 check digits';
  let n = 0n;
  for (const c of v.slice(0, 18)) n = n * (charValue(c)! >= 10 ? 100n : 10n) + BigInt(charValue(c)!);
  const check = 98n - ((n * 100n) % 97n);
  return check === BigInt(v.slice(18)) ? null : 'check digits do not match (ISO 7064 mod 97-10)';
}

/** The chain compares the prefix byte for byte: `bs…` is not `BS…`. */
const FIGI_BAD_PREFIXES = new Set(['BS', 'BM', 'GG', 'GB', 'GH', 'KY', 'VG']);
function figi(v: string): string | null {
  if (!/^[0-9A-Za-z*@#]{2}G[0-9A-Za-z]{8}[0-9]$/.test(v))
    return 'must be 2 letters/digits, "G", 8 letters/digits and a check digit';
  if (FIGI_BAD_PREFIXES.has(v.slice(0, 2))) return `prefix ${v.slice(0, 2)} is not allowed`;
  return cusipCheckDigit(v.slice(0, 11)) === lastDigit(v) ? null : 'check digit does not match';
}

const CHECKS: Record<IdentifierType, (v: string) => string | null> = {
  Isin: isin,
  Cusip: cusip,
  Cins: cusip,
  Lei: lei,
  Figi: figi,
};

/** Null when valid, else why not (e.g. "check digit does not match (Luhn)"). */
export function identifierProblem(type: IdentifierType, value: string): string | null {
  return CHECKS[type](value);
}

export const isValidCusip = (value: string): boolean => cusip(value) === null;
export const isValidCins = isValidCusip;
export const isValidIsin = (value: string): boolean => isin(value) === null;
export const isValidLei = (value: string): boolean => lei(value) === null;
export const isValidFigi = (value: string): boolean => figi(value) === null;

export function isValidIdentifier(id: { type: string; value: string }): boolean {
  const check = CHECKS[id.type as IdentifierType];
  return check !== undefined && check(id.value) === null;
}
