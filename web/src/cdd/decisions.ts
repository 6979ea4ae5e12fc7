import type { DecisionKind } from './queue';

export interface DecisionCopy {
  button: string;
  title: string;
  body: string;
  confirm: string;
  variant: 'primary' | 'danger';
  /** Asks for a reason (recorded in the audit trail); attestation does not need one. */
  reasonLabel?: string;
  /** What the reviewer reads once it is done. */
  done?: string;
}

export const DECISIONS: Record<DecisionKind, DecisionCopy> = {
  'start-review': {
    button: 'Start review',
    title: 'Start the review?',
    body: 'The application moves to "in review" before the KYC verdict arrives.',
    confirm: 'Start review',
    done: 'The review has started.',
    variant: 'primary',
    reasonLabel: 'Why start now',
  },
  attest: {
    button: 'Attest',
    title: 'Attest this investor?',
    body:
      'This approves the application and writes to the chain: the investor account gets a Polymesh identity with a ' +
      'CDD claim, then KYC, Jurisdiction and (if verified) Accredited claims, and POLYX for fees.',
    confirm: 'Attest on chain',
    done: 'Attestation started; its chain operations are below.',
    variant: 'primary',
  },
  'request-info': {
    button: 'Request more information',
    title: 'Ask the investor for more information?',
    body: 'The investor can edit the application and documents again, then resubmit. Your message is shown to them.',
    confirm: 'Send request',
    done: 'Your request was sent to the investor.',
    variant: 'primary',
    reasonLabel: 'What is missing (shown to the investor)',
  },
  reject: {
    button: 'Reject',
    title: 'Reject this application?',
    body: 'Rejection is final for this application; nothing reaches the chain.',
    confirm: 'Reject application',
    done: 'The application was rejected; the investor sees your reason.',
    variant: 'danger',
    reasonLabel: 'Reason (shown to the investor)',
  },
};

export type AccreditationDecision = 'verified' | 'rejected';

export const ACCREDITATION_DECISIONS: Record<AccreditationDecision, DecisionCopy> = {
  verified: {
    button: 'Verify accreditation',
    title: 'Verify the accreditation?',
    body: 'The investor is treated as accredited (Reg D 506(c)) for 90 days, and gets an Accredited claim on attestation.',
    confirm: 'Verify',
    done: 'Accreditation verified.',
    variant: 'primary',
    reasonLabel: 'Evidence reviewed',
  },
  rejected: {
    button: 'Reject accreditation',
    title: 'Reject the accreditation claim?',
    body: 'The investor can still be attested, without an Accredited claim.',
    confirm: 'Reject accreditation',
    done: 'Accreditation rejected.',
    variant: 'danger',
    reasonLabel: 'Reason',
  },
};

export const REVOKE: DecisionCopy = {
  button: 'Revoke claims',
  title: "Revoke every claim on this investor's identity?",
  body:
    'The CDD, KYC, Jurisdiction and Accredited claims are revoked on chain, so the investor can no longer ' +
    'receive regulated assets. A revoked identity cannot be re-attested.',
  confirm: 'Revoke on chain',
  variant: 'danger',
  reasonLabel: 'Reason (e.g. sanctions hit)',
};

/** Why an application needs two reviewers, in words for the reviewer. */
export const GROUND_LABELS: Record<string, string> = {
  'enhanced-due-diligence':
    'Enhanced due diligence: screening reported a politically exposed person or sanctions hit',
  'red-override': 'The identity check returned RED: attesting overrides the vendor’s verdict',
};

/** Copy of the attest dialog when two reviewers are needed (first or second approval). */
export function fourEyesCopy(step: 'first' | 'second', redOverride: boolean): DecisionCopy {
  const reason = redOverride
    ? 'Why you override the RED verdict (required, recorded in the audit trail)'
    : 'Your due-diligence notes (recorded in the audit trail)';
  return step === 'first'
    ? {
        button: redOverride ? 'Override RED: first approval' : 'Approve (first of two reviewers)',
        title: 'Give the first of two approvals?',
        body:
          'This application needs two different reviewers. Your approval is recorded under your name; nothing ' +
          'reaches the chain until a second reviewer approves too.',
        confirm: 'Record my approval',
        variant: 'primary',
        reasonLabel: reason,
      }
    : {
        button: redOverride ? 'Override RED: second approval and attest' : 'Second approval: attest',
        title: 'Give the second approval and attest?',
        body:
          'A first reviewer has approved. Your approval completes the four-eyes check and attests the investor ' +
          'on chain: a Polymesh identity with CDD, KYC, Jurisdiction and (if verified) Accredited claims.',
        confirm: 'Approve and attest on chain',
        done: 'Both approvals are recorded; attestation started.',
        variant: 'primary',
        reasonLabel: reason,
      };
}
