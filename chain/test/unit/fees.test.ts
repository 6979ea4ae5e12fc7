/**
 * The fee model's constants and weights against Polymesh 7.0 (POLYMESH-FACTS.md §1: the figures
 * there were computed from pallets/runtime/common/src/lib.rs and pallets/weights/src at v7.0.0).
 */
import { describe, expect, it } from 'vitest';
import type { LedgerCall } from '../../src/index.js';
import type { Chain } from '../../src/embedded/chain.js';
import {
  BASE_FEE,
  EXTRINSICS,
  encodedLength,
  extrinsicOf,
  scaleSize,
  transactionFee,
  WEIGHT_FEE_PPB,
  weightToFee,
} from '../../src/embedded/fees.js';

// Rules that read no chain state take any chain.
const noChain = {} as Chain;
const weightOf = (call: LedgerCall) => extrinsicOf(noChain, call).weight;
const DID = `0x${'ab'.repeat(32)}`;
const ASSET = '2f7ab2d4-6e0e-8c3b-9a14-5d1e3c8b7f60';

describe('fee constants (7.0.0)', () => {
  it('WeightToFee is Perbill::from_rational(30_000, 650_000_000) = 46_153 ppb, base fee 29_999', () => {
    expect(WEIGHT_FEE_PPB).toBe(46_153n);
    expect(BASE_FEE).toBe(29_999n);
    // Perbill × weight rounds to nearest, halves down.
    expect(weightToFee(1_000_000_000n)).toBe(46_153n);
    expect(weightToFee(10_833n)).toBe(0n); // 0.49998 → 0
    expect(weightToFee(10_834n)).toBe(1n); // 0.50002 → 1
    // Capped at the maximum block weight (2 s).
    expect(weightToFee(10n ** 15n)).toBe(weightToFee(2_000_000_000_000n));
  });

  it('fee = base + 100 per byte + weight fee', () => {
    expect(transactionFee(100, 1_000_000_000n)).toBe(29_999n + 10_000n + 46_153n);
  });
});

