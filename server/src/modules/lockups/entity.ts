import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseSchema } from '../../db/base.js';

/** How a holder came by a lot. */
export type LotSource = 'offering' | 'settlement' | 'issuance' | 'transfer';
export const LOT_SOURCES: readonly LotSource[] = ['offering', 'settlement', 'issuance', 'transfer'];

/**
 * One acquisition of an asset by a holder, written once when the acquisition is final (the
 * offering purchase's operation finalised, the settlement executed, the issue or transfer
 * finalised), with the holding period of the asset's rules at that moment. Sales consume the
 * holder's lots oldest-unlocked first (`remaining`); the lots are also the platform's read
 * model of who holds what, which the holder cap counts.
 */
export class AcquisitionLot extends BaseEntity {
  /** Platform asset id. */
  assetId!: string;
  holderDid!: string;
  /** The investor identity and user, when the holder is one of the platform's investors. */
  identityId: string | null = null;
  userId: string | null = null;
  quantity!: string;
  remaining!: string;
  /** Chain time of the acquisition. */
  acquiredAt!: Date;
  /** acquiredAt + the holding period; equal to acquiredAt when the asset has no lock-up. */
  unlocksAt!: Date;
  source!: LotSource;
  /** The subscription, settlement or chain operation the lot came from. */
  sourceId!: string;
  /** One lot per source and leg: the fence that makes a replayed hook write nothing. */
  sourceKey!: string;
}

export const AcquisitionLotSchema = new EntitySchema<AcquisitionLot, BaseEntity>({
  class: AcquisitionLot,
  tableName: 'acquisition_lot',
  extends: BaseSchema,
  indexes: [{ properties: ['assetId', 'holderDid', 'acquiredAt'] }],
  properties: {
    assetId: { type: 'uuid' },
    holderDid: { type: 'string', length: 66 },
    identityId: { type: 'uuid', nullable: true },
    userId: { type: 'uuid', nullable: true },
    quantity: { type: 'decimal', precision: 26, scale: 6 },
    remaining: { type: 'decimal', precision: 26, scale: 6 },
    acquiredAt: { type: 'Date', columnType: 'timestamptz(3)' },
    unlocksAt: { type: 'Date', columnType: 'timestamptz(3)' },
    source: { type: 'string', length: 16 },
    sourceId: { type: 'string', length: 100 },
    sourceKey: { type: 'string', length: 200, unique: true },
  },
});

/**
 * What a holder sent away of an asset, one row per sale (settlement leg, offering purchase from
 * the issuer, controller transfer, redemption): the affiliates' volume limit sums the last
 * three months of these.
 */
export class HolderSale extends BaseEntity {
  assetId!: string;
  holderDid!: string;
  quantity!: string;
  soldAt!: Date;
  sourceKey!: string;
}

export const HolderSaleSchema = new EntitySchema<HolderSale, BaseEntity>({
  class: HolderSale,
  tableName: 'holder_sale',
  extends: BaseSchema,
  indexes: [{ properties: ['assetId', 'holderDid', 'soldAt'] }],
  properties: {
    assetId: { type: 'uuid' },
    holderDid: { type: 'string', length: 66 },
    quantity: { type: 'decimal', precision: 26, scale: 6 },
    soldAt: { type: 'Date', columnType: 'timestamptz(3)' },
    sourceKey: { type: 'string', length: 200, unique: true },
  },
});
