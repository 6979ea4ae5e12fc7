import { Migration } from '@mikro-orm/migrations';

/**
 * Acquisition lots (lock-ups per acquisition, the holder read model of holder caps). Nothing on
 * chain is migrated: lots start with the first acquisition after this version.
 */
export class Migration20261202010000_AcquisitionLots extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "acquisition_lot" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "asset_id" uuid not null, "holder_did" varchar(66) not null, "identity_id" uuid null, "user_id" uuid null, "quantity" numeric(26,6) not null, "remaining" numeric(26,6) not null, "acquired_at" timestamptz(3) not null, "unlocks_at" timestamptz(3) not null, "source" varchar(16) not null, "source_id" varchar(100) not null, "source_key" varchar(200) not null, constraint "acquisition_lot_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "acquisition_lot" add constraint "acquisition_lot_source_key_unique" unique ("source_key");',
    );
    this.addSql(
      'create index "acquisition_lot_asset_id_holder_did_acquired_at_index" on "acquisition_lot" ("asset_id", "holder_did", "acquired_at");',
    );
    this.addSql(
      'create table "holder_sale" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "asset_id" uuid not null, "holder_did" varchar(66) not null, "quantity" numeric(26,6) not null, "sold_at" timestamptz(3) not null, "source_key" varchar(200) not null, constraint "holder_sale_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "holder_sale" add constraint "holder_sale_source_key_unique" unique ("source_key");',
    );
    this.addSql(
      'create index "holder_sale_asset_id_holder_did_sold_at_index" on "holder_sale" ("asset_id", "holder_did", "sold_at");',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "acquisition_lot" cascade;');
    this.addSql('drop table if exists "holder_sale" cascade;');
  }
}
