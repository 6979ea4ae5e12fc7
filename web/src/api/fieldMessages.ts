/**
 * The server names a bad field by its JSON pointer (`/body/individual/lastName`) and says what it
 * must be ("is required"); a person reads one sentence naming the field: "Last name is required."
 */
const LABELS: Record<string, string> = {
  line1: 'Street address',
  line2: 'Address line 2',
  postalCode: 'Postal code',
  dateOfBirth: 'Date of birth',
  residenceCountry: 'Country of residence',
  citizenshipCountry: 'Citizenship',
  taxResidencyCountry: 'Tax residency',
  incorporationCountry: 'Country of incorporation',
  taxId: 'Tax id',
  annualIncome: 'Annual income',
  netWorth: 'Net worth',
  accreditationMethod: 'How you qualify',
  investorType: 'Investor type',
  displayName: 'Full name',
  minInvestment: 'Minimum investment',
  maxInvestment: 'Maximum investment',
  softCap: 'Soft cap',
  hardCap: 'Hard cap',
  paymentAssetId: 'Paid in',
  did: 'DID',
};

/** The field's name from its pointer's last words: `/body/tiers/0/price` → "Tier 1 price". */
export function fieldLabel(pointer: string): string {
  const parts = pointer.split('/').filter((p) => p && !['body', 'query', 'params', 'headers'].includes(p));
  const last = parts.at(-1) ?? 'This field';
  const index = parts.findIndex((p) => /^\d+$/.test(p));
  const label =
    LABELS[last] ??
    last
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .replace(/^./, (c) => c.toUpperCase());
  if (/^\d+$/.test(last)) return `Entry ${Number(last) + 1}`;
  if (index >= 0 && index < parts.length - 1) {
    const list = parts[index - 1] ?? '';
    const one = list
      .replace(/s$/, '')
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase();
    return `${one.replace(/^./, (c) => c.toUpperCase())} ${Number(parts[index]) + 1} ${label.toLowerCase()}`;
  }
  return label;
}

/** "Last name is required." — a whole sentence naming the field. */
export function fieldSentence(pointer: string, message: string): string {
  const text = message.trim().replace(/\.$/, '');
  return `${fieldLabel(pointer)} ${text}.`;
}
