import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fromUnits, toUnits } from '../src/lib/units.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, type Investor } from './offering-helpers.js';
import { registerInvestor, staff } from './onboarding-helpers.js';

type World = Awaited<ReturnType<typeof offeringWorld>>;
type Headers = Record<string, string>;

/**
 * The attack from issue #9: halve the amount until the answer flips. `probe` says whether the
 * answer at an amount looks like the one at the smallest amount; the result is the largest
 * amount (in units) that still looked the same.
 */
async function bisect(probe: (amount: string) => Promise<boolean>, hi: bigint): Promise<bigint> {
  let lo = 1n;
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (await probe(fromUnits(mid))) lo = mid;
    else hi = mid;
  }
  return lo;
}

describe('pre-trade checks by role', () => {
  let env: TestEnv;
  let w: World;
  let usd: { id: string };
  let equity: { id: string };
  let alpha: Investor;
  let bravo: Investor;
  let charlie: Investor;
  let officerKey: Headers;

  const check = async (assetId: string, body: object, headers: Headers) => {
    const res = await w.app.inject({
      method: 'POST',
      url: `/assets/${assetId}/transfer-checks`,
      headers,
      payload: body,
    });
    return { status: res.statusCode, body: res.json(), raw: res.body };
  };

  beforeAll(async () => {
    env = await createTestEnv();
    w = await offeringWorld(env);
    const officer = await staff(w.app, 'officer@issuer.example', ['compliance-officer']);
    const key = await w.ok('POST', '/auth/api-keys', { name: 'surveillance' }, officer.headers);
    officerKey = { 'x-api-key': key.token as string };
    alpha = await w.onboard('Alpha', 'US', true);
    bravo = await w.onboard('Bravo', 'DE', false);
    charlie = await w.onboard('Charlie', 'US', true);
    usd = await w.createAsset({ name: 'Stoa USD', assetType: 'StableCoin', divisible: true });
    await w.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000000' });
    await w.fund(bravo, usd.id, '1234.5');
    await w.fund(alpha, usd.id, '100');
    equity = await w.createAsset({ name: 'Acme Common', assetType: 'EquityCommon', divisible: false });
    await w.ok('POST', `/assets/${equity.id}/issue`, { amount: '10000' });
    await w.ok('PUT', `/assets/${equity.id}/rules`, {
      templates: [
        { template: 'reg-d-506c' },
        { template: 'reg-s' },
        { template: 'max-holders', count: 99 },
        { template: 'max-ownership', percentage: '25' },
      ],
    });
    await w.fund(alpha, equity.id, '2000');
    await w.fund(bravo, equity.id, '1000');
  }, 180_000);
  afterAll(async () => env.close());

  it("lets staff's binary search find another investor's exact balance, as the tester did", async () => {
    const found = await bisect(
      async (amount) =>
        (await check(usd.id, { from: { did: bravo.did }, to: { did: alpha.did }, amount }, officerKey)).body
          .allowed,
      toUnits('100000'),
    );
    expect(fromUnits(found)).toBe('1234.5');
    const over = await check(
      usd.id,
      { from: { did: bravo.did }, to: { did: alpha.did }, amount: '1234.6' },
      auth,
    );
    expect(over.body.reasons).toEqual([
      { rule: 'balance', message: 'the sender does not hold enough tokens' },
    ]);
  });

  it("teaches an investor's binary search nothing about the sender's stablecoin balance", async () => {
    const answers = new Set<string>();
    const probe = (amount: string) =>
      check(usd.id, { from: { did: bravo.did }, to: { did: alpha.did }, amount }, alpha.headers);
    const baseline = (await probe('0.000001')).raw;
    const found = await bisect(async (amount) => {
      const r = await probe(amount);
      expect(r.status).toBe(200);
      answers.add(r.raw);
      return r.raw === baseline;
    }, toUnits('100000'));
    expect(answers.size).toBe(1);
    expect(fromUnits(found)).not.toBe('1234.5');
    expect(JSON.parse(baseline)).toEqual({
      allowed: true,
      reasons: [],
      withheld: ['whether the sender holds enough free tokens'],
    });
    for (const amount of ['1234.4', '1234.5', '1234.6', '99999'])
      expect((await probe(amount)).raw).toBe(baseline);
  });

  it("teaches a sending investor nothing about the receiver's holdings through the ownership cap", async () => {
    const body = (amount: string) => ({ from: { did: alpha.did }, to: { did: bravo.did }, amount });
    // 25% of 10,000 is 2,500 and Bravo holds 1,000: staff see the cap bite above 1,500.
    const staffSees = await bisect(
      async (a) => (await check(equity.id, body(a), officerKey)).body.allowed,
      toUnits('2000'),
    );
    expect(fromUnits(staffSees)).toBe('1500');
    const answers = new Set<string>();
    for (const amount of ['1', '1499', '1500', '1501', '2000']) {
      const r = await check(equity.id, body(amount), alpha.headers);
      answers.add(r.raw);
    }
    expect(answers.size).toBe(1);
    expect(JSON.parse([...answers][0]!)).toEqual({
      allowed: true,
      reasons: [],
      withheld: ['the limit of 99 holders', 'the limit of 25% of the supply per holder'],
    });
    // Alpha's own balance is Alpha's to know.
    const own = await check(equity.id, body('2001'), alpha.headers);
    expect(own.body.reasons).toEqual([{ rule: 'balance', message: 'you do not hold enough tokens' }]);
  });

  it("tells an investor the receiver is not eligible, never the receiver's AML label; the receiver hears it in full", async () => {
    await w.ok('POST', `/cdd/identities/${charlie.identityId}/revoke`, { reason: 'OFAC SDN list match' });
    const mine = await check(
      equity.id,
      { from: { did: alpha.did }, to: { did: charlie.did }, amount: '1' },
      alpha.headers,
    );
    expect(mine.body.allowed).toBe(false);
    expect(mine.body.reasons).toEqual([
      { rule: 'other party', message: 'the receiver is not eligible to receive this asset' },
    ]);
    expect(mine.raw).not.toMatch(/OFAC|standing|KYC|accredit/i);

    const staffView = await check(
      equity.id,
      { from: { did: alpha.did }, to: { did: charlie.did }, amount: '1' },
      officerKey,
    );
    const said = staffView.body.reasons.map((r: { message: string }) => r.message);
    expect(said).toContain(
      'the receiver is not in good standing (OFAC SDN list match); renew their verification first',
    );

    const theirs = await check(equity.id, { to: { did: charlie.did }, amount: '1' }, charlie.headers);
    expect(theirs.body.reasons).toContainEqual({
      rule: 'investor standing',
      message: 'you are not in good standing (OFAC SDN list match); renew your verification first',
    });
    expect(theirs.raw).not.toMatch(/the receiver/);
  });

  it('refuses investors checks of transfers they are not a party to, and names the fix', async () => {
    const others = await check(
      usd.id,
      { from: { did: bravo.did }, to: { did: charlie.did }, amount: '1' },
      alpha.headers,
    );
    expect(others.status).toBe(403);
    expect(others.body.message).toMatch(/only transfers you send or receive/);
    // An omitted sender is the issuer.
    expect((await check(usd.id, { to: { did: bravo.did }, amount: '1' }, alpha.headers)).status).toBe(403);
    const portfolio = await check(
      usd.id,
      { from: { did: alpha.did }, to: { did: bravo.did, number: 1 }, amount: '1' },
      alpha.headers,
    );
    expect(portfolio.status).toBe(403);
    expect(portfolio.body.message).toMatch(/identity alone/);
    const newcomer = await registerInvestor(w.app, 'newcomer@investor.example');
    const none = await check(
      usd.id,
      { from: { did: alpha.did }, to: { did: bravo.did }, amount: '1' },
      newcomer.headers,
    );
    expect(none.status).toBe(403);
    expect(none.body.message).toMatch(/once your identity is on chain/);
  });

  it("holds an investor's API key to the investor's rules and lets a staff API key see everything", async () => {
    const key = await w.ok('POST', '/auth/api-keys', { name: 'my bot' }, alpha.headers);
    const bot = { 'x-api-key': key.token as string };
    const body = { from: { did: bravo.did }, to: { did: alpha.did }, amount: '5000' };
    expect((await check(usd.id, body, bot)).body).toEqual({
      allowed: true,
      reasons: [],
      withheld: ['whether the sender holds enough free tokens'],
    });
    expect((await check(usd.id, { ...body, to: { did: charlie.did } }, bot)).status).toBe(403);
    expect((await check(usd.id, body, officerKey)).body).toEqual({
      allowed: false,
      reasons: [{ rule: 'balance', message: 'the sender does not hold enough tokens' }],
      withheld: [],
    });
  });

  it('lets an investor dry-run a subscription only for themselves, whatever other roles they hold', async () => {
    const offering = await w.launch(equity.id, usd.id, {
      name: 'Series A',
      tiers: [{ amount: '1000', price: '1' }],
      minInvestment: '1',
    });
    const dryRun = (payload: object, headers: Headers) =>
      w.call('POST', `/offerings/${offering}/subscriptions/check`, payload, headers);
    expect((await dryRun({ amount: '10', identityId: bravo.identityId }, alpha.headers)).status).toBe(403);

    // Bravo also becomes an auditor: still not a subscriber for others.
    const me = await w.ok('GET', '/auth/me', undefined, bravo.headers);
    await w.ok('PUT', `/users/${me.user.id}/roles`, {
      roles: ['investor', 'auditor'],
      reason: 'joins the audit team',
    });
    const asAuditor = await dryRun({ amount: '10', identityId: alpha.identityId }, bravo.headers);
    expect(asAuditor.status).toBe(403);
    expect(asAuditor.body.message).toMatch(/only for yourself/);
    expect((await dryRun({ amount: '10' }, bravo.headers)).status).toBe(200);

    const agent = await staff(w.app, 'agent@issuer.example', ['transfer-agent']);
    const forAlpha = await dryRun({ amount: '10', identityId: alpha.identityId }, agent.headers);
    expect(forAlpha.status).toBe(200);
    expect(forAlpha.body.checks.find((c: { check: string }) => c.check === 'funds').detail).toMatch(
      /^100 Stoa USD/,
    );
  });
  it('answers from one database round trip once the asset is cached', async () => {
    const body = { from: { did: alpha.did }, to: { did: bravo.did }, amount: '10' };
    expect((await check(equity.id, body, officerKey)).status).toBe(200);
    const connection = w.app.infra.db.orm.em.getConnection();
    const execute = vi.spyOn(connection, 'execute');
    try {
      const again = await check(equity.id, body, officerKey);
      expect(again.status).toBe(200);
      expect(again.body.allowed).toBe(true);
      expect(execute).toHaveBeenCalledTimes(1);
    } finally {
      execute.mockRestore();
    }
  });

  it('a check right after a rule change reads the new rules', async () => {
    const body = { from: { did: alpha.did }, to: { did: bravo.did }, amount: '1' };
    const before = await check(equity.id, body, alpha.headers);
    expect(before.body.withheld).toContain('the limit of 25% of the supply per holder');
    await w.ok('PUT', `/assets/${equity.id}/rules`, {
      templates: [
        { template: 'reg-d-506c' },
        { template: 'reg-s' },
        { template: 'max-holders', count: 99 },
        { template: 'max-ownership', percentage: '30' },
      ],
    });
    const after = await check(equity.id, body, alpha.headers);
    expect(after.body.withheld).toContain('the limit of 30% of the supply per holder');
    expect(after.body.withheld).not.toContain('the limit of 25% of the supply per holder');
  });
});
