import { describe, expect, it } from 'vitest';
import {
  documentUsage,
  emptyForm,
  formatBytes,
  fromApplication,
  missingDocuments,
  normaliseUsd,
  requiredDocuments,
  toInput,
  uploadProblem,
} from '../../src/investor/onboarding';
import { awaitingOthers, guidance, liveStatus, stages } from '../../src/investor/progress';
import { firstOpenStep, stepEnabled } from '../../src/investor/wizardSteps';
import { applicationFixture, documentFixture } from './onboarding-fixtures';

describe('onboarding form', () => {
  it('round-trips an application through the form to the same API body', () => {
    const app = applicationFixture();
    const input = toInput(fromApplication(app));
    expect(input).toEqual({
      kind: 'individual',
      residenceCountry: 'US',
      citizenshipCountry: 'US',
      taxResidencyCountry: 'US',
      investorType: 'accredited',
      individual: {
        ...app.individual,
        address: { ...app.individual!.address, line2: undefined, region: undefined },
        phone: undefined,
      },
      financials: { annualIncome: '250000', netWorth: '1500000' },
      accreditationMethod: 'income',
    });
  });

  it('leaves out what was not given and cleans amounts typed with separators', () => {
    const input = toInput({ ...emptyForm(), firstName: ' Bob ', annualIncome: '$250,000.50' });
    expect(input.individual?.firstName).toBe('Bob');
    expect(input.accreditationMethod).toBeUndefined();
    expect(input.financials).toEqual({ annualIncome: '250000.50', netWorth: '0' });
    expect(toInput(emptyForm()).financials).toBeUndefined();
    expect(normaliseUsd(' 1 500 000 ')).toBe('1500000');
  });

  it('knows which documents the server requires before submitting', () => {
    const app = applicationFixture({ documents: [documentFixture({ type: 'id' })] });
    expect(requiredDocuments(app)).toEqual(['id', 'proof-of-address', 'accreditation-evidence']);
    expect(missingDocuments(app)).toEqual(['proof-of-address', 'accreditation-evidence']);
    const noClaim = applicationFixture({
      accreditation: { method: null, status: 'not-claimed', expiresAt: null, reviewedBy: null },
    });
    expect(requiredDocuments(noClaim)).toEqual(['id', 'proof-of-address']);
    expect(requiredDocuments(applicationFixture({ kind: 'entity' }))).toContain('company-registration');
  });
});

describe('wizard steps', () => {
  it('resumes at the first step with something left to do', () => {
    expect(firstOpenStep(null)).toBe('personal');
    expect(firstOpenStep(applicationFixture())).toBe('documents');
    const docs = ['id', 'proof-of-address'] as const;
    const withDocs = applicationFixture({ documents: docs.map((type) => documentFixture({ type })) });
    expect(firstOpenStep(withDocs)).toBe('accreditation');
    expect(firstOpenStep({ ...withDocs, status: 'submitted' })).toBe('kyc');
    // Asked for more information: back to the documents, where another one can be added.
    expect(firstOpenStep({ ...withDocs, status: 'needs-more-info' })).toBe('documents');
  });

  it('opens only the steps that make sense for the state', () => {
    expect(stepEnabled('documents', null)).toBe(false);
    expect(stepEnabled('documents', applicationFixture())).toBe(true);
    expect(stepEnabled('kyc', applicationFixture())).toBe(false);
    expect(stepEnabled('personal', applicationFixture({ status: 'in-review' }))).toBe(false);
  });
});

