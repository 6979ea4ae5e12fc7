import { AppError } from '../../errors.js';

export const APPLICATION_STATUSES = [
  'draft',
  'submitted',
  'in-review',
  'approved',
  'rejected',
  'needs-more-info',
] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

/**
 * The onboarding state machine. `approved` and `rejected` are final for the application; what
 * happens to an approved investor later (renewal, revocation) lives on the identity.
 */
export const TRANSITIONS: Readonly<Record<ApplicationStatus, readonly ApplicationStatus[]>> = {
  draft: ['submitted'],
  submitted: ['in-review', 'needs-more-info', 'rejected'],
  'in-review': ['approved', 'needs-more-info', 'rejected'],
  'needs-more-info': ['submitted', 'rejected'],
  approved: [],
  rejected: [],
};

/** States in which the investor may still edit the application and its documents. */
export const EDITABLE: ReadonlySet<ApplicationStatus> = new Set(['draft', 'needs-more-info']);

export function canTransition(from: ApplicationStatus, to: ApplicationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: ApplicationStatus, to: ApplicationStatus): void {
  if (canTransition(from, to)) return;
  const allowed = TRANSITIONS[from];
  throw new AppError(
    'RULE_VIOLATION',
    `The application is ${from} and cannot become ${to}; from ${from} it can only become ${
      allowed.length ? allowed.join(' or ') : 'nothing (final state)'
    }`,
    { status: from, requested: to },
  );
}
