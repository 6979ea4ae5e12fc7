import Type from 'typebox';

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
  },
  { additionalProperties: false },
);

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
