import { createHash } from 'node:crypto';
import { LedgerError, type Ledger } from '@stoa/chain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { Notification } from '../src/modules/identities/entity.js';
import { Subscription } from '../src/modules/offerings/entity.js';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, signed, type Investor } from './offering-helpers.js';
import { PDF } from './onboarding-helpers.js';

type World = Awaited<ReturnType<typeof offeringWorld>>;
const DAY = 86_400_000;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const AGREEMENT = Buffer.from('Subscription agreement: the investor agrees to the terms of the offering.\n');

describe('signed subscriptions, escrow and the close at the end', () => {
  let env: TestEnv;
  let w: World;
  let usd: { id: string; chainId: string };
  let asset: { id: string; chainId: string };
  let alice: Investor;
  let bob: Investor;

  const em = () => env.db.orm.em.fork();
  const opCount = () => em().count(ChainOperation, {});
  const subscribe = (id: string, inv: Investor, amount: string, agreement?: object) =>
    w.call(
      'POST',
      `/offerings/${id}/subscriptions`,
      { amount, ...(agreement ? { agreement } : {}) },
      inv.headers,
    );

  /** A draft with a PPM and a subscription agreement attached, launched. */
  async function offeringWithDocuments(name: string, terms: object) {
    const draft = await w.ok('POST', `/assets/${asset.id}/offerings`, {
      name,
      paymentAssetId: usd.id,
      end: new Date(Date.now() + 30 * DAY).toISOString(),
      tiers: [{ amount: '10000', price: '1' }],
      minInvestment: '10',
      ...terms,
    });
    for (const [docName, kind, filename, contentType, content] of [
      ['Private placement memorandum', 'ppm', 'ppm.pdf', 'application/pdf', PDF],
      ['Subscription agreement', 'subscription-agreement', 'agreement.txt', 'text/plain', AGREEMENT],
    ] as const) {
      const added = await w.call('POST', `/offerings/${draft.id}/documents`, {
        name: docName,
        kind,
        filename,
        contentType,
        content: content.toString('base64'),
      });
      expect(added.status).toBe(201);
      expect(added.body.sha256).toBe(sha(content));
    }
    await w.ok('POST', `/offerings/${draft.id}/launch`);
    return draft.id as string;
  }

  const docsOf = async (id: string, inv: Investor) =>
    (await w.ok('GET', `/offerings/${id}`, undefined, inv.headers)).documents as {
      id: string;
      name: string;
      sha256: string;
    }[];

  beforeAll(async () => {
    env = await createTestEnv();
    w = await offeringWorld(env);
    alice = await w.onboard('Signer', 'US', true);
    bob = await w.onboard('Second', 'DE', false);
    usd = await w.createAsset({ name: 'Stoa USD', assetType: 'StableCoin', divisible: true });
    await w.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000000' });
    for (const inv of [alice, bob]) await w.fund(inv, usd.id, '100000');
    asset = await w.createAsset({ name: 'Gamma Fund', assetType: 'Fund', divisible: true });
  }, 180_000);
  afterAll(async () => env.close());

  it('shows the issuer documents to investors, who open them (each opening audited)', async () => {
    const id = await offeringWithDocuments('Docs round', {});
    const docs = await docsOf(id, alice);
    expect(docs.map((d) => d.name)).toEqual(['Private placement memorandum', 'Subscription agreement']);
    const res = await w.app.inject({
      method: 'GET',
      url: `/offerings/${id}/documents/${docs[1]!.id}`,
      headers: alice.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.headers['x-content-sha256']).toBe(sha(AGREEMENT));
    expect(res.rawPayload.equals(AGREEMENT)).toBe(true);
    const opened = await em().find(AuditEntry, { action: 'offering.document-opened', subjectId: id });
    expect(opened.map((e) => (e.data as { sha256: string }).sha256)).toEqual([sha(AGREEMENT)]);
    // Stored sealed: the plaintext is not in the row.
    const [row] = await em()
      .getConnection()
      .execute<{ content: Buffer }[]>('select content from offering_document where id = ?', [docs[1]!.id]);
    expect(row!.content.includes(AGREEMENT)).toBe(false);
    // Investors cannot attach documents; a wrong file type is refused in words.
    const byInvestor = await w.call(
      'POST',
      `/offerings/${id}/documents`,
      { name: 'x', kind: 'other', filename: 'x.txt', contentType: 'text/plain', content: 'eA==' },
      alice.headers,
    );
    expect(byInvestor.status).toBe(403);
  });

  it('refuses a subscription without a signature over the current documents, in words, recording nothing', async () => {
    const id = await offeringWithDocuments('Signed round', {});
    const docs = await docsOf(id, alice);
    // Alice opens the PPM (not the agreement): the signature records when.
    const open = await w.app.inject({
      method: 'GET',
      url: `/offerings/${id}/documents/${docs[0]!.id}`,
      headers: alice.headers,
    });
    expect(open.statusCode).toBe(200);
    const before = { ops: await opCount(), subs: await em().count(Subscription, { offeringId: id }) };

    const unsigned = await subscribe(id, alice, '100');
    expect(unsigned.status).toBe(400);
    expect(unsigned.body.message).toMatch(/Sign the subscription agreement/);

    const wrongHash = await subscribe(id, alice, '100', {
      ...signed(alice, docs),
      documents: [docs[0]!, { id: docs[1]!.id, sha256: sha(Buffer.from('an older version')) }],
    });
    expect(wrongHash.status).toBe(400);
    expect(wrongHash.body.message).toMatch(/“Subscription agreement” is not the version you confirmed/);

    const missing = await subscribe(id, alice, '100', signed(alice, [docs[0]!]));
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/Confirm you have read “Subscription agreement”/);

    const wrongName = await subscribe(id, alice, '100', {
      ...signed(alice, docs),
      fullName: 'Alice Someone',
    });
    expect(wrongName.status).toBe(400);
    expect(wrongName.body.message).toMatch(/does not match your verified name/);

    const noConsent = await subscribe(id, alice, '100', { ...signed(alice, docs), consent: false });
    expect(noConsent.status).toBe(400);
    expect(noConsent.body.message).toMatch(/consent/);

    expect(await opCount()).toBe(before.ops);
    expect(await em().count(Subscription, { offeringId: id })).toBe(before.subs);

    // The typed name is compared case-insensitively.
    const ok = await subscribe(id, alice, '100', { ...signed(alice, docs), fullName: '  alice   SIGNER ' });
    expect(ok.status).toBe(202);
    expect(ok.body.escrow).toBe(false);
    const row = await em().findOneOrFail(Subscription, { id: ok.body.id });
    expect(row.agreement).toMatchObject({
      fullName: 'alice   SIGNER',
      consent: true,
      documents: docs.map((d) => ({ id: d.id, sha256: d.sha256 })),
    });
    expect(row.agreement!.documents[0]!.openedAt).toEqual(expect.any(String));
    expect(row.agreement!.documents[1]!.openedAt).toBeNull();
    const [entry] = await em().find(AuditEntry, { action: 'offering.agreement-signed', subjectId: id });
    expect(entry!.data).toMatchObject({
      subscriptionId: ok.body.id,
      documents: [{ sha256: sha(PDF) }, { sha256: sha(AGREEMENT) }],
    });
    expect(typeof (entry!.data as { signedAt: string }).signedAt).toBe('string');

    // A document added while live: the earlier signature no longer covers every document.
    await w.ok('POST', `/offerings/${id}/documents`, {
      name: 'Supplement 1',
      kind: 'other',
      filename: 's1.txt',
      contentType: 'text/plain',
      content: Buffer.from('supplement').toString('base64'),
    });
    const stale = await subscribe(id, alice, '10', signed(alice, docs));
    expect(stale.status).toBe(400);
    expect(stale.body.message).toMatch(/Confirm you have read “Supplement 1”/);
    await w.queue.drain();
  });

  it('previews launch and close with their impact, computed by the server', async () => {
    const draft = await w.ok('POST', `/assets/${asset.id}/offerings`, {
      name: 'Preview round',
      paymentAssetId: usd.id,
      end: new Date(Date.now() + 30 * DAY).toISOString(),
      tiers: [
        { amount: '400000', price: '1' },
        { amount: '100000', price: '1.2' },
      ],
      minInvestment: '10',
      softCap: '300000',
    });
    const launch = await w.ok('GET', `/offerings/${draft.id}/impact?action=launch`);
    expect(launch.summary).toMatch(/^Launching issues 500,000 Gamma Fund tokens for sale\.$/);
    expect(launch.details.join(' ')).toMatch(/held in escrow until 300,000/);
    expect((await w.call('GET', `/offerings/${draft.id}/impact?action=close`)).status).toBe(409);
    await w.ok('POST', `/offerings/${draft.id}/launch`);
    expect((await w.ok('GET', `/offerings/${draft.id}/impact?action=close`)).summary).toBe(
      'Closing ends the offering; nobody has subscribed, so nothing is paid out or refunded.',
    );
    const docsNone: never[] = [];
    expect((await subscribe(draft.id, alice, '1000', signed(alice, docsNone))).status).toBe(202);
    expect((await subscribe(draft.id, bob, '500', signed(bob))).status).toBe(202);
    await w.queue.drain();
    const close = await w.ok('GET', `/offerings/${draft.id}/impact?action=close`);
    expect(close).toMatchObject({ outcome: 'refund', investors: 2, raised: '1500', softCapMet: false });
    expect(close.summary).toMatch(/^Closing refunds 2 investors 1,500 Stoa USD\.$/);
    const investorView = await w.call(
      'GET',
      `/offerings/${draft.id}/impact?action=close`,
      undefined,
      alice.headers,
    );
    expect(investorView.status).toBe(403);
    await w.ok('POST', `/offerings/${draft.id}/close`);
    expect((await w.ok('GET', `/offerings/${draft.id}`)).status).toBe('refunded');
  }, 60_000);

  it('closes at the end by itself: soft cap missed → everyone refunded and told, exactly once across restarts', async () => {
    const id = await offeringWithDocuments('Missed round', { softCap: '5000' });
    const docs = await docsOf(id, alice);
    const usdBefore = await env.ledger.assetBalance(usd.chainId, alice.did);
    const sub = await subscribe(id, alice, '300', signed(alice, docs));
    expect(sub.status).toBe(202);
    expect(sub.body.escrow).toBe(true);
    await w.queue.drain();
    const portfolio = await w.ok('GET', '/identities/me/portfolio', undefined, alice.headers);
    const holding = portfolio.holdings.find((h: { assetId: string }) => h.assetId === asset.id);
    expect(holding).toMatchObject({ inEscrow: '300' });
    expect(holding.escrowNote).toMatch(/held in escrow until the soft cap is met/i);
    const mine = await w.ok('GET', '/identities/me/subscriptions', undefined, alice.headers);
    expect(mine.items.find((s: { id: string }) => s.id === sub.body.id).escrow).toBe(true);

    // Not due yet: nothing happens.
    expect(await w.app.tokenization.closer.closeDue(new Date())).toEqual([]);
    const due = new Date(Date.now() + 31 * DAY);
    // Through the job queue (inline mode): two triggers in one bucket, one scan.
    await w.app.tokenization.closer.schedule(due);
    await w.app.tokenization.closer.schedule(due);
    await w.queue.drain();
    expect((await w.ok('GET', `/offerings/${id}`)).status).toBe('refunded');
    expect(await env.ledger.assetBalance(usd.chainId, alice.did)).toBe(usdBefore);
    expect(await env.ledger.assetBalance(asset.chainId, alice.did)).toBe(String(Number(holding.total) - 300));
    const notices = (await em().find(Notification, { kind: 'subscription.refunded' })).filter(
      (n) => n.data.offeringId === id,
    );
    expect(notices).toHaveLength(1);
    expect(notices[0]!.message).toMatch(
      /Missed round closed without reaching its soft cap: your 300 Stoa USD has been refunded and the 300 Gamma Fund tokens taken back\./,
    );

    // Another server instance (a restart) scanning later: no second close, no new operations.
    const ops = await opCount();
    const restarted = await env.app({ queue: env.makeQueue('inline') });
    expect(await restarted.tokenization.closer.closeDue(new Date(Date.now() + 40 * DAY))).toEqual([]);
    expect(await w.app.tokenization.closer.closeDue(due)).toEqual([]);
    expect(await opCount()).toBe(ops);
    expect(await em().count(ChainOperation, { kind: 'sto.stop', subjectId: id })).toBe(1);
    expect(await em().count(AuditEntry, { action: 'offering.close', subjectId: id })).toBe(1);
  }, 60_000);

  it('an automatic close the chain refused is tried again by a later scan, and closes once', async () => {
    const id = await offeringWithDocuments('Retried round', { softCap: '100' });
    const docs = await docsOf(id, alice);
    expect((await subscribe(id, alice, '150', signed(alice, docs))).status).toBe(202);
    await w.queue.drain();
    // A server whose chain refuses the close (as a node may: a busy fundraiser, a fee check).
    const refusing = new Proxy(env.ledger, {
      get(target, prop, receiver) {
        if (prop === 'submit')
          return async (...args: Parameters<Ledger['submit']>) => {
            if (args[0].name === 'sto.stop')
              throw new LedgerError('FundraiserNotFound', 'refused for the test');
            return target.submit(...args);
          };
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const queue = env.makeQueue('inline');
    const other = await env.app({ queue, ledger: refusing });
    const due = new Date(Date.now() + 31 * DAY);
    expect(await other.tokenization.closer.closeDue(due)).toEqual([id]);
    await queue.drain();
    expect((await w.ok('GET', `/offerings/${id}`)).status).toBe('live');
    // The next scan (of any instance) closes it, under a scope of its own; later scans add nothing.
    expect(await w.app.tokenization.closer.closeDue(due)).toEqual([id]);
    await w.queue.drain();
    expect((await w.ok('GET', `/offerings/${id}`)).status).toBe('closed');
    expect(await w.app.tokenization.closer.closeDue(due)).toEqual([]);
    const stops = await em().find(
      ChainOperation,
      { kind: 'sto.stop', subjectId: id },
      { orderBy: { createdAt: 'asc' } },
    );
    expect(stops.map((op) => op.status)).toEqual(['failed', 'finalised']);
    expect(await em().count(AuditEntry, { action: 'offering.close', subjectId: id })).toBe(2);
  }, 60_000);

  it('closes at the end with the soft cap met: the escrow is released and investors told their subscription settled', async () => {
    const id = await offeringWithDocuments('Met round', { softCap: '500' });
    const docs = await docsOf(id, alice);
    expect((await subscribe(id, alice, '400', signed(alice, docs))).status).toBe(202);
    expect((await subscribe(id, bob, '200', signed(bob, docs))).status).toBe(202);
    await w.queue.drain();
    const close = await w.ok('GET', `/offerings/${id}/impact?action=close`);
    expect(close.summary).toMatch(
      /^Closing releases 600 Stoa USD from escrow to you; 2 investors keep 600 Gamma Fund tokens\.$/,
    );
    const closed = await w.app.tokenization.closer.closeDue(new Date(Date.now() + 31 * DAY));
    expect(closed).toEqual([id]);
    await w.queue.drain();
    const o = await w.ok('GET', `/offerings/${id}`);
    expect(o.status).toBe('closed');
    const release = await em().findOneOrFail(ChainOperation, { idempotencyKey: `offering.release:${id}` });
    expect(release.status).toBe('finalised');
    const settled = (await em().find(Notification, { kind: 'subscription.settled' })).filter(
      (n) => n.data.offeringId === id,
    );
    expect(settled.map((n) => n.message).sort()).toEqual([
      expect.stringMatching(
        /^Your subscription to Met round has settled: you now hold 200 Gamma Fund tokens, paid 200 Stoa USD\.$/,
      ),
      expect.stringMatching(
        /^Your subscription to Met round has settled: you now hold 400 Gamma Fund tokens, paid 400 Stoa USD\.$/,
      ),
    ]);
    const holding = (await w.ok('GET', '/identities/me/portfolio', undefined, alice.headers)).holdings.find(
      (h: { assetId: string }) => h.assetId === asset.id,
    );
    expect(holding.inEscrow).toBe('0');
    expect(holding.escrowNote).toBeNull();
  }, 60_000);

  it('closes a due offering through BullMQ the same way', async () => {
    const id = await offeringWithDocuments('Queued round', { softCap: '100' });
    const docs = await docsOf(id, bob);
    expect((await subscribe(id, bob, '150', signed(bob, docs))).status).toBe(202);
    await w.queue.drain();
    const queue = env.makeQueue('bullmq');
    const app = await env.app({ queue });
    await app.ready();
    const due = new Date(Date.now() + 31 * DAY);
    await app.tokenization.closer.schedule(due);
    await app.tokenization.closer.schedule(due);
    for (let i = 0; i < 100 && (await w.ok('GET', `/offerings/${id}`)).status !== 'closed'; i++) {
      await queue.drain();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await w.ok('GET', `/offerings/${id}`)).status).toBe('closed');
    expect(await em().count(ChainOperation, { kind: 'sto.stop', subjectId: id })).toBe(1);
  }, 60_000);
});
