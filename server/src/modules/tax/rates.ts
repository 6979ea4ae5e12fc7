/**
 * Withholding on distributions (dividends, coupons): the rate for each holder from their tax
 * residency and the tax form on file, through the issuer's rate table. The defaults follow US
 * practice for a US issuer — a US person with a W-9 is not withheld, a US person without one
 * gets backup withholding (24 %), a non-US person 30 % unless a valid W-8BEN(-E) claims a treaty
 * rate for their country of residence — and every number is the issuer's to change.
 */
import { countryName } from '../../lib/format.js';

export type TaxFormType = 'W-9' | 'W-8BEN' | 'W-8BEN-E';

export interface TaxFormOnFile {
  form: TaxFormType;
  /** The day the form was signed (ISO date). */
  signedOn: string;
}

export interface WithholdingTable {
  /** US person with a W-9 on file. */
  usWithForm: string;
  /** US person without one: backup withholding. */
  usWithoutForm: string;
  /** Non-US person without a valid W-8, or of a country without a treaty rate in the table. */
  nonUsDefault: string;
  /** Treaty rates by country of tax residency (ISO alpha-2), for holders with a valid W-8. */
  treaty: { country: string; rate: string }[];
}

export const DEFAULT_WITHHOLDING: WithholdingTable = {
  usWithForm: '0',
  usWithoutForm: '24',
  nonUsDefault: '30',
  treaty: [
    { country: 'DE', rate: '15' },
    { country: 'FR', rate: '15' },
    { country: 'GB', rate: '15' },
    { country: 'CH', rate: '15' },
    { country: 'JP', rate: '10' },
    { country: 'CA', rate: '15' },
  ],
};

/** Percent with at most 4 decimals, 0–100 (the chain keeps withholding as Permill). */
export const RATE_PATTERN = '^(100(\\.0{1,4})?|\\d{1,2}(\\.\\d{1,4})?)$';

/**
 * Whether a form is valid on `at`: a W-9 until replaced; a W-8BEN(-E) until the last day of the
 * third calendar year after the year it was signed (Treas. Reg. §1.1441-1(e)(4)(ii)).
 */
export function formValidOn(form: TaxFormOnFile, at: Date): boolean {
  const signed = new Date(`${form.signedOn}T00:00:00Z`);
  if (Number.isNaN(signed.getTime()) || signed > at) return false;
  if (form.form === 'W-9') return true;
  return at < formExpiry(form)!;
}

/** When a W-8 lapses (the first instant it no longer counts); null for a W-9. */
export function formExpiry(form: TaxFormOnFile): Date | null {
  if (form.form === 'W-9') return null;
  const year = Number(form.signedOn.slice(0, 4));
  return new Date(Date.UTC(year + 4, 0, 1));
}

export interface HolderTaxFacts {
  usPerson: boolean;
  /** ISO alpha-2 of tax residency. */
  taxResidency: string | null;
  form: TaxFormOnFile | null;
}

export interface Withholding {
  rate: string;
  /** Why, in words for the issuer and the holder's tax report. */
  basis: string;
}

const country = countryName;

/** The withholding rate for one holder on `at` (the payment date), and its basis. */
export function withholdingFor(facts: HolderTaxFacts, table: WithholdingTable, at: Date): Withholding {
  const valid = facts.form !== null && formValidOn(facts.form, at) ? facts.form : null;
  if (facts.usPerson) {
    if (valid?.form === 'W-9') return { rate: table.usWithForm, basis: 'US person with a W-9 on file' };
    return {
      rate: table.usWithoutForm,
      basis:
        facts.form?.form === 'W-9'
          ? 'US person; the W-9 on file is not valid'
          : 'US person without a W-9 on file (backup withholding)',
    };
  }
  if (valid && valid.form !== 'W-9') {
    const treaty = facts.taxResidency
      ? table.treaty.find((t) => t.country === facts.taxResidency)
      : undefined;
    if (treaty)
      return {
        rate: treaty.rate,
        basis: `Treaty rate for a resident of ${country(treaty.country)} with a ${valid.form} on file`,
      };
    return {
      rate: table.nonUsDefault,
      basis: `Non-US person with a ${valid.form} on file; no treaty rate for ${facts.taxResidency ? country(facts.taxResidency) : 'their country'} in the table`,
    };
  }
  const lapsed = facts.form && facts.form.form !== 'W-9' ? `; the ${facts.form.form} on file has lapsed` : '';
  return { rate: table.nonUsDefault, basis: `Non-US person without a valid W-8BEN on file${lapsed}` };
}

/** A table's problems in words (duplicate treaty countries), for the 4xx answer. */
export function tableProblems(table: WithholdingTable): { field: string; message: string }[] {
  const seen = new Set<string>();
  const out: { field: string; message: string }[] = [];
  table.treaty.forEach((t, i) => {
    if (seen.has(t.country))
      out.push({ field: `/body/treaty/${i}/country`, message: `lists ${country(t.country)} a second time` });
    seen.add(t.country);
  });
  return out;
}
