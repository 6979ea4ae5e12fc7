import { Migration } from '@mikro-orm/migrations';

/** Subscriptions that count towards an offering's totals (in progress or settled). */
const COUNTED = `('pending', 'settled')`;

/**
 * Recomputes every offering's running totals from its subscriptions (the migration's backfill;
 * also run by the test that checks it). Safe to run again: it replaces what is there.
 */
export const BACKFILL_OFFERING_TOTALS: string[] = [
  `delete from "offering_investor_total"`,
  `delete from "offering_total"`,
  `insert into "offering_investor_total" ("offering_id", "identity_id", "cost", "subscriptions")
     select "offering_id", "identity_id", sum("cost"), count(*) from "subscription"
      where "status" in ${COUNTED} group by "offering_id", "identity_id"`,
  `insert into "offering_total" ("offering_id", "raised", "sold", "subscriptions", "investors")
     select "offering_id", sum("cost"), sum("amount"), count(*), count(distinct "identity_id")
       from "subscription" where "status" in ${COUNTED} group by "offering_id"`,
];

/**
 * Running totals of offerings — raised, sold, subscriptions, investors, and what each investor
 * has committed — kept by a trigger on `subscription`, in the transaction that writes the
 * subscription: a subscription recorded, settled at another cost, failed, refunded or deleted
 * adjusts them at once, whichever code path (or SQL) wrote it. Each adjustment updates the
 * offering's total row, so concurrent writers of one offering queue on that row (inside
 * `subscribe` they already hold the offering's row lock) and the sums stay exact. Reading the
 * totals is then one row per offering instead of an aggregate over all its subscriptions.
 */
export class Migration20261201151000_OfferingRunningTotals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "offering_total" (
      "offering_id" uuid primary key,
      "raised" numeric not null default 0,
      "sold" numeric not null default 0,
      "subscriptions" integer not null default 0,
      "investors" integer not null default 0);`);
    this.addSql(`create table "offering_investor_total" (
      "offering_id" uuid not null,
      "identity_id" uuid not null,
      "cost" numeric not null default 0,
      "subscriptions" integer not null default 0,
      primary key ("offering_id", "identity_id"));`);
    this.addSql(`create or replace function "offering_totals_add"(
        o uuid, i uuid, d_amount numeric, d_cost numeric, d_count integer) returns void
      language plpgsql as $$
      declare
        left_after integer;
      begin
        insert into "offering_investor_total" as t ("offering_id", "identity_id", "cost", "subscriptions")
          values (o, i, d_cost, d_count)
          on conflict ("offering_id", "identity_id") do update
            set "cost" = t."cost" + excluded."cost", "subscriptions" = t."subscriptions" + excluded."subscriptions"
          returning t."subscriptions" into left_after;
        insert into "offering_total" as t ("offering_id", "raised", "sold", "subscriptions", "investors")
          values (o, d_cost, d_amount, d_count, case when d_count > 0 then 1 else 0 end)
          on conflict ("offering_id") do update
            set "raised" = t."raised" + excluded."raised",
                "sold" = t."sold" + excluded."sold",
                "subscriptions" = t."subscriptions" + excluded."subscriptions",
                "investors" = t."investors" + case
                  when d_count > 0 and left_after = d_count then 1
                  when d_count < 0 and left_after = 0 then -1
                  else 0 end;
      end $$;`);
    this.addSql(`create or replace function "subscription_totals"() returns trigger
      language plpgsql as $$
      declare
        was boolean := false;
        is_now boolean := false;
      begin
        if tg_op <> 'INSERT' then was := old."status" in ${COUNTED}; end if;
        if tg_op <> 'DELETE' then is_now := new."status" in ${COUNTED}; end if;
        if was and is_now and old."offering_id" = new."offering_id" and old."identity_id" = new."identity_id"
           and old."amount" = new."amount" and old."cost" = new."cost" then
          return null;
        end if;
        if was then
          perform "offering_totals_add"(old."offering_id", old."identity_id", -old."amount", -old."cost", -1);
        end if;
        if is_now then
          perform "offering_totals_add"(new."offering_id", new."identity_id", new."amount", new."cost", 1);
        end if;
        return null;
      end $$;`);
    for (const sql of BACKFILL_OFFERING_TOTALS) this.addSql(sql);
    this.addSql(`create trigger "subscription_totals"
      after insert or delete or update of "status", "cost", "amount", "offering_id", "identity_id"
      on "subscription" for each row execute function "subscription_totals"();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger "subscription_totals" on "subscription";');
    this.addSql('drop function "subscription_totals"();');
    this.addSql('drop function "offering_totals_add"(uuid, uuid, numeric, numeric, integer);');
    this.addSql('drop table "offering_investor_total";');
    this.addSql('drop table "offering_total";');
  }
}
