import { Migration } from '@mikro-orm/migrations';

/** An offering's investor list is read a page at a time, newest first (keyset on created_at, id). */
export class Migration20261201190000_InvestorPageIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create index "subscription_offering_id_created_at_id_index" on "subscription" ("offering_id", "created_at", "id");',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index "subscription_offering_id_created_at_id_index";');
  }
}
