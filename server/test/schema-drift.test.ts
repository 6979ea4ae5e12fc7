import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from './helpers.js';

/**
 * The committed migrations build exactly the schema the entities describe: a column added to an
 * entity without a migration (or a migration that differs from its entity) fails here, not in
 * production.
 */
describe('migrations and entities agree', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => env.close());

  it('has nothing left to change after every migration ran', async () => {
    const sql = await env.db.orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: false });
    expect(sql.trim()).toBe('');
  });
});
