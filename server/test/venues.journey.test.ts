import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VenueTrade } from '../src/modules/venues/entity.js';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { Settlement } from '../src/modules/settlements/entity.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifySignature } from '../src/modules/webhooks/signature.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, type Investor } from './offering-helpers.js';
import { staff } from './onboarding-helpers.js';

type World = Awaited<ReturnType<typeof offeringWorld>>;
type Headers = Record<string, string>;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A venue's webhook endpoint: answers `failFirst` deliveries with 500, then 200. */
async function receiver(failFirst: number) {
  const received: Received[] = [];
  let failures = failFirst;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (failures > 0) {
        failures--;
        res.writeHead(500).end('try later');
      } else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('an external venue settles trades through the venue API', () => {
  let env: TestEnv;
  let w: World;
  let seller: Investor;
  let buyer: Investor;
  let outsider: Investor;
  let usd: { id: string };
  let equity: { id: string; chainId: string };
  let key: Headers;
  let venue: { id: string; chainVenueId: number; name: string };
  let hooks: Awaited<ReturnType<typeof receiver>>;
  let secret: string;

  const call = async (
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: object,
    headers: Headers = key,
  ) => {
    const res = await w.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.json() };
  };
  const trade = (tradeId: string, extra: object = {}) => ({
    tradeId,
    assetId: equity.id,
    seller: seller.did,
    buyer: buyer.did,
    quantity: '60',
    price: '12',
    paymentAssetId: usd.id,
    ...extra,
  });

  beforeAll(async () => {
    env = await createTestEnv();
    w = await offeringWorld(env);
    hooks = await receiver(1);
    seller = await w.onboard('Seller', 'US', true);
    buyer = await w.onboard('Buyer', 'US', true);
    outsider = await w.onboard('Outsider', 'US', false);
    usd = await w.createAsset({ name: 'Stoa USD', assetType: 'StableCoin', divisible: true });
    await w.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000000' });
    await w.fund(buyer, usd.id, '10000');
    equity = await w.createAsset({ name: 'Acme Common', assetType: 'EquityCommon', divisible: false });
    await w.ok('POST', `/assets/${equity.id}/issue`, { amount: '10000' });
    await w.ok('PUT', `/assets/${equity.id}/rules`, { templates: [{ template: 'reg-d-506c' }] });
    await w.fund(seller, equity.id, '1000');

    const ops = await staff(w.app, 'ops@harbour.example', ['venue-operator']);
    const created = await w.ok('POST', '/auth/api-keys', { name: 'matching engine' }, ops.headers);
    key = { 'x-api-key': created.token as string };
    const registered = await w.ok('POST', '/venues', {
      name: 'Harbour ATS',
      venueType: 'Exchange',
      organisation: 'Harbour Securities LLC',
      operatorEmail: 'ops@harbour.example',
    });
    venue = await w.ok('GET', `/venues/${registered.venue.id as string}`);
  }, 240_000);
  afterAll(async () => {
    await hooks?.close();
    await env.close();
  });

  it('registers the venue on chain; new assets filter venues with the platform ATS allowed', async () => {
    expect(venue).toMatchObject({
      name: 'Harbour ATS',
      status: 'active',
      kind: 'external',
      operatorEmail: 'ops@harbour.example',
    });
    expect(venue.chainVenueId).toBeGreaterThan(0);
    expect(await env.ledger.venue(venue.chainVenueId)).toMatchObject({
      type: 'Exchange',
      details: 'Harbour ATS',
    });
    const view = await w.ok('GET', `/assets/${equity.id}/venues`);
    expect(view.trading).toMatchObject({ filtering: true, halted: false });
    const ats = view.venues.find((v: { venue: { kind: string } }) => v.venue.kind === 'platform-ats');
    expect(ats).toMatchObject({ approved: true, onChain: true });
    const filtering = await env.ledger.venueFiltering(equity.chainId);
    expect(filtering).toEqual({ enabled: true, allowedVenues: [ats.venue.chainVenueId] });
    // The stablecoin (the payment leg) is left open.
    expect((await env.ledger.venueFiltering((await w.ok('GET', `/assets/${usd.id}`)).chainId)).enabled).toBe(
      false,
    );
  });

  it('refuses a trade before the issuer approves the venue, in words', async () => {
    const r = await call('POST', '/venue/trades', trade('HX-0'));
    expect(r.status).toBe(409);
    expect(r.body.message).toBe('Harbour ATS is not approved by the issuer to settle Acme Common.');
  });

  it('lets the issuer approve the venue: allowed on chain, audited', async () => {
    const r = await call('PUT', `/assets/${equity.id}/venues/${venue.id}`, { approved: true }, auth);
    expect(r.status).toBe(200);
    await w.queue.drain();
    const view = await w.ok('GET', `/assets/${equity.id}/venues`);
    expect(view.venues.find((v: { venue: { id: string } }) => v.venue.id === venue.id)).toMatchObject({
      approved: true,
      onChain: true,
    });
    expect((await env.ledger.venueFiltering(equity.chainId)).allowedVenues).toContain(venue.chainVenueId);
    const audit = await w.ok('GET', `/audit?action=venue.approved&subjectId=${equity.id}`);
    expect(JSON.stringify(audit)).toContain('Harbour ATS');
  });

  it('checks a batch of pairs with one reason per refused pair, and refuses more than 1,000 in words', async () => {
    const r = await call('POST', '/venue/pretrade-checks', {
      pairs: [
        { assetId: equity.id, from: seller.did, to: buyer.did, amount: '60' },
        { assetId: equity.id, from: seller.did, to: outsider.did, amount: '10' },
        { assetId: equity.id, from: seller.did, to: buyer.did, amount: '5000' },
      ],
    });
    expect(r.status).toBe(200);
    const [ok, unaccredited, tooMany] = r.body.results;
    expect(ok).toEqual({ index: 0, allowed: true, reasons: [] });
    expect(unaccredited.allowed).toBe(false);
    expect(unaccredited.reasons.map((x: { message: string }) => x.message).join(' ')).toMatch(/accredited/i);
    expect(tooMany.allowed).toBe(false);
    expect(tooMany.reasons.map((x: { message: string }) => x.message).join(' ')).toMatch(/enough|balance/i);

    const big = Array.from({ length: 1001 }, () => ({
      assetId: equity.id,
      from: seller.did,
      to: buyer.did,
      amount: '1',
    }));
    const refused = await call('POST', '/venue/pretrade-checks', { pairs: big });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe(
      'At most 1,000 pairs can be checked in one call; you sent 1,001. Split them into several calls.',
    );
  });

  it('answers 1,000 pairs in one call', async () => {
    const pairs = Array.from({ length: 1000 }, (_, i) => ({
      assetId: equity.id,
      from: seller.did,
      to: i % 2 ? buyer.did : outsider.did,
      amount: '1',
    }));
    const r = await call('POST', '/venue/pretrade-checks', { pairs });
    expect(r.status).toBe(200);
    expect(r.body.results).toHaveLength(1000);
    expect(r.body.results.filter((x: { allowed: boolean }) => x.allowed)).toHaveLength(500);
  });

  it('sets the webhook and shows its secret once', async () => {
    const r = await call('PUT', '/venue/webhook', { url: hooks.url });
    expect(r.status).toBe(200);
    expect(r.body.secret).toMatch(/^whsec_/);
    secret = r.body.secret;
    const again = await call('PUT', '/venue/webhook', { url: hooks.url });
    expect(again.body.secret).toBeNull();
  });

  it('settles a trade: custodial parties who authorised the venue are affirmed, the webhook is signed and retried', async () => {
    for (const inv of [seller, buyer]) {
      const r = await call('PUT', `/investor/venues/${venue.id}`, { authorised: true }, inv.headers);
      expect(r.status).toBe(200);
    }
    const listed = await call('GET', '/investor/venues', undefined, seller.headers);
    expect(listed.body).toEqual([
      expect.objectContaining({ authorised: true, venue: expect.objectContaining({ name: 'Harbour ATS' }) }),
    ]);

    const first = await call('POST', '/venue/trades', trade('HX-1'));
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ tradeId: 'HX-1', status: 'pending', quantity: '60', price: '12' });
    // The same trade again (a retry): the same trade, no second instruction.
    const retry = await call('POST', '/venue/trades', trade('HX-1'));
    expect(retry.status).toBe(200);
    await w.queue.drain();
    const status = await call('GET', '/venue/trades/HX-1');
    expect(status.body).toMatchObject({ status: 'settled', failureReason: null, awaitingAffirmation: [] });
    expect(await env.ledger.assetBalance(equity.chainId, buyer.did)).toBe('60');
    expect(await env.ledger.assetBalance((await w.ok('GET', `/assets/${usd.id}`)).chainId, seller.did)).toBe(
      '720',
    );

    // The first delivery was answered 500; the retry (backoff) got through.
    await w.queue.drain();
    const settled = hooks.received.filter((r) => JSON.parse(r.body).data.tradeId === 'HX-1');
    expect(settled).toHaveLength(2);
    for (const r of settled) {
      expect(verifySignature(secret, r.body, r.headers[SIGNATURE_HEADER] as string)).toBeNull();
      expect(r.headers[EVENT_ID_HEADER]).toBe(JSON.parse(r.body).id);
    }
    expect(
      verifySignature('whsec_wrong', settled[0]!.body, settled[0]!.headers[SIGNATURE_HEADER] as string),
    ).toBe('signature mismatch');
    expect(JSON.parse(settled[0]!.body)).toMatchObject({
      type: 'trade.settled',
      data: { tradeId: 'HX-1', status: 'settled', quantity: '60' },
    });
    const log = await call('GET', '/venue/webhook/deliveries');
    expect(log.body[0]).toMatchObject({
      eventType: 'trade.settled',
      status: 'delivered',
      attempts: 2,
      lastStatusCode: 200,
    });
  });

  it('records one instruction for ten concurrent submissions of one trade id, and refuses other terms under it', async () => {
    const all = await Promise.all(
      Array.from({ length: 10 }, () => call('POST', '/venue/trades', trade('HX-2', { quantity: '5' }))),
    );
    expect(all.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    const em = env.db.orm.em.fork();
    const rows = await em.find(VenueTrade, { tradeId: 'HX-2' });
    expect(rows).toHaveLength(1);
    expect(await em.count(Settlement, { id: rows[0]!.settlementId })).toBe(1);
    const other = await call('POST', '/venue/trades', trade('HX-2', { quantity: '6' }));
    expect(other.status).toBe(409);
    expect(other.body.message).toBe(
      'Trade HX-2 was already submitted with other terms (5 at 12); a new trade needs a new trade id',
    );
    await w.queue.drain();
    expect((await call('GET', '/venue/trades/HX-2')).body.status).toBe('settled');
  });

  it('waits for a party who has not authorised the venue to affirm in the portal', async () => {
    await call('PUT', `/investor/venues/${venue.id}`, { authorised: false }, buyer.headers);
    const r = await call('POST', '/venue/trades', trade('HX-3', { quantity: '2' }));
    expect(r.status).toBe(202);
    await w.queue.drain();
    const waiting = await call('GET', '/venue/trades/HX-3');
    expect(waiting.body).toMatchObject({ status: 'pending', awaitingAffirmation: ['buyer'] });
    const em = env.db.orm.em.fork();
    const t = await em.findOneOrFail(VenueTrade, { tradeId: 'HX-3' });
    const affirmed = await call('POST', `/settlements/${t.settlementId}/affirm`, {}, buyer.headers);
    expect(affirmed.status).toBe(202);
    await w.queue.drain();
    expect((await call('GET', '/venue/trades/HX-3')).body.status).toBe('settled');
  });

  it('refuses a trade the pre-trade check refuses, with the reason', async () => {
    const r = await call('POST', '/venue/trades', trade('HX-4', { buyer: outsider.did }));
    expect(r.status).toBe(422);
    expect(r.body.message).toMatch(/^The trade is refused: the tokens: .*accredited/);
    expect(await env.db.orm.em.fork().count(VenueTrade, { tradeId: 'HX-4' })).toBe(0);
  });

  it('refuses trades while the asset is halted or outside its window, in words', async () => {
    // Ten officers halting at once: one halt, nine told it is halted already.
    const halts = await Promise.all(
      Array.from({ length: 10 }, () =>
        call('POST', `/assets/${equity.id}/trading/halt`, { reason: 'Material news pending' }, auth),
      ),
    );
    expect(halts.map((h) => h.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    expect(halts.find((h) => h.status === 200)!.body).toMatchObject({
      halted: true,
      haltReason: 'Material news pending',
    });
    expect(halts.find((h) => h.status === 409)!.body.message).toBe(
      'Trading is already halted (Material news pending)',
    );
    const r = await call('POST', '/venue/trades', trade('HX-5'));
    expect(r.status).toBe(409);
    expect(r.body.message).toBe(
      'Trading in Acme Common is halted: Material news pending. It resumes when the issuer or its compliance officer lifts the halt.',
    );
    const pre = await call('POST', '/venue/pretrade-checks', {
      pairs: [{ assetId: equity.id, from: seller.did, to: buyer.did, amount: '1' }],
    });
    expect(pre.body.results[0].reasons[0]).toMatchObject({ rule: 'venue' });
    expect((await call('POST', `/assets/${equity.id}/trading/resume`, undefined, auth)).body.halted).toBe(
      false,
    );

    // A one-minute window that has just closed, in Tokyo time.
    const now = new Date((await env.ledger.info()).time);
    const tokyo = (d: Date) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Asia/Tokyo',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(d);
    const window = {
      start: tokyo(new Date(now.getTime() - 3 * 60_000)),
      end: tokyo(new Date(now.getTime() - 2 * 60_000)),
      timeZone: 'Asia/Tokyo',
    };
    expect((await call('PUT', `/assets/${equity.id}/trading/window`, { window }, auth)).status).toBe(200);
    const closed = await call('POST', '/venue/trades', trade('HX-5'));
    expect(closed.status).toBe(409);
    expect(closed.body.message).toMatch(
      /^Acme Common trades from \d\d:\d\d to \d\d:\d\d \(Asia\/Tokyo time\); it is \d\d:\d\d there now\.$/,
    );
    const bad = await call(
      'PUT',
      `/assets/${equity.id}/trading/window`,
      { window: { ...window, timeZone: 'Mars/Olympus' } },
      auth,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/is not a time zone/);
    expect(
      (await call('PUT', `/assets/${equity.id}/trading/window`, { window: null }, auth)).body.window,
    ).toBeNull();
    // A rotated secret signs every delivery from then on; the old one no longer verifies.
    // (The buyer lets the venue settle for them again, so the trade settles without them.)
    expect(
      (await call('PUT', `/investor/venues/${venue.id}`, { authorised: true }, buyer.headers)).status,
    ).toBe(200);
    const rotated = await call('POST', '/venue/webhook/secret');
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);
    expect((await call('POST', '/venue/trades', trade('HX-5', { quantity: '1' }))).status).toBe(202);
    await w.queue.drain();
    const hx5 = hooks.received.find((r) => JSON.parse(r.body).data.tradeId === 'HX-5')!;
    const header = hx5.headers[SIGNATURE_HEADER] as string;
    expect(verifySignature(rotated.body.secret, hx5.body, header)).toBeNull();
    expect(verifySignature(secret, hx5.body, header)).toBe('signature mismatch');
    // Replay protection: the same delivery presented ten minutes later is refused.
    expect(verifySignature(rotated.body.secret, hx5.body, header, Date.now() + 600_000)).toBe(
      'signature timestamp outside the tolerance',
    );
  });

  it('refuses trades at a revoked venue; the chain disallows it too', async () => {
    // Ten revocations at once: one disallow on chain, the others find it revoked already.
    const all = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(
          'PUT',
          `/assets/${equity.id}/venues/${venue.id}`,
          { approved: false, reason: 'licence suspended' },
          auth,
        ),
      ),
    );
    expect(all.map((r) => r.status)).toEqual(Array(10).fill(200));
    const disallows = await env.db.orm.em
      .fork()
      .count(ChainOperation, { kind: 'settlement.disallowVenues', subjectType: 'venue-approval' });
    expect(disallows).toBe(1);
    await w.queue.drain();
    expect((await env.ledger.venueFiltering(equity.chainId)).allowedVenues).not.toContain(venue.chainVenueId);
    const refused = await call('POST', '/venue/trades', trade('HX-6'));
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe('Harbour ATS is not approved by the issuer to settle Acme Common.');
    // An instruction at the venue made around the platform's check: the chain refuses it.
    const around = await call(
      'POST',
      '/settlements',
      {
        venueId: venue.chainVenueId,
        settlementType: { type: 'SettleOnAffirmation' },
        legs: [
          {
            type: 'Fungible',
            from: { did: seller.did },
            to: { did: buyer.did },
            assetId: equity.id,
            amount: '1',
          },
        ],
      },
      auth,
    );
    expect(around.status).toBe(202);
    await w.queue.drain();
    const s = await w.ok('GET', `/settlements/${around.body.id as string}`);
    expect(s.operations[0]).toMatchObject({ status: 'failed', error: { code: 'UnauthorizedVenue' } });
  });

  it('answers an unknown asset or trade with 404 in words', async () => {
    const asset = '00000000-0000-4000-8000-000000000001';
    const r = await call('POST', '/venue/trades', trade('HX-9', { assetId: asset }));
    expect(r.status).toBe(404);
    expect(r.body.message).toBe(`There is no asset ${asset} on the platform`);
    const t = await call('GET', '/venue/trades/NOPE-1');
    expect(t.status).toBe(404);
    expect(t.body.message).toBe('Your venue submitted no trade with id NOPE-1');
  });

  it('keeps the venue API to venue operators', async () => {
    expect((await call('POST', '/venue/trades', trade('HX-7'), seller.headers)).status).toBe(403);
    const admin = await call('GET', '/venue/trades/HX-1', undefined, auth);
    expect(admin.status).toBe(403);
    expect(admin.body.message).toMatch(/venue operators/);
  });
});
