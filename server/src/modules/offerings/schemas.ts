import Type from 'typebox';
import { MAX_TIERS } from '@stoa/chain';
import { Amount, DocumentInput, PositiveAmount } from '../assets/schemas.js';
import { ELIGIBILITY_CHECKS } from './eligibility.js';
import { OFFERING_DOCUMENT_KINDS } from './entity.js';
import { OFFERING_DOCUMENT_TYPES } from './documents.js';

const Sha256 = Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'SHA-256 of the file, hex' });

export const OfferingDocumentView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    kind: Type.Union(OFFERING_DOCUMENT_KINDS.map((k) => Type.Literal(k))),
    filename: Type.String(),
    contentType: Type.String(),
    size: Type.Integer(),
    sha256: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'OfferingDocument' },
);

export const AddDocumentBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, description: 'e.g. "Private placement memorandum"' }),
    kind: Type.Union(OFFERING_DOCUMENT_KINDS.map((k) => Type.Literal(k))),
    filename: Type.String({ minLength: 1, maxLength: 255 }),
    contentType: Type.Union(OFFERING_DOCUMENT_TYPES.map((t) => Type.Literal(t))),
    content: Type.String({ minLength: 1, description: 'The file, base64 (up to 10 MB of file)' }),
  },
  { additionalProperties: false },
);

export const AgreementBody = Type.Object(
  {
    fullName: Type.String({ minLength: 1, maxLength: 200, description: 'Typed full name, as verified' }),
    consent: Type.Boolean({ description: 'The investor agrees to be bound by the subscription agreement' }),
    documents: Type.Array(Type.Object({ id: Type.String({ format: 'uuid' }), sha256: Sha256 }), {
      maxItems: 20,
      description: 'Every document of the offering the investor read, with the hash they were shown',
    }),
  },
  { additionalProperties: false },
);

export const ImpactView = Type.Object(
  {
    action: Type.Union([Type.Literal('launch'), Type.Literal('close')]),
    summary: Type.String(),
    details: Type.Array(Type.String()),
    tokens: Amount,
    investors: Type.Integer(),
    raised: Amount,
    softCapMet: Type.Union([Type.Boolean(), Type.Null()]),
    outcome: Type.Union([
      Type.Literal('issue'),
      Type.Literal('release'),
      Type.Literal('refund'),
      Type.Literal('none'),
    ]),
  },
  { $id: 'OfferingImpact' },
);

const OFFERING_STATUSES = [
  'draft',
  'launching',
  'live',
  'frozen',
  'closing',
  'closed',
  'refunding',
  'refunded',
  'failed',
] as const;

export const OfferingInvestor = Type.Object({
  subscriptionId: Type.String({ format: 'uuid' }),
  identityId: Type.String({ format: 'uuid' }),
  name: Type.String(),
  email: Type.String(),
  did: Type.String(),
  amount: Amount,
  cost: Amount,
  status: Type.String({ description: 'pending, settled, failed, refunding, refunded' }),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

export const InvestorPageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'Default 50' })),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: 'The `nextCursor` of the previous page' }),
    ),
  },
  { additionalProperties: false },
);

export const OfferingListQuery = Type.Object(
  {
    assetId: Type.Optional(Type.String({ format: 'uuid' })),
    status: Type.Optional(Type.Union(OFFERING_STATUSES.map((s) => Type.Literal(s)))),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false },
);

export const EligibilityView = Type.Object(
  {
    eligible: Type.Boolean(),
    amount: Amount,
    cost: Type.String({ description: 'Decimal string in the payment asset' }),
    checks: Type.Array(
      Type.Object({
        check: Type.Union(ELIGIBILITY_CHECKS.map((c) => Type.Literal(c))),
        outcome: Type.Union([Type.Literal('passed'), Type.Literal('failed'), Type.Literal('skipped')]),
        detail: Type.String(),
      }),
    ),
    reasons: Type.Array(
      Type.Object({
        rule: Type.String(),
        message: Type.String(),
        link: Type.Optional(Type.String({ description: 'Where in the portal to fix it' })),
      }),
    ),
  },
  { $id: 'SubscriptionEligibility' },
);

export const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    paymentAssetId: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'The stablecoin asset investors pay with; unset: the platform stablecoin',
      }),
    ),
    tiers: Type.Array(
      Type.Object({ amount: PositiveAmount, price: PositiveAmount }, { additionalProperties: false }),
      { minItems: 1, maxItems: MAX_TIERS },
    ),
    minInvestment: Amount,
    maxInvestment: Type.Optional(Amount),
    softCap: Type.Optional(Amount),
    hardCap: Type.Optional(Amount),
    start: Type.Optional(Type.String({ format: 'date-time' })),
    end: Type.String({ format: 'date-time' }),
    eligibleClasses: Type.Optional(
      Type.Array(Type.Union([Type.Literal('accredited'), Type.Literal('non-us'), Type.Literal('reg-cf')]), {
        maxItems: 3,
      }),
    ),
    documents: Type.Optional(Type.Array(DocumentInput, { maxItems: 10 })),
  },
  { additionalProperties: false },
);
export const OfferingView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    assetId: Type.String(),
    paymentAssetId: Type.String(),
    name: Type.String(),
    status: Type.String(),
    terms: Type.Unknown(),
    fundraiserId: Type.Union([Type.Integer(), Type.Null()]),
    venueId: Type.Union([Type.Integer(), Type.Null()]),
    escrowPortfolio: Type.Union([Type.Integer(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
    dashboard: Type.Object({
      raised: Amount,
      investors: Type.Integer(),
      subscriptions: Type.Integer(),
      tiers: Type.Array(Type.Object({ amount: Amount, price: Amount, remaining: Amount })),
      chainStatus: Type.Unknown(),
    }),
    documents: Type.Array(Type.Ref('OfferingDocument'), {
      description: "The issuer's documents (PPM, subscription agreement) investors read and sign over",
    }),
    investors: Type.Optional(
      Type.Array(OfferingInvestor, {
        description:
          'The newest subscriptions with their investors (one page); issuer staff and auditors only. The rest: GET /offerings/:id/investors',
      }),
    ),
    investorsNextCursor: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description:
          'Where the investor list continues (GET /offerings/:id/investors?cursor=…); null: no more',
      }),
    ),
  },
  { $id: 'Offering' },
);
export const SubscribeBody = Type.Object(
  {
    amount: PositiveAmount,
    identityId: Type.Optional(
      Type.String({ format: 'uuid', description: 'Staff only: subscribe for this investor' }),
    ),
    /** Required to subscribe (not for the dry run): the signature over the current documents. */
    agreement: Type.Optional(AgreementBody),
  },
  { additionalProperties: false },
);
export const SubscriptionView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: Type.String(),
  amount: Amount,
  cost: Amount,
  failureReason: Type.Union([Type.String(), Type.Null()]),
  escrow: Type.Boolean({
    description: 'The payment is held in escrow until the soft cap is met (refunded if it is not)',
  }),
  signedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  operation: Type.Ref('ChainOperation'),
});