describe('declared weights (pallets/weights/src, 2024-08-21)', () => {
  const cases: [string, LedgerCall, bigint, bigint][] = [
    ['asset.issue', { name: 'asset.issue', args: { assetId: ASSET, amount: '1' } }, 1_889_305_000n, 87_197n],
    [
      'asset.createAsset (name of 10 bytes)',
      { name: 'asset.createAsset', args: { name: '0123456789', assetType: 'Fund', divisible: true } },
      2_274_574_193n,
      104_978n,
    ],
    [
      'identity.cddRegisterDidWithCdd (no secondary keys)',
      { name: 'identity.cddRegisterDid', args: { targetAccount: 'x', cddClaim: true } },
      2_325_710_880n,
      107_339n,
    ],
    [
      'identity.addClaim',
      {
        name: 'identity.addClaim',
        args: { target: DID, claim: { type: 'Accredited', scope: { type: 'Identity', value: DID } } },
      },
      546_972_000n,
      25_244n,
    ],
    [
      'complianceManager.addComplianceRequirement (1 condition, 1 claim)',
      {
        name: 'complianceManager.addComplianceRequirement',
        args: {
          assetId: ASSET,
          conditions: [
            {
              type: 'IsPresent',
              target: 'Receiver',
              claim: { type: 'Accredited', scope: { type: 'Identity', value: DID } },
            },
          ],
        },
      },
      673_483_173n,
      31_083n,
    ],
    [
      'capitalDistribution.claim (MaxTargetIds = MaxDidWhts = 1000)',
      { name: 'capitalDistribution.claim', args: { assetId: ASSET, caId: 0 } },
      2_933_323_593n,
      135_382n,
    ],
    [
      'corporateBallot.vote (2 votes)',
      {
        name: 'corporateBallot.vote',
        args: { assetId: ASSET, caId: 0, votes: [{ power: '1' }, { power: '2' }] },
      },
      1_046_233_843n,
      48_287n,
    ],
    [
      'sto.invest',
      {
        name: 'sto.invest',
        args: {
          investmentPortfolio: { did: DID },
          fundingPortfolio: { did: DID },
          assetId: ASSET,
          fundraiserId: 0,
          purchaseAmount: '1',
        },
      },
      17_519_007_000n,
      808_555n,
    ],
    [
      'settlement.addAndAffirmInstruction (2 fungible legs)',
      {
        name: 'settlement.addAndAffirmInstruction',
        args: {
          settlementType: { type: 'SettleOnAffirmation' },
          legs: [
            { type: 'Fungible', from: { did: DID }, to: { did: DID }, assetId: ASSET, amount: '1' },
            { type: 'Fungible', from: { did: DID }, to: { did: DID }, assetId: ASSET, amount: '1' },
          ],
          portfolios: [{ did: DID }],
        },
      },
      7_334_803_774n,
      338_523n,
    ],
  ];
  it.each(cases)('%s', (_name, call, weight, fee) => {
    expect(weightOf(call)).toBe(weight);
    expect(weightToFee(weight)).toBe(fee);
  });

  it('settlement.affirmInstruction declares 10 fungible + 100 NFT legs: 5_592_353 withdrawn for the weight', () => {
    const chain = { settlement: { details: () => null } } as unknown as Chain;
    const x = extrinsicOf(chain, {
      name: 'settlement.affirmInstruction',
      args: { id: 1, portfolios: [{ did: DID }] },
    });
    expect(x.weight).toBe(121_169_872_570n);
    expect(weightToFee(x.weight)).toBe(5_592_353n);
  });

  it('settlement.affirmInstruction reports the legs it affirms: one sent leg → 105_400', () => {
    const leg = {
      id: 0,
      type: 'Fungible',
      from: { did: DID },
      to: { did: `0x${'cd'.repeat(32)}` },
      assetId: ASSET,
      amount: '1',
    };
    const chain = { settlement: { details: () => ({ legs: [leg] }) } } as unknown as Chain;
    const x = extrinsicOf(chain, {
      name: 'settlement.affirmInstruction',
      args: { id: 1, portfolios: [{ did: DID }] },
    });
    expect(x.actual).toBe(2_283_705_363n);
    expect(weightToFee(x.actual!)).toBe(105_400n);
  });

  it('a batch declares the sum of its calls plus its own base weight', () => {
    const remark = { name: 'system.remark', args: { remark: 'x' } } as const;
    const one = weightOf(remark);
    const batch = weightOf({ name: 'utility.batchAll', args: { calls: [remark, remark] } });
    // batch_all(2) = 49_982_186 + 2 × 12_940_149 + 2 reads + 2 writes
    expect(batch).toBe(2n * one + 49_982_186n + 2n * 12_940_149n + 2n * 50_000_000n + 2n * 200_000_000n);
  });

  it('every port call has a weight rule', () => {
    // The table is typed `{ [K in CallName]: Rule<K> }`: this is the runtime side of it.
    expect(Object.keys(EXTRINSICS).length).toBeGreaterThanOrEqual(109);
    for (const name of Object.keys(EXTRINSICS)) {
      const x = extrinsicOf(
        {
          settlement: { details: () => null },
          asset: { documentsOf: () => [], reservation: () => null },
          identity: { authorization: () => undefined },
          rt: { now: 0 },
        } as unknown as Chain,
        { name, args: {} } as LedgerCall,
      );
      expect(x.weight, name).toBeGreaterThan(0n);
      expect(x.tags.length, name).toBeGreaterThan(0);
    }
  });
});

describe('encoded length (estimate)', () => {
  it('sizes arguments by their Polymesh types', () => {
    expect(scaleSize(DID)).toBe(32);
    expect(scaleSize(ASSET)).toBe(16);
    expect(scaleSize('12.5')).toBe(16);
    expect(scaleSize(true)).toBe(1);
    expect(scaleSize('hello')).toBe(6);
    expect(scaleSize([DID, DID])).toBe(65);
    expect(scaleSize({ type: 'Identity', value: DID })).toBe(33);
  });

  it('a signed remark of 5 bytes is 113 bytes', () => {
    // prefix 2 + version 1 + signer 33 + signature 65 + era 2 + nonce 1 + tip 1 + call 2 + remark 6
    expect(encodedLength({ name: 'system.remark', args: { remark: 'hello' } }, 0)).toBe(113);
    expect(encodedLength({ name: 'system.remark', args: { remark: 'hello' } }, 64)).toBe(114);
  });
});