describe('status page', () => {
  it('shows the stages, with a failed identity check marked', () => {
    expect(stages(applicationFixture({ status: 'in-review' })).map((s) => s.state)).toEqual([
      'done',
      'done',
      'current',
      'upcoming',
    ]);
    const red = applicationFixture({
      status: 'rejected',
      kyc: { provider: 'sandbox', applicantId: 'x', status: 'red', checkedAt: null, screening: null },
    });
    expect(stages(red).map((s) => s.state)).toEqual(['done', 'failed', 'upcoming', 'upcoming']);
    expect(stages(applicationFixture({ status: 'approved' })).every((s) => s.state === 'done')).toBe(true);
  });

  it('follows the identity’s live state: a revoked investor is not shown as attested', () => {
    const approved = applicationFixture({ status: 'approved' });
    expect(liveStatus(approved, { standing: 'good' })).toEqual({ label: 'Attested', variant: 'success' });
    expect(liveStatus(approved, null)).toEqual({ label: 'Attested', variant: 'success' });
    expect(liveStatus(approved, { standing: 'revoked' })).toEqual({ label: 'Revoked', variant: 'danger' });
    expect(liveStatus(approved, { standing: 'not-in-good-standing' }).variant).toBe('warning');
    const revoked = guidance(approved, { standing: 'revoked' });
    expect(revoked).toMatchObject({ variant: 'danger', title: 'Your verification was withdrawn' });
    expect(revoked.messages.join(' ')).toMatch(/^Your identity claims were revoked, so you can no longer/);
    expect(stages(approved, { standing: 'revoked' }).map((s) => s.state)).toEqual([
      'done',
      'done',
      'done',
      'failed',
    ]);
  });

  it('says what is missing and what the reviewer asked for', () => {
    expect(guidance(applicationFixture()).messages[0]).toBe(
      'Still to upload: Identity document, Proof of address, Accreditation evidence.',
    );
    const asked = guidance(
      applicationFixture({ status: 'needs-more-info', decisionReason: 'The bill is older than 3 months' }),
    );
    expect(asked).toMatchObject({ variant: 'warning', action: 'edit' });
    expect(asked.messages[0]).toBe('The bill is older than 3 months');
    const pending = guidance(
      applicationFixture({
        status: 'submitted',
        kyc: {
          provider: 'sandbox',
          applicantId: 'sandbox-1',
          status: 'pending',
          checkedAt: null,
          screening: null,
        },
      }),
    );
    expect(pending.messages[0]).toContain('with the test verification service');
    // No vendor reference (an id) for the investor to read.
    expect(pending.messages[0]).not.toContain('sandbox-1');
  });

  it('keeps refreshing only while someone else has the next move', () => {
    expect(awaitingOthers(null, null)).toBe(false);
    expect(awaitingOthers(applicationFixture(), null)).toBe(false);
    expect(awaitingOthers(applicationFixture({ status: 'in-review' }), null)).toBe(true);
    expect(awaitingOthers(applicationFixture({ status: 'approved' }), { did: null })).toBe(true);
    expect(awaitingOthers(applicationFixture({ status: 'approved' }), { did: '0x01' })).toBe(false);
  });
});

describe('document caps', () => {
  const MB = 1024 * 1024;
  const app = (sizes: number[], limits = { maxDocuments: 3, maxTotalBytes: 5 * MB, maxFileBytes: 2 * MB }) =>
    applicationFixture({
      documents: sizes.map((size, i) => documentFixture({ id: `d${i}`, size })),
      documentLimits: limits,
    });

  it('says what is used of the allowance', () => {
    expect(documentUsage(app([MB, MB / 2]))).toBe('2 of 3 documents, 1.5 MB of 5 MB used');
    expect(formatBytes(10 * MB)).toBe('10 MB');
    expect(formatBytes(1536)).toBe('1.5 KB');
  });

  it('explains in words why a file cannot be added before it is sent', () => {
    expect(uploadProblem(app([]), { name: 'scan.pdf', size: MB })).toBeNull();
    expect(uploadProblem(app([]), { name: 'scan.pdf', size: 3 * MB })).toBe(
      'scan.pdf is 3 MB; the largest file accepted is 2 MB. Upload a smaller scan.',
    );
    expect(uploadProblem(app([1, 1, 1]), { name: 'scan.pdf', size: 1 })).toBe(
      'Your application already has 3 documents, the most allowed. Remove one to add another.',
    );
    expect(uploadProblem(app([2 * MB, 2 * MB]), { name: 'bill.png', size: 1.5 * MB })).toBe(
      'bill.png is 1.5 MB, but your documents can take only 1 MB more of the 5 MB allowed. Remove a document or upload a smaller scan.',
    );
    expect(uploadProblem(app([]), { name: 'blank.pdf', size: 0 })).toBe(
      'blank.pdf is empty. Choose the scan again.',
    );
  });
});
