import { Migration } from '@mikro-orm/migrations';

export class Migration20261201120139_KycVendors extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'alter table "onboarding_application" add column "kyc_scenario" varchar(16) null, add column "kyc_sent_at" timestamptz(3) null;',
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      'alter table "onboarding_application" drop column "kyc_scenario", drop column "kyc_sent_at";',
    );
  }
}
