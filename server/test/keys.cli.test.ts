import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnemonicContext, profileContext } from '../src/modules/keys/contexts.js';
import { rotateKey } from '../src/modules/keys/rotate-key.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { LEGACY_KEY, sealV1 } from './legacy.js';
import { individual, registerInvestor } from './onboarding-helpers.js';

describe('npm run rotate-key', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  const lostKey = randomBytes(32);
  const identityId = randomUUID();
  const sql = <T>(query: string, params: unknown[] = []) =>
    env.db.orm.em.fork().getConnection().execute<T[]>(query, params);
  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await rotateKey(env.config, env.db, args, {
      log: (l) => out.push(l),
      error: (l) => err.push(l),
    });
    return { code, out, err };
  };

  beforeAll(async () => {
    env = await createTestEnv();
    app = await env.app();
    const { headers } = await registerInvestor(app, 'cli@investor.example');
    const created = await app.inject({
      method: 'POST',
      url: '/onboarding/applications',
      headers,
      payload: individual('Cli'),
    });
    const { id, userId } = created.json() as { id: string; userId: string };
    const profile = { individual: individual('Cli').individual, financials: individual('Cli').financials };
    await sql('update onboarding_application set profile_sealed = ? where id = ?', [
      sealV1(LEGACY_KEY, Buffer.from(JSON.stringify(profile)), profileContext(id)),
      id,
    ]);
    // A custodial key sealed with a key this installation no longer has.
    await sql(
      `insert into investor_identity (id, created_at, updated_at, user_id, application_id, account, custodial, key_sealed, standing)
       values (?, now(), now(), ?, ?, '5Fake', true, ?, 'good')`,
      [identityId, userId, id, sealV1(lostKey, Buffer.from('{"mnemonic":"x"}'), mnemonicContext(identityId))],
    );
  });
  afterAll(async () => {
    await env.close();
  });

  it('refuses a bad batch size before touching anything', async () => {
    await expect(run(['--batch-size', 'lots'])).rejects.toThrow(/--batch-size takes a whole number/);
    expect(await sql(`select 1 from audit_entry where action like 'keys.rotation-%'`)).toEqual([]);
  });

  it('reports progress, names what it could not open, and exits 1 without retiring the old keys', async () => {
    const { code, out, err } = await run(['--batch-size', '1']);
    expect(code).toBe(1);
    expect(out).toContain('  profiles: 1 of 1 re-encrypted');
    expect(err[0]).toBe('1 values could not be opened and were left as they are:');
    expect(err[1]).toContain(`custodial keys ${identityId}: `);
    expect(err[2]).toMatch(/PREVIOUS_ENCRYPTION_KEYS/);
    const retiring = await sql<{ n: number }>(
      `select count(*)::int as n from encryption_data_key where status = 'retiring'`,
    );
    expect(retiring[0]!.n).toBe(3);
  });

  it('finishes once the missing key is configured, resuming the same rotation', async () => {
    env.config.encryption.previousKeys = [lostKey];
    const { code, out, err } = await run([]);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out).toContain('  (resumed a rotation that had not finished)');
    expect(out).toContain('  custodial keys: 1 of 1 re-encrypted');
    expect(out.at(-1)).toMatch(
      /^Done: every sealed value uses the new keys; retired data keys \d+, \d+, \d+\.$/,
    );
    const actions = await sql<{ action: string; actor: string }>(
      `select action, actor from audit_entry where action like 'keys.rotation-%' order by id`,
    );
    expect(actions).toEqual([
      { action: 'keys.rotation-started', actor: 'cli:rotate-key' },
      { action: 'keys.rotation-incomplete', actor: 'cli:rotate-key' },
      { action: 'keys.rotation-resumed', actor: 'cli:rotate-key' },
      { action: 'keys.rotation-completed', actor: 'cli:rotate-key' },
    ]);
  });
});
