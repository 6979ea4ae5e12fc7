import type { Static } from 'typebox';
import { openJson } from '../../lib/crypto.js';
import type { Application, ApplicationDocument } from './entity.js';
import type { EntityProfile, Financials, IndividualProfile } from './schemas.js';

export interface SealedProfile {
  individual?: Static<typeof IndividualProfile>;
  entity?: Static<typeof EntityProfile>;
  financials?: Static<typeof Financials>;
}

/** Associated data binding a sealed profile to its application row (a copied blob won't open). */
export const profileAad = (applicationId: string) => `application:${applicationId}`;
export const documentAad = (documentId: string) => `document:${documentId}`;

export function readProfile(key: Buffer, app: Application): SealedProfile {
  return openJson<SealedProfile>(key, app.profileSealed, profileAad(app.id));
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

export function serializeApplication(key: Buffer, app: Application, docs: ApplicationDocument[]) {
  const profile = readProfile(key, app);
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
    },
    provenAddress: app.provenAddress,
    documents: docs.map(serializeDocument),
    submittedAt: iso(app.submittedAt),
    decidedAt: iso(app.decidedAt),
    decidedBy: app.decidedBy,
    decisionReason: app.decisionReason,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}
