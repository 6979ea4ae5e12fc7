import { Migration } from '@mikro-orm/migrations';

/** The ATS: orders, trades (matches on their way to settlement) and one book row per asset. */
export class Migration20261202020000_Trading extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "trading_order" (
      "id" uuid not null primary key,
      "created_at" timestamptz(3) not null,
      "updated_at" timestamptz(3) not null,
      "asset_id" uuid not null,
      "side" varchar(4) not null,
      "identity_id" uuid not null,
      "user_id" uuid not null,
      "did" varchar(66) not null,
      "price" numeric(20,6) not null,
      "quantity" numeric(20,6) not null,
      "remaining" numeric(20,6) not null,
      "settled" numeric(20,6) not null default 0,
      "good_till" timestamptz(3) null,
      "status" varchar(20) not null,
      "consent_at" timestamptz(3) not null,
      "failure_reason" text null,
      "placed_by" varchar(100) not null,
      "client_key" varchar(200) null,
      constraint "trading_order_client_key_unique" unique ("client_key"));`);
    this.addSql(
      'create index "trading_order_asset_id_status_side_price_created_at_index" on "trading_order" ("asset_id", "status", "side", "price", "created_at");',
    );
    this.addSql(
      'create index "trading_order_identity_id_status_index" on "trading_order" ("identity_id", "status");',
    );
    this.addSql(`create table "trading_trade" (
      "id" uuid not null primary key,
      "created_at" timestamptz(3) not null,
      "updated_at" timestamptz(3) not null,
      "asset_id" uuid not null,
      "buy_order_id" uuid not null,
      "sell_order_id" uuid not null,
      "buyer_identity_id" uuid not null,
      "seller_identity_id" uuid not null,
      "buyer_did" varchar(66) not null,
      "seller_did" varchar(66) not null,
      "price" numeric(20,6) not null,
      "quantity" numeric(20,6) not null,
      "value" numeric(26,6) not null,
      "status" varchar(16) not null,
      "settlement_id" uuid not null,
      "instruction_id" int null,
      "venue_id" int not null,
      "seller_affirmed" boolean not null,
      "buyer_affirmed" boolean not null,
      "mediation" boolean not null,
      "mediator_affirmed" boolean not null,
      "failure_code" varchar(100) null,
      "failure_reason" text null,
      "settled_at" timestamptz(3) null,
      "expires_at" timestamptz(3) not null,
      constraint "trading_trade_settlement_id_unique" unique ("settlement_id"));`);
    this.addSql(
      'create index "trading_trade_asset_id_created_at_index" on "trading_trade" ("asset_id", "created_at");',
    );
    this.addSql(
      'create index "trading_trade_buyer_identity_id_status_index" on "trading_trade" ("buyer_identity_id", "status");',
    );
    this.addSql(
      'create index "trading_trade_seller_identity_id_status_index" on "trading_trade" ("seller_identity_id", "status");',
    );
    this.addSql(
      'create index "trading_trade_status_expires_at_index" on "trading_trade" ("status", "expires_at");',
    );
    this.addSql(`create table "trading_book" (
      "id" uuid not null primary key,
      "created_at" timestamptz(3) not null,
      "updated_at" timestamptz(3) not null,
      "asset_id" uuid not null,
      "band_percent" numeric(8,4) null,
      "require_mediation" boolean not null,
      "last_price" numeric(20,6) null,
      constraint "trading_book_asset_id_unique" unique ("asset_id"));`);
    // Column defaults as the entities declare them (checked by server/test/schema-drift.test.ts).
    for (const [table, column, value] of [
      ['trading_order', 'settled', "'0'"],
      ['trading_order', 'status', "'open'"],
      ['trading_trade', 'status', "'instructing'"],
      ['trading_trade', 'seller_affirmed', 'false'],
      ['trading_trade', 'buyer_affirmed', 'false'],
      ['trading_trade', 'mediation', 'false'],
      ['trading_trade', 'mediator_affirmed', 'false'],
      ['trading_book', 'require_mediation', 'false'],
    ])
      this.addSql(`alter table "${table}" alter column "${column}" set default ${value};`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "trading_book" cascade;');
    this.addSql('drop table if exists "trading_trade" cascade;');
    this.addSql('drop table if exists "trading_order" cascade;');
  }
}
