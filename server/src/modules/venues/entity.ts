import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseSchema } from '../../db/base.js';

export type VenueKind = 'platform-ats' | 'external';
export type VenueChainType = 'Exchange' | 'Other';
export type VenueStatus = 'creating' | 'active' | 'failed';

/** A Polymesh venue the platform created (its operator is the venue's creator on chain). */
export class Venue extends BaseEntity {
  name!: string;
  kind!: VenueKind;
  venueType!: VenueChainType;
  /** Accounts whose receipts the venue accepts (Polymesh venue signers). */
  signers: string[] = [];
  /** The licensed organisation running an external venue (null for the platform ATS). */
  organisation: string | null = null;
  /** The venue-operator user whose API keys act for this venue. */
  operatorUserId: string | null = null;
  chainVenueId: number | null = null;
  status: VenueStatus = 'creating';
  error: string | null = null;
  /** Where settlement outcomes are POSTed (signed); null: no webhooks. */
  webhookUrl: string | null = null;
  /** HMAC-SHA256 secret of the webhooks; shown once when set or rotated. */
  webhookSecret: string | null = null;
  registeredBy!: string;
}

export const VenueSchema = new EntitySchema<Venue, BaseEntity>({
  class: Venue,
  tableName: 'venue',
  extends: BaseSchema,
  properties: {
    name: { type: 'string', length: 100, unique: true },
    kind: { type: 'string', length: 16 },
    venueType: { type: 'string', length: 16 },
    signers: { type: 'json' },
    organisation: { type: 'string', length: 200, nullable: true },
    operatorUserId: { type: 'uuid', nullable: true, unique: true },
    chainVenueId: { type: 'integer', nullable: true, unique: true },
    status: { type: 'string', length: 16 },
    error: { type: 'text', nullable: true },
    webhookUrl: { type: 'string', length: 500, nullable: true },
    webhookSecret: { type: 'string', length: 100, nullable: true, lazy: true },
    registeredBy: { type: 'string', length: 100 },
  },
});

/**
 * The issuer's decision that a venue may (approved) or may not settle an asset, and whether the
 * chain has it yet (`onChain`: the last allow / disallow finalised).
 */
export class VenueApproval extends BaseEntity {
  assetId!: string;
  venueId!: string;
  approved!: boolean;
  onChain = false;
  operationId: string | null = null;
  decidedBy!: string;
  reason: string | null = null;
}

export const VenueApprovalSchema = new EntitySchema<VenueApproval, BaseEntity>({
  class: VenueApproval,
  tableName: 'venue_approval',
  extends: BaseSchema,
  uniques: [{ properties: ['assetId', 'venueId'] }],
  indexes: [{ properties: ['venueId'] }],
  properties: {
    assetId: { type: 'uuid' },
    venueId: { type: 'uuid' },
    approved: { type: 'boolean' },
    onChain: { type: 'boolean' },
    operationId: { type: 'uuid', nullable: true },
    decidedBy: { type: 'string', length: 100 },
    reason: { type: 'text', nullable: true },
  },
});

/** A daily trading window in a named time zone: `start`/`end` as HH:MM local time. */
export interface TradingWindow {
  start: string;
  end: string;
  timeZone: string;
}

/** Secondary trading controls of one asset: venue filtering on chain, halt, window. */
export class AssetTrading extends BaseEntity {
  assetId!: string;
  filteringOperationId: string | null = null;
  halted = false;
  haltReason: string | null = null;
  haltedBy: string | null = null;
  haltedAt: Date | null = null;
  window: TradingWindow | null = null;
}

export const AssetTradingSchema = new EntitySchema<AssetTrading, BaseEntity>({
  class: AssetTrading,
  tableName: 'asset_trading',
  extends: BaseSchema,
  properties: {
    assetId: { type: 'uuid', unique: true },
    filteringOperationId: { type: 'uuid', nullable: true },
    halted: { type: 'boolean' },
    haltReason: { type: 'text', nullable: true },
    haltedBy: { type: 'string', length: 100, nullable: true },
    haltedAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    window: { type: 'json', nullable: true },
  },
});

/** An investor's consent that a venue's trades are affirmed for them by the platform. */
export class VenueAuthorisation extends BaseEntity {
  identityId!: string;
  venueId!: string;
  active = true;
  changedBy!: string;
}

export const VenueAuthorisationSchema = new EntitySchema<VenueAuthorisation, BaseEntity>({
  class: VenueAuthorisation,
  tableName: 'venue_authorisation',
  extends: BaseSchema,
  uniques: [{ properties: ['identityId', 'venueId'] }],
  properties: {
    identityId: { type: 'uuid' },
    venueId: { type: 'uuid' },
    active: { type: 'boolean' },
    changedBy: { type: 'string', length: 100 },
  },
});

export type VenueTradeStatus = 'pending' | 'settled' | 'failed';

/** A trade an external venue matched and submitted for settlement. */
export class VenueTrade extends BaseEntity {
  venueId!: string;
  /** The venue's own id of the trade: unique per venue. */
  tradeId!: string;
  /** SHA-256 of the trade's content, to tell a retry from a different trade under the same id. */
  contentHash!: string;
  assetId!: string;
  paymentAssetId!: string;
  sellerDid!: string;
  buyerDid!: string;
  quantity!: string;
  price!: string;
  settlementId!: string;
  status: VenueTradeStatus = 'pending';
  failureReason: string | null = null;
  settledAt: Date | null = null;
  submittedBy!: string;
}

export const VenueTradeSchema = new EntitySchema<VenueTrade, BaseEntity>({
  class: VenueTrade,
  tableName: 'venue_trade',
  extends: BaseSchema,
  uniques: [{ properties: ['venueId', 'tradeId'] }],
  indexes: [{ properties: ['status'] }, { properties: ['settlementId'] }],
  properties: {
    venueId: { type: 'uuid' },
    tradeId: { type: 'string', length: 100 },
    contentHash: { type: 'string', length: 64 },
    assetId: { type: 'uuid' },
    paymentAssetId: { type: 'uuid' },
    sellerDid: { type: 'string', length: 66 },
    buyerDid: { type: 'string', length: 66 },
    quantity: { type: 'decimal', precision: 26, scale: 6 },
    price: { type: 'decimal', precision: 26, scale: 6 },
    settlementId: { type: 'uuid' },
    status: { type: 'string', length: 16 },
    failureReason: { type: 'text', nullable: true },
    settledAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    submittedBy: { type: 'string', length: 100 },
  },
});
