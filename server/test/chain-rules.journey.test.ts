import { ASSET_NAME_MAX_BYTES, DOCUMENT_NAME_MAX_BYTES } from '@stoa/chain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, signed, type Investor } from './offering-helpers.js';

type World = Awaited<ReturnType<typeof offeringWorld>>;

/**
 * What the chain would refuse is refused before anything is recorded: a 4xx naming the field,
 * and no chain operation — so nothing answers 202 and then fails on chain. Concurrent state
 * changes are serialised: of two freezes, one is accepted.
 */
describe('chain rules are checked before an operation is recorded', () => {
  let env: TestEnv;
  let world: World;
  let investor: Investor;
  let usd: { id: string; chainId: string };
  let equity: { id: string; chainId: string };
  let operatorDid: string;
  const call: World['call'] = (...args) => world.call(...args);
  const ok: World['ok'] = (...args) => world.ok(...args);
  const opCount = () => env.db.orm.em.fork().count(ChainOperation, {});

  /** The request is refused with this status, naming this field, and records no operation. */
  async function refused(
    method: 'POST' | 'PUT',
    url: string,
    payload: object,
    status: number,
    field: string,
    message: RegExp,
  ) {
    const before = await opCount();
    const res = await call(method, url, payload);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(res.body.message).toMatch(message);
    expect(await opCount()).toBe(before);
  }

  beforeAll(async () => {
    env = await createTestEnv();
    world = await offeringWorld(env);
    investor = await world.onboard('Rulebuyer', 'US', true);
    usd = await world.createAsset({ name: 'Rules USD', assetType: 'StableCoin', divisible: true });
    equity = await world.createAsset({ name: 'Rules Equity', assetType: 'EquityCommon', divisible: false });
    await ok('POST', `/assets/${usd.id}/issue`, { amount: '100000' });
    await ok('POST', `/assets/${equity.id}/issue`, { amount: '1000' });
    operatorDid = (await env.ledger.identityOf(world.operator))!;
  }, 120_000);
  afterAll(async () => env.close());

  it('asset names, tickers and documents within the chain’s limits, counted in bytes', async () => {
    // 65 characters, 130 bytes: short enough as people count, too long as the chain does.
    await refused(
      'POST',
      '/assets',
      { name: 'é'.repeat(65), assetType: 'Fund', divisible: true },
      400,
      '/body/name',
      /\/body\/name takes 130 bytes .*at most 128/,
    );
    await refused(
      'POST',
      '/assets',
      { name: 'Dollar', ticker: 'USD', assetType: 'StableCoin', divisible: true },
      409,
      '/body/ticker',
      /USD is a currency code the chain reserves/,
    );
    await refused(
      'POST',
      `/assets/${equity.id}/documents`,
      {
        name: 'x'.repeat(DOCUMENT_NAME_MAX_BYTES + 1),
        uri: 'https://a',
        contentHash: `0x${'ab'.repeat(32)}`,
      },
      400,
      '/body/name',
      /at most 2048/,
    );
    const longest = await world.createAsset({
      name: 'n'.repeat(ASSET_NAME_MAX_BYTES),
      assetType: 'Fund',
      divisible: true,
    });
    expect(longest.chainId).toBeTruthy();
  });

  it('amounts above zero, in whole tokens for indivisible assets, within the supply limit', async () => {
    await refused('POST', `/assets/${equity.id}/issue`, { amount: '0' }, 400, '/body/amount', /more than 0/);
    await refused(
      'POST',
      `/assets/${equity.id}/redeem`,
      { amount: '0.000' },
      400,
      '/body/amount',
      /more than 0/,
    );
    await refused(
      'POST',
      `/assets/${equity.id}/issue`,
      { amount: '1.5' },
      422,
      '/body/amount',
      /Rules Equity is indivisible: \/body\/amount must be a whole number of tokens, not 1.5/,
    );
    await refused(
      'POST',
      `/assets/${equity.id}/controller-transfers`,
      { from: { did: investor.did }, amount: '0.5', reason: 'court order 12' },
      422,
      '/body/amount',
      /indivisible/,
    );
    await refused(
      'POST',
      `/assets/${equity.id}/controller-transfers`,
      { from: { did: operatorDid }, amount: '1', reason: 'court order 12' },
      422,
      '/body/from/did',
      /already belong to the issuer/,
    );
    // Two issues that fit the supply limit alone but not together: the second sees the first.
    const big = '600000000000';
    const both = await Promise.all([
      call('POST', `/assets/${usd.id}/issue`, { amount: big }),
      call('POST', `/assets/${usd.id}/issue`, { amount: big }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([202, 422]);
    expect(both.find((r) => r.status === 422)!.body.message).toMatch(
      /the chain allows at most 1000000000000/,
    );
    await world.queue.drain();
  });

  it('freezing a frozen asset, or resuming one that is not frozen, is refused; concurrent freezes record one', async () => {
    const reason = { reason: 'suspected breach' };
    const resume = await call('POST', `/assets/${equity.id}/unfreeze`, reason);
    expect(resume.status).toBe(409);
    expect(resume.body.message).toBe('Rules Equity is not frozen, so there are no transfers to resume');

    const before = await opCount();
    const two = await Promise.all([
      call('POST', `/assets/${equity.id}/freeze`, reason),
      call('POST', `/assets/${equity.id}/freeze`, reason),
    ]);
    expect(two.map((r) => r.status).sort()).toEqual([202, 409]);
    expect(await opCount()).toBe(before + 1);
    await world.queue.drain();
    expect((await ok('GET', `/assets/${equity.id}`)).onChain.frozen).toBe(true);
    const again = await call('POST', `/assets/${equity.id}/freeze`, reason);
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('Rules Equity is already frozen');

    // A replayed request gets its operation back, however the state has moved on.
    const key = { ...auth, 'idempotency-key': 'unfreeze-rules-0001' };
    const first = await call('POST', `/assets/${equity.id}/unfreeze`, reason, key);
    await world.queue.drain();
    const replay = await call('POST', `/assets/${equity.id}/unfreeze`, reason, key);
    expect([first.status, replay.status]).toEqual([202, 202]);
    expect(replay.body.id).toBe(first.body.id);
  });

  it('settlement legs the chain would refuse', async () => {
    const leg = (over: object) => ({
      type: 'Fungible',
      from: { did: operatorDid },
      to: { did: investor.did },
      assetId: equity.id,
      amount: '1',
      ...over,
    });
    const body = (legs: object[], over: object = {}) => ({
      settlementType: { type: 'SettleOnAffirmation' },
      legs,
      ...over,
    });
    await refused(
      'POST',
      '/settlements',
      body([leg({ amount: '0' })]),
      400,
      '/body/legs/0/amount',
      /more than 0/,
    );
    await refused(
      'POST',
      '/settlements',
      body([leg({ amount: '2.5' })]),
      422,
      '/body/legs/0/amount',
      /indivisible/,
    );
    await refused(
      'POST',
      '/settlements',
      body([leg({}), leg({ to: { did: operatorDid, number: 0 } })]),
      400,
      '/body/legs/1',
      /Leg 2 moves from and to the same identity/,
    );
    await refused(
      'POST',
      '/settlements',
      body([leg({})], { memo: '📈'.repeat(9) }),
      400,
      '/body/memo',
      /36 bytes/,
    );
    await refused(
      'POST',
      '/settlements',
      body([leg({})], { settlementType: { type: 'SettleOnBlock', block: 1 } }),
      400,
      '/body/settlementType/block',
      /Block 1 has passed/,
    );
    await refused(
      'POST',
      '/settlements',
      body([{ type: 'OffChain', from: operatorDid, to: investor.did, ticker: 'OFFX', amount: '1' }]),
      400,
      '/body/venueId',
      /Off-chain legs need a venue/,
    );
  });

  it('offering tiers, subscriptions and state changes the chain would refuse', async () => {
    const end = new Date(Date.now() + 30 * 86_400_000).toISOString();
    await refused(
      'POST',
      `/assets/${equity.id}/offerings`,
      {
        name: 'Halves',
        paymentAssetId: usd.id,
        end,
        tiers: [{ amount: '10.5', price: '1' }],
        minInvestment: '1',
      },
      422,
      '/body/tiers/0/amount',
      /indivisible/,
    );
    const id = await world.launch(equity.id, usd.id, {
      name: 'Rules round',
      tiers: [{ amount: '100', price: '1' }],
      minInvestment: '1',
    });
    const sub = (amount: string) =>
      call(
        'POST',
        `/offerings/${id}/subscriptions`,
        { amount, agreement: signed(investor) },
        investor.headers,
      );
    const zero = await sub('0');
    expect(zero.status).toBe(400);
    expect(zero.body.message).toMatch(/\/body\/amount must be more than 0/);
    const half = await sub('0.5');
    expect(half.status).toBe(422);
    expect(half.body.message).toMatch(/indivisible/);

    const before = await opCount();
    const freezes = await Promise.all([
      call('POST', `/offerings/${id}/freeze`),
      call('POST', `/offerings/${id}/freeze`),
    ]);
    // The second asks for what is already under way: it is answered with the first's operation.
    expect(freezes.map((r) => r.status)).toEqual([202, 202]);
    expect(freezes[1]!.body.operations.map((o: { id: string }) => o.id)).toEqual(
      freezes[0]!.body.operations.map((o: { id: string }) => o.id),
    );
    expect(await opCount()).toBe(before + 1);
    await world.queue.drain();
    expect((await call('POST', `/offerings/${id}/freeze`)).body.message).toBe(
      'Offering Rules round is frozen; this needs it to be live',
    );
    expect((await call('POST', `/offerings/${id}/close`)).status).toBe(202);
    await world.queue.drain();
    const closed = await call('POST', `/offerings/${id}/close`);
    expect(closed.status).toBe(409);
    expect(closed.body.message).toMatch(/Offering Rules round is closed/);
  });
});
