import { Migration } from '@mikro-orm/migrations';

export class Migration20261201084706_Keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "encryption_data_key" ("id" serial primary key, "purpose" varchar(16) not null, "status" varchar(16) not null default \'active\', "master_key_id" varchar(16) not null, "wrapped" bytea not null, "created_at" timestamptz(3) not null, "retired_at" timestamptz(3) null);',
    );
    this.addSql(
      'create unique index "encryption_data_key_one_active" on "encryption_data_key" ("purpose") where "status" = \'active\';',
    );
    this.addSql(
      'create table "onboarding_document_chunk" ("document_id" uuid not null, "seq" int not null, "last" boolean not null, "content" bytea not null, constraint "onboarding_document_chunk_pkey" primary key ("document_id", "seq"));',
    );
    // Sealed chunks do not compress: store them out of line as they are.
    this.addSql('alter table "onboarding_document_chunk" alter column "content" set storage external;');
    this.addSql(
      'create table "onboarding_upload" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "application_id" uuid not null, "reserved_bytes" int not null, constraint "onboarding_upload_pkey" primary key ("id"));',
    );
    this.addSql(
      'create index "onboarding_upload_application_id_index" on "onboarding_upload" ("application_id");',
    );
    this.addSql('alter table "onboarding_document" add column "chunks" int null;');
    this.addSql('alter table "onboarding_document" alter column "content" drop not null;');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "encryption_data_key" cascade;');
    this.addSql('drop table if exists "onboarding_document_chunk" cascade;');
    this.addSql('drop table if exists "onboarding_upload" cascade;');
    this.addSql('alter table "onboarding_document" drop column "chunks";');
    this.addSql('alter table "onboarding_document" alter column "content" set not null;');
  }
}
