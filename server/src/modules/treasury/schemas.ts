import Type from 'typebox';
import { Amount, PositiveAmount } from '../assets/schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const When = Type.String({ format: 'date-time' });

export const Reference = Type.String({
  minLength: 4,
  maxLength: 40,
  description: 'The deposit reference the investor quoted, e.g. STOA-7KQ4-M9TD',
});
export const BankTxId = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '\\S',
  description: "The bank's id of the incoming payment; the same id is credited once",
});

export const DepositView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  reference: Type.String(),
  amount: Amount,
  bankTxId: Type.String(),
  source: Type.Union([Type.Literal('operator'), Type.Literal('webhook')]),
  status: Type.String({
    description: 'pre-approving, issuing, transferring, credited, awaiting-affirmation, failed',
  }),
  failureReason: Nullable(Type.String()),
  createdAt: When,
  creditedAt: Nullable(When),
  investor: Type.Optional(Type.Object({ name: Type.String(), email: Type.String() })),
});

export const WithdrawalView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  amount: Amount,
  payTo: Type.String(),
  status: Type.String({ description: 'transferring, redeeming, awaiting-payout, paid, failed' }),
  bankReference: Nullable(Type.String()),
  failureReason: Nullable(Type.String()),
  createdAt: When,
  paidAt: Nullable(When),
  investor: Type.Optional(Type.Object({ name: Type.String(), email: Type.String() })),
});

export const HistoryItem = Type.Object({
  kind: Type.Union([Type.Literal('deposit'), Type.Literal('withdrawal'), Type.Literal('subscription')]),
  id: Type.String({ format: 'uuid' }),
  /** Positive: money in; negative: money out. */
  amount: Type.String({ description: 'Signed decimal string: money in is positive, out negative' }),
  status: Type.String(),
  description: Type.String(),
  at: When,
});

export const MyMoney = Type.Object({
  currency: Type.Object({
    assetId: Nullable(Type.String({ format: 'uuid' })),
    name: Type.String(),
    ticker: Type.String(),
    ready: Type.Boolean({ description: 'False while the platform stablecoin is still being created' }),
  }),
  instructions: Type.Object({
    reference: Type.String(),
    accountName: Type.String(),
    bankName: Type.String(),
    iban: Type.String(),
    bic: Type.String(),
  }),
  preApproved: Type.Boolean({
    description: 'Payments from the platform arrive without you accepting each one',
  }),
  balance: Type.Object({ total: Amount, available: Amount, held: Amount }),
  history: Type.Array(HistoryItem),
});

export const RecordDepositBody = Type.Object(
  { reference: Reference, amount: PositiveAmount, bankTxId: BankTxId },
  { additionalProperties: false },
);

export const WithdrawBody = Type.Object(
  {
    amount: PositiveAmount,
    payTo: Type.String({
      minLength: 5,
      maxLength: 100,
      pattern: '\\S',
      description: 'Your bank account (IBAN or account number) the money is paid to',
    }),
  },
  { additionalProperties: false },
);

export const PaidBody = Type.Object(
  { bankReference: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) },
  { additionalProperties: false },
);

export const AccountLookup = Type.Object({
  reference: Type.String(),
  investor: Type.Object({ name: Type.String(), email: Type.String() }),
  canReceive: Type.Boolean(),
});
