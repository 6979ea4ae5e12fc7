import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcquisitionLot, HolderSale } from '../src/modules/lockups/entity.js';
import { holderHeadroom, sellable } from '../src/modules/lockups/service.js';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { Settlement } from '../src/modules/settlements/entity.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, signed, type Investor } from './offering-helpers.js';

const DAY = 86_400_000;

/**
 * Lock-ups that follow every acquisition (issue 13 part 4) and holder caps that count investors
 * (part 5), walked through the API on the embedded ledger.
 */
describe('lock-ups per acquisition and holder caps in investors', () => {
  let env: TestEnv;
  let world: Awaited<ReturnType<typeof offeringWorld>>;
  let usd: { id: string; chainId: string };
  let acme: { id: string; chainId: string };
  let beta: { id: string; chainId: string };
  let issuerDid: string;
  let ada: Investor;
  let bob: Investor;
  const racers: Investor[] = [];

  const em = () => env.db.orm.em.fork();
  const lotsOf = (assetId: string, did: string) =>
    em().find(AcquisitionLot, { assetId, holderDid: did }, { orderBy: { acquiredAt: 'asc', id: 'asc' } });
  const subscribe = (offeringId: string, investor: Investor, amount: string) =>
    world.call(
      'POST',
      `/offerings/${offeringId}/subscriptions`,
      { amount, agreement: signed(investor) },
      investor.headers,
    );
  const offering = async (assetId: string, templates: object[], amount = '10000') => {
    await world.ok('PUT', `/assets/${assetId}/rules`, { templates });
    return world.launch(assetId, usd.id, {
      name: `Round ${Math.random().toString(36).slice(2, 7)}`,
      tiers: [{ amount, price: '1' }],
      minInvestment: '1',
    });
  };
  /** A DvP trade between two investors, created by staff and affirmed by both. */
  const trade = async (seller: Investor, buyer: Investor, assetId: string, amount: string) => {
    const created = await world.call('POST', '/settlements', {
      settlementType: { type: 'SettleOnAffirmation' },
      legs: [
        { type: 'Fungible', from: { did: seller.did }, to: { did: buyer.did }, assetId, amount },
        { type: 'Fungible', from: { did: buyer.did }, to: { did: seller.did }, assetId: usd.id, amount },
      ],
    });
    if (created.status !== 202) return created;
    await world.queue.drain();
    await world.ok('POST', `/settlements/${created.body.id}/affirm`, { identityId: seller.identityId });
    await world.ok('POST', `/settlements/${created.body.id}/affirm`, { identityId: buyer.identityId });
    return created;
  };
  const check = (assetId: string, from: Investor, to: Investor, amount: string) =>
    world.call(
      'POST',
      `/assets/${assetId}/transfer-checks`,
      { from: { did: from.did }, to: { did: to.did }, amount },
      from.headers,
    );

  beforeAll(async () => {
    env = await createTestEnv();
    world = await offeringWorld(env);
    issuerDid = (await env.ledger.identityOf(world.operator))!;
    ada = await world.onboard('Ada', 'US', true);
    bob = await world.onboard('Bob', 'US', true);
    for (let i = 0; i < 10; i++)
      racers.push(await world.onboard(`Racer${String.fromCharCode(97 + i)}`, 'US', true));
    usd = await world.createAsset({ name: 'Stoa USD', assetType: 'StableCoin', divisible: true });
    await world.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000000' });
    for (const inv of [ada, bob, ...racers]) await world.fund(inv, usd.id, '1000');
    acme = await world.createAsset({
      name: 'Acme Common',
      ticker: 'ACME',
      assetType: 'EquityCommon',
      divisible: false,
    });
    beta = await world.createAsset({
      name: 'Beta Fund',
      ticker: 'BETA',
      assetType: 'Fund',
      divisible: false,
    });
  }, 300_000);
  afterAll(async () => env.close());

  it('writes a lot for an offering purchase, locks it on chain with a claim scoped to the asset, and consumes the issuer’s inventory', async () => {
    const id = await offering(acme.id, [
      { template: 'reg-d-506c' },
      { template: 'lockup', holdingPeriodDays: 30 },
    ]);
    expect((await subscribe(id, ada, '100')).status).toBe(202);
    await world.queue.drain();

    const [lot, ...more] = await lotsOf(acme.id, ada.did);
    expect(more).toHaveLength(0);
    expect(lot).toMatchObject({ source: 'offering', identityId: ada.identityId });
    expect(Number(lot!.quantity)).toBe(100);
    expect(Number(lot!.remaining)).toBe(100);
    expect(lot!.unlocksAt.getTime() - lot!.acquiredAt.getTime()).toBe(30 * DAY);
    // The launch issued 10,000 to the issuer; 100 of them went to Ada.
    const inventory = await lotsOf(acme.id, issuerDid);
    expect(inventory.map((l) => [l.source, Number(l.remaining)])).toEqual([['issuance', 9900]]);

    const claims = await env.ledger.claims(ada.did, { claimType: 'SellLockup' });
    expect(claims.map((c) => c.claim)).toEqual([
      { type: 'SellLockup', scope: { type: 'Asset', value: acme.chainId } },
    ]);
    expect(new Date(claims[0]!.expiry!).getTime()).toBe(lot!.unlocksAt.getTime());

    const answer = await check(acme.id, ada, bob, '10');
    expect(answer.body.allowed).toBe(false);
    const unlock = new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    }).format(lot!.unlocksAt);
    expect(answer.body.reasons).toEqual([
      { rule: 'lock-up', message: `you can sell no ACME yet (lock-up): 100 from ${unlock}` },
    ]);
    const mine = await world.ok('GET', '/identities/me/lockups', undefined, ada.headers);
    expect(mine.items).toEqual([
      {
        assetId: acme.id,
        name: 'Acme Common',
        ticker: 'ACME',
        sellable: '0',
        locked: [{ quantity: '100', unlocksAt: lot!.unlocksAt.toISOString() }],
      },
    ]);
  }, 120_000);

  it('refuses an instruction selling locked tokens, in words, and records nothing on chain', async () => {
    const before = await em().count(ChainOperation, {});
    const refused = await trade(ada, bob, acme.id, '10');
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(
      /^Settlement refused: .+ can sell no ACME yet \(lock-up\): 100 from /,
    );
    expect(await em().count(ChainOperation, {})).toBe(before);
  });

  it('locks on the asset it was acquired in only: the lock-up of Acme does not refuse a sale of Beta', async () => {
    await world.ok('PUT', `/assets/${beta.id}/rules`, { templates: [{ template: 'reg-d-506c' }] });
    await world.ok('POST', `/assets/${beta.id}/issue`, { amount: '1000' });
    expect((await lotsOf(beta.id, issuerDid)).map((l) => [l.source, Number(l.remaining)])).toEqual([
      ['issuance', 1000],
    ]);
    // Two acquisitions of Beta with no lock-up in force, then a lock-up for later acquisitions.
    await world.fund(ada, beta.id, '50');
    await world.fund(ada, beta.id, '50');
    await world.ok('PUT', `/assets/${beta.id}/rules`, {
      templates: [{ template: 'reg-d-506c' }, { template: 'lockup', holdingPeriodDays: 30 }],
    });
    const lots = await lotsOf(beta.id, ada.did);
    expect(
      lots.map((l) => [l.source, Number(l.remaining), l.unlocksAt.getTime() === l.acquiredAt.getTime()]),
    ).toEqual([
      ['transfer', 50, true],
      ['transfer', 50, true],
    ]);
    // Beta's compliance now holds a SellLockup condition scoped to Beta: Ada's Acme claim is not it.
    const chain = await env.ledger.canTransfer({
      assetId: beta.chainId,
      from: { did: ada.did },
      to: { did: bob.did },
      amount: '10',
    });
    expect(chain.compliance.complies).toBe(true);
    expect((await check(beta.id, ada, bob, '60')).body).toMatchObject({ allowed: true, reasons: [] });
    const onAcme = await env.ledger.canTransfer({
      assetId: acme.chainId,
      from: { did: ada.did },
      to: { did: bob.did },
      amount: '10',
    });
    expect(onAcme.compliance.complies).toBe(false);
  }, 120_000);

  it('records a secondary purchase as the buyer’s lot and consumes the seller’s lots oldest first', async () => {
    const s = await trade(ada, bob, beta.id, '60');
    expect(s.status).toBe(202);
    expect((await world.ok('GET', `/settlements/${s.body.id}`)).status).toBe('Success');
    expect((await lotsOf(beta.id, ada.did)).map((l) => Number(l.remaining))).toEqual([0, 40]);
    const [bought] = await lotsOf(beta.id, bob.did);
    expect(bought).toMatchObject({ source: 'settlement', sourceId: s.body.id, identityId: bob.identityId });
    expect(Number(bought!.remaining)).toBe(60);
    // Beta's lock-up applies to this acquisition: 30 days for Bob.
    expect(bought!.unlocksAt.getTime() - bought!.acquiredAt.getTime()).toBe(30 * DAY);
    expect(await em().count(HolderSale, { assetId: beta.id, holderDid: ada.did })).toBe(1);
    const claims = await env.ledger.claims(bob.did, { claimType: 'SellLockup' });
    expect(claims.map((c) => c.claim)).toEqual([
      { type: 'SellLockup', scope: { type: 'Asset', value: beta.chainId } },
    ]);
  }, 120_000);

  it('writes a lot and issues its claim once however often the outcome’s hook runs again', async () => {
    const op = await em().findOneOrFail(
      ChainOperation,
      { kind: 'settlement.affirmInstruction', status: 'finalised' },
      { orderBy: { createdAt: 'desc' } },
    );
    const invest = await em().findOneOrFail(ChainOperation, { kind: 'sto.invest', status: 'finalised' });
    const count = async () => ({
      lots: await em().count(AcquisitionLot, {}),
      sales: await em().count(HolderSale, {}),
      claims: await em().count(ChainOperation, { idempotencyKey: { $like: 'lockup-claim:%' } }),
    });
    const before = await count();
    expect(before.claims).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < 3; i++)
      for (const o of [op, invest])
        expect(
          await env.db.orm.em.fork().transactional((tx) => world.app.tokenization.lockups.onOutcome(tx, o)),
        ).toEqual([]);
    expect(await count()).toEqual(before);
  });

  it('admits exactly the investors a holder cap names: 3 of 3, the 4th refused, however they race', async () => {
    const capped = await world.createAsset({
      name: 'Capped Co',
      ticker: 'CAPD',
      assetType: 'EquityCommon',
      divisible: false,
    });
    const id = await offering(capped.id, [{ template: 'reg-d-506c' }, { template: 'max-holders', count: 3 }]);
    for (const inv of racers.slice(0, 3)) expect((await subscribe(id, inv, '10')).status).toBe(202);
    await world.queue.drain();
    const fourth = await subscribe(id, racers[3]!, '10');
    expect(fourth.status).toBe(422);
    expect(fourth.body.message).toMatch(/the asset already has its maximum of 3 holders/);
    // The issuer's inventory holds too: the chain counts 4 identities.
    expect((await env.ledger.holders(capped.chainId)).length).toBe(4);
    const room = await holderHeadroom(em(), capped.id);
    expect(room).toMatchObject({ max: 3, left: 0 });
    // An existing holder may buy more; a transfer to a fourth investor is refused in words.
    expect((await subscribe(id, racers[0]!, '5')).status).toBe(202);
    const transfer = await world.call('POST', '/settlements', {
      settlementType: { type: 'SettleOnAffirmation' },
      legs: [
        {
          type: 'Fungible',
          from: { did: issuerDid },
          to: { did: racers[4]!.did },
          assetId: capped.id,
          amount: '1',
        },
      ],
    });
    expect(transfer.status).toBe(422);
    expect(transfer.body.message).toMatch(
      /Capped Co already has its maximum of 3 holders; .+ cannot become a new holder/,
    );

    // A holder selling everything it holds leaves its place to the buyer.
    await world.queue.drain();
    expect((await trade(racers[0]!, racers[4]!, capped.id, '15')).status).toBe(202);
    const after = await holderHeadroom(em(), capped.id);
    expect(after!.left).toBe(0);
    expect(after!.counted.has(racers[4]!.did)).toBe(true);
    expect(after!.counted.has(racers[0]!.did)).toBe(false);

    const race = await world.createAsset({
      name: 'Race Co',
      ticker: 'RACE',
      assetType: 'EquityCommon',
      divisible: false,
    });
    const raced = await offering(race.id, [
      { template: 'reg-d-506c' },
      { template: 'max-holders', count: 2 },
    ]);
    const answers = await Promise.all(racers.map((inv) => subscribe(raced, inv, '10')));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(2);
    for (const a of answers.filter((x) => x.status !== 202)) {
      expect(a.status).toBe(422);
      expect(a.body.message).toMatch(/maximum of 2 holders/);
    }
    await world.queue.drain();
    const holders = (await env.ledger.holders(race.chainId)).filter((h) => h.did !== issuerDid);
    expect(holders).toHaveLength(2);
  }, 180_000);
  it('writes the lots of a settlement the chain executed after its last outcome, once', async () => {
    const buyer = racers[9]!;
    await world.fund(buyer, beta.id, '5');
    const [lot] = await lotsOf(beta.id, buyer.did);
    const s = await em().findOneOrFail(Settlement, { id: lot!.sourceId });
    // As on a node, where the hook of the last affirmation saw the instruction still waiting.
    await em().nativeDelete(AcquisitionLot, { id: lot!.id });
    await em().nativeDelete(HolderSale, { sourceKey: lot!.sourceKey });
    for (let i = 0; i < 2; i++) await world.app.tokenization.lockups.settlementExecuted(s.id);
    const again = await lotsOf(beta.id, buyer.did);
    expect(again.map((l) => [l.sourceKey, Number(l.remaining)])).toEqual([[lot!.sourceKey, 5]]);
    expect(await em().count(HolderSale, { sourceKey: lot!.sourceKey })).toBe(1);
  });

  it('lets the holder sell once the chain’s clock passes the unlock, on and off chain', async () => {
    const [lot] = await lotsOf(acme.id, ada.did);
    const at = new Date(lot!.unlocksAt.getTime() + DAY);
    await world.ok('POST', '/dev/clock/advance', { to: at.toISOString() });
    expect(await sellable(em(), acme.id, ada.did, at)).toEqual({ sellable: '100', locked: [] });
    expect((await check(acme.id, ada, bob, '100')).body).toMatchObject({ allowed: true, reasons: [] });
    expect((await check(acme.id, ada, bob, '101')).body.allowed).toBe(false);
    const mine = await world.ok('GET', '/identities/me/lockups', undefined, ada.headers);
    expect(mine.items.find((x: { assetId: string }) => x.assetId === acme.id)).toMatchObject({
      sellable: '100',
      locked: [],
    });
    expect((await trade(ada, bob, acme.id, '40')).status).toBe(202);
    expect((await lotsOf(acme.id, ada.did)).map((l) => Number(l.remaining))).toEqual([60]);

    // A new locked lot beside sellable ones issues no claim; selling the sellable ones does.
    await world.ok('POST', `/assets/${acme.id}/issue`, { amount: '100' });
    await world.fund(ada, acme.id, '10');
    const [, fresh] = await lotsOf(acme.id, ada.did);
    expect(fresh!.unlocksAt.getTime() - fresh!.acquiredAt.getTime()).toBe(30 * DAY);
    const expiry = async () =>
      (await env.ledger.claims(ada.did, { claimType: 'SellLockup' })).map((c) => c.expiry);
    expect(await expiry()).toEqual([]);
    expect((await trade(ada, bob, acme.id, '60')).status).toBe(202);
    expect((await lotsOf(acme.id, ada.did)).map((l) => Number(l.remaining))).toEqual([0, 10]);
    expect((await expiry()).map((e) => new Date(e!).getTime())).toEqual([fresh!.unlocksAt.getTime()]);
  }, 120_000);
  it('holds an affiliate to the volume the lock-up template sets, in a rolling 3 months', async () => {
    await world.ok('PUT', `/assets/${beta.id}/rules`, {
      templates: [
        { template: 'reg-d-506c' },
        { template: 'lockup', holdingPeriodDays: 30, affiliateVolumePercent: '0.1' },
      ],
    });
    // Not an affiliate: Ada sells what she can.
    expect((await check(beta.id, ada, bob, '20')).body).toMatchObject({ allowed: true, reasons: [] });
    await env.ledger.submit(
      {
        name: 'identity.addClaim',
        args: {
          target: ada.did,
          claim: { type: 'Affiliate', scope: { type: 'Identity', value: issuerDid } },
        },
      },
      { signer: world.operator },
    );
    // Supply 1,000 BETA: 0.1 % is 1 in any 3 months, and Ada sold 60 a month ago.
    const answer = await check(beta.id, ada, bob, '20');
    expect(answer.body.allowed).toBe(false);
    expect(answer.body.reasons).toEqual([
      {
        rule: 'affiliate volume',
        message:
          'you are an affiliate of the issuer and may sell at most 0.1% of the supply (1 BETA) in any 3 months; you have sold 60 BETA in that time, so 0 BETA more is possible now',
      },
    ]);
    const refused = await trade(ada, bob, beta.id, '5');
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(
      /is an affiliate of the issuer and may sell at most 0\.1% of the supply/,
    );
  }, 60_000);
});
