import { Migration } from '@mikro-orm/migrations';

export class Migration20261201120041_AccountBasics extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "app_user" add column "email_verified_at" timestamptz(3) null;');
    // Accounts from before sign-up confirmation keep signing in as they did.
    this.addSql('update "app_user" set "email_verified_at" = "created_at";');
    this.addSql(
      'create table "account_token" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "purpose" varchar(32) not null, "token_hash" varchar(64) not null, "user_id" uuid not null, "expires_at" timestamptz(3) not null, "used_at" timestamptz(3) null, "attempts" int not null default 0, "password_hash" varchar(255) null, "display_name" varchar(200) null, "ip" varchar(64) null, constraint "account_token_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "account_token" add constraint "account_token_token_hash_unique" unique ("token_hash");',
    );
    this.addSql(
      'create index "account_token_user_id_purpose_index" on "account_token" ("user_id", "purpose");',
    );
    this.addSql(
      'create table "user_two_factor" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "user_id" uuid not null, "secret_sealed" bytea not null, "confirmed_at" timestamptz(3) null, "last_time_step" int null, "recovery_codes" jsonb not null, constraint "user_two_factor_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "user_two_factor" add constraint "user_two_factor_user_id_unique" unique ("user_id");',
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "user_two_factor" cascade;');
    this.addSql('drop table if exists "account_token" cascade;');
    this.addSql('alter table "app_user" drop column "email_verified_at";');
  }
}
