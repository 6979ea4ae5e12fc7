import { EntitySchema } from '@mikro-orm/core';
import type { AssetDocument, AssetType, SecurityIdentifier } from '@stoa/chain';
import { BaseEntity, BaseSchema } from '../../db/base.js';

/** An issuer organisation: its operator account signs its assets' operations; its DID owns them. */
export class Issuer extends BaseEntity {
  name!: string;
  account!: string;
  did: string | null = null;
}

export const IssuerSchema = new EntitySchema<Issuer, BaseEntity>({
  class: Issuer,
  tableName: 'issuer',
  extends: BaseSchema,
  properties: {
    name: { type: 'string', length: 200, unique: true },
    account: { type: 'string', length: 64 },
    did: { type: 'string', length: 66, nullable: true },
  },
});

export type AssetStatus = 'creating' | 'active' | 'failed';

/** A security token (or the platform's stablecoin). `chainId` is known once creation is final. */
export class Asset extends BaseEntity {
  issuerId!: string;
  name!: string;
  ticker: string | null = null;
  assetType!: AssetType;
  divisible!: boolean;
  identifiers: SecurityIdentifier[] = [];
  fundingRound: string | null = null;
  documents: AssetDocument[] = [];
  chainId: string | null = null;
  status: AssetStatus = 'creating';
  error: string | null = null;
}

export const AssetSchema = new EntitySchema<Asset, BaseEntity>({
  class: Asset,
  tableName: 'asset',
  extends: BaseSchema,
  indexes: [{ properties: ['issuerId'] }],
  properties: {
    issuerId: { type: 'uuid' },
    name: { type: 'string', length: 128 },
    ticker: { type: 'string', length: 12, nullable: true, unique: true },
    assetType: { type: 'json' },
    divisible: { type: 'boolean' },
    identifiers: { type: 'json' },
    fundingRound: { type: 'string', length: 128, nullable: true },
    documents: { type: 'json' },
    chainId: { type: 'string', length: 36, nullable: true, unique: true },
    status: { type: 'string', length: 16 },
    error: { type: 'text', nullable: true },
  },
});
