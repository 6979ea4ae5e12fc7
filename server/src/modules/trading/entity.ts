import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseSchema } from '../../db/base.js';

export type OrderSide = 'buy' | 'sell';
export type OrderStatus = 'open' | 'partially-filled' | 'filled' | 'cancelled' | 'expired';
export const LIVE_ORDER_STATUSES: OrderStatus[] = ['open', 'partially-filled'];

/**
 * A limit order on the platform's ATS, priced in the platform stablecoin. `remaining` is what
 * is still on the book; what was matched is in trades (settling, settled or failed).
 */
export class Order extends BaseEntity {
  assetId!: string;
  side!: OrderSide;
  identityId!: string;
  userId!: string;
  did!: string;
  /** Limit price per token, in the stablecoin (decimal string). */
  price!: string;
  quantity!: string;
  remaining!: string;
  /** Quantity of this order in trades that settled on chain. */
  settled = '0';
  goodTill: Date | null = null;
  status: OrderStatus = 'open';
  /** When the investor agreed that the platform settles a match of this order for them. */
  consentAt!: Date;
  /** Why part of the order did not settle (a failed trade), in words. */
  failureReason: string | null = null;
  placedBy!: string;
  /** The request's Idempotency-Key scope: a retried placement answers with this order. */
  clientKey: string | null = null;
}

export const OrderSchema = new EntitySchema<Order, BaseEntity>({
  class: Order,
  tableName: 'trading_order',
  extends: BaseSchema,
  indexes: [
    { properties: ['assetId', 'status', 'side', 'price', 'createdAt'] },
    { properties: ['identityId', 'status'] },
  ],
  properties: {
    assetId: { type: 'uuid' },
    side: { type: 'string', length: 4 },
    identityId: { type: 'uuid' },
    userId: { type: 'uuid' },
    did: { type: 'string', length: 66 },
    price: { type: 'decimal', precision: 20, scale: 6 },
    quantity: { type: 'decimal', precision: 20, scale: 6 },
    remaining: { type: 'decimal', precision: 20, scale: 6 },
    settled: { type: 'decimal', precision: 20, scale: 6 },
    goodTill: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    status: { type: 'string', length: 20 },
    consentAt: { type: 'Date', columnType: 'timestamptz(3)' },
    failureReason: { type: 'text', nullable: true },
    placedBy: { type: 'string', length: 100 },
    clientKey: { type: 'string', length: 200, nullable: true, unique: true },
  },
});

/**
 * Where a match is on its way to settlement: its instruction being created, the parties'
 * affirmations (given by the platform under the consent of their orders), the transfer agent's
 * affirmation as mediator when the asset asks for one, the execution; then settled or failed.
 */
export type TradeStatus = 'instructing' | 'affirming' | 'mediating' | 'executing' | 'settled' | 'failed';
export const OPEN_TRADE_STATUSES: TradeStatus[] = ['instructing', 'affirming', 'mediating', 'executing'];

export class Trade extends BaseEntity {
  assetId!: string;
  buyOrderId!: string;
  sellOrderId!: string;
  buyerIdentityId!: string;
  sellerIdentityId!: string;
  buyerDid!: string;
  sellerDid!: string;
  /** The resting order's price. */
  price!: string;
  quantity!: string;
  /** price × quantity, in the stablecoin. */
  value!: string;
  status: TradeStatus = 'instructing';
  settlementId!: string;
  instructionId: number | null = null;
  venueId!: number;
  /** Chain affirmations final: until then the party's balance is reserved by the trade itself. */
  sellerAffirmed = false;
  buyerAffirmed = false;
  mediation = false;
  mediatorAffirmed = false;
  failureCode: string | null = null;
  failureReason: string | null = null;
  settledAt: Date | null = null;
  /** The platform-side deadline: an instruction still not executed then is rejected. */
  expiresAt!: Date;
}

export const TradeSchema = new EntitySchema<Trade, BaseEntity>({
  class: Trade,
  tableName: 'trading_trade',
  extends: BaseSchema,
  indexes: [
    { properties: ['assetId', 'createdAt'] },
    { properties: ['buyerIdentityId', 'status'] },
    { properties: ['sellerIdentityId', 'status'] },
    { properties: ['status', 'expiresAt'] },
  ],
  properties: {
    assetId: { type: 'uuid' },
    buyOrderId: { type: 'uuid' },
    sellOrderId: { type: 'uuid' },
    buyerIdentityId: { type: 'uuid' },
    sellerIdentityId: { type: 'uuid' },
    buyerDid: { type: 'string', length: 66 },
    sellerDid: { type: 'string', length: 66 },
    price: { type: 'decimal', precision: 20, scale: 6 },
    quantity: { type: 'decimal', precision: 20, scale: 6 },
    value: { type: 'decimal', precision: 26, scale: 6 },
    status: { type: 'string', length: 16 },
    settlementId: { type: 'uuid', unique: true },
    instructionId: { type: 'integer', nullable: true },
    venueId: { type: 'integer' },
    sellerAffirmed: { type: 'boolean' },
    buyerAffirmed: { type: 'boolean' },
    mediation: { type: 'boolean' },
    mediatorAffirmed: { type: 'boolean' },
    failureCode: { type: 'string', length: 100, nullable: true },
    failureReason: { type: 'text', nullable: true },
    settledAt: { type: 'Date', columnType: 'timestamptz(3)', nullable: true },
    expiresAt: { type: 'Date', columnType: 'timestamptz(3)' },
  },
});

/**
 * One row per traded asset: the book's lock (matching and order entry of the asset run under
 * it, one at a time) and the issuer's settings for trading it.
 */
export class TradingBook extends BaseEntity {
  assetId!: string;
  /** Orders priced more than this percentage away from the last trade are refused; null: no band. */
  bandPercent: string | null = null;
  /** Every trade waits for a transfer agent's approval (Polymesh mediator affirmation). */
  requireMediation = false;
  lastPrice: string | null = null;
}

export const TradingBookSchema = new EntitySchema<TradingBook, BaseEntity>({
  class: TradingBook,
  tableName: 'trading_book',
  extends: BaseSchema,
  properties: {
    assetId: { type: 'uuid', unique: true },
    bandPercent: { type: 'decimal', precision: 8, scale: 4, nullable: true },
    requireMediation: { type: 'boolean' },
    lastPrice: { type: 'decimal', precision: 20, scale: 6, nullable: true },
  },
});
