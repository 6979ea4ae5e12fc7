import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { DEFAULT_WITHHOLDING, formValidOn, withholdingFor } from '../src/modules/tax/rates.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, type Investor } from './offering-helpers.js';

describe('withholding rates (pure)', () => {
  const at = new Date('2026-12-01T00:00:00Z');
  const t = DEFAULT_WITHHOLDING;

  it('US persons: 0 % with a W-9, 24 % backup withholding without one', () => {
    expect(
      withholdingFor(
        { usPerson: true, taxResidency: 'US', form: { form: 'W-9', signedOn: '2020-01-01' } },
        t,
        at,
      ),
    ).toEqual({
      rate: '0',
      basis: 'US person with a W-9 on file',
    });
    expect(withholdingFor({ usPerson: true, taxResidency: 'US', form: null }, t, at).rate).toBe('24');
  });

  it('non-US persons: the treaty rate with a valid W-8BEN, 30 % without one or once it lapsed', () => {
    const de = { usPerson: false, taxResidency: 'DE' };
    expect(withholdingFor({ ...de, form: { form: 'W-8BEN', signedOn: '2025-03-01' } }, t, at)).toEqual({
      rate: '15',
      basis: 'Treaty rate for a resident of Germany with a W-8BEN on file',
    });
    expect(withholdingFor({ ...de, form: null }, t, at).rate).toBe('30');
    // Signed in 2022: valid until the end of 2025.
    const lapsed = withholdingFor({ ...de, form: { form: 'W-8BEN', signedOn: '2022-06-30' } }, t, at);
    expect(lapsed).toEqual({
      rate: '30',
      basis: 'Non-US person without a valid W-8BEN on file; the W-8BEN on file has lapsed',
    });
    expect(
      withholdingFor(
        { usPerson: false, taxResidency: 'BR', form: { form: 'W-8BEN', signedOn: '2025-01-01' } },
        t,
        at,
      ).rate,
    ).toBe('30');
  });

  it('a W-8BEN counts until the last day of the third calendar year after signing', () => {
    const f = { form: 'W-8BEN' as const, signedOn: '2023-02-10' };
    expect(formValidOn(f, new Date('2026-12-31T23:59:59Z'))).toBe(true);
    expect(formValidOn(f, new Date('2027-01-01T00:00:00Z'))).toBe(false);
    expect(formValidOn(f, new Date('2023-02-09T00:00:00Z'))).toBe(false);
  });
});

describe('tax forms and withholding tables through the API', () => {
  let env: TestEnv;
  let w: Awaited<ReturnType<typeof offeringWorld>>;
  let us: Investor;
  let de: Investor;
  let fr: Investor;
  let asset: { id: string; chainId: string };
  let issuerId: string;

  beforeAll(async () => {
    env = await createTestEnv();
    w = await offeringWorld(env);
    us = await w.onboard('Usher', 'US', false);
    de = await w.onboard('Deutsch', 'DE', false);
    fr = await w.onboard('Francis', 'FR', false);
    asset = await w.createAsset({ name: 'Echo Notes', assetType: 'EquityCommon', divisible: false });
    issuerId = (await w.ok('GET', `/assets/${asset.id}`)).issuerId as string;
    await w.ok('POST', `/assets/${asset.id}/issue`, { amount: '300' });
    for (const inv of [us, de, fr]) await w.fund(inv, asset.id, '100');
  }, 180_000);
  afterAll(async () => env.close());

  it('the rate of each holder follows the form on file and the issuer’s table; changes are audited', async () => {
    expect(
      (
        await w.call('POST', `/identities/${us.identityId}/tax-forms`, {
          form: 'W-9',
          signedOn: '2026-01-15',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await w.call('POST', `/identities/${de.identityId}/tax-forms`, {
          form: 'W-8BEN',
          signedOn: '2026-02-01',
        })
      ).status,
    ).toBe(201);
    const preview = await w.ok('GET', `/assets/${asset.id}/withholding`);
    const rate = (did: string) => preview.holders.find((h: { did: string }) => h.did === did);
    expect(rate(us.did)).toMatchObject({ rate: '0', form: 'W-9' });
    expect(rate(de.did)).toMatchObject({
      rate: '15',
      form: 'W-8BEN',
      basis: 'Treaty rate for a resident of Germany with a W-8BEN on file',
    });
    expect(rate(fr.did)).toMatchObject({ rate: '30', form: null });
    expect(preview.holders).toHaveLength(3); // the issuer's own holding takes no rate

    const table = {
      usWithForm: '0',
      usWithoutForm: '24',
      nonUsDefault: '25',
      treaty: [{ country: 'DE', rate: '10' }],
    };
    const set = await w.call('PUT', `/issuers/${issuerId}/withholding-rates`, table);
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ version: 1, custom: true });
    const after = await w.ok('GET', `/assets/${asset.id}/withholding`);
    expect(after.holders.find((h: { did: string }) => h.did === de.did).rate).toBe('10');
    expect(after.holders.find((h: { did: string }) => h.did === fr.did).rate).toBe('25');
    const audited = await env.db.orm.em
      .fork()
      .find(AuditEntry, { action: { $in: ['tax.rates-changed', 'tax.form-recorded'] } });
    expect(audited.map((a) => a.action).sort()).toEqual([
      'tax.form-recorded',
      'tax.form-recorded',
      'tax.rates-changed',
    ]);
  });

  it('refuses in words: the wrong form for the person, a future signature, a bad rate, a country twice', async () => {
    const wrong = await w.call('POST', `/identities/${fr.identityId}/tax-forms`, {
      form: 'W-9',
      signedOn: '2026-01-15',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toBe(
      'This investor is not a US person: a W-8BEN (or W-8BEN-E for an entity) applies, not a W-9',
    );
    const future = await w.call('POST', `/identities/${fr.identityId}/tax-forms`, {
      form: 'W-8BEN',
      signedOn: '2099-01-01',
    });
    expect(future.status).toBe(400);
    const bad = await w.call('PUT', `/issuers/${issuerId}/withholding-rates`, {
      usWithForm: '0',
      usWithoutForm: '24',
      nonUsDefault: '130',
      treaty: [],
    });
    expect(bad.status).toBe(400);
    const twice = await w.call('PUT', `/issuers/${issuerId}/withholding-rates`, {
      usWithForm: '0',
      usWithoutForm: '24',
      nonUsDefault: '30',
      treaty: [
        { country: 'DE', rate: '15' },
        { country: 'DE', rate: '10' },
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.message).toMatch(/lists Germany a second time/);
    const investor = await w.call(
      'PUT',
      `/issuers/${issuerId}/withholding-rates`,
      DEFAULT_WITHHOLDING,
      fr.headers,
    );
    expect(investor.status).toBe(403);
  });

  it('an investor reads their own tax status in the second person', async () => {
    const mine = await w.ok('GET', '/identities/me/tax-form', undefined, fr.headers);
    expect(mine).toMatchObject({ form: null, needed: 'W-8BEN' });
    expect(mine.message).toBe(
      "We have no tax form from you. Without a W-8BEN, distributions to you are withheld at the issuer's default rate.",
    );
    const de2 = await w.ok('GET', '/identities/me/tax-form', undefined, de.headers);
    expect(de2.message).toBe('Your W-8BEN is on file until 31 December 2029.');
  });
});
