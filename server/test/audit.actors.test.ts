import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, createTestEnv, type TestEnv } from './helpers.js';

/** The audit routes name actors as people read them; the trail keeps the ids. */
describe('audit actor names', () => {
  let env: TestEnv;
  let app: FastifyInstance;

  beforeAll(async () => {
    env = await createTestEnv();
    app = await env.app();
  });
  afterAll(async () => env.close());

  it('"Alice Reviewer (CDD reviewer)" for a user, a key by its name and owner, fixed names for the platform', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/users',
      headers: auth,
      payload: {
        email: 'alice@cdd.example',
        password: 'staff password 123',
        displayName: 'Alice Reviewer',
        roles: ['cdd-provider'],
      },
    });
    expect(created.statusCode).toBe(201);
    const userId = created.json().id as string;
    const login = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'alice@cdd.example', password: 'staff password 123' },
    });
    const bearer = { authorization: `Bearer ${login.json().token as string}` };
    const key = await app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: bearer,
      payload: { name: 'review robot' },
    });
    expect(key.statusCode).toBe(201);
    const res = await app.inject({ method: 'GET', url: '/audit?limit=500', headers: auth });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { actor: string; actorName?: string; action: string }[];
    const byAlice = items.find((e) => e.actor === `user:${userId}`);
    expect(byAlice?.actorName).toBe('Alice Reviewer (CDD reviewer)');
    const byOperator = items.find((e) => e.actor === 'operator');
    expect(byOperator?.actorName).toBe('Platform operator (admin token)');
    for (const e of items) expect(e.actorName).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });
});
