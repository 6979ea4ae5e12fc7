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
  /** The investor's signature of the subscription agreement over the offering's documents. */
  agreement: SubscriptionAgreement | null = null;
  /**
   * The chain's time when the investor subscribed (ahead of `createdAt` once the development
   * clock has moved): what the Reg CF 12-month window counts from.
   */
  chainTime: Date = new Date();
}

/** What the investor signed: their typed name, consent, and the documents (by hash) they read. */
export interface SubscriptionAgreement {
  fullName: string;
  consent: true;
  signedAt: string;
  /** `openedAt`: when the signer opened the document through the platform (null: not seen opening it). */
  documents: { id: string; name: string; kind: string; sha256: string; openedAt: string | null }[];
}

export const SubscriptionSchema = new EntitySchema<Subscription, BaseEntity>({
  class: Subscription,
  tableName: 'subscription',
  extends: BaseSchema,
  indexes: [
    { properties: ['offeringId'] },
    { properties: ['identityId'] },
    { properties: ['offeringId', 'status'] },
    { properties: ['offeringId', 'createdAt', 'id'] },
    { properties: ['identityId', 'chainTime'] },
  ],
  properties: {
    offeringId: { type: 'uuid' },
    identityId: { type: 'uuid' },
    did: { type: 'string', length: 66 },
    amount: { type: 'decimal', precision: 26, scale: 6 },
    cost: { type: 'decimal', precision: 26, scale: 6 },
    status: { type: 'string', length: 16 },
    operationId: { type: 'uuid', nullable: true },
    failureReason: { type: 'text', nullable: true },
    agreement: { type: 'json', nullable: true },
    chainTime: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});

export const OFFERING_DOCUMENT_KINDS = ['ppm', 'subscription-agreement', 'term-sheet', 'other'] as const;
export type OfferingDocumentKind = (typeof OFFERING_DOCUMENT_KINDS)[number];

/**
 * A document of an offering (private placement memorandum, subscription agreement…) uploaded
 * by the issuer: the file sealed with the keyring's document key, its SHA-256 in clear. Investors
 * read it before subscribing and sign over its hash.
 */
export class OfferingDocument extends BaseEntity {
  offeringId!: string;
  name!: string;
  kind!: OfferingDocumentKind;
  filename!: string;
  contentType!: string;
  size!: number;
  sha256!: string;
  content!: Buffer;
  uploadedBy!: string;
}

export const OfferingDocumentSchema = new EntitySchema<OfferingDocument, BaseEntity>({
  class: OfferingDocument,
  tableName: 'offering_document',
  extends: BaseSchema,
  indexes: [{ properties: ['offeringId'] }],
  properties: {
    offeringId: { type: 'uuid' },
    name: { type: 'string', length: 128 },
    kind: { type: 'string', length: 32 },
    filename: { type: 'string', length: 255 },
    contentType: { type: 'string', length: 100 },
    size: { type: 'integer' },
    sha256: { type: 'string', length: 64 },
    content: { type: 'blob', lazy: true },
    uploadedBy: { type: 'string', length: 100 },
  },
});

/**
 * An offering's running totals over its subscriptions in progress or settled, written only by
 * the `subscription_totals` trigger (Migration20261201151000_OfferingRunningTotals) and read
 * with SQL (eligibility.ts `offeringTotals`). Declared so the schema tools know the table.
 */
export class OfferingTotal {
  offeringId!: string;
  raised!: string;
  sold!: string;
  subscriptions!: number;
  investors!: number;
}

export const OfferingTotalSchema = new EntitySchema<OfferingTotal>({
  class: OfferingTotal,
  tableName: 'offering_total',
  properties: {
    offeringId: { type: 'uuid', primary: true },
    raised: { type: 'decimal', columnType: 'numeric', default: 0 },
    sold: { type: 'decimal', columnType: 'numeric', default: 0 },
    subscriptions: { type: 'integer', default: 0 },
    investors: { type: 'integer', default: 0 },
  },
});

/** What one investor has committed to one offering (its counted subscriptions), kept by the same trigger. */
export class OfferingInvestorTotal {
  offeringId!: string;
  identityId!: string;
  cost!: string;
  subscriptions!: number;
}

export const OfferingInvestorTotalSchema = new EntitySchema<OfferingInvestorTotal>({
  class: OfferingInvestorTotal,
  tableName: 'offering_investor_total',
  properties: {
    offeringId: { type: 'uuid', primary: true },
    identityId: { type: 'uuid', primary: true },
    cost: { type: 'decimal', columnType: 'numeric', default: 0 },
    subscriptions: { type: 'integer', default: 0 },
  },
});
