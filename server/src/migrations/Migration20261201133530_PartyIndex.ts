import { Migration } from '@mikro-orm/migrations';

/** Fills `parties` from each settlement's legs (also run by the test that checks the backfill). */
export const BACKFILL_SETTLEMENT_PARTIES = `update "settlement" s set "parties" = coalesce((
  select array_agg(distinct p.did order by p.did)
  from jsonb_array_elements(s."legs") l,
  lateral (values
    (case when l->>'type' = 'Fungible' then l->'from'->>'did' else l->>'from' end),
    (case when l->>'type' = 'Fungible' then l->'to'->>'did' else l->>'to' end)
  ) p(did)
  where p.did is not null
), '{}');`;

/**
 * Settlements name their parties in an indexed array, so "instructions that involve me" is one
 * indexed query instead of every settlement filtered in memory. Existing rows are backfilled
 * from their legs (fungible legs: the portfolios' DIDs; off-chain legs: `from`/`to`).
 */
export class Migration20261201133530_PartyIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "settlement" add column "parties" text[] not null default \'{}\';');
    this.addSql(BACKFILL_SETTLEMENT_PARTIES);
    this.addSql('alter table "settlement" alter column "parties" drop default;');
    this.addSql('create index "settlement_parties_index" on "settlement" using gin ("parties");');
    this.addSql('create index "settlement_created_at_index" on "settlement" ("created_at");');
  }

  override async down(): Promise<void> {
    this.addSql('drop index "settlement_parties_index";');
    this.addSql('drop index "settlement_created_at_index";');
    this.addSql('alter table "settlement" drop column "parties";');
  }
}
