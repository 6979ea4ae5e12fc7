import Type from 'typebox';
import { Did, PositiveAmount } from '../assets/schemas.js';
import { MAX_PRETRADE_PAIRS } from './service.js';

const EXAMPLE_DID_A = '0x' + 'a1'.repeat(32);
const EXAMPLE_DID_B = '0x' + 'b2'.repeat(32);
const EXAMPLE_ASSET = '0b9f3c5e-4a7d-4d2b-9a53-6f0e2c1d8b47';

export const VenueParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const AssetVenueParams = Type.Object({
  id: Type.String({ format: 'uuid', description: 'Platform asset id' }),
  venueId: Type.String({ format: 'uuid' }),
});

export const VenueView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    kind: Type.Union([Type.Literal('platform-ats'), Type.Literal('external')]),
    venueType: Type.Union([Type.Literal('Exchange'), Type.Literal('Other')]),
    organisation: Type.Union([Type.String(), Type.Null()]),
    operatorEmail: Type.Union([Type.String(), Type.Null()]),
    chainVenueId: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Polymesh venue id, once created',
    }),
    status: Type.Union([Type.Literal('creating'), Type.Literal('active'), Type.Literal('failed')]),
    error: Type.Union([Type.String(), Type.Null()]),
    signers: Type.Array(Type.String()),
    webhookUrl: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Venue' },
);

