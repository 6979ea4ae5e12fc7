import { Migration } from '@mikro-orm/migrations';

export class Migration20261201084819_UserDisable extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'alter table "app_user" add column "disabled_at" timestamptz(3) null, add column "disabled_reason" text null;',
    );
  }

  override async down(): Promise<void> {
    this.addSql('alter table "app_user" drop column "disabled_at", drop column "disabled_reason";');
  }
}
