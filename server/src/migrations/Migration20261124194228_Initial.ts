import { Migration } from '@mikro-orm/migrations';

export class Migration20261124194228_Initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "audit_entry" ("seq" bigserial primary key, "at" timestamptz(3) not null, "actor" varchar(100) not null, "action" varchar(100) not null, "subject_type" varchar(50) not null, "subject_id" varchar(100) not null, "data" jsonb not null, "prev_hash" varchar(64) not null, "hash" varchar(64) not null);',
    );
    this.addSql('alter table "audit_entry" add constraint "audit_entry_hash_unique" unique ("hash");');
    this.addSql(
      'create index "audit_entry_subject_type_subject_id_index" on "audit_entry" ("subject_type", "subject_id");',
    );
    this.addSql('create index "audit_entry_action_index" on "audit_entry" ("action");');
    this.addSql('create index "audit_entry_at_index" on "audit_entry" ("at");');
    // The audit log is append-only at the database level too.
    this.addSql(
      "create function audit_entry_append_only() returns trigger language plpgsql as $$ begin raise exception 'audit_entry is append-only'; end $$;",
    );
    this.addSql(
      'create trigger audit_entry_no_rewrite before update or delete on "audit_entry" for each row execute function audit_entry_append_only();',
    );
    this.addSql(
      'create table "chain_operation" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "idempotency_key" varchar(200) not null, "kind" varchar(100) not null, "call" jsonb not null, "signer" varchar(64) not null, "status" varchar(16) not null default \'pending\', "nonce" int null, "submitted_at_block" int null, "attempts" int not null default 0, "error_code" varchar(100) null, "error_message" text null, "receipt" jsonb null, "result" jsonb null, "subject_type" varchar(50) null, "subject_id" varchar(100) null, "requested_by" varchar(100) not null, "finalised_at" timestamptz(3) null, constraint "chain_operation_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "chain_operation" add constraint "chain_operation_idempotency_key_unique" unique ("idempotency_key");',
    );
    this.addSql('create index "chain_operation_status_index" on "chain_operation" ("status");');
    this.addSql(
      'create index "chain_operation_subject_type_subject_id_index" on "chain_operation" ("subject_type", "subject_id");',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "audit_entry" cascade;');
    this.addSql('drop function if exists audit_entry_append_only();');
    this.addSql('drop table if exists "chain_operation" cascade;');
  }
}
