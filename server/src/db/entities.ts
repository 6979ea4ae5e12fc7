import { BaseSchema } from './base.js';
import { TaxFormSchema, WithholdingRatesSchema } from '../modules/tax/entity.js';
import { ChainOperationSchema } from '../modules/operations/entity.js';
import { SignerLeaseSchema } from '../modules/operations/lease.js';
import { AuditAnchorSchema, AuditEntrySchema } from '../modules/audit/entity.js';
import {
  AccountTokenSchema,
  ApiKeySchema,
  SessionSchema,
  TwoFactorSchema,
  UserSchema,
} from '../modules/auth/entity.js';
import {
  AttestationSchema,
  IdentityClaimRecordSchema,
  InvestorIdentitySchema,
  NotificationSchema,
} from '../modules/identities/entity.js';
import { KycWebhookEventSchema } from '../modules/kyc/entity.js';
import {
  ApplicationDocumentSchema,
  ApplicationSchema,
  DocumentChunkSchema,
  DocumentUploadSchema,
} from '../modules/onboarding/entity.js';
import { DataKeySchema } from '../modules/keys/entity.js';
import { CddApprovalSchema } from '../modules/cdd/approval.js';

import { AssetSchema, IssuerSchema } from '../modules/assets/entity.js';
import { AssetRulesSchema } from '../modules/compliance/entity.js';
import {
  OfferingDocumentSchema,
  OfferingInvestorTotalSchema,
  OfferingSchema,
  OfferingTotalSchema,
  SubscriptionSchema,
} from '../modules/offerings/entity.js';
import { OrderSchema, TradeSchema, TradingBookSchema } from '../modules/trading/entity.js';
import { ChainCursorSchema, SettlementSchema } from '../modules/settlements/entity.js';
import { AcquisitionLotSchema, HolderSaleSchema } from '../modules/lockups/entity.js';
import { IdempotencyRecordSchema } from '../modules/idempotency/entity.js';
import { DepositSchema, TreasuryAccountSchema, WithdrawalSchema } from '../modules/treasury/entity.js';
import {
  AssetTradingSchema,
  VenueApprovalSchema,
  VenueAuthorisationSchema,
  VenueSchema,
  VenueTradeSchema,
} from '../modules/venues/entity.js';
import { WebhookDeliverySchema } from '../modules/webhooks/entity.js';

/** Every entity schema the ORM knows. Add new modules' schemas here. */
export const entities = [
  BaseSchema,
  ChainOperationSchema,
  SignerLeaseSchema,
  AuditEntrySchema,
  AuditAnchorSchema,
  UserSchema,
  SessionSchema,
  ApiKeySchema,
  AccountTokenSchema,
  TwoFactorSchema,
  ApplicationSchema,
  ApplicationDocumentSchema,
  KycWebhookEventSchema,
  InvestorIdentitySchema,
  IdentityClaimRecordSchema,
  AttestationSchema,
  NotificationSchema,
  IssuerSchema,
  AssetSchema,
  AssetRulesSchema,
  OfferingSchema,
  SubscriptionSchema,
  OfferingTotalSchema,
  OfferingInvestorTotalSchema,
  SettlementSchema,
  DataKeySchema,
  DocumentUploadSchema,
  DocumentChunkSchema,
  IdempotencyRecordSchema,
  CddApprovalSchema,
  TreasuryAccountSchema,
  DepositSchema,
  WithdrawalSchema,
  OfferingDocumentSchema,
  TaxFormSchema,
  WithholdingRatesSchema,
  OrderSchema,
  TradeSchema,
  TradingBookSchema,
  ChainCursorSchema,
  AcquisitionLotSchema,
  HolderSaleSchema,
  VenueSchema,
  VenueApprovalSchema,
  AssetTradingSchema,
  VenueAuthorisationSchema,
  VenueTradeSchema,
  WebhookDeliverySchema,
];
