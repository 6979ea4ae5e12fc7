import type { Static } from 'typebox';
import type { Application, ApplicationDocument } from './entity.js';
import type { UploadLimits } from './upload-caps.js';
import type { EntityProfile, Financials, IndividualProfile } from './schemas.js';

export interface SealedProfile {
  individual?: Static<typeof IndividualProfile>;
  entity?: Static<typeof EntityProfile>;
  financials?: Static<typeof Financials>;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function serializeDocument(d: ApplicationDocument) {
  return {
    id: d.id,
    type: d.docType,
    filename: d.filename,
    contentType: d.contentType,
    size: d.size,
    sha256: d.sha256,
    uploadedBy: d.uploadedBy,
    createdAt: d.createdAt.toISOString(),
  };
}

export function serializeApplication(
  app: Application,
  profile: SealedProfile,
  docs: ApplicationDocument[],
  limits: UploadLimits,
) {
  return {
    id: app.id,
    userId: app.userId,
    kind: app.kind,
    status: app.status,
    residenceCountry: app.residenceCountry,
    citizenshipCountry: app.citizenshipCountry,
    taxResidencyCountry: app.taxResidencyCountry,
    investorType: app.investorType,
    usPerson: app.usPerson,
    regS: { nonUsPerson: !app.usPerson },
    regCfLimit: app.regCfLimit === null ? null : String(app.regCfLimit),
    ...(profile.individual ? { individual: profile.individual } : {}),
    ...(profile.entity ? { entity: profile.entity } : {}),
    ...(profile.financials ? { financials: profile.financials } : {}),
    accreditation: {
      method: app.accreditationMethod,
      status: app.accreditationStatus,
      expiresAt: iso(app.accreditationExpiresAt),
      reviewedBy: app.accreditationReviewedBy,
    },
    kyc: {
      provider: app.kycProvider,
      applicantId: app.kycApplicantId,
      status: app.kycStatus,
      checkedAt: iso(app.kycCheckedAt),
      screening: app.screening,
      scenario: app.kycScenario,
      sentAt: iso(app.kycSentAt),
    },
    provenAddress: app.provenAddress,
    documents: docs.map(serializeDocument),
    documentLimits: {
      maxDocuments: limits.maxDocuments,
      maxTotalBytes: limits.maxApplicationBytes,
      maxFileBytes: limits.maxFileBytes,
    },
    submittedAt: iso(app.submittedAt),
    decidedAt: iso(app.decidedAt),
    decidedBy: app.decidedBy,
    decisionReason: app.decisionReason,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}
