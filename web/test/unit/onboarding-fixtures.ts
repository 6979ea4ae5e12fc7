import type { Application, OnboardingDocument } from '../../src/investor/onboarding';

export function documentFixture(overrides: Partial<OnboardingDocument> = {}): OnboardingDocument {
  return {
    id: 'd0c00000-0000-4000-8000-000000000001',
    type: 'id',
    filename: 'passport.pdf',
    contentType: 'application/pdf',
    size: 2048,
    sha256: 'ab'.repeat(32),
    uploadedBy: 'user:1',
    createdAt: '2026-01-01T10:00:00.000Z',
    ...overrides,
  };
}

export function applicationFixture(overrides: Partial<Application> = {}): Application {
  return {
    id: 'a0000000-0000-4000-8000-000000000001',
    userId: 'u0000000-0000-4000-8000-000000000001',
    kind: 'individual',
    status: 'draft',
    residenceCountry: 'US',
    citizenshipCountry: 'US',
    taxResidencyCountry: 'US',
    investorType: 'accredited',
    usPerson: true,
    regS: { nonUsPerson: false },
    regCfLimit: '124000.00',
    individual: {
      firstName: 'Alice',
      lastName: 'Investor',
      dateOfBirth: '1980-02-03',
      address: { line1: '1 Main St', city: 'Austin', postalCode: '78701', country: 'US' },
      taxId: '123-45-6789',
    },
    financials: { annualIncome: '250000', netWorth: '1500000' },
    accreditation: { method: 'income', status: 'pending', expiresAt: null, reviewedBy: null },
    kyc: { provider: null, applicantId: null, status: 'not-started', checkedAt: null, screening: null },
    provenAddress: null,
    documents: [],
    documentLimits: { maxDocuments: 20, maxTotalBytes: 50 * 1024 * 1024, maxFileBytes: 10 * 1024 * 1024 },
    submittedAt: null,
    decidedAt: null,
    decidedBy: null,
    decisionReason: null,
    createdAt: '2026-01-01T09:00:00.000Z',
    updatedAt: '2026-01-01T09:00:00.000Z',
    ...overrides,
  };
}
