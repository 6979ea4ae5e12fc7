import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Subscription } from '../src/modules/offerings/entity.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, signed, type Investor } from './offering-helpers.js';
import { staff } from './onboarding-helpers.js';

const DAY = 86_400_000;
type World = Awaited<ReturnType<typeof offeringWorld>>;

/**
 * An accreditation is reviewed off chain (90 days by default) and judged by the chain's time, like
 * the claims on chain: once the development clock passes its expiry, the offering's eligibility
 * and the pre-trade check both treat the investor as no longer accredited, and say why.
 */
describe('off-chain accreditation expiry on the chain clock', () => {
  let env: TestEnv;
  let w: World;
  let admin: Record<string, string>;
  let alpha: Investor;
  let usd: { id: string; chainId: string };
  let fund: { id: string; chainId: string };
  let offeringId: string;

  const eligibility = async (amount: string) => {
    const res = await w.call(
      'POST',
      `/offerings/${offeringId}/subscriptions/check`,
      { amount, agreement: signed(alpha) },
      alpha.headers,
    );
    expect(res.status).toBe(200);
    return res.body as {
      eligible: boolean;
      checks: { check: string; outcome: string; detail: string }[];
    };
  };
  const classCheck = async () => (await eligibility('3000')).checks.find((c) => c.check === 'investor class');
  /** The investor's own pre-trade check of buying 3,000 (worth 3,000 USD) from the issuer. */
  const preTrade = async () => {
    const res = await w.call(
      'POST',
      `/assets/${fund.id}/transfer-checks`,
      { to: { did: alpha.did }, amount: '3000', value: '3000' },
      alpha.headers,
    );
    expect(res.status).toBe(200);
    return res.body as { allowed: boolean; reasons: { rule: string; message: string }[] };
  };
  const chainTime = async () => Date.parse((await env.ledger.info()).time);

  beforeAll(async () => {
    env = await createTestEnv();
    w = await offeringWorld(env);
    admin = (await staff(w.app, 'admin@stoa.example', ['admin'])).headers;
    // Accredited for 90 days; income 40,000 and net worth 30,000: a Reg CF limit of 2,500 USD.
    alpha = await w.onboard('Alpha', 'US', true, { annualIncome: '40000', netWorth: '30000' });
    usd = await w.createAsset({ name: 'Stoa USD', assetType: 'StableCoin', divisible: true });
    await w.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000000' });
    await w.fund(alpha, usd.id, '10000');
    fund = await w.createAsset({ name: 'Crowd Fund', assetType: 'Fund', divisible: true });
    await w.ok('PUT', `/assets/${fund.id}/rules`, { templates: [{ template: 'reg-cf' }] });
    await w.ok('POST', `/assets/${fund.id}/issue`, { amount: '100000' });
    offeringId = await w.launch(fund.id, usd.id, {
      name: 'Crowd Round',
      tiers: [{ amount: '50000', price: '1' }],
      minInvestment: '1',
      eligibleClasses: ['accredited'],
      end: new Date(Date.now() + 365 * DAY).toISOString(),
    });
  }, 180_000);
  afterAll(async () => env.close());

  it('while the accreditation holds: eligible as accredited, above the Reg CF limit', async () => {
    expect(await classCheck()).toMatchObject({ outcome: 'passed' });
    const answer = await eligibility('3000');
    expect(answer.checks.find((c) => c.check === 'rules')).toMatchObject({ outcome: 'passed' });
    expect(answer.eligible).toBe(true);
    const check = await preTrade();
    expect(check.reasons.filter((r) => r.rule === 'Reg CF')).toEqual([]);
    expect(check.allowed).toBe(true);
  });

  it('after the development clock passes its expiry: both answers say the accreditation expired', async () => {
    const before = await chainTime();
    const moved = await w.call('POST', '/dev/clock/advance', { by: { days: 91 } }, admin);
    expect(moved.status).toBe(200);
    expect((await chainTime()) - before).toBeGreaterThanOrEqual(91 * DAY);

    // The wall clock has not moved: only the chain's time says the accreditation is over.
    const cls = await classCheck();
    expect(cls?.outcome).toBe('failed');
    expect(cls?.detail).toMatch(
      /^you are not accredited \(your accreditation expired on .+ UTC; renew it to invest\)$/,
    );
    const answer = await eligibility('3000');
    expect(answer.eligible).toBe(false);

    const check = await preTrade();
    expect(check.allowed).toBe(false);
    const regCf = check.reasons.find((r) => r.rule === 'Reg CF');
    expect(regCf?.message).toMatch(
      /Reg CF 12-month limit of 2500 USD \(already invested 0\); your accreditation expired on .+ UTC/,
    );
    // Within the limit, the lapsed accreditation does not matter.
    const small = await w.call(
      'POST',
      `/assets/${fund.id}/transfer-checks`,
      { to: { did: alpha.did }, amount: '2000', value: '2000' },
      alpha.headers,
    );
    expect(small.body.reasons.filter((r: { rule: string }) => r.rule === 'Reg CF')).toEqual([]);
  });

  it('a subscription records the chain’s time, which the Reg CF 12-month window counts by', async () => {
    // Onboarded after the clock moved (alpha's expired Accredited claim put it out of standing).
    const bravo = await w.onboard('Bravo', 'US', false, { annualIncome: '40000', netWorth: '30000' });
    await w.fund(bravo, usd.id, '5000');
    const other = await w.launch(fund.id, usd.id, {
      name: 'Open Round',
      tiers: [{ amount: '40000', price: '1' }],
      minInvestment: '1',
      end: new Date((await chainTime()) + 30 * DAY).toISOString(),
    });
    const bought = await w.call(
      'POST',
      `/offerings/${other}/subscriptions`,
      { amount: '2000', agreement: signed(bravo) },
      bravo.headers,
    );
    expect(bought.status === 202 ? 'accepted' : bought.body.message).toBe('accepted');
    await w.queue.drain();
    const [s] = await env.db.orm.em.fork().find(Subscription, { offeringId: other });
    expect(s!.chainTime.getTime() - s!.createdAt.getTime()).toBeGreaterThanOrEqual(91 * DAY - 60_000);
    // Counted in the window on the chain's time: 2,000 invested, 1,000 more would pass 2,500.
    const check = await w.call(
      'POST',
      `/assets/${fund.id}/transfer-checks`,
      { to: { did: bravo.did }, amount: '1000', value: '1000' },
      bravo.headers,
    );
    expect(check.body.reasons.find((r: { rule: string }) => r.rule === 'Reg CF')?.message).toMatch(
      /Reg CF 12-month limit of 2500 USD \(already invested 2000\)$/,
    );
  }, 120_000);
});