export const RegisterVenueBody = Type.Object(
  {
    name: Type.String({ minLength: 2, maxLength: 100, examples: ['Harbour Securities ATS'] }),
    venueType: Type.Union([Type.Literal('Exchange'), Type.Literal('Other')], {
      description: 'Polymesh venue type: Exchange for a trading venue, Other for a broker-dealer',
    }),
    organisation: Type.String({ minLength: 2, maxLength: 200, examples: ['Harbour Securities LLC'] }),
    operatorEmail: Type.String({
      format: 'email',
      maxLength: 254,
      description: 'The venue-operator user whose API keys act for the venue',
      examples: ['ops@harbour.example'],
    }),
    signers: Type.Optional(
      Type.Array(Type.String({ minLength: 46, maxLength: 64 }), {
        maxItems: 16,
        description: 'Accounts whose receipts the venue accepts (Polymesh venue signers)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const SignersBody = Type.Object(
  { signers: Type.Array(Type.String({ minLength: 46, maxLength: 64 }), { maxItems: 16 }) },
  { additionalProperties: false },
);

export const TradingWindowSchema = Type.Object(
  {
    start: Type.String({ description: 'Opening time, HH:MM local', examples: ['09:30'] }),
    end: Type.String({ description: 'Closing time, HH:MM local', examples: ['16:00'] }),
    timeZone: Type.String({ maxLength: 64, description: 'IANA time zone', examples: ['America/New_York'] }),
  },
  { additionalProperties: false },
);

export const TradingView = Type.Object({
  filtering: Type.Boolean({
    description: 'Venue filtering is on for the asset (only approved venues settle it)',
  }),
  halted: Type.Boolean(),
  haltReason: Type.Union([Type.String(), Type.Null()]),
  haltedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  window: Type.Union([TradingWindowSchema, Type.Null()]),
});

export const AssetVenuesView = Type.Object({
  trading: TradingView,
  venues: Type.Array(
    Type.Object({
      venue: Type.Ref('Venue'),
      approved: Type.Boolean(),
      onChain: Type.Boolean({ description: 'The chain has the latest decision' }),
      decidedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      pendingTrades: Type.Integer({
        description: 'Trades at this venue waiting to settle: a revocation makes them fail',
      }),
    }),
  ),
});

export const ApprovalBody = Type.Object(
  {
    approved: Type.Boolean(),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const HaltBody = Type.Object(
  {
    reason: Type.String({
      minLength: 3,
      maxLength: 500,
      examples: ['Material news pending: issuer announcement at 14:00'],
    }),
  },
  { additionalProperties: false },
);

export const WindowBody = Type.Object(
  { window: Type.Union([TradingWindowSchema, Type.Null()], { description: 'null: trading at any time' }) },
  { additionalProperties: false },
);

export const InvestorVenuesView = Type.Array(
  Type.Object({
    venue: Type.Object({
      id: Type.String({ format: 'uuid' }),
      name: Type.String(),
      organisation: Type.Union([Type.String(), Type.Null()]),
    }),
    authorised: Type.Boolean({ description: 'The platform affirms this venue’s trades for you' }),
    since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  }),
);

export const AuthorisationBody = Type.Object({ authorised: Type.Boolean() }, { additionalProperties: false });

// ---------------------------------------------------------------- the external venue API

const Reason = Type.Object({ rule: Type.String(), message: Type.String() });

export const PretradeBody = Type.Object(
  {
    pairs: Type.Array(
      Type.Object(
        {
          assetId: Type.String({ format: 'uuid', description: 'Platform asset id' }),
          from: Did,
          to: Did,
          amount: PositiveAmount,
        },
        { additionalProperties: false },
      ),
      { minItems: 1, description: `Up to ${MAX_PRETRADE_PAIRS} transfers (seller DID → buyer DID)` },
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        pairs: [
          { assetId: EXAMPLE_ASSET, from: EXAMPLE_DID_A, to: EXAMPLE_DID_B, amount: '100' },
          { assetId: EXAMPLE_ASSET, from: EXAMPLE_DID_B, to: EXAMPLE_DID_A, amount: '25.5' },
        ],
      },
    ],
  },
);

export const PretradeResult = Type.Object(
  {
    results: Type.Array(
      Type.Object({
        index: Type.Integer({ description: 'Position of the pair in the request' }),
        allowed: Type.Boolean(),
        reasons: Type.Array(Reason, { description: 'One per failed rule, in words' }),
      }),
    ),
  },
  {
    examples: [
      {
        results: [
          { index: 0, allowed: true, reasons: [] },
          {
            index: 1,
            allowed: false,
            reasons: [{ rule: 'Reg D 506(c)', message: 'the receiver is not an accredited investor' }],
          },
        ],
      },
    ],
  },
);

export const TradeBody = Type.Object(
  {
    tradeId: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[A-Za-z0-9._:-]+$',
      description: 'Your id of the trade, unique at your venue: resubmitting it is safe',
    }),
    assetId: Type.String({ format: 'uuid', description: 'Platform asset id of the security' }),
    seller: Did,
    buyer: Did,
    quantity: PositiveAmount,
    price: PositiveAmount,
    paymentAssetId: Type.Optional(
      Type.String({ format: 'uuid', description: 'Asset paid in; the platform stablecoin when omitted' }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        tradeId: 'HX-2026-000123',
        assetId: EXAMPLE_ASSET,
        seller: EXAMPLE_DID_A,
        buyer: EXAMPLE_DID_B,
        quantity: '60',
        price: '12.5',
      },
    ],
  },
);

export const TradeView = Type.Object(
  {
    tradeId: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('settled'), Type.Literal('failed')]),
    assetId: Type.String({ format: 'uuid' }),
    paymentAssetId: Type.String({ format: 'uuid' }),
    seller: Type.String(),
    buyer: Type.String(),
    quantity: Type.String(),
    price: Type.String(),
    instructionId: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Polymesh instruction id, once created',
    }),
    awaitingAffirmation: Type.Array(Type.Union([Type.Literal('seller'), Type.Literal('buyer')]), {
      description: 'Parties who have not let your venue settle for them: they affirm in the portal',
    }),
    failureReason: Type.Union([Type.String(), Type.Null()], { description: "The chain's reason, in words" }),
    submittedAt: Type.String({ format: 'date-time' }),
    settledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  {
    $id: 'VenueTrade',
    examples: [
      {
        tradeId: 'HX-2026-000123',
        status: 'settled',
        assetId: EXAMPLE_ASSET,
        paymentAssetId: 'c3d1e0a2-5b6f-4e8a-9c7d-1f2e3a4b5c6d',
        seller: EXAMPLE_DID_A,
        buyer: EXAMPLE_DID_B,
        quantity: '60',
        price: '12.5',
        instructionId: 42,
        awaitingAffirmation: [],
        failureReason: null,
        submittedAt: '2026-12-02T14:03:11.000Z',
        settledAt: '2026-12-02T14:03:17.000Z',
      },
    ],
  },
);

export const TradeParams = Type.Object({ tradeId: Type.String({ minLength: 1, maxLength: 100 }) });

export const WebhookBody = Type.Object(
  {
    url: Type.String({
      format: 'uri',
      pattern: '^https?://',
      maxLength: 500,
      description: 'Where settlement outcomes are POSTed',
      examples: ['https://hooks.harbour.example/stoa'],
    }),
  },
  { additionalProperties: false },
);

export const WebhookView = Type.Object({
  url: Type.Union([Type.String(), Type.Null()]),
  secret: Type.Union([Type.String(), Type.Null()], {
    description:
      'The signing secret: shown only when it is created or rotated. Keep it; it is not shown again.',
  }),
});

export const DeliveryView = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The event id (X-Stoa-Event-Id)' }),
  eventType: Type.String({ examples: ['trade.settled'] }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  payload: Type.Unknown(),
});
