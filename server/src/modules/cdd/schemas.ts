import Type from 'typebox';
import { APPLICATION_STATUSES } from '../onboarding/state.js';

export const AttestBody = Type.Object(
  {
    account: Type.Optional(
      Type.Union([Type.Literal('custodial'), Type.Literal('proven-address')], {
        description: "Default: the investor's proven address if there is one, else a custodial account",
      }),
    ),
    cddExpiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'Default: one year' })),
    claimsExpireAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'KYC and Jurisdiction claims; default one year' }),
    ),
    assetIds: Type.Optional(
      Type.Array(Type.String({ format: 'uuid' }), {
        maxItems: 20,
        description:
          'Also issue the claims scoped to these assets (default scope: the CDD provider identity)',
      }),
    ),
    polyx: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,9}(\\.[0-9]{1,6})?$',
        description: 'POLYX funded to a new account; default 100',
      }),
    ),
    reason: Type.Optional(
      Type.String({
        minLength: 3,
        maxLength: 2000,
        description:
          'Why you approve; recorded in the audit trail. Required to override a RED verdict (each of the two reviewers writes one)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const MAX_BATCH_ATTESTATIONS = 200;

export const AttestBatchBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        { applicationId: Type.String({ format: 'uuid' }), ...AttestBody.properties },
        { additionalProperties: false },
      ),
      {
        minItems: 1,
        maxItems: MAX_BATCH_ATTESTATIONS,
        description: `Up to ${MAX_BATCH_ATTESTATIONS} applications, each with the options of a single attestation; an application may appear once`,
      },
    ),
  },
  { additionalProperties: false },
);

export const AttestBatchResponse = Type.Object({
  attested: Type.Integer({ description: 'How many of the items were attested' }),
  results: Type.Array(
    Type.Object({
      applicationId: Type.String({ format: 'uuid' }),
      status: Type.Union([
        Type.Literal('attested'),
        Type.Literal('awaiting-second-reviewer'),
        Type.Literal('refused'),
      ]),
      attestationId: Type.Optional(Type.String({ format: 'uuid' })),
      identityId: Type.Optional(Type.String({ format: 'uuid' })),
      account: Type.Optional(Type.String({ description: 'The investor account the identity is for' })),
      operations: Type.Optional(
        Type.Array(
          Type.Object({ id: Type.String({ format: 'uuid' }), kind: Type.String(), status: Type.String() }),
        ),
      ),
      error: Type.Optional(
        Type.Object({
          code: Type.String({ description: 'The error code a single attestation would answer with' }),
          statusCode: Type.Integer({ description: 'The HTTP status a single attestation would answer with' }),
          message: Type.String(),
        }),
      ),
    }),
    { description: 'One result per item, in the order given' },
  ),
});

export const AttestationBody = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    applicationId: Type.String({ format: 'uuid' }),
    identityId: Type.String({ format: 'uuid' }),
    kind: Type.String(),
    status: Type.String(),
    requestedBy: Type.String(),
    plan: Type.Unknown(),
    error: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Attestation' },
);

export const AttestResponse = Type.Object({
  attestation: Type.Ref('Attestation'),
  identity: Type.Ref('InvestorIdentity'),
  operations: Type.Array(Type.Ref('ChainOperation')),
});

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const Person = Type.Object(
  { id: Type.String(), name: Type.String({ description: 'Display name; never an id' }) },
  { $id: 'CddPerson' },
);

export const ReviewBody = Type.Object(
  {
    assignedTo: Nullable(Type.Ref('CddPerson')),
    applicantEmail: Type.String(),
    /** Why two reviewers are needed; empty when one is enough. */
    grounds: Type.Array(Type.Union([Type.Literal('enhanced-due-diligence'), Type.Literal('red-override')])),
    approvalsNeeded: Type.Integer({ minimum: 1, maximum: 2 }),
    approvals: Type.Array(
      Type.Object({
        reviewer: Type.String({ description: "The reviewer's name" }),
        mine: Type.Boolean({ description: 'Given by the person asking' }),
        reason: Nullable(Type.String()),
        at: Type.String({ format: 'date-time' }),
      }),
      { description: 'Approvals given since the latest submission and not yet used by an attestation' },
    ),
    flags: Type.Array(Type.Object({ code: Type.String(), message: Type.String() }), {
      description: 'Inconsistencies for the reviewer to look at (e.g. accreditation against stated income)',
    }),
    decidedByName: Nullable(Type.String()),
  },
  { $id: 'CddReview' },
);

export const AttestPendingResponse = Type.Object({
  status: Type.Literal('awaiting-second-reviewer'),
  message: Type.String(),
  application: Type.Ref('OnboardingApplication'),
});

export const CddListQuery = Type.Object({
  status: Type.Optional(
    Type.Union(
      [...APPLICATION_STATUSES.map((v) => Type.Literal(v)), Type.Literal('awaiting'), Type.Literal('all')],
      {
        description: 'Default `awaiting`: everything waiting for a reviewer (submitted, in review)',
      },
    ),
  ),
  q: Type.Optional(Type.String({ maxLength: 200, description: "Part of the applicant's name or e-mail" })),
  sort: Type.Optional(
    Type.Union([Type.Literal('oldest'), Type.Literal('newest')], {
      description: 'By submission time; default `oldest` first (longest waiting)',
    }),
  ),
  assignee: Type.Optional(
    Type.Union([Type.Literal('me'), Type.Literal('unassigned'), Type.Literal('anyone')], {
      default: 'anyone',
    }),
  ),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

export const AssignBody = Type.Object(
  {
    reviewer: Type.Union([Type.Literal('me'), Type.String({ format: 'uuid' }), Type.Null()], {
      description: '`me`, the user id of a reviewer, or null to unassign',
    }),
  },
  { additionalProperties: false },
);
