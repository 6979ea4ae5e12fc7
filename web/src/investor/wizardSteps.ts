import type { Application } from './onboarding';
import { isEditable, missingDocuments } from './onboarding';

export const WIZARD_STEPS = [
  { key: 'personal', label: 'Personal data' },
  { key: 'documents', label: 'Documents' },
  { key: 'accreditation', label: 'Accreditation' },
  { key: 'review', label: 'Review and submit' },
  { key: 'kyc', label: 'Identity check' },
] as const;

export type WizardStep = (typeof WIZARD_STEPS)[number]['key'];

/** Where to resume: the first step with something left to do. */
export function firstOpenStep(app: Application | null): WizardStep {
  if (!app) return 'personal';
  if (!isEditable(app.status)) return 'kyc';
  // Asked for more: start where documents are added (the request is shown above the wizard).
  if (app.status === 'needs-more-info') return 'documents';
  const missing = missingDocuments(app);
  if (missing.includes('id') || missing.includes('proof-of-address')) return 'documents';
  if (missing.includes('accreditation-evidence')) return 'accreditation';
  return 'review';
}

/** Which steps can be opened: nothing before the draft exists, only the hand-off once submitted. */
export function stepEnabled(step: WizardStep, app: Application | null): boolean {
  if (!app) return step === 'personal';
  if (!isEditable(app.status)) return step === 'kyc';
  return step !== 'kyc';
}
