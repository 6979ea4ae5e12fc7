import { Migration } from '@mikro-orm/migrations';

/** Venues, their approval per asset, trading halts and windows, venue trades, webhook deliveries. */
export class Migration20261202030000_Venues extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "asset_trading" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "asset_id" uuid not null, "filtering_operation_id" uuid null, "halted" boolean not null default false, "halt_reason" text null, "halted_by" varchar(100) null, "halted_at" timestamptz(3) null, "window" jsonb null, constraint "asset_trading_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "asset_trading" add constraint "asset_trading_asset_id_unique" unique ("asset_id");',
    );
    this.addSql(
      'create table "venue" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "name" varchar(100) not null, "kind" varchar(16) not null, "venue_type" varchar(16) not null, "signers" jsonb not null, "organisation" varchar(200) null, "operator_user_id" uuid null, "chain_venue_id" int null, "status" varchar(16) not null default \'creating\', "error" text null, "webhook_url" varchar(500) null, "webhook_secret" varchar(100) null, "registered_by" varchar(100) not null, constraint "venue_pkey" primary key ("id"));',
    );
    this.addSql('alter table "venue" add constraint "venue_name_unique" unique ("name");');
    this.addSql(
      'alter table "venue" add constraint "venue_operator_user_id_unique" unique ("operator_user_id");',
    );
    this.addSql(
      'alter table "venue" add constraint "venue_chain_venue_id_unique" unique ("chain_venue_id");',
    );
    this.addSql(
      'create table "venue_approval" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "asset_id" uuid not null, "venue_id" uuid not null, "approved" boolean not null, "on_chain" boolean not null default false, "operation_id" uuid null, "decided_by" varchar(100) not null, "reason" text null, constraint "venue_approval_pkey" primary key ("id"));',
    );
    this.addSql('create index "venue_approval_venue_id_index" on "venue_approval" ("venue_id");');
    this.addSql(
      'alter table "venue_approval" add constraint "venue_approval_asset_id_venue_id_unique" unique ("asset_id", "venue_id");',
    );
    this.addSql(
      'create table "venue_authorisation" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "identity_id" uuid not null, "venue_id" uuid not null, "active" boolean not null default true, "changed_by" varchar(100) not null, constraint "venue_authorisation_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "venue_authorisation" add constraint "venue_authorisation_identity_id_venue_id_unique" unique ("identity_id", "venue_id");',
    );
    this.addSql(
      'create table "venue_trade" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "venue_id" uuid not null, "trade_id" varchar(100) not null, "content_hash" varchar(64) not null, "asset_id" uuid not null, "payment_asset_id" uuid not null, "seller_did" varchar(66) not null, "buyer_did" varchar(66) not null, "quantity" numeric(26,6) not null, "price" numeric(26,6) not null, "settlement_id" uuid not null, "status" varchar(16) not null default \'pending\', "failure_reason" text null, "settled_at" timestamptz(3) null, "submitted_by" varchar(100) not null, constraint "venue_trade_pkey" primary key ("id"));',
    );
    this.addSql('create index "venue_trade_status_index" on "venue_trade" ("status");');
    this.addSql('create index "venue_trade_settlement_id_index" on "venue_trade" ("settlement_id");');
    this.addSql(
      'alter table "venue_trade" add constraint "venue_trade_venue_id_trade_id_unique" unique ("venue_id", "trade_id");',
    );
    this.addSql(
      'create table "webhook_delivery" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "venue_id" uuid not null, "dedupe_key" varchar(200) not null, "event_type" varchar(50) not null, "payload" jsonb not null, "status" varchar(16) not null default \'pending\', "attempts" int not null default 0, "last_status_code" int null, "last_error" text null, "next_attempt_at" timestamptz(3) null, "delivered_at" timestamptz(3) null, constraint "webhook_delivery_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "webhook_delivery" add constraint "webhook_delivery_dedupe_key_unique" unique ("dedupe_key");',
    );
    this.addSql(
      'create index "webhook_delivery_venue_id_created_at_index" on "webhook_delivery" ("venue_id", "created_at");',
    );
    this.addSql('create index "webhook_delivery_status_index" on "webhook_delivery" ("status");');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "asset_trading" cascade;');
    this.addSql('drop table if exists "venue" cascade;');
    this.addSql('drop table if exists "venue_approval" cascade;');
    this.addSql('drop table if exists "venue_authorisation" cascade;');
    this.addSql('drop table if exists "venue_trade" cascade;');
    this.addSql('drop table if exists "webhook_delivery" cascade;');
  }
}
