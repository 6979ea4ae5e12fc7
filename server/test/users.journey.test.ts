import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { staff } from './onboarding-helpers.js';

type Headers = Record<string, string>;
const PASSWORD = 'staff password 123';

describe('user administration: disabling, enabling and roles take effect at once', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let root: { headers: Headers; user: { id: string } };

  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, headers: Headers, payload?: object) => {
    const res = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.json(), res };
  };
  const me = (headers: Headers) => call('GET', '/auth/me', headers);
  const login = (email: string, password = PASSWORD) =>
    app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
  const bearer = async (email: string): Promise<Headers> => {
    const res = await login(email);
    expect(res.statusCode).toBe(200);
    return { authorization: `Bearer ${res.json().token as string}` };
  };
  const apiKey = async (owner: Headers, body: object = {}): Promise<Headers> => {
    const r = await call('POST', '/auth/api-keys', owner, { name: 'integration', ...body });
    expect(r.status).toBe(201);
    return { 'x-api-key': r.body.token as string };
  };
  const audits = (action: string, subjectId: string) =>
    env.db.orm.em.fork().find(AuditEntry, { action, subjectId }, { orderBy: { seq: 'asc' } });
  const account = async (id: string) =>
    (await call('GET', '/users', root.headers)).body.items.find((u: { id: string }) => u.id === id);

  beforeAll(async () => {
    env = await createTestEnv();
    app = await env.app();
    root = await staff(app, 'root@platform.example', ['admin']);
  });
  afterAll(async () => env.close());

  it('disables a user: their sessions (bearer and cookie) and API keys are refused on the next request, and login says why', async () => {
    const bob = await staff(app, 'bob@issuer.example', ['issuer-admin', 'compliance-officer']);
    const second = await bearer('bob@issuer.example');
    const cookieLogin = await login('bob@issuer.example');
    const cookie = {
      cookie: `stoa_session=${cookieLogin.cookies.find((c) => c.name === 'stoa_session')!.value}`,
    };
    const keys = [await apiKey(bob.headers), await apiKey(bob.headers, { roles: ['issuer-admin'] })];
    const everything = [bob.headers, second, cookie, ...keys];
    for (const h of everything) expect((await me(h)).status).toBe(200);
    expect((await account(bob.user.id)).access).toEqual({ sessions: 3, apiKeys: 2 });

    const url = `/users/${bob.user.id}/disable`;
    expect((await call('POST', url, root.headers, {})).status).toBe(400);
    expect((await call('POST', url, root.headers, { reason: '    ' })).status).toBe(400);
    const done = await call('POST', url, root.headers, { reason: 'left the company' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      user: { disabled: true, disabledReason: 'left the company', access: { sessions: 0, apiKeys: 0 } },
      ended: { sessions: 3, apiKeys: 2 },
    });
    for (const h of everything) expect((await me(h)).status).toBe(401);

    const refused = await login('bob@issuer.example');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toBe(
      'Your account is disabled; ask an administrator of the platform to enable it',
    );
    // Without the password nobody learns the account exists, let alone that it is disabled.
    const guess = await login('bob@issuer.example', 'wrong password 1234');
    expect(guess.statusCode).toBe(401);
    expect(guess.json().message).toBe('E-mail or password is wrong');

    const [entry] = await audits('user.disabled', bob.user.id);
    expect(entry).toMatchObject({
      actor: `user:${root.user.id}`,
      subjectType: 'user',
      data: { email: 'bob@issuer.example', reason: 'left the company', sessionsEnded: 3, apiKeysRevoked: 2 },
    });
  });

  it('enabling lets them log in again, without bringing back the sessions or API keys that ended', async () => {
    const carol = await staff(app, 'carol@issuer.example', ['transfer-agent']);
    const key = await apiKey(carol.headers);
    await call('POST', `/users/${carol.user.id}/disable`, root.headers, { reason: 'on leave' });
    const enabled = await call('POST', `/users/${carol.user.id}/enable`, root.headers, {
      reason: 'back from leave',
    });
    expect(enabled.status).toBe(200);
    expect(enabled.body.user).toMatchObject({ disabled: false, disabledAt: null, disabledReason: null });
    expect((await me(carol.headers)).status).toBe(401);
    expect((await me(key)).status).toBe(401);
    const fresh = await bearer('carol@issuer.example');
    expect((await me(fresh)).body.roles).toEqual(['transfer-agent']);
    expect(
      (await call('POST', `/users/${carol.user.id}/enable`, root.headers, { reason: 'again' })).status,
    ).toBe(409);
    const [entry] = await audits('user.enabled', carol.user.id);
    expect(entry).toMatchObject({
      actor: `user:${root.user.id}`,
      data: { reason: 'back from leave', disabledReason: 'on leave' },
    });
  });

  it('refuses to disable twice (one of concurrent requests wins), oneself, or a user that does not exist', async () => {
    const dave = await staff(app, 'dave@issuer.example', ['auditor']);
    const results = await Promise.all(
      [1, 2, 3].map((i) =>
        call('POST', `/users/${dave.user.id}/disable`, root.headers, { reason: `ticket ${i}` }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(results.find((r) => r.status === 409)!.body.message).toMatch(/already disabled/);
    expect(await audits('user.disabled', dave.user.id)).toHaveLength(1);

    const self = await call('POST', `/users/${root.user.id}/disable`, root.headers, { reason: 'oops' });
    expect(self.status).toBe(422);
    expect(self.body.message).toMatch(/cannot disable your own account/);
    const ghost = await call('POST', '/users/00000000-0000-4000-8000-000000000000/disable', root.headers, {
      reason: 'who?',
    });
    expect(ghost.status).toBe(404);
    expect((await call('POST', `/users/${dave.user.id}/enable`, dave.headers, { reason: 'me' })).status).toBe(
      401,
    );
  });

  it('never lets a login that races a disable leave a session that enabling would bring back', async () => {
    const erin = await staff(app, 'erin@issuer.example', ['issuer-admin']);
    const [disabled, ...logins] = await Promise.all([
      call('POST', `/users/${erin.user.id}/disable`, root.headers, { reason: 'suspicious logins' }),
      ...[1, 2, 3, 4].map(() => login('erin@issuer.example')),
    ]);
    expect(disabled!.status).toBe(200);
    for (const l of logins) expect([200, 403]).toContain(l.statusCode);
    await call('POST', `/users/${erin.user.id}/enable`, root.headers, { reason: 'cleared' });
    const tokens = logins.filter((l) => l.statusCode === 200).map((l) => l.json().token as string);
    for (const t of tokens) expect((await me({ authorization: `Bearer ${t}` })).status).toBe(401);
    expect((await me(erin.headers)).status).toBe(401);
  });

  it('removing a role ends the sessions; API keys keep the roles the user still holds, and one left with none is revoked', async () => {
    const fay = await staff(app, 'fay@issuer.example', ['issuer-admin', 'compliance-officer']);
    const both = await apiKey(fay.headers);
    const officerOnly = await apiKey(fay.headers, { roles: ['compliance-officer'] });
    const url = `/users/${fay.user.id}/roles`;

    const added = await call('PUT', url, root.headers, {
      roles: ['issuer-admin', 'compliance-officer', 'auditor'],
      reason: 'joins the audit committee',
    });
    expect(added.body.ended).toEqual({ sessions: 0, apiKeys: 0 });
    expect((await me(fay.headers)).body.roles).toEqual(['issuer-admin', 'compliance-officer', 'auditor']);

    const removed = await call('PUT', url, root.headers, {
      roles: ['issuer-admin', 'auditor'],
      reason: 'no longer a compliance officer',
    });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({
      user: { roles: ['issuer-admin', 'auditor'], access: { sessions: 0, apiKeys: 1 } },
      ended: { sessions: 1, apiKeys: 1 },
    });
    expect((await me(fay.headers)).status).toBe(401);
    expect((await me(officerOnly)).status).toBe(401);
    expect((await me(both)).body.roles).toEqual(['issuer-admin']);
    expect((await call('POST', '/identities/expiry-scan', both)).status).toBe(403);
    expect((await me(await bearer('fay@issuer.example'))).body.roles).toEqual(['issuer-admin', 'auditor']);

    const entries = await audits('user.roles-changed', fay.user.id);
    expect(entries.at(-1)!.data).toMatchObject({
      before: ['issuer-admin', 'compliance-officer', 'auditor'],
      after: ['issuer-admin', 'auditor'],
      reason: 'no longer a compliance officer',
      sessionsEnded: 1,
      apiKeysRevoked: 1,
    });
  });

  it('lists users with their live sessions and API keys for administrators and auditors only', async () => {
    const list = await call('GET', '/users', auth);
    expect(list.status).toBe(200);
    const bob = list.body.items.find((u: { email: string }) => u.email === 'bob@issuer.example');
    expect(bob).toMatchObject({
      disabled: true,
      disabledReason: 'left the company',
      access: { sessions: 0, apiKeys: 0 },
    });
    const investor = await staff(app, 'gus@investor.example', ['investor']);
    expect((await call('GET', '/users', investor.headers)).status).toBe(403);
  });
});
