import { describe, expect, it } from 'vitest';
import { auditQuery, emptyFilters, shorten, summarise } from '../../src/audit/audit';
import {
  allowedDecisions,
  applicantName,
  attestStep,
  queueStatus,
  screeningCell,
  waitingFor,
} from '../../src/cdd/queue';
import { screeningHits } from '../../src/cdd/screening';
import { sha256Hex } from '../../src/cdd/useDocumentViewer';
import { applicationFixture } from './onboarding-fixtures';

const green = { provider: 'sandbox', applicantId: 's-1', status: 'green', checkedAt: null, screening: null };

describe('CDD queue and decisions', () => {
  it('reads the status filter from the address bar, defaulting to everything awaiting a decision', () => {
    expect(queueStatus('approved')).toBe('approved');
    expect(queueStatus('all')).toBe('all');
    expect(queueStatus('bogus')).toBe('awaiting');
    expect(queueStatus(undefined)).toBe('awaiting');
  });

  it('says how long an application waited and shows screening per column', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    expect(waitingFor('2026-12-01T11:30:00Z', now)).toBe('30 minutes');
    expect(waitingFor('2026-12-01T07:00:00Z', now)).toBe('5 hours');
    expect(waitingFor('2026-11-27T12:00:00Z', now)).toBe('4 days');
    expect(waitingFor(null, now)).toBe('—');
    expect(screeningCell(null, 'pepHit').label).toBe('Not yet');
    expect(screeningCell({ pepHit: true, sanctionsHit: false }, 'pepHit')).toEqual({
      label: 'Hit',
      variant: 'danger',
    });
    expect(screeningCell({ pepHit: true, sanctionsHit: false }, 'sanctionsHit').label).toBe('Clear');
  });

  it('words the attest step from the four-eyes state', () => {
    const review = {
      assignedTo: null,
      applicantEmail: 'a@example.com',
      grounds: ['enhanced-due-diligence' as const],
      approvalsNeeded: 2,
      approvals: [],
      flags: [],
      decidedByName: null,
    };
    expect(attestStep(applicationFixture())).toBe('single');
    expect(attestStep(applicationFixture({ review }))).toBe('first');
    const one = { reviewer: 'Ann', mine: false, reason: null, at: '2026-12-01T12:00:00Z' };
    expect(attestStep(applicationFixture({ review: { ...review, approvals: [one] } }))).toBe('second');
    expect(
      attestStep(applicationFixture({ review: { ...review, approvals: [{ ...one, mine: true }] } })),
    ).toBe('waiting-for-other');
  });

  it('offers only the decisions the state machine and the role allow', () => {
    const inReview = applicationFixture({ status: 'in-review', kyc: green });
    expect(allowedDecisions(inReview, ['cdd-provider'])).toEqual(['attest', 'request-info', 'reject']);
    // A compliance officer may ask for information but not attest or reject.
    expect(allowedDecisions(inReview, ['compliance-officer'])).toEqual(['request-info']);
    const redKyc = applicationFixture({ status: 'in-review', kyc: { ...green, status: 'red' } });
    // A RED verdict can be overridden (by two reviewers, with reasons: the server enforces it).
    expect(allowedDecisions(redKyc, ['cdd-provider'])).toContain('attest');
    const pendingKyc = applicationFixture({ status: 'in-review', kyc: { ...green, status: 'pending' } });
    expect(allowedDecisions(pendingKyc, ['cdd-provider'])).not.toContain('attest');
    expect(allowedDecisions(applicationFixture({ status: 'submitted' }), ['cdd-provider'])).toEqual([
      'start-review',
      'request-info',
      'reject',
    ]);
    expect(
      allowedDecisions(applicationFixture({ status: 'approved', kyc: green }), ['cdd-provider']),
    ).toEqual(['attest']);
    expect(allowedDecisions(applicationFixture({ status: 'rejected' }), ['cdd-provider'])).toEqual([]);
  });

  it('names applicants and summarises screening', () => {
    expect(applicantName(applicationFixture())).toBe('Alice Investor');
    expect(screeningHits(null)).toBe('Not screened yet');
    expect(screeningHits({ sanctionsHit: false, pepHit: false })).toBe('No hits');
    expect(screeningHits({ sanctionsHit: true, pepHit: true })).toBe(
      'Hit: sanctions, politically exposed person',
    );
  });

  it('hashes a decrypted document to compare with the hash recorded at upload', async () => {
    const bytes = new TextEncoder().encode('abc');
    await expect(sha256Hex(bytes.buffer as ArrayBuffer)).resolves.toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('audit search', () => {
  it('sends only the filters given, with whole days in UTC', () => {
    expect(auditQuery(emptyFilters())).toEqual({});
    expect(
      auditQuery({ action: ' kyc. ', actor: 'user:1', subjectId: '', from: '2026-01-01', to: '2026-01-31' }),
    ).toEqual({
      action: 'kyc.',
      actor: 'user:1',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
    });
  });

  it('summarises entry data in one bounded line', () => {
    expect(summarise({ from: 'draft', to: 'submitted', n: 2 })).toBe('from: draft, to: submitted, n: 2');
    expect(summarise({ reason: 'x'.repeat(200) }, 20)).toHaveLength(20);
    expect(shorten('user:245cf994-4220-4fea-b6cd-998a1a707545', 16)).toBe('user:245cf994-4…');
    expect(shorten('system', 16)).toBe('system');
  });
});
