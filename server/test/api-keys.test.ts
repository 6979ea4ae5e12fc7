import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/lib/crypto.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';

let env: TestEnv;
let app: FastifyInstance;
let token: string;
let keyId: string;

const sql = (query: string) => env.db.orm.em.getConnection().execute(query);
const one = async (query: string) => ((await sql(query)) as Record<string, unknown>[])[0] ?? {};
const writes = async () => Number((await one('select count(*)::int as n from last_used_writes')).n);
const lastUsedAt = async () => {
  const v = (await one(`select last_used_at from api_key where id = '${keyId}'`)).last_used_at;
  return v instanceof Date ? v : new Date(String(v));
};
// Changes made here by hand in the database bypass the services that evict the principal cache:
// forget it, as another instance would once its TTL has passed.
const byHand = async (query: string) => {
  await sql(query);
  app.authService.principals.clear();
};
const asKey = () => app.inject({ method: 'GET', url: '/auth/me', headers: { 'x-api-key': token } });

beforeAll(async () => {
  env = await createTestEnv();
  app = await env.app();
  const user = await app.inject({
    method: 'POST',
    url: '/users',
    headers: auth,
    payload: {
      email: 'machine@keys.example',
      password: 'staff password 123',
      displayName: 'M',
      roles: ['cdd-provider'],
    },
  });
  expect(user.statusCode).toBe(201);
  const login = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { email: 'machine@keys.example', password: 'staff password 123' },
  });
  const created = await app.inject({
    method: 'POST',
    url: '/auth/api-keys',
    headers: { authorization: `Bearer ${login.json().token as string}` },
    payload: { name: 'review system' },
  });
  expect(created.statusCode).toBe(201);
  token = created.json().token;
  keyId = created.json().apiKey.id;
  // Counts every write of the column, whoever makes it.
  await sql('create table last_used_writes (at timestamptz not null default now())');
  await sql(`create function count_last_used() returns trigger language plpgsql as $$
    begin insert into last_used_writes default values; return new; end $$`);
  await sql(`create trigger count_last_used after update of last_used_at on api_key
    for each row execute function count_last_used()`);
});
afterAll(async () => {
  await env.close();
});

describe('API key lastUsedAt', () => {
  it('is written once for a burst of concurrent requests, then not again within the minute', async () => {
    const burst = await Promise.all(Array.from({ length: 8 }, asKey));
    expect(burst.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    expect(burst[0]!.json()).toMatchObject({
      actor: `api-key:${keyId}`,
      kind: 'api-key',
      roles: ['cdd-provider'],
    });
    expect(await writes()).toBe(1);
    const first = await lastUsedAt();
    expect(Date.now() - first.getTime()).toBeLessThan(60_000);

    for (let i = 0; i < 5; i++) expect((await asKey()).statusCode).toBe(200);
    expect(await writes()).toBe(1);
    expect((await lastUsedAt()).getTime()).toBe(first.getTime());
  });

  it('is written again, once, when the last write is more than a minute old', async () => {
    await byHand(`update api_key set last_used_at = now() - interval '61 seconds' where id = '${keyId}'`);
    await sql('delete from last_used_writes');
    const burst = await Promise.all(Array.from({ length: 8 }, asKey));
    expect(burst.every((r) => r.statusCode === 200)).toBe(true);
    expect(await writes()).toBe(1);
    expect(Date.now() - (await lastUsedAt()).getTime()).toBeLessThan(10_000);
  });

  it('is written again from a cached key too, once the minute has passed', async () => {
    expect((await asKey()).statusCode).toBe(200);
    const entry = app.authService.principals.get(`k:${sha256Hex(token)}`);
    expect(entry?.lastUsedAt).toBeDefined();
    // As if the key had been cached a minute ago (a TTL longer than the minute).
    entry!.lastUsedAt! -= 61_000;
    await sql(`update api_key set last_used_at = now() - interval '61 seconds' where id = '${keyId}'`);
    await sql('delete from last_used_writes');
    for (let i = 0; i < 3; i++) expect((await asKey()).statusCode).toBe(200);
    expect(await writes()).toBe(1);
    expect(Date.now() - (await lastUsedAt()).getTime()).toBeLessThan(10_000);
  });

  it('shows the time in the key listing and stops resolving once the key is revoked or expired', async () => {
    const login = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'machine@keys.example', password: 'staff password 123' },
    });
    const session = { authorization: `Bearer ${login.json().token as string}` };
    const listed = await app.inject({ method: 'GET', url: '/auth/api-keys', headers: session });
    expect(new Date(listed.json().items[0].lastUsedAt).getTime()).toBe((await lastUsedAt()).getTime());

    await byHand(`update api_key set expires_at = now() - interval '1 second' where id = '${keyId}'`);
    expect((await asKey()).statusCode).toBe(401);
    await byHand(`update api_key set expires_at = null where id = '${keyId}'`);
    expect((await asKey()).statusCode).toBe(200);
    await byHand(`update app_user set disabled = true where email = 'machine@keys.example'`);
    expect((await asKey()).statusCode).toBe(401);
    await byHand(`update app_user set disabled = false where email = 'machine@keys.example'`);
    const revoked = await app.inject({ method: 'DELETE', url: `/auth/api-keys/${keyId}`, headers: session });
    expect(revoked.statusCode).toBe(200);
    const refused = await asKey();
    expect(refused.statusCode).toBe(401);
    expect(refused.json().message).toBe('The API key is not valid, revoked or expired');
  });
});
