import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { AccountToken, TwoFactor, User } from '../src/modules/auth/entity.js';
import { totpContext } from '../src/modules/keys/contexts.js';
import { KeyRotation } from '../src/modules/keys/rotation.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { mailedToken, mailTo, signUp } from './mail-helpers.js';

type Headers = Record<string, string>;
const PASSWORD = 'correct horse battery';
const STAFF_PASSWORD = 'staff password 123';

describe('account basics: sign-up, password reset and two-factor sign-in', () => {
  let env: TestEnv;
  let app: FastifyInstance;

  const post = (url: string, payload: object, headers: Headers = {}) =>
    app.inject({ method: 'POST', url, payload, headers });
  const get = (url: string, headers: Headers) => app.inject({ method: 'GET', url, headers });
  const login = (email: string, password: string) => post('/auth/login', { email, password });
  const bearer = (token: string): Headers => ({ authorization: `Bearer ${token}` });
  const audits = (action: string) =>
    env.db.orm.em.fork().find(AuditEntry, { action }, { orderBy: { seq: 'asc' } });
  const createStaff = async (email: string, roles: string[]) => {
    const res = await post(
      '/users',
      { email, password: STAFF_PASSWORD, displayName: `Staff ${email}`, roles },
      auth,
    );
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string };
  };

  beforeAll(async () => {
    env = await createTestEnv();
    app = await env.app({ config: { staffTwoFactor: 'required', publicUrl: 'https://portal.example' } });
  });
  afterAll(async () => {
    await env?.close();
  });

  describe('sign-up', () => {
    it('answers the same for a new and a registered address, and tells the holder', async () => {
      const first = await post('/auth/register', {
        email: 'Dana@Example.com',
        password: PASSWORD,
        displayName: 'Dana',
      });
      expect(first.statusCode).toBe(202);
      expect(first.cookies).toEqual([]);
      // Not yet confirmed: the password alone does not open the account.
      const early = await login('dana@example.com', PASSWORD);
      expect(early.statusCode).toBe(403);
      expect(early.json().message).toMatch(/^Confirm your e-mail address first/);
      const token = await mailedToken(app, 'dana@example.com', '/verify-email');
      const [confirmation] = await mailTo(app, 'dana@example.com');
      expect(confirmation!.subject).toBe('Confirm your e-mail address for Stoa');
      expect(confirmation!.text).toContain('https://portal.example/verify-email#token=');
      const confirmed = await post('/auth/verify-email', { token });
      expect(confirmed.statusCode).toBe(201);
      expect(confirmed.json().user.email).toBe('dana@example.com');
      expect(confirmed.cookies.find((c) => c.name === 'stoa_session')).toBeDefined();
      // A link works once.
      const again = await post('/auth/verify-email', { token });
      expect(again.statusCode).toBe(400);
      expect(again.json().message).toMatch(/already used, it expired/);

      const repeat = await post('/auth/register', {
        email: 'dana@example.com',
        password: 'another password 99',
        displayName: 'Someone else',
      });
      expect(repeat.statusCode).toBe(first.statusCode);
      expect(repeat.json()).toEqual(first.json());
      expect(repeat.cookies).toEqual([]);
      const mails = await mailTo(app, 'dana@example.com');
      expect(mails.at(-1)!.subject).toBe('Someone tried to sign up with your address');
      expect(mails.at(-1)!.text).not.toMatch(/#token=/);
      // Nothing changed: the password is still Dana's.
      expect((await login('dana@example.com', PASSWORD)).statusCode).toBe(200);
      expect((await login('dana@example.com', 'another password 99')).statusCode).toBe(401);
      expect(await audits('auth.sign-up-for-existing-account')).toHaveLength(1);
    });

    it('gives the account to whoever confirms the address, with the password of their own sign-up', async () => {
      // Someone signs up first with Erin's address and a password of their own…
      await post('/auth/register', {
        email: 'erin@example.com',
        password: 'squatter password 1',
        displayName: 'X',
      });
      const squatterToken = await mailedToken(app, 'erin@example.com', '/verify-email');
      // …then Erin signs up; only her mailbox gets links, and hers carries her password.
      await post('/auth/register', { email: 'erin@example.com', password: PASSWORD, displayName: 'Erin' });
      const erinToken = await mailedToken(app, 'erin@example.com', '/verify-email');
      expect(erinToken).not.toBe(squatterToken);
      expect((await post('/auth/verify-email', { token: erinToken })).statusCode).toBe(201);
      expect((await login('erin@example.com', PASSWORD)).statusCode).toBe(200);
      expect((await login('erin@example.com', 'squatter password 1')).statusCode).toBe(401);
      const user = await env.db.orm.em.fork().findOneOrFail(User, { email: 'erin@example.com' });
      expect(user.displayName).toBe('Erin');
      // The other sign-up's link stopped working when Erin confirmed.
      expect((await post('/auth/verify-email', { token: squatterToken })).statusCode).toBe(400);
    });

    it('applies the sign-up password rule', async () => {
      const res = await post('/auth/register', {
        email: 'short@example.com',
        password: 'short',
        displayName: 'S',
      });
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json())).toMatch(/12 characters/);
    });
  });

  describe('password reset', () => {
    let userId: string;
    beforeAll(async () => {
      const res = await signUp(app, { email: 'frank@example.com', password: PASSWORD, displayName: 'Frank' });
      expect(res.statusCode).toBe(201);
      userId = res.json().user.id as string;
    });

    it('answers the same for registered and unknown addresses, and mails only the registered one', async () => {
      const t0 = performance.now();
      const known = await post('/auth/password-reset', { email: 'frank@example.com' });
      const t1 = performance.now();
      const unknown = await post('/auth/password-reset', { email: 'nobody@example.com' });
      const t2 = performance.now();
      expect(known.statusCode).toBe(202);
      expect(unknown.statusCode).toBe(202);
      expect(unknown.json()).toEqual(known.json());
      expect(known.json().message).toMatch(/^If an account uses that address/);
      // Mail is sent after the answer: no mail server round trip in the known address's timing.
      expect(Math.abs(t1 - t0 - (t2 - t1))).toBeLessThan(250);
      expect(await mailTo(app, 'nobody@example.com')).toEqual([]);
      const mails = await mailTo(app, 'frank@example.com');
      expect(mails.at(-1)!.subject).toBe('Choose a new password for Stoa');
      expect(mails.at(-1)!.text).toContain('https://portal.example/reset-password#token=');
      const notSent = await audits('auth.password-reset-not-sent');
      expect(notSent.at(-1)!.data).toMatchObject({ email: 'nobody@example.com', reason: 'unknown-address' });
    });

    it('sets the new password once, ends every session, and stores only the hash of the token', async () => {
      const session = (await login('frank@example.com', PASSWORD)).json().token as string;
      expect((await get('/auth/me', bearer(session))).statusCode).toBe(200);
      const token = await mailedToken(app, 'frank@example.com', '/reset-password');
      const rows = await env.db.orm.em.fork().find(AccountToken, { userId, purpose: 'password-reset' });
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.tokenHash !== token && !r.tokenHash.includes(token))).toBe(true);

      const weak = await post('/auth/password-reset/confirm', { token, password: 'weak' });
      expect(weak.statusCode).toBe(400);
      expect(JSON.stringify(weak.json())).toMatch(/12 characters/);

      const done = await post('/auth/password-reset/confirm', { token, password: 'a brand new password' });
      expect(done.statusCode).toBe(200);
      expect(done.json().message).toMatch(/signed out everywhere/);
      expect((await get('/auth/me', bearer(session))).statusCode).toBe(401);
      expect((await login('frank@example.com', PASSWORD)).statusCode).toBe(401);
      expect((await login('frank@example.com', 'a brand new password')).statusCode).toBe(200);
      const reuse = await post('/auth/password-reset/confirm', { token, password: 'yet another password' });
      expect(reuse.statusCode).toBe(400);
      expect(reuse.json().message).toMatch(/^This password reset link is not valid any more/);
      const [entry] = await audits('auth.password-reset');
      expect(entry!.subjectId).toBe(userId);
      // The session the confirmation link opened, and the one signed in with the password.
      expect(entry!.data).toMatchObject({ sessionsEnded: 2 });
      expect((await mailTo(app, 'frank@example.com')).at(-1)!.subject).toBe('Your Stoa password was changed');
    });

    it('refuses an expired link', async () => {
      await post('/auth/password-reset', { email: 'frank@example.com' });
      const token = await mailedToken(app, 'frank@example.com', '/reset-password');
      await env.db.orm.em
        .fork()
        .nativeUpdate(
          AccountToken,
          { userId, purpose: 'password-reset', usedAt: null },
          { expiresAt: new Date(Date.now() - 1000) },
        );
      const res = await post('/auth/password-reset/confirm', { token, password: 'expired link password' });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/expired/);
    });

    it('sends at most three links an hour to one account, answering the same', async () => {
      const before = (await mailTo(app, 'frank@example.com')).length;
      const sent = await env.db.orm.em.fork().count(AccountToken, { userId, purpose: 'password-reset' });
      const answers: unknown[] = [];
      for (let i = sent; i < 5; i++)
        answers.push((await post('/auth/password-reset', { email: 'frank@example.com' })).json());
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
      const after = (await mailTo(app, 'frank@example.com')).length;
      expect(after - before).toBe(Math.max(0, 3 - sent));
      expect((await audits('auth.password-reset-not-sent')).at(-1)!.data).toMatchObject({
        reason: 'too-many',
      });
    });
  });

  describe('two-factor sign-in', () => {
    let staffId: string;
    let session: Headers;
    let secret: string;
    let recovery: string[];
    let confirmCode: string;

    beforeAll(async () => {
      staffId = (await createStaff('grace@platform.example', ['auditor'])).id;
      const res = await login('grace@platform.example', STAFF_PASSWORD);
      expect(res.statusCode).toBe(200);
      session = bearer(res.json().token as string);
    });

    it('keeps staff routes closed until a staff user sets it up', async () => {
      const refused = await get('/users', session);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().message).toMatch(/^Set up two-factor sign-in first/);
      const me = (await get('/auth/me', session)).json();
      expect(me.twoFactor).toEqual({ enrolled: false, required: true });
      const key = await post('/auth/api-keys', { name: 'around it' }, session);
      expect(key.statusCode).toBe(403);
    });

    it('does not ask investors for it', async () => {
      const res = await signUp(app, { email: 'ivy@example.com', password: PASSWORD, displayName: 'Ivy' });
      const me = (await get('/auth/me', bearer(res.json().token as string))).json();
      expect(me.twoFactor).toEqual({ enrolled: false, required: false });
    });

    it('enrols with a QR code and a code from the app; the secret is sealed at rest', async () => {
      const started = await post('/auth/two-factor/enrolment', {}, session);
      expect(started.statusCode).toBe(200);
      secret = started.json().secret as string;
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      expect(started.json().uri).toBe(
        `otpauth://totp/Stoa:grace%40platform.example?secret=${secret}&issuer=Stoa`,
      );
      expect(started.json().qrCode).toMatch(/^data:image\/png;base64,/);
      const row = await env.db.orm.em.fork().findOneOrFail(TwoFactor, { userId: staffId });
      expect(row.secretSealed.toString('latin1')).not.toContain(secret);
      expect(row.confirmedAt).toBeNull();

      const wrong = await post('/auth/two-factor/enrolment/confirm', { code: await stale(secret) }, session);
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().message).toBe(
        'That code is not right. Enter the 6-digit code your authenticator app shows for Stoa now.',
      );
      confirmCode = await generate({ secret });
      const ok = await post('/auth/two-factor/enrolment/confirm', { code: confirmCode }, session);
      expect(ok.statusCode).toBe(200);
      recovery = ok.json().recoveryCodes as string[];
      expect(recovery).toHaveLength(10);
      expect(new Set(recovery).size).toBe(10);
      const stored = await env.db.orm.em.fork().findOneOrFail(TwoFactor, { userId: staffId });
      expect(stored.recoveryCodes.some((h) => recovery.includes(h))).toBe(false);
      expect((await get('/users', session)).statusCode).toBe(200);
      expect((await audits('auth.two-factor-enrolled')).map((e) => e.subjectId)).toEqual([staffId]);
    });

    it('asks for a code at sign-in, refuses a replayed or wrong one in words', async () => {
      const first = await login('grace@platform.example', STAFF_PASSWORD);
      expect(first.statusCode).toBe(200);
      const body = first.json();
      expect(body.twoFactor).toBe('required');
      expect(body.token).toBeUndefined();
      expect(first.cookies).toEqual([]);
      const challenge = body.challenge as string;

      const replay = await post('/auth/login/two-factor', { challenge, code: confirmCode });
      expect(replay.statusCode).toBe(401);
      expect(replay.json().message).toBe(
        'That code was already used. Wait for your authenticator app to show the next code, then enter it.',
      );
      const wrong = await post('/auth/login/two-factor', { challenge, code: await stale(secret) });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().message).toMatch(/^That code is not right/);

      const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
      const ok = await post('/auth/login/two-factor', { challenge, code: next });
      expect(ok.statusCode).toBe(200);
      const signedIn = bearer(ok.json().token as string);
      expect((await get('/users', signedIn)).statusCode).toBe(200);
      // The challenge is spent, and the same code does not work twice.
      expect((await post('/auth/login/two-factor', { challenge, code: next })).statusCode).toBe(401);
      const second = (await login('grace@platform.example', STAFF_PASSWORD)).json().challenge as string;
      const again = await post('/auth/login/two-factor', { challenge: second, code: next });
      expect(again.json().message).toMatch(/already used/);
      const refusals = await audits('auth.two-factor-code-refused');
      expect(refusals.map((e) => e.data.reason)).toEqual(expect.arrayContaining(['wrong', 'replayed']));
    });

    it('takes each recovery code once', async () => {
      const challenge = (await login('grace@platform.example', STAFF_PASSWORD)).json().challenge as string;
      const code = recovery[0]!.toLowerCase().replace('-', ' ');
      expect((await post('/auth/login/two-factor', { challenge, code })).statusCode).toBe(200);
      const later = (await login('grace@platform.example', STAFF_PASSWORD)).json().challenge as string;
      expect((await post('/auth/login/two-factor', { challenge: later, code: recovery[0] })).statusCode).toBe(
        401,
      );
      expect((await get('/auth/two-factor', session)).json()).toEqual({
        enrolled: true,
        required: true,
        recoveryCodesLeft: 9,
      });
    });

    it('re-encrypts the secret when the keys rotate', async () => {
      const report = await new KeyRotation(env.db.orm, app.keys, app.services.audit).rotate({
        actor: 'test',
      });
      expect(report.reencrypted['two-factor secrets']).toBe(1);
      const row = await env.db.orm.em.fork().findOneOrFail(TwoFactor, { userId: staffId });
      expect(row.secretSealed.readUInt32BE(1)).toBe(report.keyIds.profile);
      expect((await app.keys.open('profile', row.secretSealed, totpContext(staffId))).toString()).toBe(
        secret,
      );
    });

    it('ends a challenge after five wrong codes', async () => {
      const challenge = (await login('grace@platform.example', STAFF_PASSWORD)).json().challenge as string;
      for (let i = 0; i < 5; i++) {
        const res = await post('/auth/login/two-factor', { challenge, code: 'WRONG-CODE' });
        expect(res.json().message).toMatch(/^That code is not right/);
      }
      const sixth = await post('/auth/login/two-factor', { challenge, code: recovery[1] });
      expect(sixth.statusCode).toBe(401);
      expect(sixth.json().message).toMatch(/^Your sign-in took too long or had too many wrong codes/);
    });

    it('an administrator resets it after a lost phone, with a reason; staff set it up again', async () => {
      const noReason = await post(`/users/${staffId}/two-factor/reset`, {}, auth);
      expect(noReason.statusCode).toBe(400);
      const res = await post(
        `/users/${staffId}/two-factor/reset`,
        { reason: 'Lost phone, identity checked by call' },
        auth,
      );
      expect(res.statusCode).toBe(200);
      expect(res.json().sessionsEnded).toBeGreaterThan(0);
      expect((await get('/auth/me', session)).statusCode).toBe(401);
      const [entry] = await audits('auth.two-factor-reset');
      expect(entry!.data).toMatchObject({ reason: 'Lost phone, identity checked by call' });
      const again = await login('grace@platform.example', STAFF_PASSWORD);
      expect(again.json().token).toBeDefined();
      expect((await get('/users', bearer(again.json().token as string))).statusCode).toBe(403);
      const twice = await post(`/users/${staffId}/two-factor/reset`, { reason: 'again' }, auth);
      expect(twice.statusCode).toBe(409);
      expect(twice.json().message).toBe('Staff grace@platform.example has no two-factor sign-in to reset');
    });
  });
});

/** A code of this secret from an hour ago: well formed, not valid now. */
function stale(secret: string): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) - 3600 });
}
