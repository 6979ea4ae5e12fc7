import { Migration } from '@mikro-orm/migrations';

export class Migration20261201120036_OfferingDocuments extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "offering_document" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "offering_id" uuid not null, "name" varchar(128) not null, "kind" varchar(32) not null, "filename" varchar(255) not null, "content_type" varchar(100) not null, "size" int not null, "sha256" varchar(64) not null, "content" bytea not null, "uploaded_by" varchar(100) not null, constraint "offering_document_pkey" primary key ("id"));',
    );
    this.addSql('create index "offering_document_offering_id_index" on "offering_document" ("offering_id");');
    this.addSql('alter table "subscription" add column "agreement" jsonb null;');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "offering_document" cascade;');
    this.addSql('alter table "subscription" drop column "agreement";');
  }
}
