import countries from 'i18n-iso-countries';

/** ISO 3166-1 alpha-2 → alpha-3 (Onfido and Sumsub want alpha-3); throws on an unknown code. */
export function alpha3(alpha2: string): string {
  const code = countries.alpha2ToAlpha3(alpha2.toUpperCase());
  if (!code) throw new Error(`"${alpha2}" is not an ISO 3166-1 alpha-2 country code`);
  return code;
}
