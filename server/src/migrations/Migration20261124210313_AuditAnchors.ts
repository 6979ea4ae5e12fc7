import { Migration } from '@mikro-orm/migrations';

export class Migration20261124210313_AuditAnchors extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "audit_anchor" ("id" uuid not null, "created_at" timestamptz(3) not null, "from_seq" bigint not null, "to_seq" bigint not null, "leaf_count" int not null, "root" varchar(64) not null, "remark" varchar(200) not null, "operation_id" uuid not null, "requested_by" varchar(100) not null, constraint "audit_anchor_pkey" primary key ("id"));',
    );
    this.addSql('alter table "audit_anchor" add constraint "audit_anchor_to_seq_unique" unique ("to_seq");');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "audit_anchor" cascade;');
  }
}
