import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseSchema } from '../../db/base.js';
import type { ApplicationStatus } from './state.js';

export const ACCREDITATION_METHODS = [
  'income',
  'net-worth',
  'professional-licence',
  'third-party-letter',
] as const;
export type AccreditationMethod = (typeof ACCREDITATION_METHODS)[number];
export type AccreditationStatus = 'not-claimed' | 'pending' | 'verified' | 'rejected';
export type KycStatus = 'not-started' | 'pending' | 'green' | 'red' | 'retry';

export interface Screening {
  provider: string;
  sanctionsHit: boolean;
  pepHit: boolean;
  adverseMediaHit: boolean;
  labels: string[];
  checkedAt: string;
}

/**
 * An investor's onboarding application (individual, or entity for KYB). Personal data and
 * financials are sealed (AES-256-GCM) in `profileSealed`; only what screening, routing and
 * rules need is in clear columns.
 */
export class Application extends BaseEntity {
  userId!: string;
  kind!: 'individual' | 'entity';
  status: ApplicationStatus = 'draft';
  residenceCountry!: string;
  citizenshipCountry!: string;
  taxResidencyCountry!: string;
  investorType!: string;
  /** Reg S: U.S. person by residence, citizenship or tax residency. */
  usPerson = false;
  /** Sealed JSON: `{ profile, financials }`. */
  profileSealed!: Buffer;
  /** Reg CF 12-month investment limit in USD, from income and net worth. */
  regCfLimit: string | null = null;
  accreditationMethod: AccreditationMethod | null = null;
  accreditationStatus: AccreditationStatus = 'not-claimed';
  accreditationExpiresAt: Date | null = null;
  accreditationReviewedBy: string | null = null;
  kycProvider: string | null = null;
  kycApplicantId: string | null = null;
  kycStatus: KycStatus = 'not-started';
  kycCheckedAt: Date | null = null;
  /** Sandbox mode: the verdict the applicant asked the sandbox vendor for (clear, rejected, …). */
  kycScenario: string | null = null;
  /** When the current submission's documents and review request reached the vendor. */
  kycSentAt: Date | null = null;
  screening: Screening | null = null;
  /** An address the investor proved to control (signed challenge), for a non-custodial account. */
  provenAddress: string | null = null;
  addressChallenge: string | null = null;
  submittedAt: Date | null = null;
  decidedAt: Date | null = null;
  decidedBy: string | null = null;
  decisionReason: string | null = null;
  /** The reviewer working on it (`user:<id>`), shown in the queue; null when unassigned. */
  assignedTo: string | null = null;
}

export const ApplicationSchema = new EntitySchema<Application, BaseEntity>({
  class: Application,
  tableName: 'onboarding_application',
  extends: BaseSchema,
  indexes: [{ properties: ['userId'] }, { properties: ['status'] }, { properties: ['kycApplicantId'] }],
  properties: {
    userId: { type: 'uuid' },
    kind: { type: 'string', length: 16 },
    status: { type: 'string', length: 20 },
    residenceCountry: { type: 'string', length: 2 },
    citizenshipCountry: { type: 'string', length: 2 },
    taxResidencyCountry: { type: 'string', length: 2 },
    investorType: { type: 'string', length: 32 },
    usPerson: { type: 'boolean' },
    profileSealed: { type: 'blob' },
    regCfLimit: { type: 'decimal', precision: 20, scale: 2, nullable: true },
    accreditationMethod: { type: 'string', length: 32, nullable: true },
    accreditationStatus: { type: 'string', length: 16 },
    accreditationExpiresAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    accreditationReviewedBy: { type: 'string', length: 100, nullable: true },
    kycProvider: { type: 'string', length: 16, nullable: true },
    kycApplicantId: { type: 'string', length: 100, nullable: true },
    kycStatus: { type: 'string', length: 16 },
    kycCheckedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    kycScenario: { type: 'string', length: 16, nullable: true },
    kycSentAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    screening: { type: 'json', nullable: true },
    provenAddress: { type: 'string', length: 64, nullable: true },
    addressChallenge: { type: 'string', length: 200, nullable: true },
    submittedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    decidedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    decidedBy: { type: 'string', length: 100, nullable: true },
    decisionReason: { type: 'text', nullable: true },
    assignedTo: { type: 'string', length: 100, nullable: true },
  },
});

export const DOCUMENT_TYPES = [
  'id',
  'proof-of-address',
  'accreditation-evidence',
  'company-registration',
  'beneficial-ownership',
  'other',
] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/**
 * An uploaded document, sealed at rest; `sha256` is of the plaintext. Its content is in
 * `onboarding_document_chunk` (`chunks` of them); documents stored by versions before chunked
 * uploads have `chunks` null and the whole sealed file in `content` until `rotate-key` moves it.
 */
export class ApplicationDocument extends BaseEntity {
  applicationId!: string;
  docType!: DocumentType;
  filename!: string;
  contentType!: string;
  size!: number;
  sha256!: string;
  chunks: number | null = null;
  content: Buffer | null = null;
  uploadedBy!: string;
}

export const ApplicationDocumentSchema = new EntitySchema<ApplicationDocument, BaseEntity>({
  class: ApplicationDocument,
  tableName: 'onboarding_document',
  extends: BaseSchema,
  indexes: [{ properties: ['applicationId'] }],
  properties: {
    applicationId: { type: 'uuid' },
    docType: { type: 'string', length: 32 },
    filename: { type: 'string', length: 255 },
    contentType: { type: 'string', length: 100 },
    size: { type: 'integer' },
    sha256: { type: 'string', length: 64 },
    chunks: { type: 'integer', nullable: true },
    content: { type: 'blob', lazy: true, nullable: true },
    uploadedBy: { type: 'string', length: 100 },
  },
});

/**
 * An upload in progress: it holds a place (and `reservedBytes`) under the application's caps
 * while its chunks stream in, and becomes the document of the same id when it completes.
 * `updatedAt` moves with every chunk; an upload that stops moving is swept.
 */
export class DocumentUpload extends BaseEntity {
  applicationId!: string;
  reservedBytes!: number;
}

export const DocumentUploadSchema = new EntitySchema<DocumentUpload, BaseEntity>({
  class: DocumentUpload,
  tableName: 'onboarding_upload',
  extends: BaseSchema,
  indexes: [{ properties: ['applicationId'] }],
  properties: {
    applicationId: { type: 'uuid' },
    reservedBytes: { type: 'integer' },
  },
});

/** One sealed chunk of a document (or of an upload in progress), bound to its place and to being last. */
export class DocumentChunk {
  documentId!: string;
  seq!: number;
  last!: boolean;
  content!: Buffer;
}

export const DocumentChunkSchema = new EntitySchema<DocumentChunk>({
  class: DocumentChunk,
  tableName: 'onboarding_document_chunk',
  properties: {
    documentId: { type: 'uuid', primary: true },
    seq: { type: 'integer', primary: true },
    last: { type: 'boolean' },
    content: { type: 'blob' },
  },
});
