import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld } from './offering-helpers.js';

/**
 * Per-country holder caps count holders by their Jurisdiction claim scoped to the asset
 * (POLYMESH.md §6). Attestation must therefore issue asset-scoped claims for such assets, or the
 * cap would never see anyone.
 */
describe('per-country holder cap', () => {
  let env: TestEnv;
  let world: Awaited<ReturnType<typeof offeringWorld>>;
  let asset: { id: string; chainId: string };

  beforeAll(async () => {
    env = await createTestEnv();
    world = await offeringWorld(env);
    asset = await world.createAsset({ name: 'Capped Co', assetType: 'EquityCommon', divisible: true });
    await world.ok('PUT', `/assets/${asset.id}/rules`, {
      templates: [{ template: 'country-cap', country: 'US', maxHolders: 1 }],
    });
    await world.ok('POST', `/assets/${asset.id}/issue`, { amount: '1000' });
  }, 120_000);
  afterAll(async () => env.close());

  it('attestation adds Jurisdiction claims scoped to assets with claim-keyed caps', async () => {
    const inv = await world.onboard('Firstus', 'US', false);
    const claims = await env.ledger.claims(inv.did);
    expect(claims).toContainEqual(
      expect.objectContaining({
        claim: { type: 'Jurisdiction', code: 'Us', scope: { type: 'Asset', value: asset.chainId } },
      }),
    );
  });

  it('lets the first US holder in, refuses the second, and does not count other countries', async () => {
    const operatorDid = (await env.ledger.identityOf(world.operator))!;
    const first = await world.onboard('Secondus', 'US', false);
    await world.fund(first, asset.id, '10');
    expect(await env.ledger.assetBalance(asset.chainId, first.did)).toBe('10');

    const second = await world.onboard('Thirdus', 'US', false);
    const refused = await env.ledger.canTransfer({
      assetId: asset.chainId,
      from: { did: operatorDid },
      to: { did: second.did },
      amount: '1',
    });
    expect(refused.result).toBe(false);
    expect(refused.restrictions.some((r) => r.restriction.type === 'ClaimCount' && !r.result)).toBe(true);

    const german = await world.onboard('Firstde', 'DE', false);
    const allowed = await env.ledger.canTransfer({
      assetId: asset.chainId,
      from: { did: operatorDid },
      to: { did: german.did },
      amount: '1',
    });
    expect(allowed.result).toBe(true);
  });
});
