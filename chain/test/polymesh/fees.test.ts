import { describe, expect, it } from 'vitest';
import type { LedgerCall } from '../../src/calls.js';
import { prepare } from '../../src/polymesh/dispatch/index.js';
import {
  feeEstimateOf,
  feePayerOf,
  perbillMul,
  perbillOf,
  protocolChargesOf,
  protocolFeeOf,
  reportsActualWeight,
  tickerText,
  txTagsOf,
  type ChainCall,
  type ProtocolOp,
} from '../../src/polymesh/fees.js';
import { ALICE, ASSET, BOB, DID_A, DID_B, reads } from './support/examples.js';
import { fakeTx } from './support/fake-tx.js';
import { registry, strictEncode } from './support/registry.js';

const SPEC_7_0 = 7_000_000;

/** The one chain call `submit` would send for a port call (several as one `utility.batchAll`). */
async function chainCall(call: LedgerCall): Promise<ChainCall> {
  const tx = fakeTx(SPEC_7_0);
  const prepared = await prepare({ tx, signer: ALICE, specVersion: SPEC_7_0, reads }, call);
  const [only] = prepared.calls;
  const extrinsic = prepared.calls.length === 1 && only ? only : tx.utility.batchAll(prepared.calls);
  return extrinsic as unknown as ChainCall;
}

const T2 = '2026-12-31T10:00:00.000Z';
const POLYX = 1_000_000n;
/** The dev chain's genesis (src/chain_spec.rs `protocol_fees()`), coefficient 1/1. */
const DEV_FEES = new Map<ProtocolOp, bigint>([
  ['AssetCreateAsset', 2_500n * POLYX],
  ['AssetRegisterTicker', 500n * POLYX],
]);

describe('the TxTags of the extrinsic a port call is sent as', () => {
  it('a single call: its own tag', async () => {
    const call = await chainCall({ name: 'asset.issue', args: { assetId: ASSET, amount: '100' } });
    expect(txTagsOf(call)).toEqual(['asset.issue']);
  });

  it('an asset with a ticker and documents: the batch, then each inner call', async () => {
    const call = await chainCall({
      name: 'asset.createAsset',
      args: {
        name: 'Acme',
        assetType: 'EquityCommon',
        divisible: true,
        ticker: 'ACME',
        documents: [
          { name: 'Prospectus', uri: 'ipfs://a' },
          { name: 'Terms', uri: 'ipfs://b' },
        ],
      },
    });
    expect(txTagsOf(call)).toEqual([
      'utility.batchAll',
      'asset.createAsset',
      'asset.registerUniqueTicker',
      'asset.linkTickerToAssetId',
      'asset.addDocuments',
    ]);
  });

  it('a port batch of port calls, nested as the preparers nest them', async () => {
    const call = await chainCall({
      name: 'utility.batch',
      args: {
        calls: [
          { name: 'system.remark', args: { remark: 'a' } },
          {
            name: 'asset.createAsset',
            args: { name: 'B', assetType: 'EquityCommon', divisible: true, ticker: 'B' },
          },
        ],
      },
    });
    expect(txTagsOf(call)).toEqual([
      'utility.batch',
      'system.remarkWithEvent',
      'utility.batchAll',
      'asset.createAsset',
      'asset.registerUniqueTicker',
      'asset.linkTickerToAssetId',
    ]);
  });
});

