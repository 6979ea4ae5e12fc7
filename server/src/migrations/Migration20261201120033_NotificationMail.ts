import { Migration } from '@mikro-orm/migrations';

export class Migration20261201120033_NotificationMail extends Migration {
  override async up(): Promise<void> {
    // Notices written before e-mail existed are not mailed now, long after the event.
    this.addSql(
      `alter table "notification" add column "email_status" varchar(16) not null default 'skipped', add column "emailed_at" timestamptz(3) null, add column "email_attempts" int not null default 0, add column "email_next_at" timestamptz(3) null, add column "email_error" text null;`,
    );
    this.addSql(`alter table "notification" alter column "email_status" set default 'pending';`);
    this.addSql('create index "notification_email_status_index" on "notification" ("email_status");');
  }

  override async down(): Promise<void> {
    this.addSql('drop index "notification_email_status_index";');
    this.addSql(
      'alter table "notification" drop column "email_status", drop column "emailed_at", drop column "email_attempts", drop column "email_next_at", drop column "email_error";',
    );
  }
}
