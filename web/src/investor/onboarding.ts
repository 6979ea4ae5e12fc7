import type { Schemas } from '../api/client';
import type { paths } from '../api/schema';
import type { BadgeVariant } from '../ui/badge';

export type Application = Schemas['OnboardingApplication'];
export type ApplicationStatus = Application['status'];
export type OnboardingDocument = Schemas['OnboardingDocument'];
export type DocumentType = OnboardingDocument['type'];
export type ApplicationInput =
  paths['/onboarding/applications']['post']['requestBody']['content']['application/json'];
export type InvestorType = ApplicationInput['investorType'];
export type AccreditationMethod = NonNullable<ApplicationInput['accreditationMethod']>;

export const INVESTOR_TYPES: readonly { value: InvestorType; label: string }[] = [
  { value: 'retail', label: 'Retail investor' },
  { value: 'accredited', label: 'Accredited investor (Reg D)' },
  { value: 'qualified-purchaser', label: 'Qualified purchaser' },
  { value: 'institutional', label: 'Institutional investor' },
  { value: 'professional', label: 'Professional investor' },
];

export const ACCREDITATION_METHODS: readonly { value: AccreditationMethod; label: string }[] = [
  { value: 'income', label: 'Income (over $200,000, or $300,000 with a spouse, for two years)' },
  { value: 'net-worth', label: 'Net worth over $1,000,000 (excluding primary residence)' },
  { value: 'professional-licence', label: 'Professional licence (Series 7, 65 or 82)' },
  { value: 'third-party-letter', label: 'Verification letter from a lawyer, CPA or broker-dealer' },
];

export const DOCUMENT_LABELS: Record<DocumentType, string> = {
  id: 'Identity document',
  'proof-of-address': 'Proof of address',
  'accreditation-evidence': 'Accreditation evidence',
  'company-registration': 'Company registration',
  'beneficial-ownership': 'Beneficial ownership',
  other: 'Other document',
};

/** What the wizard edits: flat strings, one per input; `toInput` builds the API body from it. */
export interface OnboardingForm {
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  line1: string;
  line2: string;
  city: string;
  region: string;
  postalCode: string;
  addressCountry: string;
  taxId: string;
  phone: string;
  residenceCountry: string;
  citizenshipCountry: string;
  taxResidencyCountry: string;
  investorType: InvestorType | '';
  accreditationMethod: AccreditationMethod | '';
  annualIncome: string;
  netWorth: string;
}

/** The JSON pointer of each form field in the API body, to place the server's messages. */
export const FIELD_POINTERS: Record<keyof OnboardingForm, string> = {
  firstName: '/body/individual/firstName',
  lastName: '/body/individual/lastName',
  dateOfBirth: '/body/individual/dateOfBirth',
  line1: '/body/individual/address/line1',
  line2: '/body/individual/address/line2',
  city: '/body/individual/address/city',
  region: '/body/individual/address/region',
  postalCode: '/body/individual/address/postalCode',
  addressCountry: '/body/individual/address/country',
  taxId: '/body/individual/taxId',
  phone: '/body/individual/phone',
  residenceCountry: '/body/residenceCountry',
  citizenshipCountry: '/body/citizenshipCountry',
  taxResidencyCountry: '/body/taxResidencyCountry',
  investorType: '/body/investorType',
  accreditationMethod: '/body/accreditationMethod',
  annualIncome: '/body/financials/annualIncome',
  netWorth: '/body/financials/netWorth',
};

export function emptyForm(): OnboardingForm {
  return {
    firstName: '',
    lastName: '',
    dateOfBirth: '',
    line1: '',
    line2: '',
    city: '',
    region: '',
    postalCode: '',
    addressCountry: '',
    taxId: '',
    phone: '',
    residenceCountry: '',
    citizenshipCountry: '',
    taxResidencyCountry: '',
    investorType: '',
    accreditationMethod: '',
    annualIncome: '',
    netWorth: '',
  };
}

export function fromApplication(app: Application): OnboardingForm {
  const p = app.individual;
  return {
    ...emptyForm(),
    firstName: p?.firstName ?? '',
    lastName: p?.lastName ?? '',
    dateOfBirth: p?.dateOfBirth ?? '',
    line1: p?.address.line1 ?? '',
    line2: p?.address.line2 ?? '',
    city: p?.address.city ?? '',
    region: p?.address.region ?? '',
    postalCode: p?.address.postalCode ?? '',
    addressCountry: p?.address.country ?? '',
    taxId: p?.taxId ?? '',
    phone: p?.phone ?? '',
    residenceCountry: app.residenceCountry,
    citizenshipCountry: app.citizenshipCountry,
    taxResidencyCountry: app.taxResidencyCountry,
    investorType: app.investorType as InvestorType,
    accreditationMethod: (app.accreditation.method ?? '') as AccreditationMethod | '',
    annualIncome: app.financials?.annualIncome ?? '',
    netWorth: app.financials?.netWorth ?? '',
  };
}

const optional = (value: string) => (value.trim() === '' ? undefined : value.trim());

/** Amounts as the API wants them: digits and at most two decimals, no separators. */
export function normaliseUsd(value: string): string {
  return value.replace(/[\s,$]/g, '');
}

/**
 * The API body for the form. Empty optional inputs are left out; empty required ones are sent
 * as they are, so the server names them.
 */
