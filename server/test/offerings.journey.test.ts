import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, signed, type Investor } from './offering-helpers.js';

type World = Awaited<ReturnType<typeof offeringWorld>>;

describe('tokenization and offerings journey', () => {
  let env: TestEnv;
  let queue: ReturnType<TestEnv['makeQueue']>;
  let operator: string;
  let usd: { id: string; chainId: string };
  let equity: { id: string; chainId: string };
  let usAccredited: Investor;
  let nonUs: Investor;
  let usPlain: Investor;

  // The world's helpers, wrapped with the journey's extra expectations.
  let world: Awaited<ReturnType<typeof offeringWorld>>;
  const call: World['call'] = (...args) => world.call(...args);
  const ok: World['ok'] = (...args) => world.ok(...args);
  const createAsset: World['createAsset'] = (payload) => world.createAsset(payload);
  const balance = async (assetChainId: string, did: string) => env.ledger.assetBalance(assetChainId, did);
  const opCount = () => env.db.orm.em.fork().count(ChainOperation, {});

  async function onboard(name: string, country: string, accredited: boolean): Promise<Investor> {
    const inv = await world.onboard(name, country, accredited);
    const me = await ok('GET', '/identities/me', undefined, inv.headers);
    expect(me.standing).toBe('good');
    return inv;
  }

  async function fund(investor: Investor, amount: string) {
    const s = await world.instruct(investor, usd.id, amount);
    await ok('POST', `/settlements/${s.id}/affirm`, { identityId: investor.identityId });
    expect((await ok('GET', `/settlements/${s.id}`)).status).toBe('Success');
  }

  async function launch(assetId: string, terms: object) {
    const id = await world.launch(assetId, usd.id, terms);
    const live = await ok('GET', `/offerings/${id}`);
    expect(live).toMatchObject({ status: 'live', error: null });
    return live.id as string;
  }

  const subscribe = (offeringId: string, investor: Investor, amount: string) =>
    call(
      'POST',
      `/offerings/${offeringId}/subscriptions`,
      { amount, agreement: signed(investor) },
      investor.headers,
    );

  beforeAll(async () => {
    env = await createTestEnv();
    world = await offeringWorld(env);
    ({ queue, operator } = world);
    usAccredited = await onboard('Usbuyer', 'US', true);
    nonUs = await onboard('Nonus', 'DE', false);
    usPlain = await onboard('Usplain', 'US', false);
    usd = await createAsset({ name: 'Stoa USD', assetType: 'StableCoin', divisible: true });
    await ok('POST', `/assets/${usd.id}/issue`, { amount: '1000000' });
    for (const inv of [usAccredited, nonUs, usPlain]) await fund(inv, '10000');
  }, 120_000);
  afterAll(async () => env.close());

  it('creates an equity with a valid ISIN and refuses a bad checksum before submitting', async () => {
    const before = await opCount();
    const bad = await call('POST', '/assets', {
      name: 'Acme',
      assetType: 'EquityCommon',
      divisible: false,
      identifiers: [{ type: 'Isin', value: 'US0378331006' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/Isin US0378331006: check digit does not match/);
    expect(await opCount()).toBe(before);

    equity = await createAsset({
      name: 'Acme Common',
      ticker: 'ACME',
      assetType: 'EquityCommon',
      divisible: false,
      identifiers: [{ type: 'Isin', value: 'US0378331005' }],
    });
    const details = await env.ledger.asset(equity.chainId);
    expect(details).toMatchObject({ ticker: 'ACME', identifiers: [{ type: 'Isin', value: 'US0378331005' }] });
  });

  it('applies "Reg D 506(c) for US + Reg S for non-US, max 99 holders" and shows it in plain language', async () => {
    const set = await ok('PUT', `/assets/${equity.id}/rules`, {
      templates: [{ template: 'reg-d-506c' }, { template: 'reg-s' }, { template: 'max-holders', count: 99 }],
    });
    expect(set.summary).toEqual([
      expect.stringMatching(/^Reg D 506\(c\)/),
      expect.stringMatching(/^Reg S/),
      'At most 99 holders',
    ]);
    const compliance = await env.ledger.compliance(equity.chainId);
    expect(compliance.requirements).toHaveLength(2);
    expect((await env.ledger.transferRestrictions(equity.chainId)).conditions).toEqual([
      // One place above the 99 investors: the chain counts the issuer's inventory as a holder.
      { type: 'MaxInvestorCount', count: 100 },
    ]);
    const failed = await env.db.orm.em.fork().count(ChainOperation, { status: 'failed' });
    expect(failed).toBe(0);
  });

  let offering: string;
  it('launches a two-tier offering priced in the stablecoin; accredited US and non-US investors buy and pay', async () => {
    offering = await launch(equity.id, {
      name: 'Series A',
      tiers: [
        { amount: '1000', price: '1' },
        { amount: '1000', price: '2' },
      ],
      minInvestment: '10',
      eligibleClasses: ['accredited', 'non-us'],
    });
    const a = await subscribe(offering, usAccredited, '1500');
    expect(a.status).toBe(202);
    expect(a.body.cost).toBe('2000');
    const b = await subscribe(offering, nonUs, '100');
    expect(b.status).toBe(202);
    await queue.drain();
    expect(await balance(equity.chainId, usAccredited.did)).toBe('1500');
    expect(await balance(usd.chainId, usAccredited.did)).toBe('8000');
    expect(await balance(equity.chainId, nonUs.did)).toBe('100');
    expect(await balance(usd.chainId, nonUs.did)).toBe('9800');
    const dash = (await ok('GET', `/offerings/${offering}`)).dashboard;
    expect(dash).toMatchObject({ raised: '2200', investors: 2 });
    expect(dash.tiers.map((t: { remaining: string }) => t.remaining)).toEqual(['0', '400']);
  });

  it('refuses a non-accredited US investor with "not accredited" before anything reaches the chain', async () => {
    const before = await opCount();
    const r = await subscribe(offering, usPlain, '10');
    expect(r.status).toBe(422);
    expect(r.body.message).toMatch(/not accredited/);
    expect(r.body.message).not.toMatch(/Reg S excludes US persons/);
    expect(await opCount()).toBe(before);
    expect(await balance(equity.chainId, usPlain.did)).toBe('0');
    expect(await balance(usd.chainId, usPlain.did)).toBe('10000');
    const check = await ok('POST', `/assets/${equity.id}/transfer-checks`, {
      to: { did: usPlain.did },
      amount: '1',
    });
    expect(check.allowed).toBe(false);
    expect(check.reasons.map((x: { message: string }) => x.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/not accredited/)]),
    );
  });

  it('holds a soft-capped offering in escrow and refunds everyone when the cap is missed; a low holder cap refuses the next holder', async () => {
    const second = await createAsset({ name: 'Beta Fund', assetType: 'Fund', divisible: true });
    await ok('PUT', `/assets/${second.id}/rules`, {
      templates: [{ template: 'reg-d-506c' }, { template: 'reg-s' }, { template: 'max-holders', count: 2 }],
    });
    const id = await launch(second.id, {
      name: 'Seed',
      tiers: [{ amount: '10000', price: '1' }],
      minInvestment: '10',
      softCap: '5000',
    });
    expect((await ok('GET', `/offerings/${id}`)).escrowPortfolio).toBeGreaterThan(0);
    const usdBefore = {
      a: await balance(usd.chainId, usAccredited.did),
      b: await balance(usd.chainId, nonUs.did),
    };
    expect((await subscribe(id, usAccredited, '100')).status).toBe(202);
    expect((await subscribe(id, nonUs, '50')).status).toBe(202);
    await queue.drain();
    expect(await balance(usd.chainId, usAccredited.did)).toBe(String(Number(usdBefore.a) - 100));

    // 2 investors (the issuer's inventory takes no place): a third investor is refused, nothing submitted.
    const fourth = await onboard('Fourthholder', 'US', true);
    await fund(fourth, '1000');
    const before = await opCount();
    const refused = await subscribe(id, fourth, '10');
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(/maximum of 2 holders/);
    expect(await opCount()).toBe(before);
    expect(await balance(second.chainId, fourth.did)).toBe('0');
    expect(await balance(usd.chainId, fourth.did)).toBe('1000');

    const closed = await ok('POST', `/offerings/${id}/close`);
    expect(closed.operations.map((o: { kind: string }) => o.kind)).toEqual(['sto.stop']);
    await queue.drain();
    expect((await ok('GET', `/offerings/${id}`)).status).toBe('refunded');
    expect(await balance(usd.chainId, usAccredited.did)).toBe(usdBefore.a);
    expect(await balance(usd.chainId, nonUs.did)).toBe(usdBefore.b);
    expect(await balance(second.chainId, usAccredited.did)).toBe('0');
    expect(await balance(second.chainId, nonUs.did)).toBe('0');
  }, 60_000);

  it('refuses the 100th holder of the 99-holder asset', async () => {
    const issuerDid = (await env.ledger.identityOf(operator))!;
    let holders = (await env.ledger.holders(equity.chainId)).length;
    expect(holders).toBe(3);
    // 99 investors besides the issuer's own identity: the filler holders are not the platform's
    // investors (no lots), so it is the chain's restriction, one above the 99, that refuses.
    for (let i = 0; holders < 100; i++, holders++) {
      // Filler holders straight on the ledger: a DID that briefly becomes an issuing agent.
      const address = await env.ledger.addSigner({ uri: `//filler/${i}` });
      const did = (
        await env.ledger.submit(
          { name: 'identity.cddRegisterDid', args: { targetAccount: address, cddClaim: true } },
          { signer: operator },
        )
      ).result.did;
      // Its own transaction fees, as on chain.
      await env.ledger.submit(
        { name: 'balances.transfer', args: { to: address, amount: '1' } },
        { signer: operator },
      );
      const authId = (
        await env.ledger.submit(
          {
            name: 'externalAgents.addAuthorization',
            args: { assetId: equity.chainId, target: did, group: { type: 'PolymeshV1PIA' } },
          },
          { signer: operator },
        )
      ).result.authId;
      await env.ledger.submit(
        { name: 'identity.acceptAuthorization', args: { authId } },
        { signer: address },
      );
      await env.ledger.submit(
        { name: 'asset.issue', args: { assetId: equity.chainId, amount: '1' } },
        { signer: address },
      );
      await env.ledger.submit(
        { name: 'externalAgents.abdicate', args: { assetId: equity.chainId } },
        { signer: address },
      );
    }
    expect((await env.ledger.holders(equity.chainId)).length).toBe(100);
    expect(issuerDid).toBeTruthy();
    const hundredth = await onboard('Lastone', 'US', true);
    await fund(hundredth, '1000');
    const before = await opCount();
    const r = await subscribe(offering, hundredth, '10');
    expect(r.status).toBe(422);
    expect(r.body.message).toMatch(/maximum of 99 holders/);
    expect(await opCount()).toBe(before);
    expect(await balance(equity.chainId, hundredth.did)).toBe('0');
    expect(await balance(usd.chainId, hundredth.did)).toBe('1000');
  }, 120_000);
});
