import { Migration } from '@mikro-orm/migrations';

/**
 * Audit anchors gain their Merkle rule's version, an outcome and where their remark landed.
 * Anchors made before keep version 1 (their roots are on chain as they are); their outcome is
 * read from the operation that carried them. The audit tables refuse TRUNCATE, and anchor rows
 * refuse DELETE and any UPDATE other than recording a pending anchor's outcome.
 */
export class Migration20261201084518_AuditVerification extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "audit_anchor" drop constraint "audit_anchor_to_seq_unique";');
    this.addSql(
      'alter table "audit_anchor" add column "version" smallint not null default 1, add column "status" varchar(16) not null default \'pending\', add column "block_number" int null, add column "tx_hash" varchar(66) null;',
    );
    this.addSql('alter table "audit_anchor" alter column "version" drop default;');
    this.addSql(
      `update "audit_anchor" a set
         "status" = case o."status" when 'finalised' then 'on-chain' when 'failed' then 'failed' else 'pending' end,
         "block_number" = case when o."status" = 'finalised' then (o."receipt"->>'blockNumber')::int end,
         "tx_hash" = case when o."status" = 'finalised' then o."receipt"->>'txHash' end
       from "chain_operation" o where o."id" = a."operation_id";`,
    );
    this.addSql(
      'create unique index "audit_anchor_live_to_seq_unique" on "audit_anchor" ("to_seq") where "status" <> \'failed\';',
    );
    this.addSql(
      'create trigger audit_entry_no_truncate before truncate on "audit_entry" for each statement execute function audit_entry_append_only();',
    );
    this.addSql(
      `create function audit_anchor_guard() returns trigger language plpgsql as $$
       begin
         if tg_op = 'UPDATE' and old.status = 'pending' and new.status in ('on-chain', 'failed')
            and (new.id, new.created_at, new.from_seq, new.to_seq, new.leaf_count, new.version, new.root,
                 new.remark, new.operation_id, new.requested_by)
                is not distinct from
                (old.id, old.created_at, old.from_seq, old.to_seq, old.leaf_count, old.version, old.root,
                 old.remark, old.operation_id, old.requested_by) then
           return new;
         end if;
         raise exception 'audit_anchor rows only ever record their outcome once; they cannot be changed or deleted';
       end $$;`,
    );
    this.addSql(
      'create trigger audit_anchor_immutable before update or delete on "audit_anchor" for each row execute function audit_anchor_guard();',
    );
    this.addSql(
      'create trigger audit_anchor_no_truncate before truncate on "audit_anchor" for each statement execute function audit_anchor_guard();',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger if exists audit_anchor_no_truncate on "audit_anchor";');
    this.addSql('drop trigger if exists audit_anchor_immutable on "audit_anchor";');
    this.addSql('drop function if exists audit_anchor_guard();');
    this.addSql('drop trigger if exists audit_entry_no_truncate on "audit_entry";');
    this.addSql('drop index if exists "audit_anchor_live_to_seq_unique";');
    this.addSql(
      'alter table "audit_anchor" drop column "version", drop column "status", drop column "block_number", drop column "tx_hash";',
    );
    this.addSql('alter table "audit_anchor" add constraint "audit_anchor_to_seq_unique" unique ("to_seq");');
  }
}
