/** POLYMESH.md §6: statistics, transfer conditions and exemptions, through canTransfer. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetId, Claim } from '../../src/index.js';
import { Harness, type Party } from './harness.js';

let h: Harness;
let issuer: Party;
let kyc: Party;
beforeAll(async () => {
  h = await Harness.create();
  issuer = await h.issuer();
  kyc = await h.investor();
});
afterAll(async () => h.close());

const check = (assetId: AssetId, to: Party, amount = '1', from: Party = issuer) =>
  h.ledger.canTransfer({ assetId, from: { did: from.did }, to: { did: to.did }, amount });

describe('MaxInvestorCount', () => {
  it('a fifth holder against MaxInvestorCount(4) fails unless the sender is exempt', async () => {
    const assetId = await h.createAsset(issuer);
    await h.submit(issuer.address, {
      name: 'statistics.setActiveAssetStats',
      args: { assetId, stats: [{ op: 'Count' }] },
    });
    await h.submit(issuer.address, {
      name: 'statistics.setAssetTransferCompliance',
      args: { assetId, conditions: [{ type: 'MaxInvestorCount', count: 4 }] },
    });
    await h.issue(issuer, assetId, '1000');
    for (let i = 0; i < 3; i++) await h.seedHolder(issuer, assetId, await h.investor(), '10');
    const values = (await h.ledger.transferRestrictions(assetId)).values;
    expect(values).toEqual([{ stat: { op: 'Count' }, key: { type: 'NoClaimStat' }, value: '4' }]);
    const fifth = await h.investor();
    const r = await check(assetId, fifth);
    expect(r.general).toEqual(['InvalidTransferStatisticsFailure']);
    expect(r.restrictions).toEqual([{ restriction: { type: 'MaxInvestorCount', count: 4 }, result: false }]);
    // An existing holder may still receive.
    const holders = await h.ledger.holders(assetId);
    const existing = holders.find((x) => x.did !== issuer.did)!;
    expect(
      (
        await h.ledger.canTransfer({
          assetId,
          from: { did: issuer.did },
          to: { did: existing.did },
          amount: '1',
        })
      ).result,
    ).toBe(true);
    await h.submit(issuer.address, {
      name: 'statistics.setEntitiesExempt',
      args: { assetId, isExempt: true, key: { op: 'Count' }, entities: [issuer.did] },
    });
    const exempt = await check(assetId, fifth);
    expect(exempt.result).toBe(true);
    // transfer_restrictions_report lists only conditions that fail after exemptions.
    expect(exempt.restrictions).toEqual([]);
    expect((await h.ledger.transferRestrictions(assetId)).exemptions).toEqual([
      { key: { op: 'Count' }, entities: [issuer.did] },
    ]);
  });

  it('conditions need their stat (StatTypeMissing); stats in use cannot be removed; at most 4 conditions', async () => {
    const assetId = await h.createAsset(issuer);
    await h.refuse(
      issuer.address,
      {
        name: 'statistics.setAssetTransferCompliance',
        args: { assetId, conditions: [{ type: 'MaxInvestorCount', count: 4 }] },
      },
      'StatTypeMissing',
    );
    await h.submit(issuer.address, {
      name: 'statistics.setActiveAssetStats',
      args: { assetId, stats: [{ op: 'Count' }, { op: 'Balance' }] },
    });
    await h.submit(issuer.address, {
      name: 'statistics.setAssetTransferCompliance',
      args: { assetId, conditions: [{ type: 'MaxInvestorCount', count: 4 }] },
    });
    await h.refuse(
      issuer.address,
      { name: 'statistics.setActiveAssetStats', args: { assetId, stats: [{ op: 'Balance' }] } },
      'CannotRemoveStatTypeInUse',
    );
    const five = Array.from({ length: 5 }, (_, i) => ({ type: 'MaxInvestorCount' as const, count: i + 1 }));
    await h.refuse(
      issuer.address,
      { name: 'statistics.setAssetTransferCompliance', args: { assetId, conditions: five } },
      'TransferConditionLimitReached',
    );
  });
});

describe('MaxInvestorOwnership', () => {
  it('fails above the percentage unless the receiver is exempt', async () => {
    const assetId = await h.createAsset(issuer);
    await h.submit(issuer.address, {
      name: 'statistics.setActiveAssetStats',
      args: { assetId, stats: [{ op: 'Balance' }] },
    });
    await h.submit(issuer.address, {
      name: 'statistics.setAssetTransferCompliance',
      args: { assetId, conditions: [{ type: 'MaxInvestorOwnership', percentage: '10' }] },
    });
    await h.issue(issuer, assetId, '1000');
    const inv = await h.investor();
    expect((await check(assetId, inv, '100')).result).toBe(true);
    // The chain compares Permill::from_rational(balance, supply), which rounds down: 100.0009 of
    // 1,000 is 100,000.9 ppm → 100,000 (10%) and passes; 100.001 is 100,001 ppm and fails.
    expect((await check(assetId, inv, '100.0009')).result).toBe(true);
    const over = await check(assetId, inv, '100.001');
    expect(over.general).toEqual(['InvalidTransferStatisticsFailure']);
    expect(over.restrictions).toEqual([
      { restriction: { type: 'MaxInvestorOwnership', percentage: '10' }, result: false },
    ]);
    await h.submit(issuer.address, {
      name: 'statistics.setEntitiesExempt',
      args: { assetId, isExempt: true, key: { op: 'Balance' }, entities: [inv.did] },
    });
    expect((await check(assetId, inv, '500')).result).toBe(true);
    expect((await h.ledger.transferRestrictions(assetId)).exemptions).toEqual([
      { key: { op: 'Balance' }, entities: [inv.did] },
    ]);
  });
});

describe('claim-scoped restrictions', () => {
  it('ClaimCount: at most 1 accredited holder', async () => {
    const assetId = await h.createAsset(issuer);
    const accredited: Claim = { type: 'Accredited', scope: { type: 'Asset', value: assetId } };
    const stat = { op: 'Count' as const, claimIssuer: { claimType: 'Accredited' as const, issuer: kyc.did } };
    await h.submit(issuer.address, {
      name: 'statistics.setActiveAssetStats',
      args: { assetId, stats: [stat] },
    });
    await h.submit(issuer.address, {
      name: 'statistics.setAssetTransferCompliance',
      args: {
        assetId,
        conditions: [
          {
            type: 'ClaimCount',
            claim: { type: 'Accredited', accredited: true },
            issuer: kyc.did,
            min: 0,
            max: 1,
          },
        ],
      },
    });
    await h.issue(issuer, assetId, '1000');
    const a1 = await h.investor();
    await h.claim(kyc, a1.did, accredited);
    await h.seedHolder(issuer, assetId, a1, '10');
    const a2 = await h.investor();
    await h.claim(kyc, a2.did, accredited);
    const plain = await h.investor();
    expect((await check(assetId, a2)).general).toEqual(['InvalidTransferStatisticsFailure']);
    expect((await check(assetId, plain)).result).toBe(true);
    await h.submit(issuer.address, {
      name: 'statistics.setEntitiesExempt',
      args: {
        assetId,
        isExempt: true,
        key: { op: 'Count', claimType: 'Accredited' },
        entities: [issuer.did],
      },
    });
    expect((await check(assetId, a2)).result).toBe(true);
  });

  it('ClaimOwnership: US holders together at most 20%', async () => {
    const assetId = await h.createAsset(issuer);
    const stat = {
      op: 'Balance' as const,
      claimIssuer: { claimType: 'Jurisdiction' as const, issuer: kyc.did },
    };
    await h.submit(issuer.address, {
      name: 'statistics.setActiveAssetStats',
      args: { assetId, stats: [stat] },
    });
    await h.submit(issuer.address, {
      name: 'statistics.setAssetTransferCompliance',
      args: {
        assetId,
        conditions: [
          {
            type: 'ClaimOwnership',
            claim: { type: 'Jurisdiction', countryCode: 'Us' },
            issuer: kyc.did,
            min: '0',
            max: '20',
          },
        ],
      },
    });
    await h.issue(issuer, assetId, '1000');
    const us1 = await h.investor();
    await h.claim(kyc, us1.did, {
      type: 'Jurisdiction',
      code: 'Us',
      scope: { type: 'Asset', value: assetId },
    });
    await h.seedHolder(issuer, assetId, us1, '150'); // supply 1150, US balance 150
    const us2 = await h.investor();
    await h.claim(kyc, us2.did, {
      type: 'Jurisdiction',
      code: 'Us',
      scope: { type: 'Asset', value: assetId },
    });
    expect((await check(assetId, us2, '80')).result).toBe(true); // 230 / 1150 = 20%
    // 230.0002 / 1150 = 200,000.17 ppm, rounded down to 20%: the chain takes it.
    expect((await check(assetId, us2, '80.0002')).result).toBe(true);
    expect((await check(assetId, us2, '81')).general).toEqual(['InvalidTransferStatisticsFailure']);
    for (const countryCode of ['Xx', 'US']) {
      await h.refuse(
        issuer.address,
        {
          name: 'statistics.setAssetTransferCompliance',
          args: {
            assetId,
            conditions: [
              {
                type: 'ClaimOwnership',
                claim: { type: 'Jurisdiction', countryCode },
                issuer: kyc.did,
                min: '0',
                max: '20',
              },
            ],
          },
        },
        'ValidationError',
      );
    }
    const de = await h.investor();
    await h.claim(kyc, de.did, {
      type: 'Jurisdiction',
      code: 'De',
      scope: { type: 'Asset', value: assetId },
    });
    expect((await check(assetId, de, '500')).result).toBe(true);
  });
});