export function toInput(form: OnboardingForm): ApplicationInput {
  const income = normaliseUsd(form.annualIncome);
  const worth = normaliseUsd(form.netWorth);
  return {
    kind: 'individual',
    residenceCountry: form.residenceCountry,
    citizenshipCountry: form.citizenshipCountry,
    taxResidencyCountry: form.taxResidencyCountry,
    investorType: (form.investorType || 'retail') as InvestorType,
    individual: {
      firstName: form.firstName.trim(),
      lastName: form.lastName.trim(),
      dateOfBirth: form.dateOfBirth,
      address: {
        line1: form.line1.trim(),
        line2: optional(form.line2),
        city: form.city.trim(),
        region: optional(form.region),
        postalCode: form.postalCode.trim(),
        country: form.addressCountry,
      },
      taxId: optional(form.taxId),
      phone: optional(form.phone),
    },
    financials: income || worth ? { annualIncome: income || '0', netWorth: worth || '0' } : undefined,
    accreditationMethod: form.accreditationMethod || undefined,
  };
}

/** The documents the server requires before submitting (OnboardingService.submit). */
export function requiredDocuments(app: Pick<Application, 'kind' | 'accreditation'>): DocumentType[] {
  const needed: DocumentType[] =
    app.kind === 'entity' ? ['company-registration', 'beneficial-ownership'] : ['id', 'proof-of-address'];
  if (app.accreditation.method) needed.push('accreditation-evidence');
  return needed;
}

export function missingDocuments(app: Application): DocumentType[] {
  const have = new Set(app.documents.map((d) => d.type));
  return requiredDocuments(app).filter((t) => !have.has(t));
}

export const isEditable = (status: ApplicationStatus) => status === 'draft' || status === 'needs-more-info';

const STATUS: Record<ApplicationStatus, { label: string; variant: BadgeVariant }> = {
  draft: { label: 'Draft', variant: 'neutral' },
  submitted: { label: 'Submitted', variant: 'info' },
  'in-review': { label: 'In review', variant: 'info' },
  approved: { label: 'Attested', variant: 'success' },
  rejected: { label: 'Rejected', variant: 'danger' },
  'needs-more-info': { label: 'Needs more information', variant: 'warning' },
};

export const statusLabel = (s: ApplicationStatus) => STATUS[s].label;
export const statusVariant = (s: ApplicationStatus) => STATUS[s].variant;

const KYC: Record<string, { label: string; variant: BadgeVariant }> = {
  'not-started': { label: 'Not started', variant: 'neutral' },
  pending: { label: 'In progress', variant: 'info' },
  green: { label: 'Passed', variant: 'success' },
  red: { label: 'Failed', variant: 'danger' },
  retry: { label: 'Retry needed', variant: 'warning' },
};

const PROVIDERS: Record<string, string> = {
  sandbox: 'Sandbox (test verification service)',
  sumsub: 'Sumsub',
  onfido: 'Onfido',
};

/** A KYC vendor's name for people. */
export const providerName = (p: string | null) => (p ? (PROVIDERS[p] ?? p) : 'the verification provider');

export const kycLabel = (s: string) => KYC[s]?.label ?? s;
export const kycVariant = (s: string): BadgeVariant => KYC[s]?.variant ?? 'neutral';

const ACCREDITATION: Record<string, { label: string; variant: BadgeVariant }> = {
  'not-claimed': { label: 'Not claimed', variant: 'neutral' },
  pending: { label: 'Awaiting review', variant: 'info' },
  verified: { label: 'Verified', variant: 'success' },
  rejected: { label: 'Not accepted', variant: 'danger' },
};

export const accreditationLabel = (s: string) => ACCREDITATION[s]?.label ?? s;
export const accreditationVariant = (s: string): BadgeVariant => ACCREDITATION[s]?.variant ?? 'neutral';

export function formatBytes(bytes: number): string {
  const oneDecimal = (n: number) => n.toFixed(1).replace(/\.0$/, '');
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${oneDecimal(bytes / 1024)} KB`;
  return `${oneDecimal(bytes / (1024 * 1024))} MB`;
}

const usedBytes = (app: Application) => app.documents.reduce((sum, d) => sum + d.size, 0);

/** How much of the application's document allowance is used, in words. */
export function documentUsage(app: Application): string {
  const { maxDocuments, maxTotalBytes } = app.documentLimits;
  const n = app.documents.length;
  return `${n} of ${maxDocuments} documents, ${formatBytes(usedBytes(app))} of ${formatBytes(maxTotalBytes)} used`;
}

/**
 * Why a file cannot be added to the application, in words, before it is sent; null if it can.
 * The server checks the same caps again (another tab may have uploaded meanwhile).
 */
export function uploadProblem(app: Application, file: { name: string; size: number }): string | null {
  const { maxDocuments, maxTotalBytes, maxFileBytes } = app.documentLimits;
  if (file.size === 0) return `${file.name} is empty. Choose the scan again.`;
  if (file.size > maxFileBytes) {
    return `${file.name} is ${formatBytes(file.size)}; the largest file accepted is ${formatBytes(maxFileBytes)}. Upload a smaller scan.`;
  }
  if (app.documents.length >= maxDocuments) {
    return `Your application already has ${app.documents.length} documents, the most allowed. Remove one to add another.`;
  }
  const left = maxTotalBytes - usedBytes(app);
  if (file.size > left) {
    return `${file.name} is ${formatBytes(file.size)}, but your documents can take only ${formatBytes(Math.max(0, left))} more of the ${formatBytes(maxTotalBytes)} allowed. Remove a document or upload a smaller scan.`;
  }
  return null;
}
