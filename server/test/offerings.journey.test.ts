import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxWebhook } from '../src/modules/kyc/sandbox.js';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { individual, multipart, PDF, PNG, registerInvestor, staff } from './onboarding-helpers.js';

interface Investor {
  headers: Record<string, string>;
  identityId: string;
  did: string;
}

describe('tokenization and offerings journey', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let queue: ReturnType<TestEnv['makeQueue']>;
  let cddKey: Record<string, string>;
  let operator: string;
  let usd: { id: string; chainId: string };
  let equity: { id: string; chainId: string };
  let usAccredited: Investor;
  let nonUs: Investor;
  let usPlain: Investor;

  const call = async (
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: object,
    headers: Record<string, string> = auth,
  ) => {
    const res = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.json() };
  };
  const ok = async (
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: object,
    headers?: Record<string, string>,
  ) => {
    const r = await call(method, url, payload, headers);
    if (r.status >= 300) throw new Error(`${method} ${url} → ${r.status}: ${JSON.stringify(r.body)}`);
    await queue.drain();
    return r.body;
  };
  const balance = async (assetChainId: string, did: string) => env.ledger.assetBalance(assetChainId, did);
  const opCount = () => env.db.orm.em.fork().count(ChainOperation, {});

  async function onboard(name: string, country: string, accredited: boolean): Promise<Investor> {
    const inv = await registerInvestor(app, `${name.toLowerCase()}@investor.example`);
    const created = await ok('POST', '/onboarding/applications', individual(name, country), inv.headers);
    const id = created.id as string;
    for (const [type, file, ct, content] of [
      ['id', 'passport.pdf', 'application/pdf', PDF],
      ['proof-of-address', 'bill.png', 'image/png', PNG],
      ['accreditation-evidence', 'w2.pdf', 'application/pdf', PDF],
    ] as const) {
      const m = multipart(file, ct, content);
      const up = await app.inject({
        method: 'POST',
        url: `/onboarding/applications/${id}/documents?type=${type}`,
        headers: { ...inv.headers, ...m.headers },
        payload: m.payload,
      });
      expect(up.statusCode).toBe(201);
    }
    await ok('POST', `/onboarding/applications/${id}/submit`, undefined, inv.headers);
    const hook = sandboxWebhook(env.config.kyc.sandboxWebhookSecret, {
      applicationId: id,
      subjectName: name,
    });
    const delivered = await app.inject({
      method: 'POST',
      url: '/kyc/webhooks/sandbox',
      headers: hook.headers,
      payload: hook.body,
    });
    expect(delivered.statusCode).toBe(202);
    await queue.drain();
    if (accredited) {
      await ok(
        'POST',
        `/onboarding/applications/${id}/accreditation/review`,
        { decision: 'verified', reason: 'tax returns reviewed' },
        cddKey,
      );
    }
    await ok('POST', `/cdd/applications/${id}/attest`, {}, cddKey);
    const me = await ok('GET', '/identities/me', undefined, inv.headers);
    expect(me.standing).toBe('good');
    return { headers: inv.headers, identityId: me.id, did: me.did };
  }

  async function createAsset(payload: object) {
    const r = await ok('POST', '/assets', payload);
    const asset = await ok('GET', `/assets/${r.asset.id}`);
    expect(asset.status).toBe('active');
    return { id: asset.id as string, chainId: asset.chainId as string };
  }

  async function fund(investor: Investor, amount: string) {
    const s = await ok('POST', '/settlements', {
      settlementType: { type: 'SettleOnAffirmation' },
      legs: [
        {
          type: 'Fungible',
          from: { did: await env.ledger.identityOf(operator) },
          to: { did: investor.did },
          assetId: usd.id,
          amount,
        },
      ],
    });
    await ok('POST', `/settlements/${s.id}/affirm`, { identityId: investor.identityId });
    expect((await ok('GET', `/settlements/${s.id}`)).status).toBe('Success');
  }

  async function launch(assetId: string, terms: object) {
    const o = await ok('POST', `/assets/${assetId}/offerings`, {
      paymentAssetId: usd.id,
      end: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      ...terms,
    });
    await ok('POST', `/offerings/${o.id}/launch`);
    const live = await ok('GET', `/offerings/${o.id}`);
    expect(live).toMatchObject({ status: 'live', error: null });
    return live.id as string;
  }

  const subscribe = (offeringId: string, investor: Investor, amount: string) =>
    call('POST', `/offerings/${offeringId}/subscriptions`, { amount }, investor.headers);

  beforeAll(async () => {
    env = await createTestEnv();
    queue = env.makeQueue('inline');
    app = await env.app({ queue });
    operator = await env.ledger.addSigner({ uri: env.config.signers[0]! });
    const cdd = await staff(app, 'cdd@provider.example', ['cdd-provider']);
    const key = await call('POST', '/auth/api-keys', { name: 'provider' }, cdd.headers);
    cddKey = { 'x-api-key': key.body.token as string };
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
      { type: 'MaxInvestorCount', count: 99 },
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
      templates: [{ template: 'reg-d-506c' }, { template: 'reg-s' }, { template: 'max-holders', count: 3 }],
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

    // Issuer + 2 investors = 3 holders: a fourth identity is refused, nothing submitted.
    const fourth = await onboard('Fourthholder', 'US', true);
    await fund(fourth, '1000');
    const before = await opCount();
    const refused = await subscribe(id, fourth, '10');
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(/maximum of 3 holders/);
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
    for (let i = 0; holders < 99; i++, holders++) {
      // Filler holders straight on the ledger: a DID that briefly becomes an issuing agent.
      const address = await env.ledger.addSigner({ uri: `//filler/${i}` });
      const did = (
        await env.ledger.submit(
          { name: 'identity.cddRegisterDid', args: { targetAccount: address, cddClaim: true } },
          { signer: operator },
        )
      ).result.did;
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
    expect((await env.ledger.holders(equity.chainId)).length).toBe(99);
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
