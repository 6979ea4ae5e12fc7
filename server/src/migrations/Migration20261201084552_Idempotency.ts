import { Migration } from '@mikro-orm/migrations';

export class Migration20261201084552_Idempotency extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "idempotency_record" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "principal" varchar(100) not null, "key" varchar(120) not null, "request" varchar(250) not null, "fingerprint" varchar(64) not null, "status" varchar(16) not null default \'processing\', "locked_until" timestamptz(3) not null, "response_status" int null, "response_headers" jsonb null, "response_body" bytea null, "expires_at" timestamptz(3) not null, constraint "idempotency_record_pkey" primary key ("id"));',
    );
    this.addSql('create index "idempotency_record_expires_at_index" on "idempotency_record" ("expires_at");');
    this.addSql(
      'alter table "idempotency_record" add constraint "idempotency_record_principal_key_unique" unique ("principal", "key");',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "idempotency_record" cascade;');
  }
}
