/** ISO 3166-1 alpha-2 (upper case, as the API takes it) → Polymesh/SDK country code (`Us`). */
export function toChainCountry(iso2: string): string {
  const c = iso2.toUpperCase();
  return `${c[0]}${c.slice(1).toLowerCase()}`;
}

/** Reg S: a U.S. person by residence, citizenship or tax residency (a simplification of Rule 902(k)). */
export function isUsPerson(countries: (string | null | undefined)[]): boolean {
  return countries.some((c) => c?.toUpperCase() === 'US');
}
