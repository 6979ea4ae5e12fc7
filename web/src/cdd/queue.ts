import type { Application, ApplicationStatus } from '../investor/onboarding';
import { statusLabel } from '../investor/onboarding';

export type QueueFilter = ApplicationStatus | 'awaiting' | 'all';

/** The queue's filters; everything waiting for a reviewer comes first (the default). */
export const QUEUE_STATUSES: readonly QueueFilter[] = [
  'awaiting',
  'submitted',
  'in-review',
  'needs-more-info',
  'approved',
  'rejected',
  'draft',
  'all',
];

const FILTER_LABELS: Record<'awaiting' | 'all', string> = {
  awaiting: 'Awaiting a decision',
  all: 'All applications',
};

export const filterLabel = (value: QueueFilter) =>
  value === 'awaiting' || value === 'all' ? FILTER_LABELS[value] : statusLabel(value);

export const QUEUE_FILTERS = QUEUE_STATUSES.map((value) => ({ value, label: filterLabel(value) }));

/** The status filter from the address bar, if it is one. */
export function queueStatus(value: unknown): QueueFilter {
  return (QUEUE_STATUSES as readonly unknown[]).includes(value) ? (value as QueueFilter) : 'awaiting';
}

export const SORTS = [
  { value: 'oldest', label: 'Waiting longest first' },
  { value: 'newest', label: 'Newest first' },
] as const;
export type QueueSort = (typeof SORTS)[number]['value'];

export const ASSIGNEES = [
  { value: 'anyone', label: 'Anyone' },
  { value: 'me', label: 'Assigned to me' },
  { value: 'unassigned', label: 'Unassigned' },
] as const;
export type QueueAssignee = (typeof ASSIGNEES)[number]['value'];

/** How long an application has waited since submission, in words ("3 days", "5 hours"). */
export function waitingFor(submittedAt: string | null, now = new Date()): string {
  if (!submittedAt) return '—';
  const minutes = Math.max(0, Math.floor((now.getTime() - new Date(submittedAt).getTime()) / 60_000));
  if (minutes < 60) return minutes <= 1 ? 'just now' : `${minutes} minutes`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return hours === 1 ? '1 hour' : `${hours} hours`;
  return `${Math.floor(hours / 24)} days`;
}

/** Yes / no screening cells: a hit, no hit, or not screened yet. */
export function screeningCell(screening: unknown, key: 'sanctionsHit' | 'pepHit' | 'adverseMediaHit') {
  if (typeof screening !== 'object' || screening === null)
    return { label: 'Not yet', variant: 'neutral' as const };
  return (screening as Record<string, unknown>)[key] === true
    ? { label: 'Hit', variant: 'danger' as const }
    : { label: 'Clear', variant: 'success' as const };
}

export function applicantName(app: Application): string {
  if (app.individual) return `${app.individual.firstName} ${app.individual.lastName}`;
  if (app.entity) return app.entity.legalName;
  return app.review?.applicantEmail || 'Unnamed applicant';
}

export type DecisionKind = 'attest' | 'reject' | 'request-info' | 'start-review';

/** Which decisions the application's state allows (the server enforces the same machine). */
export function allowedDecisions(app: Application, roles: readonly string[]): DecisionKind[] {
  const canAttest = roles.includes('cdd-provider') || roles.includes('admin');
  const out: DecisionKind[] = [];
  if (app.status === 'submitted') out.push('start-review');
  // A RED verdict can be attested only as an override by two reviewers (the server enforces it).
  if (
    canAttest &&
    (app.status === 'in-review' || app.status === 'approved') &&
    (app.kyc.status === 'green' || app.kyc.status === 'red')
  )
    out.push('attest');
  if (app.status === 'submitted' || app.status === 'in-review') out.push('request-info');
  if (canAttest && ['submitted', 'in-review', 'needs-more-info'].includes(app.status)) out.push('reject');
  return out;
}

/** The attest button's words, from the four-eyes state of the application. */
export function attestStep(app: Application): 'single' | 'first' | 'second' | 'waiting-for-other' {
  const review = app.review;
  if (!review || review.approvalsNeeded < 2) return 'single';
  if (review.approvals.some((a) => a.mine)) return 'waiting-for-other';
  return review.approvals.length === 0 ? 'first' : 'second';
}
