import { Migration } from '@mikro-orm/migrations';

/**
 * A subscription's chain time, which the Reg CF 12-month window counts by (the development clock
 * moves it ahead of `created_at`). Existing rows were made on the wall clock: their `created_at`.
 */
export class Migration20261202000000_SubscriptionChainTime extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "subscription" add column "chain_time" timestamptz not null default now();');
    this.addSql('update "subscription" set "chain_time" = "created_at";');
    this.addSql(
      'create index "subscription_identity_id_chain_time_index" on "subscription" ("identity_id", "chain_time");',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index "subscription_identity_id_chain_time_index";');
    this.addSql('alter table "subscription" drop column "chain_time";');
  }
}
