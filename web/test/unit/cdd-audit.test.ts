import { describe, expect, it } from 'vitest';
import { auditQuery, emptyFilters, shorten, summarise } from '../../src/audit/audit';
import { allowedDecisions, applicantName, queueStatus } from '../../src/cdd/queue';
import { screeningHits } from '../../src/cdd/screening';
import { sha256Hex } from '../../src/cdd/useDocumentViewer';
import { applicationFixture } from './onboarding-fixtures';

const green = { provider: 'sandbox', applicantId: 's-1', status: 'green', checkedAt: null, screening: null };

describe('CDD queue and decisions', () => {
  it('reads the status filter from the address bar, defaulting to in-review', () => {
    expect(queueStatus('approved')).toBe('approved');
    expect(queueStatus('bogus')).toBe('in-review');
    expect(queueStatus(undefined)).toBe('in-review');
  });

  it('offers only the decisions the state machine and the role allow', () => {
    const inReview = applicationFixture({ status: 'in-review', kyc: green });
    expect(allowedDecisions(inReview, ['cdd-provider'])).toEqual(['attest', 'request-info', 'reject']);
    // A compliance officer may ask for information but not attest or reject.
    expect(allowedDecisions(inReview, ['compliance-officer'])).toEqual(['request-info']);
    const redKyc = applicationFixture({ status: 'in-review', kyc: { ...green, status: 'red' } });
    expect(allowedDecisions(redKyc, ['cdd-provider'])).not.toContain('attest');
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
