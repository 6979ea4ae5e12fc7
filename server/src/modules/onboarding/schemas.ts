import Type, { type Static } from 'typebox';
import { ACCREDITATION_METHODS, DOCUMENT_TYPES } from './entity.js';
import { APPLICATION_STATUSES } from './state.js';

const lit = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Country = Type.String({
  pattern: '^[A-Z]{2}$',
  'x-country': true,
  'x-hint': 'must be a country from the list (a two-letter code such as US or DE)',
  description: "ISO 3166-1 alpha-2, e.g. US, DE; one of the chain's CountryCode list",
});
const Usd = Type.String({
  pattern: '^-?[0-9]{1,15}(\\.[0-9]{1,2})?$',
  'x-hint': 'must be an amount in US dollars, like 250000 or 1250.50',
  description: 'USD decimal string',
});
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

export const Address = Type.Object(
  {
    line1: Text(200),
    line2: Type.Optional(Type.String({ maxLength: 200 })),
    city: Text(100),
    region: Type.Optional(Type.String({ maxLength: 100 })),
    postalCode: Text(20),
    country: Country,
  },
  { additionalProperties: false },
);

export const IndividualProfile = Type.Object(
  {
    firstName: Text(100),
    lastName: Text(100),
    dateOfBirth: Type.String({ format: 'date' }),
    address: Address,
    taxId: Type.Optional(Type.String({ maxLength: 50 })),
    phone: Type.Optional(Type.String({ maxLength: 30 })),
  },
  { additionalProperties: false },
);

export const EntityProfile = Type.Object(
  {
    legalName: Text(200),
    registrationNumber: Text(100),
    incorporationCountry: Country,
    address: Address,
    beneficialOwners: Type.Array(
      Type.Object(
        {
          name: Text(200),
          ownershipPercent: Type.String({
            pattern: '^[0-9]{1,3}(\\.[0-9]{1,4})?$',
            'x-hint': 'must be a percentage, like 25 or 12.5',
          }),
          country: Country,
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
    signatory: Type.Object({ firstName: Text(100), lastName: Text(100) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const Financials = Type.Object(
  {
    annualIncome: Type.String({
      pattern: '^[0-9]{1,15}(\\.[0-9]{1,2})?$',
      'x-hint': 'must be an amount in US dollars, not negative, like 250000 or 1250.50',
      description: 'USD decimal string, not negative',
    }),
    netWorth: Usd,
  },
  { additionalProperties: false, description: 'USD; used for accreditation and the Reg CF limit' },
);

export const ApplicationInput = Type.Object(
  {
    kind: lit(['individual', 'entity'] as const),
    residenceCountry: Country,
    citizenshipCountry: Country,
    taxResidencyCountry: Country,
    investorType: lit([
      'retail',
      'accredited',
      'qualified-purchaser',
      'institutional',
      'professional',
    ] as const),
    individual: Type.Optional(IndividualProfile),
    entity: Type.Optional(EntityProfile),
    financials: Type.Optional(Financials),
    accreditationMethod: Type.Optional(lit(ACCREDITATION_METHODS)),
  },
  { additionalProperties: false },
);
export type ApplicationInputT = Static<typeof ApplicationInput>;

export const ApplicationBody = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    userId: Type.String({ format: 'uuid' }),
    kind: Type.String(),
    status: lit(APPLICATION_STATUSES),
    residenceCountry: Type.String(),
    citizenshipCountry: Type.String(),
    taxResidencyCountry: Type.String(),
    investorType: Type.String(),
    usPerson: Type.Boolean(),
    regS: Type.Object({ nonUsPerson: Type.Boolean() }),
    regCfLimit: Type.Union([Type.String(), Type.Null()], { description: 'USD, 12-month Reg CF limit' }),
    individual: Type.Optional(IndividualProfile),
    entity: Type.Optional(EntityProfile),
    financials: Type.Optional(Financials),
    accreditation: Type.Object({
      method: Type.Union([Type.String(), Type.Null()]),
      status: Type.String(),
      expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      reviewedBy: Type.Union([Type.String(), Type.Null()]),
    }),
    kyc: Type.Object({
      provider: Type.Union([Type.String(), Type.Null()]),
      applicantId: Type.Union([Type.String(), Type.Null()]),
      status: Type.String(),
      checkedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      screening: Type.Union([Type.Unknown(), Type.Null()]),
      scenario: Type.Optional(
        Type.Union([Type.String({ description: 'Sandbox mode: the verdict picked' }), Type.Null()]),
      ),
      sentAt: Type.Optional(
        Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
          description: 'When the documents and the review request reached the vendor',
        }),
      ),
    }),
    provenAddress: Type.Union([Type.String(), Type.Null()]),
    documents: Type.Array(Type.Ref('OnboardingDocument')),
    documentLimits: Type.Object(
      {
        maxDocuments: Type.Integer({ description: 'most documents the application may hold' }),
        maxTotalBytes: Type.Integer({ description: 'most bytes all its documents may take together' }),
        maxFileBytes: Type.Integer({ description: 'largest file accepted' }),
      },
      { description: 'Caps on uploads (UPLOAD_MAX_* settings); usage is the documents listed' },
    ),
    submittedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    decidedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    decidedBy: Type.Union([Type.String(), Type.Null()]),
    decisionReason: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    review: Type.Optional(Type.Ref('CddReview', { description: 'Reviewers only (the CDD console)' })),
  },
  { $id: 'OnboardingApplication' },
);

export const DocumentBody = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    type: lit(DOCUMENT_TYPES),
    filename: Type.String(),
    contentType: Type.String(),
    size: Type.Integer(),
    sha256: Type.String({ description: 'SHA-256 of the plaintext, hex' }),
    uploadedBy: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'OnboardingDocument' },
);

export const AppParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const DocParams = Type.Object({
  id: Type.String({ format: 'uuid' }),
  documentId: Type.String({ format: 'uuid' }),
});

export const ListQuery = Type.Object({
  status: Type.Optional(lit(APPLICATION_STATUSES)),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

export const ReasonBody = Type.Object(
  { reason: Type.String({ minLength: 3, maxLength: 2000, description: 'Why; recorded in the audit trail' }) },
  { additionalProperties: false },
);

/**
 * One object, not an intersection with `ReasonBody`: each half of an intersection refuses the
 * other's properties when both forbid additional ones, so no body could ever pass.
 */
export const ReviewActionBody = Type.Object(
  {
    action: lit(['start-review', 'request-info', 'reject'] as const),
    reason: ReasonBody.properties.reason,
  },
  { additionalProperties: false },
);

export const AccreditationReviewBody = Type.Object(
  {
    decision: lit(['verified', 'rejected'] as const),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 90 days from now' })),
    reason: Type.String({ minLength: 3, maxLength: 2000 }),
  },
  { additionalProperties: false },
);

export const AddressProofBody = Type.Object(
  {
    address: Type.String({ minLength: 40, maxLength: 64, description: 'SS58 address' }),
    signature: Type.String({
      pattern: '^0x[0-9a-fA-F]{128,130}$',
      description: 'sr25519 signature of the challenge',
    }),
  },
  { additionalProperties: false },
);
