import { Migration } from '@mikro-orm/migrations';

/**
 * Settlement outcomes the chain decides by itself (a scheduled execution that fails): where the
 * platform's reading of the chain's events got to, and each instruction's platform-side deadline.
 */
export class Migration20261202020100_SettlementOutcomes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "chain_cursor" (
      "id" uuid not null primary key,
      "created_at" timestamptz(3) not null,
      "updated_at" timestamptz(3) not null,
      "name" varchar(50) not null,
      "block" int not null,
      constraint "chain_cursor_name_unique" unique ("name"));`);
    this.addSql('alter table "settlement" add column "expires_at" timestamptz(3) null;');
    this.addSql('create index "settlement_expires_at_index" on "settlement" ("expires_at");');
  }

  override async down(): Promise<void> {
    this.addSql('drop index "settlement_expires_at_index";');
    this.addSql('alter table "settlement" drop column "expires_at";');
    this.addSql('drop table if exists "chain_cursor" cascade;');
  }
}
