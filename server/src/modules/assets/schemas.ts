import { KNOWN_ASSET_TYPES } from '@stoa/chain';
import Type from 'typebox';

export const Amount = Type.String({
  pattern: '^\\d{1,13}(\\.\\d{1,6})?$',
  description: 'Decimal string, ≤ 6 decimals',
});
export const Did = Type.String({ pattern: '^0x[0-9a-f]{64}$' });
export const PortfolioRefSchema = Type.Object(
  { did: Did, number: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false, description: 'A portfolio: Default when number is 0 or omitted' },
);
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const Identifier = Type.Object(
  {
    type: Type.Union(['Isin', 'Cusip', 'Cins', 'Lei', 'Figi'].map((t) => Type.Literal(t))),
    value: Type.String({ minLength: 9, maxLength: 20, pattern: '^[0-9A-Z*@#]+$' }),
  },
  { additionalProperties: false },
);
export const DocumentInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    uri: Type.String({ minLength: 1, maxLength: 1024 }),
    contentHash: Type.String({
      pattern:
        '^0x([0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{48}|[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$',
      description: 'Hash of the file (e.g. SHA-256), recorded on chain',
    }),
    type: Type.Optional(Type.String({ maxLength: 64 })),
    filedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const AssetTypeSchema = Type.Union(KNOWN_ASSET_TYPES.map((t) => Type.Literal(t)));

export const CreateAssetBody = Type.Object(
  {
    issuerId: Type.Optional(Type.String({ format: 'uuid' })),
    name: Type.String({ minLength: 1, maxLength: 128 }),
    ticker: Type.Optional(
      Type.String({ pattern: '^[A-Z0-9_./-]{1,12}$', description: 'Reserved and linked to the asset' }),
    ),
    assetType: AssetTypeSchema,
    divisible: Type.Boolean(),
    identifiers: Type.Optional(Type.Array(Identifier, { maxItems: 5 })),
    fundingRound: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    documents: Type.Optional(Type.Array(DocumentInput, { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export const AssetBody = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    issuerId: Type.String({ format: 'uuid' }),
    name: Type.String(),
    ticker: Type.Union([Type.String(), Type.Null()]),
    assetType: Type.Unknown(),
    divisible: Type.Boolean(),
    identifiers: Type.Array(Identifier),
    fundingRound: Type.Union([Type.String(), Type.Null()]),
    documents: Type.Array(Type.Unknown()),
    chainId: Type.Union([Type.String(), Type.Null()], {
      description: 'Polymesh asset id once creation is final',
    }),
    status: Type.Union([Type.Literal('creating'), Type.Literal('active'), Type.Literal('failed')]),
    error: Type.Union([Type.String(), Type.Null()]),
    onChain: Type.Optional(
      Type.Object({ totalSupply: Amount, frozen: Type.Boolean(), holders: Type.Integer(), owner: Did }),
    ),
  },
  { $id: 'Asset' },
);

export const AcceptedAsset = Type.Object({ asset: Type.Ref('Asset'), operation: Type.Ref('ChainOperation') });

export const IssuerBody = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  account: Type.String(),
  did: Type.Union([Type.String(), Type.Null()]),
});

export const AmountBody = Type.Object(
  {
    amount: Amount,
    portfolio: Type.Optional(
      Type.Integer({ minimum: 1, description: 'User portfolio number; Default when omitted' }),
    ),
  },
  { additionalProperties: false },
);
export const FreezeBody = Type.Object(
  { reason: Type.String({ minLength: 3, maxLength: 500 }) },
  { additionalProperties: false },
);
export const ControllerTransferBody = Type.Object(
  {
    from: PortfolioRefSchema,
    amount: Amount,
    reason: Type.String({
      minLength: 3,
      maxLength: 500,
      description: 'Mandatory: why the tokens are forced back (court order, error...)',
    }),
  },
  { additionalProperties: false },
);
export const AgentBody = Type.Object(
  {
    did: Did,
    group: Type.Union([
      Type.Object({
        type: Type.Union([
          Type.Literal('Full'),
          Type.Literal('ExceptMeta'),
          Type.Literal('PolymeshV1CAA'),
          Type.Literal('PolymeshV1PIA'),
        ]),
      }),
      Type.Object({ type: Type.Literal('Custom'), id: Type.Integer({ minimum: 1 }) }),
    ]),
  },
  { additionalProperties: false },
);
export const GroupBody = Type.Object(
  {
    permissions: Type.Object({
      type: Type.Union([Type.Literal('Include'), Type.Literal('Exclude')]),
      values: Type.Array(Type.String({ pattern: '^[a-zA-Z]+(\\.[a-zA-Z]+)?$' }), {
        minItems: 1,
        maxItems: 50,
      }),
    }),
  },
  { additionalProperties: false },
);
