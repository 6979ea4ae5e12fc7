/**
 * Live identifier feedback while the issuer types. The checksums themselves are the chain
 * package's (chain/src/identifiers.ts): the same code the embedded ledger enforces and the
 * server checks before submission, so the three can never disagree.
 */
import { identifierProblem, type IdentifierType } from '@stoa/chain/identifiers';

export { cusipCheckDigit, identifierProblem, type IdentifierType } from '@stoa/chain/identifiers';

export const IDENTIFIER_TYPES: readonly {
  value: IdentifierType;
  label: string;
  length: number;
  hint: string;
}[] = [
  { value: 'Isin', label: 'ISIN', length: 12, hint: 'Country code, 9 letters/digits, check digit' },
  { value: 'Cusip', label: 'CUSIP', length: 9, hint: '8 letters/digits and a check digit' },
  { value: 'Cins', label: 'CINS', length: 9, hint: 'Like CUSIP, first character a letter' },
  { value: 'Lei', label: 'LEI', length: 20, hint: '18 letters/digits and 2 check digits' },
  { value: 'Figi', label: 'FIGI', length: 12, hint: '2 letters/digits, "G", 8 letters/digits, check digit' },
];

export function identifierLength(type: IdentifierType): number {
  return IDENTIFIER_TYPES.find((t) => t.value === type)!.length;
}

export type IdentifierState =
  | { state: 'empty' }
  | { state: 'typing'; message: string }
  | { state: 'valid' }
  | { state: 'invalid'; message: string };

/**
 * What to tell the issuer while they type: nothing for an empty box, how many characters are
 * left while short, and the checksum verdict once the code has its full length.
 */
export function identifierState(type: IdentifierType, raw: string): IdentifierState {
  const value = normaliseIdentifier(raw);
  if (value === '') return { state: 'empty' };
  if (/[^0-9A-Z*@#]/.test(value))
    return { state: 'invalid', message: 'only letters, digits, *, @ and # are allowed' };
  const length = identifierLength(type);
  if (value.length < length)
    return {
      state: 'typing',
      message: `${length - value.length} more character${length - value.length === 1 ? '' : 's'} needed`,
    };
  if (value.length > length) return { state: 'invalid', message: `must be exactly ${length} characters` };
  const problem = identifierProblem(type, value);
  return problem ? { state: 'invalid', message: problem } : { state: 'valid' };
}

/** Upper case without spaces, as identifiers are usually printed in groups. */
export function normaliseIdentifier(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}
