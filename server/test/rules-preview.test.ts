import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, type Investor } from './offering-helpers.js';

/** A rule change is previewed before it is made: the current holders it would put out of compliance. */
describe('rule change preview', () => {
  let env: TestEnv;
  let world: Awaited<ReturnType<typeof offeringWorld>>;
  let equity: { id: string; chainId: string };
  let accredited: Investor;
  let plain: Investor;

  beforeAll(async () => {
    env = await createTestEnv();
    world = await offeringWorld(env);
    accredited = await world.onboard('Previewrich', 'US', true);
    plain = await world.onboard('Previewplain', 'US', false);
    equity = await world.createAsset({ name: 'Preview Equity', assetType: 'EquityCommon', divisible: false });
    await world.ok('POST', `/assets/${equity.id}/issue`, { amount: '10000' });
    // No rules yet: both may receive.
    await world.fund(accredited, equity.id, '1500');
    await world.fund(plain, equity.id, '2500');
  }, 120_000);
  afterAll(async () => env.close());

  const preview = (templates: object[]) =>
    world.call('POST', `/assets/${equity.id}/rules/preview`, { templates });

  it('lists the non-accredited holder, by name, with the reason, if Reg D 506(c) were applied; changes nothing', async () => {
    const rulesBefore = await world.call('GET', `/assets/${equity.id}/rules`);
    const r = await preview([{ template: 'reg-d-506c' }]);
    expect(r.status).toBe(200);
    expect(r.body.holders).toBe(2);
    expect(r.body.summary).toEqual([expect.stringMatching(/^Reg D 506\(c\)/)]);
    expect(r.body.outOfCompliance).toEqual([
      {
        did: plain.did,
        name: expect.stringMatching(/previewplain/i),
        balance: '2500',
        reasons: [
          expect.stringMatching(/is not accredited \(no valid accreditation from a trusted verifier\)/),
        ],
      },
    ]);
    expect(JSON.stringify(r.body.outOfCompliance)).not.toMatch(/the receiver/);
    // A preview reads only.
    expect((await world.call('GET', `/assets/${equity.id}/rules`)).status).toBe(rulesBefore.status);
  });

  it('a rule both holders meet puts nobody out; Reg S puts both US persons out', async () => {
    expect((await preview([{ template: 'max-holders', count: 10 }])).body.outOfCompliance).toEqual([]);
    const regS = await preview([{ template: 'reg-s' }]);
    expect(regS.body.outOfCompliance.map((h: { did: string }) => h.did).sort()).toEqual(
      [accredited.did, plain.did].sort(),
    );
    expect(regS.body.outOfCompliance[0].reasons.join(' ')).toMatch(/US person/);
  });

  it('refuses an unknown country in words and an investor', async () => {
    const bad = await preview([{ template: 'country-block', countries: ['XX'] }]);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.details.fields)).toMatch(/must be a country from the list/);
    const asInvestor = await world.call(
      'POST',
      `/assets/${equity.id}/rules/preview`,
      { templates: [] },
      plain.headers,
    );
    expect(asInvestor.status).toBe(403);
  });
});
