import { Migration } from '@mikro-orm/migrations';

export class Migration20261124200355_Tokenization extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "asset" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "issuer_id" uuid not null, "name" varchar(128) not null, "ticker" varchar(12) null, "asset_type" jsonb not null, "divisible" boolean not null, "identifiers" jsonb not null, "funding_round" varchar(128) null, "documents" jsonb not null, "chain_id" varchar(36) null, "status" varchar(16) not null default \'creating\', "error" text null, constraint "asset_pkey" primary key ("id"));',
    );
    this.addSql('alter table "asset" add constraint "asset_ticker_unique" unique ("ticker");');
    this.addSql('alter table "asset" add constraint "asset_chain_id_unique" unique ("chain_id");');
    this.addSql('create index "asset_issuer_id_index" on "asset" ("issuer_id");');
    this.addSql(
      'create table "asset_rules" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "asset_id" uuid not null, "templates" jsonb not null, "compiled" jsonb not null, "version" int not null default 1, "changed_by" varchar(100) not null, constraint "asset_rules_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "asset_rules" add constraint "asset_rules_asset_id_unique" unique ("asset_id");',
    );
    this.addSql(
      'create table "issuer" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "name" varchar(200) not null, "account" varchar(64) not null, "did" varchar(66) null, constraint "issuer_pkey" primary key ("id"));',
    );
    this.addSql('alter table "issuer" add constraint "issuer_name_unique" unique ("name");');
    this.addSql(
      'create table "offering" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "asset_id" uuid not null, "payment_asset_id" uuid not null, "name" varchar(128) not null, "terms" jsonb not null, "status" varchar(16) not null default \'draft\', "venue_id" int null, "escrow_portfolio" int null, "fundraiser_id" int null, "error" text null, constraint "offering_pkey" primary key ("id"));',
    );
    this.addSql('create index "offering_asset_id_index" on "offering" ("asset_id");');
    this.addSql(
      'create table "settlement" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "venue_id" int null, "settlement_type" jsonb not null, "legs" jsonb not null, "memo" varchar(32) null, "instruction_id" int null, "failure_reason" text null, "purpose" varchar(100) null, "requested_by" varchar(100) not null, constraint "settlement_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "settlement" add constraint "settlement_instruction_id_unique" unique ("instruction_id");',
    );
    this.addSql(
      'create table "subscription" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "offering_id" uuid not null, "identity_id" uuid not null, "did" varchar(66) not null, "amount" numeric(26,6) not null, "cost" numeric(26,6) not null, "status" varchar(16) not null default \'pending\', "operation_id" uuid null, "failure_reason" text null, constraint "subscription_pkey" primary key ("id"));',
    );
    this.addSql('create index "subscription_offering_id_index" on "subscription" ("offering_id");');
    this.addSql('create index "subscription_identity_id_index" on "subscription" ("identity_id");');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "asset" cascade;');
    this.addSql('drop table if exists "asset_rules" cascade;');
    this.addSql('drop table if exists "issuer" cascade;');
    this.addSql('drop table if exists "offering" cascade;');
    this.addSql('drop table if exists "settlement" cascade;');
    this.addSql('drop table if exists "subscription" cascade;');
  }
}
