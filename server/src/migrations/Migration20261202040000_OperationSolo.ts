import { Migration } from '@mikro-orm/migrations';

/** Operations of a batch refused whole before inclusion are sent alone from then on. */
export class Migration20261202040000_OperationSolo extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "chain_operation" add column "solo" boolean not null default false;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "chain_operation" drop column "solo";');
  }
}
