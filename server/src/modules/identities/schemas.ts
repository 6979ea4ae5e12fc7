import Type from 'typebox';

export const IdentityBody = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    userId: Type.String({ format: 'uuid' }),
    applicationId: Type.String({ format: 'uuid' }),
    account: Type.String({ description: 'SS58 address' }),
    custodial: Type.Boolean(),
    did: Type.Union([Type.String(), Type.Null()]),
    standing: Type.String({ description: 'pending | good | not-in-good-standing | revoked' }),
    standingReason: Type.Union([Type.String(), Type.Null()]),
    lastAttestedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    claims: Type.Array(
      Type.Object({
        key: Type.String(),
        type: Type.String(),
        claim: Type.Unknown(),
        status: Type.String(),
        expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        operationId: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
  },
  { $id: 'InvestorIdentity' },
);

export const ScanResultBody = Type.Object({
  notified: Type.Integer(),
  expired: Type.Integer(),
  lapsedIdentities: Type.Integer(),
});
