import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124194228_Initial } from './Migration20261124194228_Initial.js';
import { Migration20261124195755_Onboarding } from './Migration20261124195755_Onboarding.js';
import { Migration20261124200355_Tokenization } from './Migration20261124200355_Tokenization.js';
import { Migration20261124210313_AuditAnchors } from './Migration20261124210313_AuditAnchors.js';
import { Migration20261201084130_OutboxLeases } from './Migration20261201084130_OutboxLeases.js';
import { Migration20261201084518_AuditVerification } from './Migration20261201084518_AuditVerification.js';
import { Migration20261201084552_Idempotency } from './Migration20261201084552_Idempotency.js';
import { Migration20261201084706_Keys } from './Migration20261201084706_Keys.js';
import { Migration20261201084819_UserDisable } from './Migration20261201084819_UserDisable.js';
import { Migration20261201120033_NotificationMail } from './Migration20261201120033_NotificationMail.js';
import { Migration20261201120036_OfferingDocuments } from './Migration20261201120036_OfferingDocuments.js';
import { Migration20261201120041_AccountBasics } from './Migration20261201120041_AccountBasics.js';
import { Migration20261201120132_Treasury } from './Migration20261201120132_Treasury.js';
import { Migration20261201120139_KycVendors } from './Migration20261201120139_KycVendors.js';
import { Migration20261201121000_CddReview } from './Migration20261201121000_CddReview.js';
import { Migration20261201133530_PartyIndex } from './Migration20261201133530_PartyIndex.js';
import { Migration20261201134716_OfferingTotalsIndex } from './Migration20261201134716_OfferingTotalsIndex.js';
import { Migration20261201150500_AuditAppender } from './Migration20261201150500_AuditAppender.js';
import { Migration20261201151000_OfferingRunningTotals } from './Migration20261201151000_OfferingRunningTotals.js';
import { Migration20261201151500_OutboxBatches } from './Migration20261201151500_OutboxBatches.js';
import { Migration20261202020000_Trading } from './Migration20261202020000_Trading.js';
import { Migration20261202020100_SettlementOutcomes } from './Migration20261202020100_SettlementOutcomes.js';
import { Migration20261201190000_InvestorPageIndex } from './Migration20261201190000_InvestorPageIndex.js';
import { Migration20261202000000_SubscriptionChainTime } from './Migration20261202000000_SubscriptionChainTime.js';
import { Migration20261202010000_AcquisitionLots } from './Migration20261202010000_AcquisitionLots.js';
import { Migration20261202030000_Venues } from './Migration20261202030000_Venues.js';
import { Migration20261202040000_OperationSolo } from './Migration20261202040000_OperationSolo.js';
import { Migration20261202041000_TaxForms } from './Migration20261202041000_TaxForms.js';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the same list works from
 * TypeScript sources under tests and from compiled JavaScript in production.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261124194228_Initial', class: Migration20261124194228_Initial },
  { name: 'Migration20261124195755_Onboarding', class: Migration20261124195755_Onboarding },
  { name: 'Migration20261124200355_Tokenization', class: Migration20261124200355_Tokenization },
  { name: 'Migration20261124210313_AuditAnchors', class: Migration20261124210313_AuditAnchors },
  { name: 'Migration20261201084130_OutboxLeases', class: Migration20261201084130_OutboxLeases },
  { name: 'Migration20261201084518_AuditVerification', class: Migration20261201084518_AuditVerification },
  { name: 'Migration20261201084552_Idempotency', class: Migration20261201084552_Idempotency },
  { name: 'Migration20261201084706_Keys', class: Migration20261201084706_Keys },
  { name: 'Migration20261201084819_UserDisable', class: Migration20261201084819_UserDisable },
  { name: 'Migration20261201120033_NotificationMail', class: Migration20261201120033_NotificationMail },
  { name: 'Migration20261201120036_OfferingDocuments', class: Migration20261201120036_OfferingDocuments },
  { name: 'Migration20261201120041_AccountBasics', class: Migration20261201120041_AccountBasics },
  { name: 'Migration20261201120132_Treasury', class: Migration20261201120132_Treasury },
  { name: 'Migration20261201120139_KycVendors', class: Migration20261201120139_KycVendors },
  { name: 'Migration20261201121000_CddReview', class: Migration20261201121000_CddReview },
  { name: 'Migration20261201133530_PartyIndex', class: Migration20261201133530_PartyIndex },
  { name: 'Migration20261201134716_OfferingTotalsIndex', class: Migration20261201134716_OfferingTotalsIndex },
  { name: 'Migration20261201150500_AuditAppender', class: Migration20261201150500_AuditAppender },
  {
    name: 'Migration20261201151000_OfferingRunningTotals',
    class: Migration20261201151000_OfferingRunningTotals,
  },
  { name: 'Migration20261201151500_OutboxBatches', class: Migration20261201151500_OutboxBatches },
  { name: 'Migration20261201190000_InvestorPageIndex', class: Migration20261201190000_InvestorPageIndex },
  {
    name: 'Migration20261202000000_SubscriptionChainTime',
    class: Migration20261202000000_SubscriptionChainTime,
  },
  { name: 'Migration20261202010000_AcquisitionLots', class: Migration20261202010000_AcquisitionLots },
  { name: 'Migration20261202020000_Trading', class: Migration20261202020000_Trading },
  {
    name: 'Migration20261202020100_SettlementOutcomes',
    class: Migration20261202020100_SettlementOutcomes,
  },
  { name: 'Migration20261202030000_Venues', class: Migration20261202030000_Venues },
  { name: 'Migration20261202040000_OperationSolo', class: Migration20261202040000_OperationSolo },
  { name: 'Migration20261202041000_TaxForms', class: Migration20261202041000_TaxForms },
];
