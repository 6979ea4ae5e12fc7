import { Migration } from '@mikro-orm/migrations';

/**
 * Several operations may share one transaction (a `utility.forceBatch` the outbox coalesced):
 * they share (signer, nonce) and are told apart by their position in the batch. The fence of
 * exactly-once becomes (signer, nonce, batch_index): every transaction's first item has index 0,
 * so two transactions can still never record the same nonce.
 */
export class Migration20261201151500_OutboxBatches extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "chain_operation" add column "batch_index" int not null default 0;');
    this.addSql('alter table "chain_operation" add column "batch_size" int null;');
    this.addSql('alter table "chain_operation" drop constraint "chain_operation_signer_nonce_unique";');
    this.addSql(
      'alter table "chain_operation" add constraint "chain_operation_signer_nonce_batch_index_unique" unique ("signer", "nonce", "batch_index");',
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      'alter table "chain_operation" drop constraint "chain_operation_signer_nonce_batch_index_unique";',
    );
    this.addSql('alter table "chain_operation" drop column "batch_size";');
    this.addSql('alter table "chain_operation" drop column "batch_index";');
    this.addSql(
      'alter table "chain_operation" add constraint "chain_operation_signer_nonce_unique" unique ("signer", "nonce");',
    );
  }
}
