import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { User } from '../src/modules/auth/entity.js';
import { InvestorIdentity, Notification } from '../src/modules/identities/entity.js';
import type { Mailer } from '../src/modules/mail/mailer.js';
import { NotificationMailer } from '../src/modules/notifications/delivery.js';
import { notify } from '../src/modules/notifications/notify.js';
import { Subscription } from '../src/modules/offerings/entity.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, signed, type Investor } from './offering-helpers.js';
import { applyAndSubmit, registerInvestor } from './onboarding-helpers.js';

type World = Awaited<ReturnType<typeof offeringWorld>>;
interface Note {
  id: string;
  kind: string;
  title: string | null;
  message: string;
  link: string | null;
  readAt: string | null;
}

describe('notifications journey', () => {
  let env: TestEnv;
  let world: World;
  let usd: { id: string; chainId: string };
  let ada: Investor;
  let bob: Investor;

  const notes = async (headers: Record<string, string>, query = 'limit=100') =>
    world.ok('GET', `/notifications?${query}`, undefined, headers) as Promise<{
      items: Note[];
      total: number;
      unreadCount: number;
    }>;
  const kinds = async (headers: Record<string, string>) => (await notes(headers)).items.map((n) => n.kind);
  const mailDir = () => join(env.dir, 'mail');
  // Notices only: sign-up confirmations and other account mail land in the same folder.
  const mails = async () =>
    (await readdir(mailDir()).catch(() => [] as string[]))
      .filter((f) => f.startsWith('notification-'))
      .sort();

  beforeAll(async () => {
    env = await createTestEnv();
    world = await offeringWorld(env);
    ada = await world.onboard('Lovelace', 'US', true);
    bob = await world.onboard('Babbage', 'US', true);
    usd = await world.createAsset({
      name: 'Stoa USD',
      ticker: 'USDS',
      assetType: 'StableCoin',
      divisible: true,
    });
    await world.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000000' });
  }, 180_000);
  afterAll(async () => env.close());

  it('tells an attested investor once that the application was approved and that the claims are on chain', async () => {
    const items = (await notes(ada.headers)).items;
    expect(items.filter((n) => n.kind === 'application.approved')).toHaveLength(1);
    const issued = items.filter((n) => n.kind === 'claims.issued');
    expect(issued).toHaveLength(1);
    expect(issued[0]!.message).toMatch(
      /^Your verification is complete: your identity verification, KYC verification, country of residence and accredited-investor status are recorded on chain until \d{1,2} \w+ \d{4}\. You can invest in offerings open to you\.$/,
    );
    expect(issued[0]!.link).toBe('/investor/offerings');
    for (const n of items) expect(n.message).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-|did:|0x[0-9a-f]{8}/i);
  });

  it('tells the applicant when a reviewer asks for more information or rejects, in the reviewer’s words', async () => {
    const carl = await registerInvestor(world.app, 'carl@investor.example');
    const id = await applyAndSubmit(world.app, carl.headers, 'Carlsson');
    await world.queue.drain();
    const reviewer = {
      id: 'user:reviewer',
      userId: null,
      roles: ['cdd-provider' as const],
      kind: 'user' as const,
    };
    await world.app.investors.onboarding.decide(
      reviewer,
      id,
      'needs-more-info',
      'Please upload a clearer passport scan',
    );
    let got = (await notes(carl.headers)).items;
    expect(got.map((n) => n.kind)).toEqual(['application.more-info-requested']);
    expect(got[0]).toMatchObject({
      title: 'We need more information from you',
      link: '/investor/onboarding',
      message:
        'We need more information to finish reviewing your application. The reviewer wrote: “Please upload a clearer passport scan”. Update your application and submit it again.',
    });
    await world.ok('POST', `/onboarding/applications/${id}/submit`, undefined, carl.headers);
    const rejected = await world.call(
      'POST',
      `/cdd/applications/${id}/reject`,
      { reason: 'The documents do not match the name given' },
      world.cddKey,
    );
    expect(rejected.status).toBe(200);
    got = (await notes(carl.headers)).items;
    expect(got.map((n) => n.kind)).toEqual(['application.rejected', 'application.more-info-requested']);
    expect(got[0]!.message).toMatch(
      /^Your application was not approved\. The reviewer wrote: “The documents do not match/,
    );
  });

  it('never shows a KYC vendor’s labels to the investor', async () => {
    const dora = await registerInvestor(world.app, 'dora@investor.example');
    const id = await applyAndSubmit(world.app, dora.headers, 'Redmond');
    await world.queue.drain();
    const { sandboxWebhook } = await import('../src/modules/kyc/sandbox.js');
    const hook = sandboxWebhook(env.config.kyc.sandboxWebhookSecret!, {
      applicationId: id,
      // The vendor asks for new photos (labels UNSATISFACTORY_PHOTOS): the investor reads words.
      scenario: 'retry',
    });
    await world.app.inject({
      method: 'POST',
      url: '/kyc/webhooks/sandbox',
      headers: hook.headers,
      payload: hook.body,
    });
    await world.queue.drain();
    const got = (await notes(dora.headers)).items;
    expect(got.map((n) => n.kind)).toEqual(['application.more-info-requested']);
    expect(got[0]!.message).not.toMatch(/RETRY|UNSATISFACTORY|labels/);
  });

  it('tells the investor a settlement waits for their affirmation, with formatted amounts and the asset’s ticker', async () => {
    const s = await world.instruct(ada, usd.id, '12500.5');
    const waiting = (await notes(ada.headers)).items.filter(
      (n) => n.kind === 'settlement.awaiting-affirmation',
    );
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.message).toBe(
      'A settlement waits for your affirmation: you receive 12,500.5 USDS. Review it and affirm or reject it.',
    );
    expect(waiting[0]!.link).toBe('/investor/instructions');
    await world.ok('POST', `/settlements/${s.id}/affirm`, { identityId: ada.identityId });
    // Affirming is not a second instruction: still one notice.
    expect((await kinds(ada.headers)).filter((k) => k === 'settlement.awaiting-affirmation')).toHaveLength(1);
  });

  it('does not ask a receiver who pre-approved the asset to affirm', async () => {
    const identity = await env.db.orm.em.fork().findOneOrFail(InvestorIdentity, { id: bob.identityId });
    const key = await world.app.investors.identities.custodialKey(identity.account);
    await env.ledger.addSigner(key!);
    await env.ledger.submit(
      { name: 'asset.preApproveAsset', args: { assetId: usd.chainId } },
      { signer: identity.account },
    );
    const s = await world.instruct(bob, usd.id, '5000');
    expect((await world.ok('GET', `/settlements/${s.id}`)).status).toBe('Success');
    expect(await kinds(bob.headers)).not.toContain('settlement.awaiting-affirmation');
  });

  it('tells subscribers their subscription settled (in escrow below the soft cap) and, when the cap is missed, refunded — once each', async () => {
    const asset = await world.createAsset({
      name: 'Gamma Fund',
      ticker: 'GAMMA',
      assetType: 'Fund',
      divisible: true,
    });
    const id = await world.launch(asset.id, usd.id, {
      name: 'Gamma Seed',
      tiers: [{ amount: '100000', price: '2' }],
      minInvestment: '10',
      softCap: '50000',
    });
    const sub = await world.call(
      'POST',
      `/offerings/${id}/subscriptions`,
      { amount: '1500', agreement: signed(ada) },
      ada.headers,
    );
    expect(sub.status).toBe(202);
    await world.queue.drain();
    // Below the soft cap the tokens are held in escrow, and the notice says so (never "settled").
    let held = (await notes(ada.headers)).items.filter((n) => n.kind === 'subscription.escrow');
    expect(held).toHaveLength(1);
    expect(held[0]!.message).toBe(
      "Your subscription to Gamma Seed is in: 1,500 GAMMA tokens for 3,000 USDS, held in escrow until the offering's soft cap is met.",
    );
    expect(await kinds(ada.headers)).not.toContain('subscription.settled');
    // The same event told again (a retried outcome hook) does not tell the investor twice.
    const em = env.db.orm.em.fork();
    const row = await em.findOneOrFail(Subscription, { offeringId: id });
    const holder = await em.findOneOrFail(InvestorIdentity, { id: row.identityId });
    await em.transactional((tx) =>
      notify(tx, {
        userId: holder.userId,
        kind: 'subscription.escrow',
        message: 'again',
        dedupeKey: `subscription.escrow:${row.id}`,
      }),
    );
    held = (await notes(ada.headers)).items.filter((n) => n.kind === 'subscription.escrow');
    expect(held).toHaveLength(1);

    await world.ok('POST', `/offerings/${id}/close`);
    await world.queue.drain();
    const refunded = (await notes(ada.headers)).items.filter((n) => n.kind === 'subscription.refunded');
    expect(refunded).toHaveLength(1);
    expect(refunded[0]!.message).toBe(
      'Gamma Seed closed without reaching its soft cap: your 3,000 USDS has been refunded and the 1,500 GAMMA tokens taken back.',
    );
  }, 60_000);

  it('tells the investor when their verification is withdrawn', async () => {
    const erin = await world.onboard('Erinsdottir', 'DE', false);
    const revoked = await world.call(
      'POST',
      `/cdd/identities/${erin.identityId}/revoke`,
      { reason: 'A court order names this investor' },
      world.cddKey,
    );
    expect(revoked.status).toBe(202);
    await world.queue.drain();
    const got = (await notes(erin.headers)).items.filter((n) => n.kind === 'claims.revoked');
    expect(got).toHaveLength(1);
    expect(got[0]!.message).toMatch(/^Your verification was withdrawn/);
    // The reviewer's reason stays with reviewers (no tipping-off).
    expect(got[0]!.message).not.toContain('A court order');
  });

  it('pages the list, counts unread notices, marks one or all read, and keeps notices private', async () => {
    const all = await notes(ada.headers);
    expect(all.total).toBeGreaterThanOrEqual(4);
    expect(all.unreadCount).toBe(all.total);
    const page1 = await notes(ada.headers, 'limit=2&offset=0');
    const page2 = await notes(ada.headers, 'limit=2&offset=2');
    expect(page1.items).toHaveLength(2);
    expect(page1.total).toBe(all.total);
    expect(page2.items.map((n) => n.id)).toEqual(all.items.slice(2, 4).map((n) => n.id));

    const first = all.items[0]!;
    const read = await world.ok('POST', `/notifications/${first.id}/read`, undefined, ada.headers);
    expect(read.readAt).not.toBeNull();
    const again = await world.ok('POST', `/notifications/${first.id}/read`, undefined, ada.headers);
    expect(again.readAt).toBe(read.readAt);
    expect((await world.ok('GET', '/notifications/unread-count', undefined, ada.headers)).unreadCount).toBe(
      all.total - 1,
    );
    expect((await notes(ada.headers, 'unread=true&limit=100')).items.map((n) => n.id)).not.toContain(
      first.id,
    );

    // Bob cannot read or mark Ada's notice, and learns nothing about it.
    const foreign = await world.call('POST', `/notifications/${first.id}/read`, undefined, bob.headers);
    expect(foreign.status).toBe(404);
    expect(foreign.body.message).toBe('This notification does not exist or is not yours');
    expect((await world.call('POST', '/notifications/not-an-id/read', undefined, ada.headers)).status).toBe(
      400,
    );
    expect((await world.call('GET', '/notifications?limit=0', undefined, ada.headers)).status).toBe(400);
    expect((await world.call('GET', '/notifications')).body).toMatchObject({ items: [], unreadCount: 0 });
    expect((await world.call('GET', '/notifications', undefined, {})).status).toBe(401);

    const allRead = await world.ok('POST', '/notifications/read-all', undefined, ada.headers);
    expect(allRead).toEqual({ marked: all.total - 1, unreadCount: 0 });
    expect((await notes(bob.headers)).unreadCount).toBeGreaterThan(0);
  });

  it('e-mails every notice exactly once as an .eml file, to the user’s address, and again after a lost record only as the same file', async () => {
    const em = env.db.orm.em.fork();
    const pending = await em.count(Notification, { emailStatus: 'pending' });
    expect(pending).toBeGreaterThan(5);
    const run = await world.app.notificationMail.deliverPending();
    expect(run).toEqual({ sent: pending, skipped: 0, failed: 0 });
    const files = await mails();
    expect(files).toHaveLength(pending);
    expect(await em.fork().count(Notification, { emailStatus: 'sent', emailedAt: { $ne: null } })).toBe(
      pending,
    );
    // A second run (another instance, a timer) sends nothing.
    expect(await world.app.notificationMail.deliverPending()).toEqual({ sent: 0, skipped: 0, failed: 0 });
    expect(await mails()).toEqual(files);

    const adaNote = (await notes(ada.headers)).items.find((n) => n.kind === 'subscription.escrow')!;
    const raw = await readFile(join(mailDir(), `notification-${adaNote.id}.eml`), 'utf8');
    // Headers fold and the quoted-printable body wraps long lines; read them unwrapped.
    const eml = raw.replace(/=\n/g, '').replace(/\n[ \t]+/g, ' ');
    expect(eml).toMatch(/^To: lovelace@investor\.example$/m);
    expect(eml).toMatch(/^Subject: Your subscription to Gamma Seed is held in escrow$/m);
    expect(eml).toMatch(new RegExp(`^Message-ID: <notification-${adaNote.id}@`, 'm'));
    expect(eml).toContain('1,500 GAMMA tokens for 3,000 USDS');
    expect(eml).toContain(`${env.config.publicUrl}/investor/portfolio`);

    // The sender died after writing the mail, before recording it: sent again, still one file.
    await em
      .fork()
      .nativeUpdate(Notification, { id: adaNote.id }, { emailStatus: 'pending', emailNextAt: null });
    expect(await world.app.notificationMail.deliverPending()).toMatchObject({ sent: 1 });
    expect(await mails()).toEqual(files);
  });

  it('skips disabled accounts, backs off and gives up on a failing mail server, and a claimed notice is not sent twice', async () => {
    const em = env.db.orm.em.fork();
    const user = await em.findOneOrFail(User, { email: 'babbage@investor.example' });
    const make = async (key: string) => {
      const n = new Notification();
      Object.assign(n, {
        userId: user.id,
        kind: 'test.event',
        message: `About ${key}`,
        data: {},
        dedupeKey: key,
      });
      await em.fork().persist(n).flush();
      return n.id;
    };
    let calls = 0;
    const broken: Mailer = {
      mode: 'smtp',
      async send() {
        calls++;
        throw new Error('421 try again later');
      },
      async close() {},
    };
    const sender = new NotificationMailer(env.db.orm, broken, world.app.log, {
      publicUrl: 'http://portal.test',
      maxAttempts: 2,
      backoffMs: 60_000,
    });
    const id = await make('broken-1');
    const t0 = new Date();
    expect(await sender.deliver(id, t0)).toBe('failed');
    let row = await em.fork().findOneOrFail(Notification, { id });
    expect(row).toMatchObject({
      emailStatus: 'pending',
      emailAttempts: 1,
      emailError: '421 try again later',
    });
    expect(row.emailNextAt!.getTime()).toBe(t0.getTime() + 60_000);
    // Not due yet: nothing is tried.
    expect(await sender.deliver(id, new Date(t0.getTime() + 1000))).toBeNull();
    expect(calls).toBe(1);
    expect(await sender.deliver(id, new Date(t0.getTime() + 61_000))).toBe('failed');
    row = await em.fork().findOneOrFail(Notification, { id });
    expect(row).toMatchObject({ emailStatus: 'failed', emailAttempts: 2 });

    // A notice claimed by a sender that has not reported back yet is left alone until its lease ends.
    const held = await make('held-1');
    await em
      .fork()
      .nativeUpdate(
        Notification,
        { id: held },
        { emailAttempts: 1, emailNextAt: new Date(Date.now() + 60_000) },
      );
    expect(await world.app.notificationMail.deliver(held)).toBeNull();

    await em.fork().nativeUpdate(User, { id: user.id }, { disabled: true });
    const off = await make('disabled-1');
    expect(await world.app.notificationMail.deliver(off)).toBe('skipped');
    expect(await em.fork().findOneOrFail(Notification, { id: off })).toMatchObject({
      emailStatus: 'skipped',
      emailError: 'the account is disabled',
    });
    await em.fork().nativeUpdate(User, { id: user.id }, { disabled: false });

    // An operator sees it on /health without the server counting as unhealthy.
    const health = await world.app.inject({ method: 'GET', url: '/health' });
    expect(health.json().checks.mail).toMatchObject({
      status: 'attention',
      mode: 'files',
      failed: 1,
      waiting: 1,
    });
  });

  it('sends what was waiting when the server stopped, once, after a restart', async () => {
    const before = await mails();
    const user = await env.db.orm.em.fork().findOneOrFail(User, { email: 'lovelace@investor.example' });
    const n = new Notification();
    Object.assign(n, {
      userId: user.id,
      kind: 'test.restart',
      message: 'Waiting',
      data: {},
      dedupeKey: 'restart-1',
    });
    await env.db.orm.em.fork().persist(n).flush();
    await world.app.close();
    const restarted = await env.app({
      queue: env.makeQueue('inline'),
      config: { notificationMailIntervalMs: 50 },
    });
    await expect.poll(async () => (await mails()).length, { timeout: 10_000 }).toBe(before.length + 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(await mails()).toEqual([...before, `notification-${n.id}.eml`].sort());
    expect((await env.db.orm.em.fork().findOneOrFail(Notification, { id: n.id })).emailStatus).toBe('sent');
    const r = await restarted.inject({ method: 'GET', url: '/notifications/unread-count', headers: auth });
    expect(r.json()).toEqual({ unreadCount: 0 });
  });
});
