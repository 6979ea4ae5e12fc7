import type { Application, ApplicationStatus } from '../investor/onboarding';
import { statusLabel } from '../investor/onboarding';

/** The queue's filters; `in-review` (KYC passed, waiting for a decision) comes first. */
export const QUEUE_STATUSES: readonly ApplicationStatus[] = [
  'in-review',
  'submitted',
  'needs-more-info',
  'approved',
  'rejected',
  'draft',
];

export const QUEUE_FILTERS = QUEUE_STATUSES.map((value) => ({ value, label: statusLabel(value) }));

/** The status filter from the address bar, if it is one. */
export function queueStatus(value: unknown): ApplicationStatus {
  return (QUEUE_STATUSES as readonly unknown[]).includes(value) ? (value as ApplicationStatus) : 'in-review';
}

export function applicantName(app: Application): string {
  if (app.individual) return `${app.individual.firstName} ${app.individual.lastName}`;
  if (app.entity) return app.entity.legalName;
  return app.id;
}

export type DecisionKind = 'attest' | 'reject' | 'request-info' | 'start-review';

/** Which decisions the application's state allows (the server enforces the same machine). */
export function allowedDecisions(app: Application, roles: readonly string[]): DecisionKind[] {
  const canAttest = roles.includes('cdd-provider') || roles.includes('admin');
  const out: DecisionKind[] = [];
  if (app.status === 'submitted') out.push('start-review');
  if (canAttest && (app.status === 'in-review' || app.status === 'approved') && app.kyc.status === 'green')
    out.push('attest');
  if (app.status === 'submitted' || app.status === 'in-review') out.push('request-info');
  if (canAttest && ['submitted', 'in-review', 'needs-more-info'].includes(app.status)) out.push('reject');
  return out;
}