describe('the protocol fees a chain call may charge (7.0 pallets)', () => {
  const ops = async (call: LedgerCall) => protocolChargesOf(await chainCall(call));

  it('an asset with a ticker: AssetCreateAsset and AssetRegisterTicker (conditional on the ticker)', async () => {
    expect(
      await ops({
        name: 'asset.createAsset',
        args: {
          name: 'Acme',
          assetType: 'EquityCommon',
          divisible: true,
          ticker: 'ACME',
          documents: [{ name: 'Terms', uri: 'ipfs://b' }],
        },
      }),
    ).toEqual([
      { op: 'AssetCreateAsset', count: 1 },
      { op: 'AssetRegisterTicker', count: 1, ticker: 'ACME' },
      { op: 'AssetAddDocuments', count: 1 },
    ]);
  });

  it('registration of a DID with CDD (the SDK prices it at 0), a non-CDD claim, and not a CDD claim', async () => {
    expect(
      await ops({
        name: 'identity.cddRegisterDid',
        args: { targetAccount: BOB, cddClaim: true, expiry: T2 },
      }),
    ).toEqual([{ op: 'IdentityCddRegisterDid', count: 1 }]);
    expect(
      await ops({
        name: 'identity.addClaim',
        args: { target: DID_B, claim: { type: 'Accredited', scope: { type: 'Asset', value: ASSET } } },
      }),
    ).toEqual([{ op: 'IdentityAddClaim', count: 1 }]);
    expect(
      await ops({
        name: 'identity.addClaim',
        args: { target: DID_B, claim: { type: 'CustomerDueDiligence' } },
      }),
    ).toEqual([]);
  });

  it('joining an identity as a key pays IdentityAddSecondaryKeysWithAuthorization', async () => {
    expect(await ops({ name: 'identity.acceptAuthorization', args: { authId: 1 } })).toEqual([
      { op: 'IdentityAddSecondaryKeysWithAuthorization', count: 1 },
    ]);
    // Becoming an agent charges nothing.
    expect(await ops({ name: 'identity.acceptAuthorization', args: { authId: 2 } })).toEqual([]);
  });

  it('a corporate action pays for a checkpoint schedule only with a scheduled record date', async () => {
    const base = { assetId: ASSET, kind: 'IssuerNotice' as const, declDate: T2, details: 'AGM' };
    expect(await ops({ name: 'corporateAction.initiateCorporateAction', args: base })).toEqual([]);
    expect(
      await ops({
        name: 'corporateAction.initiateCorporateAction',
        args: { ...base, recordDate: { type: 'Scheduled', at: T2 } },
      }),
    ).toEqual([{ op: 'CheckpointCreateSchedule', count: 1 }]);
    expect(
      await ops({
        name: 'corporateAction.changeRecordDate',
        args: { assetId: ASSET, caId: 1, recordDate: { type: 'Existing', checkpointId: 3 } },
      }),
    ).toEqual([]);
  });

  it('reads codec arguments as the node builds them, not only plain ones', () => {
    const cdd = registry.createType('PolymeshPrimitivesIdentityClaimClaim', {
      CustomerDueDiligence: `0x${'00'.repeat(32)}`,
    });
    const scheduled = registry.createType('Option<PalletCorporateActionsRecordDateSpec>', { Scheduled: 1 });
    const ticker = registry.createType(
      'PolymeshPrimitivesTicker',
      `0x${Buffer.from('ACME').toString('hex')}${'00'.repeat(8)}`,
    );
    expect(protocolChargesOf({ section: 'identity', method: 'addClaim', args: [DID_B, cdd, null] })).toEqual(
      [],
    );
    expect(
      protocolChargesOf({
        section: 'corporateAction',
        method: 'changeRecordDate',
        args: [{ assetId: ASSET, localId: 1 }, scheduled],
      }),
    ).toEqual([{ op: 'CheckpointCreateSchedule', count: 1 }]);
    expect(tickerText(ticker)).toBe('ACME');
  });

  it('every operation named is one the runtime has', () => {
    const all: ProtocolOp[] = [
      'AssetRegisterTicker',
      'AssetIssue',
      'AssetAddDocuments',
      'AssetCreateAsset',
      'CheckpointCreateSchedule',
      'ComplianceManagerAddComplianceRequirement',
      'IdentityCddRegisterDid',
      'IdentityAddClaim',
      'IdentityAddSecondaryKeysWithAuthorization',
      'CorporateBallotAttachBallot',
      'CapitalDistributionDistribute',
    ];
    for (const op of all)
      expect(strictEncode('PolymeshCommonUtilitiesProtocolFeeProtocolOp', op).length).toBe(1);
    expect(() =>
      strictEncode('PolymeshCommonUtilitiesProtocolFeeProtocolOp', 'AssetRegisterUniqueTicker'),
    ).toThrow();
  });
});

describe('protocol fee arithmetic (pallets/protocol-fee `compute_fee`)', () => {
  it('coefficient as Perbill::from_rational, fee rounded to nearest, counts multiply', () => {
    expect(perbillOf([1n, 1n])).toBe(1_000_000_000n);
    expect(perbillOf([1n, 3n])).toBe(333_333_333n);
    expect(perbillOf([5n, 2n])).toBe(1_000_000_000n);
    expect(perbillMul(333_333_333n, 2_500_000_000n)).toBe(833_333_332n);
    expect(perbillMul(500_000_000n, 3n)).toBe(1n); // 1.5 → 1 (halves down)
    expect(perbillMul(600_000_000n, 3n)).toBe(2n); // 1.8 → 2
    const charges = [
      { op: 'AssetCreateAsset' as const, count: 1 },
      { op: 'AssetRegisterTicker' as const, count: 1, ticker: 'ACME' },
      { op: 'AssetAddDocuments' as const, count: 3 },
    ];
    expect(protocolFeeOf(charges, DEV_FEES, [1n, 1n])).toBe(3_000n * POLYX);
    expect(protocolFeeOf(charges, new Map([['AssetAddDocuments', 7n]]), [1n, 2n])).toBe(9n); // 3 × round(3.5), halves down: 3 × 3
  });
});

