import type { BadgeVariant } from '../ui/badge';
import type { Application } from './onboarding';
import { DOCUMENT_LABELS, missingDocuments, statusLabel, statusVariant } from './onboarding';

export type StageState = 'done' | 'current' | 'upcoming' | 'failed';

export interface Stage {
  key: 'application' | 'kyc' | 'review' | 'attested';
  label: string;
  state: StageState;
}

const ORDER: Stage['key'][] = ['application', 'kyc', 'review', 'attested'];
const LABELS: Record<Stage['key'], string> = {
  application: 'Application',
  kyc: 'Identity check',
  review: 'CDD review',
  attested: 'Attested',
};

function position(app: Application): { at: number; failed: boolean } {
  const kycFailed = app.kyc.status === 'red';
  switch (app.status) {
    case 'draft':
    case 'needs-more-info':
      return { at: 0, failed: false };
    case 'submitted':
      return { at: 1, failed: kycFailed };
    case 'in-review':
      return { at: 2, failed: false };
    case 'approved':
      return { at: 4, failed: false };
    case 'rejected':
      return { at: kycFailed ? 1 : 2, failed: true };
  }
}

/** The four stages an application goes through, for the status page's progress trail. */
export function stages(app: Application, identity: LiveIdentity | null = null): Stage[] {
  const revoked = app.status === 'approved' && identity?.standing === 'revoked';
  const { at, failed } = revoked ? { at: 3, failed: true } : position(app);
  return ORDER.map((key, index) => ({
    key,
    label: LABELS[key],
    state: index < at ? 'done' : index === at ? (failed ? 'failed' : 'current') : 'upcoming',
  }));
}

export interface Guidance {
  variant: BadgeVariant;
  title: string;
  messages: string[];
  /** What the investor can do about it. */
  action: 'edit' | 'none';
}

/** What the identity's live state says, where the application alone would be out of date. */
export interface LiveIdentity {
  standing: string;
}

/**
 * The status badge: an approved application shows the identity's live standing, so a revoked
 * investor never sees "Attested" above a revoked identity.
 */
export function liveStatus(
  app: Pick<Application, 'status'>,
  identity: LiveIdentity | null,
): { label: string; variant: BadgeVariant } {
  if (app.status === 'approved' && identity) {
    if (identity.standing === 'revoked') return { label: 'Revoked', variant: 'danger' };
    if (identity.standing === 'not-in-good-standing')
      return { label: 'Not in good standing', variant: 'warning' };
    if (identity.standing === 'pending') return { label: 'Being attested', variant: 'info' };
  }
  return { label: statusLabel(app.status), variant: statusVariant(app.status) };
}

/** Where the application stands and what is missing, in words, from the server's state. */
export function guidance(app: Application, identity: LiveIdentity | null = null): Guidance {
  const missing = missingDocuments(app).map((t) => DOCUMENT_LABELS[t]);
  const accreditation =
    app.accreditation.status === 'pending'
      ? ['Your accreditation evidence is waiting for a reviewer.']
      : app.accreditation.status === 'rejected'
        ? ['Your accreditation evidence was not accepted.']
        : [];
  switch (app.status) {
    case 'draft':
      return {
        variant: 'info',
        title: 'Finish your application',
        messages: [
          missing.length > 0 ? `Still to upload: ${missing.join(', ')}.` : 'Everything needed is uploaded.',
          'Submit it to start the identity check.',
        ],
        action: 'edit',
      };
    case 'needs-more-info':
      return {
        variant: 'warning',
        title: 'The reviewer needs more information',
        messages: [
          app.decisionReason ?? 'Update your application and submit it again.',
          ...(missing.length > 0 ? [`Still to upload: ${missing.join(', ')}.`] : []),
        ],
        action: 'edit',
      };
    case 'submitted': {
      const provider =
        app.kyc.provider === 'sandbox'
          ? 'the test verification service'
          : (app.kyc.provider ?? 'the verification provider');
      const byStatus: Record<string, string> = {
        red: 'The identity check did not pass. A reviewer will contact you.',
        retry:
          'The provider could not complete the check and asked for a retry; a reviewer will contact you.',
      };
      return {
        variant: app.kyc.status === 'red' ? 'danger' : app.kyc.status === 'retry' ? 'warning' : 'info',
        title: 'Identity check in progress',
        messages: [
          byStatus[app.kyc.status] ??
            `Your identity check is with ${provider}. Its answer comes by itself, usually within minutes, and this page updates.`,
        ],
        action: 'none',
      };
    }
    case 'in-review':
      return {
        variant: 'info',
        title: 'In review',
        messages: [
          app.kyc.status === 'green'
            ? 'Your identity check passed. A reviewer is looking at your application.'
            : 'A reviewer is looking at your application and the result of your identity check.',
          ...accreditation,
        ],
        action: 'none',
      };
    case 'approved':
      if (identity?.standing === 'revoked')
        return {
          variant: 'danger',
          title: 'Your verification was withdrawn',
          messages: [
            'Your identity claims were revoked, so you can no longer subscribe to offerings or receive regulated assets.',
            'If you think this is a mistake, contact the platform.',
          ],
          action: 'none',
        };
      if (identity?.standing === 'not-in-good-standing')
        return {
          variant: 'warning',
          title: 'Your verification needs renewing',
          messages: ['Some of your identity claims have expired. A reviewer can renew them.'],
          action: 'none',
        };
      return {
        variant: 'success',
        title: 'Attested',
        messages: ['Your identity is attested. Your Polymesh identity and claims are below.'],
        action: 'none',
      };
    case 'rejected':
      return {
        variant: 'danger',
        title: 'Application rejected',
        messages: [app.decisionReason ?? 'The reviewer rejected the application.'],
        action: 'none',
      };
  }
}

/** The status page keeps refreshing while someone else (KYC vendor, reviewer, chain) has the next move. */
export function awaitingOthers(app: Application | null, identity: { did: string | null } | null): boolean {
  if (!app) return false;
  if (app.status === 'submitted' || app.status === 'in-review') return true;
  return app.status === 'approved' && (!identity || identity.did === null);
}
