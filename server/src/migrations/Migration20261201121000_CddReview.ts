import { Migration } from '@mikro-orm/migrations';

export class Migration20261201121000_CddReview extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "onboarding_application" add column "assigned_to" varchar(100) null;');
    this.addSql(
      'create table "cdd_approval" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "application_id" uuid not null, "reviewer" varchar(100) not null, "actor" varchar(100) not null, "grounds" jsonb not null, "reason" text null, "consumed_at" timestamptz(3) null, "attestation_id" uuid null, constraint "cdd_approval_pkey" primary key ("id"));',
    );
    this.addSql('create index "cdd_approval_application_id_index" on "cdd_approval" ("application_id");');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "cdd_approval" cascade;');
    this.addSql('alter table "onboarding_application" drop column "assigned_to";');
  }
}
