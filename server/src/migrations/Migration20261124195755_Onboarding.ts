import { Migration } from '@mikro-orm/migrations';

export class Migration20261124195755_Onboarding extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      'create table "api_key" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "name" varchar(100) not null, "prefix" varchar(16) not null, "secret_hash" varchar(64) not null, "user_id" uuid not null, "roles" jsonb not null, "expires_at" timestamptz(3) null, "revoked_at" timestamptz(3) null, "last_used_at" timestamptz(3) null, constraint "api_key_pkey" primary key ("id"));',
    );
    this.addSql('alter table "api_key" add constraint "api_key_secret_hash_unique" unique ("secret_hash");');
    this.addSql('create index "api_key_user_id_index" on "api_key" ("user_id");');
    this.addSql(
      'create table "onboarding_application" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "user_id" uuid not null, "kind" varchar(16) not null, "status" varchar(20) not null default \'draft\', "residence_country" varchar(2) not null, "citizenship_country" varchar(2) not null, "tax_residency_country" varchar(2) not null, "investor_type" varchar(32) not null, "us_person" boolean not null default false, "profile_sealed" bytea not null, "reg_cf_limit" numeric(20,2) null, "accreditation_method" varchar(32) null, "accreditation_status" varchar(16) not null default \'not-claimed\', "accreditation_expires_at" timestamptz(3) null, "accreditation_reviewed_by" varchar(100) null, "kyc_provider" varchar(16) null, "kyc_applicant_id" varchar(100) null, "kyc_status" varchar(16) not null default \'not-started\', "kyc_checked_at" timestamptz(3) null, "screening" jsonb null, "proven_address" varchar(64) null, "address_challenge" varchar(200) null, "submitted_at" timestamptz(3) null, "decided_at" timestamptz(3) null, "decided_by" varchar(100) null, "decision_reason" text null, constraint "onboarding_application_pkey" primary key ("id"));',
    );
    this.addSql(
      'create index "onboarding_application_user_id_index" on "onboarding_application" ("user_id");',
    );
    this.addSql('create index "onboarding_application_status_index" on "onboarding_application" ("status");');
    this.addSql(
      'create index "onboarding_application_kyc_applicant_id_index" on "onboarding_application" ("kyc_applicant_id");',
    );
    this.addSql(
      'create table "onboarding_document" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "application_id" uuid not null, "doc_type" varchar(32) not null, "filename" varchar(255) not null, "content_type" varchar(100) not null, "size" int not null, "sha256" varchar(64) not null, "content" bytea not null, "uploaded_by" varchar(100) not null, constraint "onboarding_document_pkey" primary key ("id"));',
    );
    this.addSql(
      'create index "onboarding_document_application_id_index" on "onboarding_document" ("application_id");',
    );
    this.addSql(
      'create table "attestation" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "application_id" uuid not null, "identity_id" uuid not null, "kind" varchar(16) not null, "status" varchar(16) not null default \'in-progress\', "requested_by" varchar(100) not null, "plan" jsonb not null, "error" text null, constraint "attestation_pkey" primary key ("id"));',
    );
    this.addSql('create index "attestation_identity_id_index" on "attestation" ("identity_id");');
    this.addSql('create index "attestation_application_id_index" on "attestation" ("application_id");');
    this.addSql(
      'create table "identity_claim" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "identity_id" uuid not null, "claim_key" varchar(200) not null, "claim_type" varchar(32) not null, "claim" jsonb not null, "expires_at" timestamptz(3) null, "status" varchar(16) not null default \'pending\', "operation_id" uuid null, "attestation_id" uuid null, "notified_at" timestamptz(3) null, constraint "identity_claim_pkey" primary key ("id"));',
    );
    this.addSql(
      'create index "identity_claim_status_expires_at_index" on "identity_claim" ("status", "expires_at");',
    );
    this.addSql(
      'alter table "identity_claim" add constraint "identity_claim_identity_id_claim_key_unique" unique ("identity_id", "claim_key");',
    );
    this.addSql(
      'create table "investor_identity" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "user_id" uuid not null, "application_id" uuid not null, "account" varchar(64) not null, "custodial" boolean not null, "key_sealed" bytea null, "did" varchar(66) null, "standing" varchar(24) not null default \'pending\', "standing_reason" text null, "last_attested_at" timestamptz(3) null, constraint "investor_identity_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "investor_identity" add constraint "investor_identity_user_id_unique" unique ("user_id");',
    );
    this.addSql(
      'alter table "investor_identity" add constraint "investor_identity_account_unique" unique ("account");',
    );
    this.addSql(
      'alter table "investor_identity" add constraint "investor_identity_did_unique" unique ("did");',
    );
    this.addSql(
      'create table "kyc_webhook_event" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "provider" varchar(16) not null, "event_id" varchar(200) not null, "type" varchar(100) not null, "event" jsonb not null, "payload_sha256" varchar(64) not null, "processed_at" timestamptz(3) null, "outcome" varchar(100) null, "application_id" uuid null, constraint "kyc_webhook_event_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "kyc_webhook_event" add constraint "kyc_webhook_event_provider_event_id_unique" unique ("provider", "event_id");',
    );
    this.addSql(
      'create table "notification" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "user_id" uuid not null, "kind" varchar(50) not null, "message" text not null, "data" jsonb not null, "dedupe_key" varchar(200) not null, "read_at" timestamptz(3) null, constraint "notification_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "notification" add constraint "notification_dedupe_key_unique" unique ("dedupe_key");',
    );
    this.addSql('create index "notification_user_id_index" on "notification" ("user_id");');
    this.addSql(
      'create table "user_session" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "token_hash" varchar(64) not null, "user_id" uuid not null, "expires_at" timestamptz(3) not null, "revoked_at" timestamptz(3) null, "ip" varchar(64) null, constraint "user_session_pkey" primary key ("id"));',
    );
    this.addSql(
      'alter table "user_session" add constraint "user_session_token_hash_unique" unique ("token_hash");',
    );
    this.addSql('create index "user_session_user_id_index" on "user_session" ("user_id");');
    this.addSql(
      'create table "app_user" ("id" uuid not null, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, "email" varchar(254) not null, "display_name" varchar(200) not null, "password_hash" varchar(255) not null, "roles" jsonb not null, "disabled" boolean not null default false, "last_login_at" timestamptz(3) null, constraint "app_user_pkey" primary key ("id"));',
    );
    this.addSql('alter table "app_user" add constraint "app_user_email_unique" unique ("email");');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "api_key" cascade;');
    this.addSql('drop table if exists "onboarding_application" cascade;');
    this.addSql('drop table if exists "onboarding_document" cascade;');
    this.addSql('drop table if exists "attestation" cascade;');
    this.addSql('drop table if exists "identity_claim" cascade;');
    this.addSql('drop table if exists "investor_identity" cascade;');
    this.addSql('drop table if exists "kyc_webhook_event" cascade;');
    this.addSql('drop table if exists "notification" cascade;');
    this.addSql('drop table if exists "user_session" cascade;');
    this.addSql('drop table if exists "app_user" cascade;');
  }
}