describe('the estimate from the node’s answers', () => {
  // asset.issue, 1 sent transaction of 120 bytes: 29_999 + 100·120 + wf(1_889_305_000) = 129_196.
  const issue = { partialFee: 129_196n, weight: 1_889_305_000n, length: 120 };

  it('a call priced at its declared weight: withdrawn = kept; protocol fee on top', () => {
    expect(feeEstimateOf({ payer: ALICE, queried: issue, protocolFee: 0n })).toEqual({
      payer: ALICE,
      transactionFee: '0.129196',
      withdrawnFee: '0.129196',
      protocolFee: '0',
      total: '0.129196',
      required: '0.129196',
      weight: '1889305000',
      length: 120,
    });
    expect(feeEstimateOf({ payer: BOB, queried: issue, protocolFee: 2_500n * POLYX })).toMatchObject({
      payer: BOB,
      total: '2500.129196',
      required: '2500.129196',
    });
  });

  it('a settlement affirmation (node prices its actual weight): withdrawn at the declared weight', async () => {
    const affirm = await chainCall({
      name: 'settlement.affirmInstruction',
      args: { id: 7, portfolios: [{ did: DID_B }] },
    });
    expect(reportsActualWeight(affirm)).toBe(true);
    expect(reportsActualWeight({ section: 'utility', method: 'batchAll', args: [[affirm]] })).toBe(false);
    const actual = { partialFee: 143_400n, weight: 2_283_705_363n, length: 170 };
    const declared = { partialFee: 5_625_600n, weight: 121_232_000_000n, length: 172 };
    expect(feeEstimateOf({ payer: ALICE, queried: actual, declared, protocolFee: 0n })).toEqual({
      payer: ALICE,
      transactionFee: '0.1434',
      withdrawnFee: '5.6256',
      protocolFee: '0',
      total: '0.1434',
      required: '5.6256',
      weight: '121232000000',
      length: 170,
    });
  });
});

describe('who pays, checked as the pool checks it (fee_details.rs get_valid_payer)', () => {
  const remark: ChainCall = { section: 'system', method: 'remarkWithEvent', args: ['0x01'] };
  const join: ChainCall = { section: 'identity', method: 'joinIdentityAsKey', args: [1] };
  const code = (fn: () => unknown) => {
    try {
      fn();
      return 'admitted';
    } catch (err) {
      return (err as { code?: string }).code;
    }
  };
  const identity = { did: DID_A, primaryKey: ALICE, secondaryKeysFrozen: false };

  it('the signing key of an identity with valid CDD, primary or unfrozen secondary', () => {
    expect(feePayerOf(remark, { signer: { address: ALICE, identity, cdd: true } })).toBe(ALICE);
    expect(feePayerOf(remark, { signer: { address: BOB, identity, cdd: true } })).toBe(BOB);
  });

  it('refuses a key of no identity or a frozen secondary key (MissingIdentity), no valid CDD (CddRequired)', () => {
    expect(code(() => feePayerOf(remark, { signer: { address: BOB, identity: null, cdd: false } }))).toBe(
      'MissingIdentity',
    );
    const frozen = { ...identity, secondaryKeysFrozen: true };
    expect(code(() => feePayerOf(remark, { signer: { address: BOB, identity: frozen, cdd: true } }))).toBe(
      'MissingIdentity',
    );
    // Freezing secondary keys leaves the primary key able to pay.
    expect(feePayerOf(remark, { signer: { address: ALICE, identity: frozen, cdd: true } })).toBe(ALICE);
    expect(code(() => feePayerOf(remark, { signer: { address: ALICE, identity, cdd: false } }))).toBe(
      'CddRequired',
    );
  });

  it('joining an identity: its primary key pays, if it has valid CDD', () => {
    const signer = { address: BOB, identity: null, cdd: false };
    expect(feePayerOf(join, { signer, inviter: { primaryKey: ALICE, cdd: true } })).toBe(ALICE);
    expect(code(() => feePayerOf(join, { signer, inviter: { primaryKey: ALICE, cdd: false } }))).toBe(
      'CddRequired',
    );
    expect(code(() => feePayerOf(join, { signer, inviter: null }))).toBe('InvalidAuthorization');
  });
});
