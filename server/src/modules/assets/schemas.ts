import {
  ASSET_NAME_MAX_BYTES,
  CONTENT_HASH_BYTES,
  DOCUMENT_NAME_MAX_BYTES,
  DOCUMENT_TYPE_MAX_BYTES,
  DOCUMENT_URI_MAX_BYTES,
  FUNDING_ROUND_MAX_BYTES,
  KNOWN_ASSET_TYPES,
  PERMISSION_NAME_MAX_BYTES,
  TICKER_PATTERN,
} from '@stoa/chain';
import Type from 'typebox';
import { ChainText } from '../../schemas.js';

const AMOUNT_PATTERN = '^\\d{1,13}(\\.\\d{1,6})?$';
export const Amount = Type.String({ pattern: AMOUNT_PATTERN, description: 'Decimal string, ≤ 6 decimals' });
/** What the chain moves, issues or redeems: zero is refused on chain, so here. */
export const PositiveAmount = Type.String({
  pattern: AMOUNT_PATTERN,
  'x-positive': true,
  description: 'Decimal string above 0, ≤ 6 decimals',
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
    name: ChainText(DOCUMENT_NAME_MAX_BYTES),
    uri: ChainText(DOCUMENT_URI_MAX_BYTES),
    contentHash: Type.String({
      pattern: `^0x(${CONTENT_HASH_BYTES.map((n) => `[0-9a-f]{${n * 2}}`).join('|')})$`,
      description: 'Hash of the file (e.g. SHA-256), recorded on chain',
    }),
    type: Type.Optional(ChainText(DOCUMENT_TYPE_MAX_BYTES)),
    filedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

export const AssetTypeSchema = Type.Union(KNOWN_ASSET_TYPES.map((t) => Type.Literal(t)));

export const CreateAssetBody = Type.Object(
  {
    issuerId: Type.Optional(Type.String({ format: 'uuid' })),
    name: ChainText(ASSET_NAME_MAX_BYTES),
    ticker: Type.Optional(
      Type.String({ pattern: TICKER_PATTERN, description: 'Reserved and linked to the asset' }),
    ),
    assetType: AssetTypeSchema,
    divisible: Type.Boolean(),
    identifiers: Type.Optional(Type.Array(Identifier, { maxItems: 5 })),
    fundingRound: Type.Optional(ChainText(FUNDING_ROUND_MAX_BYTES)),
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
    hasRules: Type.Optional(
      Type.Boolean({
        description:
          'Whether compliance rules were set (GET /assets/:id only; GET /assets/:id/rules answers 404 until then)',
      }),
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
    amount: PositiveAmount,
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
    amount: PositiveAmount,
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
      values: Type.Array(
        Type.String({ pattern: '^[a-zA-Z]+(\\.[a-zA-Z]+)?$', maxLength: PERMISSION_NAME_MAX_BYTES }),
        { minItems: 1, maxItems: 50 },
      ),
    }),
  },
  { additionalProperties: false },
);
