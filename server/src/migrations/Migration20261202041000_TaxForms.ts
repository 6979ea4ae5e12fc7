import { Migration } from '@mikro-orm/migrations';

/** Tax forms on file per investor identity, and each issuer's withholding rate table. */
export class Migration20261202041000_TaxForms extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "tax_form" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "identity_id" uuid not null, "form" varchar(10) not null, "signed_on" varchar(10) not null, "recorded_by" varchar(100) not null, "note" text null, constraint "tax_form_pkey" primary key ("id"));',
    );
    this.addSql(
      'create index "tax_form_identity_id_created_at_index" on "tax_form" ("identity_id", "created_at");',
    );
    this.addSql(
      'create table "withholding_rates" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "issuer_id" uuid not null, "table" jsonb not null, "version" int not null default 1, "changed_by" varchar(100) not null, constraint "withholding_rates_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "withholding_rates" add constraint "withholding_rates_issuer_id_unique" unique ("issuer_id");',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "withholding_rates" cascade;');
    this.addSql('drop table if exists "tax_form" cascade;');
  }
}
