import { Migration } from '@mikro-orm/migrations';

/**
 * The audit trail without a global lock per row: entries are inserted unchained (`seq`,
 * `prev_hash`, `hash` null) under a new insertion key `id`, and the appender chains committed
 * rows in batches. Existing rows keep their chain: `id` = `seq`, and the insertion key continues
 * after them. The row trigger now lets a row in only unchained, lets it be chained
 * once (position and hashes set, nothing else changed) and refuses every other change or delete.
 */
export class Migration20261201150500_AuditAppender extends Migration {
  override async up(): Promise<void> {
    this.addSql('drop trigger audit_entry_no_rewrite on "audit_entry";');
    this.addSql('alter table "audit_entry" add column "id" bigint null;');
    this.addSql('update "audit_entry" set "id" = "seq";');
    this.addSql('alter table "audit_entry" alter column "seq" drop default;');
    this.addSql('alter sequence "audit_entry_seq_seq" rename to "audit_entry_id_seq";');
    this.addSql('alter sequence "audit_entry_id_seq" owned by "audit_entry"."id";');
    // The old appender wrote `seq` itself, so the sequence never moved: keys continue after the rows.
    this.addSql(
      `select setval('audit_entry_id_seq', coalesce((select max("id") from "audit_entry"), 0) + 1, false);`,
    );
    this.addSql(
      `alter table "audit_entry" alter column "id" set default nextval('audit_entry_id_seq'), alter column "id" set not null;`,
    );
    this.addSql('alter table "audit_entry" drop constraint "audit_entry_pkey";');
    this.addSql('alter table "audit_entry" add constraint "audit_entry_pkey" primary key ("id");');
    this.addSql(
      'alter table "audit_entry" alter column "seq" drop not null, alter column "prev_hash" drop not null, alter column "hash" drop not null;',
    );
    this.addSql('alter table "audit_entry" add constraint "audit_entry_seq_unique" unique ("seq");');
    this.addSql('create index "audit_entry_unchained_index" on "audit_entry" ("id") where "seq" is null;');
    this.addSql(
      `create function audit_entry_guard() returns trigger language plpgsql as $$
       begin
         if tg_op = 'INSERT' then
           if new.seq is null and new.prev_hash is null and new.hash is null then
             return new;
           end if;
           raise exception 'audit_entry is append-only: entries go in unchained and only the appender chains them';
         end if;
         if tg_op = 'UPDATE' and old.seq is null and old.prev_hash is null and old.hash is null
            and new.seq is not null and new.prev_hash is not null and new.hash is not null
            and (new.id, new.at, new.actor, new.action, new.subject_type, new.subject_id, new.data)
                is not distinct from
                (old.id, old.at, old.actor, old.action, old.subject_type, old.subject_id, old.data) then
           return new;
         end if;
         raise exception 'audit_entry is append-only: an entry is chained once and never changed or deleted';
       end $$;`,
    );
    this.addSql(
      'create trigger audit_entry_guard before insert or update or delete on "audit_entry" for each row execute function audit_entry_guard();',
    );
  }

  override async down(): Promise<void> {
    // The old schema has no place for an unchained row: refuse rather than drop entries.
    this.addSql(
      `do $$ begin
         if exists (select 1 from "audit_entry" where "seq" is null) then
           raise exception 'audit entries are waiting to be chained; start the server once so they are, then migrate down';
         end if;
       end $$;`,
    );
    this.addSql('drop trigger audit_entry_guard on "audit_entry";');
    this.addSql('drop function audit_entry_guard();');
    this.addSql('drop index "audit_entry_unchained_index";');
    this.addSql('alter table "audit_entry" drop constraint "audit_entry_seq_unique";');
    this.addSql('alter table "audit_entry" drop constraint "audit_entry_pkey";');
    this.addSql(
      'alter table "audit_entry" alter column "seq" set not null, alter column "prev_hash" set not null, alter column "hash" set not null;',
    );
    this.addSql('alter table "audit_entry" add constraint "audit_entry_pkey" primary key ("seq");');
    this.addSql('alter sequence "audit_entry_id_seq" owned by "audit_entry"."seq";');
    this.addSql('alter table "audit_entry" drop column "id";');
    this.addSql('alter sequence "audit_entry_id_seq" rename to "audit_entry_seq_seq";');
    this.addSql(
      `select setval('audit_entry_seq_seq', coalesce((select max("seq") from "audit_entry"), 0) + 1, false);`,
    );
    this.addSql(`alter table "audit_entry" alter column "seq" set default nextval('audit_entry_seq_seq');`);
    this.addSql(
      'create trigger audit_entry_no_rewrite before update or delete on "audit_entry" for each row execute function audit_entry_append_only();',
    );
  }
}
