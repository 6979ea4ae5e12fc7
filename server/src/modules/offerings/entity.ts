import { EntitySchema } from '@mikro-orm/core';
import { BaseEntity, BaseSchema } from '../../db/base.js';

export interface OfferingTerms {
  tiers: { amount: string; price: string }[];
  minInvestment: string;
  maxInvestment: string | null;
  softCap: string | null;
  hardCap: string | null;
  start: string | null;
  end: string;
  eligibleClasses: InvestorClass[];
  documents: { name: string; uri: string; contentHash?: string }[];
}

export type InvestorClass = 'accredited' | 'non-us' | 'reg-cf';

export type OfferingStatus =
  'draft' | 'launching' | 'live' | 'frozen' | 'closing' | 'closed' | 'refunding' | 'refunded' | 'failed';

/** A primary offering of an asset, priced in the payment asset (the platform stablecoin). */
export class Offering extends BaseEntity {
  assetId!: string;
  paymentAssetId!: string;
  name!: string;
  terms!: OfferingTerms;
  status: OfferingStatus = 'draft';
  venueId: number | null = null;
  /** User portfolio of the issuer holding raised funds until the soft cap is met (escrow). */
  escrowPortfolio: number | null = null;
  fundraiserId: number | null = null;
  error: string | null = null;
}

export const OfferingSchema = new EntitySchema<Offering, BaseEntity>({
  class: Offering,
  tableName: 'offering',
  extends: BaseSchema,
  indexes: [{ properties: ['assetId'] }],
  properties: {
    assetId: { type: 'uuid' },
    paymentAssetId: { type: 'uuid' },
    name: { type: 'string', length: 128 },
    terms: { type: 'json' },
    status: { type: 'string', length: 16 },
    venueId: { type: 'integer', nullable: true },
    escrowPortfolio: { type: 'integer', nullable: true },
    fundraiserId: { type: 'integer', nullable: true },
    error: { type: 'text', nullable: true },
  },
});

export type SubscriptionStatus = 'pending' | 'settled' | 'failed' | 'refunding' | 'refunded';

export class Subscription extends BaseEntity {
  offeringId!: string;
  identityId!: string;
  did!: string;
  amount!: string;
  /** Expected cost at the time of subscribing; the chain's cost once settled. */
  cost!: string;
  status: SubscriptionStatus = 'pending';
  operationId: string | null = null;
  failureReason: string | null = null;
}

export const SubscriptionSchema = new EntitySchema<Subscription, BaseEntity>({
  class: Subscription,
  tableName: 'subscription',
  extends: BaseSchema,
  indexes: [{ properties: ['offeringId'] }, { properties: ['identityId'] }],
  properties: {
    offeringId: { type: 'uuid' },
    identityId: { type: 'uuid' },
    did: { type: 'string', length: 66 },
    amount: { type: 'decimal', precision: 26, scale: 6 },
    cost: { type: 'decimal', precision: 26, scale: 6 },
    status: { type: 'string', length: 16 },
    operationId: { type: 'uuid', nullable: true },
    failureReason: { type: 'text', nullable: true },
  },
});
