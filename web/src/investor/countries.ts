import { CHAIN_COUNTRY_CODES } from '@stoa/chain/countries';

/** The chain's country list (alpha-2, as the API takes it); names come from the browser's Intl data. */
export const COUNTRY_CODES: readonly string[] = CHAIN_COUNTRY_CODES;

function displayNames(locale?: string): Intl.DisplayNames | null {
  try {
    return new Intl.DisplayNames(locale ? [locale] : undefined, { type: 'region' });
  } catch {
    return null;
  }
}

export function countryName(code: string, locale?: string): string {
  return displayNames(locale)?.of(code) ?? code;
}

/** Options for a country select, sorted by name in the user's language. */
export function countryOptions(locale?: string): { value: string; label: string }[] {
  const names = displayNames(locale);
  return COUNTRY_CODES.map((code) => ({ value: code, label: names?.of(code) ?? code })).sort((a, b) =>
    a.label.localeCompare(b.label, locale),
  );
}
