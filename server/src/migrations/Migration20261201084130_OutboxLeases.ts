import { Migration } from '@mikro-orm/migrations';

export class Migration20261201084130_OutboxLeases extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "signer_lease" ("signer" varchar(64) not null, "holder" varchar(200) not null, "expires_at" timestamptz(3) not null, constraint "signer_lease_pkey" primary key ("signer"));',
    );
    this.addSql('alter table "chain_operation" add column "last_error" text null;');
    // Operations refused before inclusion kept a nonce they never consumed, which the next
    // operation of the signer then used too: clear those before the nonce becomes unique.
    this.addSql(
      `update "chain_operation" c set "nonce" = null
        where c."status" = 'failed' and c."nonce" is not null and exists (
          select 1 from "chain_operation" d
           where d."signer" = c."signer" and d."nonce" = c."nonce" and d."id" <> c."id"
             and (d."status" <> 'failed' or d."created_at" > c."created_at"))`,
    );
    this.addSql(
      'alter table "chain_operation" add constraint "chain_operation_signer_nonce_unique" unique ("signer", "nonce");',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "signer_lease" cascade;');
    this.addSql('alter table "chain_operation" drop constraint "chain_operation_signer_nonce_unique";');
    this.addSql('alter table "chain_operation" drop column "last_error";');
  }
}
