import { Migration } from '@mikro-orm/migrations';

/** The offering-totals aggregate reads subscriptions by offering and status. */
export class Migration20261201134716_OfferingTotalsIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create index "subscription_offering_id_status_index" on "subscription" ("offering_id", "status");',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index "subscription_offering_id_status_index";');
  }
}
