import { Migration } from '@mikro-orm/migrations';

export class Migration20261201120132_Treasury extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "deposit" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "account_id" uuid not null, "identity_id" uuid not null, "user_id" uuid not null, "reference" varchar(20) not null, "amount" numeric(26,6) not null, "bank_tx_id" varchar(100) not null, "source" varchar(16) not null, "recorded_by" varchar(100) not null, "status" varchar(24) not null default \'issuing\', "issue_operation_id" uuid null, "transfer_operation_id" uuid null, "failure_reason" text null, "credited_at" timestamptz(3) null, constraint "deposit_pkey" primary key ("id"));',
    );
    this.addSql('alter table "deposit" add constraint "deposit_bank_tx_id_unique" unique ("bank_tx_id");');
    this.addSql('create index "deposit_account_id_index" on "deposit" ("account_id");');
    this.addSql('create index "deposit_status_index" on "deposit" ("status");');
    this.addSql(
      'create table "treasury_account" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "identity_id" uuid not null, "user_id" uuid not null, "reference" varchar(20) not null, "pre_approval_operation_id" uuid null, "pre_approved" boolean not null default false, constraint "treasury_account_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "treasury_account" add constraint "treasury_account_identity_id_unique" unique ("identity_id");',
    );
    this.addSql(
      'alter table "treasury_account" add constraint "treasury_account_reference_unique" unique ("reference");',
    );
    this.addSql(
      'create table "withdrawal" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "account_id" uuid not null, "identity_id" uuid not null, "user_id" uuid not null, "amount" numeric(26,6) not null, "pay_to" varchar(100) not null, "status" varchar(24) not null default \'transferring\', "transfer_operation_id" uuid null, "redeem_operation_id" uuid null, "bank_reference" varchar(100) null, "paid_by" varchar(100) null, "paid_at" timestamptz(3) null, "failure_reason" text null, constraint "withdrawal_pkey" primary key ("id"));',
    );
    this.addSql('create index "withdrawal_account_id_index" on "withdrawal" ("account_id");');
    this.addSql('create index "withdrawal_status_index" on "withdrawal" ("status");');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "deposit" cascade;');
    this.addSql('drop table if exists "treasury_account" cascade;');
    this.addSql('drop table if exists "withdrawal" cascade;');
  }
}
