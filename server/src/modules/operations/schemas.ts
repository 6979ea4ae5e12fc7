import Type from 'typebox';
import { OPERATION_STATUSES } from './entity.js';

export const OperationBody = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.String({ description: 'Ledger call, e.g. system.remark' }),
    status: Type.Union(OPERATION_STATUSES.map((s) => Type.Literal(s))),
    idempotencyKey: Type.String(),
    signer: Type.String(),
    nonce: Type.Union([Type.Integer(), Type.Null()]),
    attempts: Type.Integer(),
    error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()], {
      description: 'The chain refusal of a failed operation',
    }),
    lastError: Type.Union([Type.String(), Type.Null()], {
      description:
        'Why the last attempt of an unfinished operation ended without an outcome (it is retried; the status is unchanged)',
    }),
    receipt: Type.Union([
      Type.Object({ txHash: Type.String(), blockNumber: Type.Integer(), blockHash: Type.String() }),
      Type.Null(),
    ]),
    result: Type.Unknown(),
    subject: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    finalisedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'ChainOperation' },
);

export const OperationParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const OperationListQuery = Type.Object({
  status: Type.Optional(Type.Union(OPERATION_STATUSES.map((s) => Type.Literal(s)))),
  subjectType: Type.Optional(Type.String({ maxLength: 50 })),
  subjectId: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

export const RemarkBody = Type.Object(
  { remark: Type.String({ minLength: 1, maxLength: 1024, description: 'Text anchored on chain' }) },
  { additionalProperties: false },
);
