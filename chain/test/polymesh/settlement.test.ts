import { TypeRegistry } from '@polkadot/types';
import { describe, expect, it } from 'vitest';
import type { LedgerCall } from '../../src/calls.js';
import { LedgerError } from '../../src/errors.js';
import { prepare, type DispatchContext } from '../../src/polymesh/dispatch/index.js';
import { ALICE, reads } from './support/examples.js';
import { fakeTx, type CallLog } from './support/fake-tx.js';
import type { LedgerEvent } from '../../src/ledger.js';
import {
  benefitOf,
  toChainCaId,
  toChainRecordDate,
  toChainTargets,
  toChainTaxes,
  toChainVotes,
} from '../../src/polymesh/mappers/corporate.js';
import { toJson } from '../../src/polymesh/mappers/json.js';
import {
  fromChainFundraiser,
  fromChainInstruction,
  fromChainMemo,
  fromChainSettlementType,
  fundraiserStatus,
  toChainLeg,
  toChainMemo,
  toChainSettlementType,
  toChainTiers,
} from '../../src/polymesh/mappers/settlement.js';

const alice = `0x${'11'.repeat(32)}`;
const bob = `0x${'22'.repeat(32)}`;
const assetId = '67e55044-10b1-426f-9247-bb680e5fe0c8';
const assetHex = '0x67e5504410b1426f9247bb680e5fe0c8';

const registry = new TypeRegistry();
registry.register({
  PortfolioKind: { _enum: { Default: 'Null', User: 'u64' } },
  PortfolioId: { did: '[u8;32]', kind: 'PortfolioKind' },
  SettlementType: { _enum: { SettleOnAffirmation: 'Null', SettleOnBlock: 'u32', SettleManual: 'u32' } },
  FungibleLeg: { sender: 'PortfolioId', receiver: 'PortfolioId', assetId: '[u8;16]', amount: 'u128' },
  OffChainLeg: { senderIdentity: '[u8;32]', receiverIdentity: '[u8;32]', ticker: '[u8;12]', amount: 'u128' },
  Leg: { _enum: { Fungible: 'FungibleLeg', NonFungible: 'Null', OffChain: 'OffChainLeg' } },
  Instruction: {
    instructionId: 'u64',
    venueId: 'Option<u64>',
    settlementType: 'SettlementType',
    createdAt: 'Option<u64>',
    tradeDate: 'Option<u64>',
    valueDate: 'Option<u64>',
  },
  InstructionStatus: {
    _enum: { Unknown: 'Null', Pending: 'Null', Failed: 'Null', Success: 'u32', Rejected: 'u32' },
  },
  AffirmationStatus: { _enum: ['Unknown', 'Pending', 'Affirmed'] },
  FundraiserTier: { total: 'u128', price: 'u128', remaining: 'u128' },
  FundraiserStatus: { _enum: ['Live', 'Frozen', 'Closed', 'ClosedEarly'] },
  Fundraiser: {
    creator: '[u8;32]',
    offeringPortfolio: 'PortfolioId',
    offeringAsset: '[u8;16]',
    raisingPortfolio: 'PortfolioId',
    raisingAsset: '[u8;16]',
    tiers: 'Vec<FundraiserTier>',
    venueId: 'u64',
    start: 'u64',
    end: 'Option<u64>',
    status: 'FundraiserStatus',
    minimumInvestment: 'u128',
  },
});

describe('settlement arguments', () => {
  it('encodes settlement types, legs and memos as the chain expects', () => {
    expect(toChainSettlementType({ type: 'SettleOnAffirmation' })).toBe('SettleOnAffirmation');
    expect(toChainSettlementType({ type: 'SettleManual', block: 9 })).toEqual({ SettleManual: 9 });
    const leg = toChainLeg({
      type: 'Fungible',
      from: { did: alice },
      to: { did: bob, number: 2 },
      assetId,
      amount: '1.5',
    });
    expect(leg).toEqual({
      Fungible: {
        sender: { did: alice, kind: 'Default' },
        receiver: { did: bob, kind: { User: 2 } },
        assetId: assetHex,
        amount: '1500000',
      },
    });
    const memo = toChainMemo('invoice 42');
    expect(memo).toHaveLength(66);
    expect(fromChainMemo(memo ?? undefined)).toBe('invoice 42');
    expect(toChainMemo(undefined)).toBeNull();
    expect(() => toChainMemo('x'.repeat(33))).toThrow(LedgerError);
    expect(toChainTiers([{ total: '100', price: '0.5' }])).toEqual([{ total: '100000000', price: '500000' }]);
  });

  it('reads an instruction back from storage values', () => {
    const details = registry.createType('Instruction', {
      instructionId: 7,
      venueId: 3,
      settlementType: { SettleOnBlock: 100 },
      createdAt: 1_700_000_000_000,
      tradeDate: null,
      valueDate: null,
    });
    const legCodec = registry.createType(
      'Leg',
      toChainLeg({ type: 'Fungible', from: { did: alice }, to: { did: bob }, assetId, amount: '2' }),
    );
    const offChain = registry.createType('Leg', {
      OffChain: {
        senderIdentity: alice,
        receiverIdentity: bob,
        ticker: '0x414243000000000000000000',
        amount: 5_000_000,
      },
    });
    const parsed = fromChainInstruction(7, {
      details: toJson(details),
      status: toJson(registry.createType('InstructionStatus', 'Pending')),
      legs: [
        [1, toJson(offChain)],
        [0, toJson(legCodec)],
      ],
      affirmations: [
        [
          toJson(registry.createType('PortfolioId', { did: alice, kind: 'Default' })),
          toJson(registry.createType('AffirmationStatus', 'Affirmed')),
        ],
      ],
      mediators: [],
      memo: toJson(toChainMemo('m')),
      pending: '1',
      creator: alice,
    });
    expect(parsed).toEqual({
      id: 7,
      venueId: 3,
      creator: alice,
      status: { type: 'Pending' },
      settlementType: { type: 'SettleOnBlock', block: 100 },
      tradeDate: null,
      valueDate: null,
      createdAt: new Date(1_700_000_000_000).toISOString(),
      memo: 'm',
      legs: [
        { id: 0, type: 'Fungible', from: { did: alice }, to: { did: bob }, assetId, amount: '2' },
        { id: 1, type: 'OffChain', from: alice, to: bob, ticker: 'ABC', amount: '5' },
      ],
      affirmations: [{ portfolio: { did: alice }, status: 'Affirmed' }],
      mediators: [],
      pendingAffirmations: 1,
      scheduledAt: null,
    });
    expect(
      fromChainInstruction(8, {
        details: null,
        status: 'Unknown',
        legs: [],
        affirmations: [],
        mediators: [],
        memo: null,
        pending: null,
        creator: '',
      }),
    ).toBeNull();
    expect(() => fromChainSettlementType('SettleAfterLock')).toThrow(LedgerError);
  });
});

describe('offerings', () => {
  it('reads a fundraiser and derives its status', () => {
    const value = registry.createType('Fundraiser', {
      creator: alice,
      offeringPortfolio: { did: alice, kind: 'Default' },
      offeringAsset: assetHex,
      raisingPortfolio: { did: alice, kind: { User: 1 } },
      raisingAsset: assetHex,
      tiers: [
        { total: 100_000_000, price: 1_000_000, remaining: 0 },
        { total: 50_000_000, price: 2_000_000, remaining: 20_000_000 },
      ],
      venueId: 4,
      start: 1_000,
      end: 5_000,
      status: 'Live',
      minimumInvestment: 1_000_000,
    });
    const f = fromChainFundraiser(0, toJson(value), 'Series A', new Date(2_000));
    expect(f).toMatchObject({
      id: 0,
      assetId,
      name: 'Series A',
      raisingPortfolio: { did: alice, number: 1 },
      tiers: [
        { total: '100', price: '1', remaining: '0' },
        { total: '50', price: '2', remaining: '20' },
      ],
      totalAmount: '150',
      totalRemaining: '20',
      minimumInvestment: '1',
      start: new Date(1_000).toISOString(),
      end: new Date(5_000).toISOString(),
      status: { timing: 'Started', balance: 'Available', sale: 'Live' },
    });
    expect(
      fundraiserStatus(
        {
          start: new Date(0).toISOString(),
          end: new Date(10).toISOString(),
          totalRemaining: '3',
          sale: 'Live',
        },
        new Date(20),
      ),
    ).toEqual({
      timing: 'Expired',
      balance: 'Residual',
      sale: 'Live',
    });
    expect(
      fundraiserStatus(
        { start: new Date(50).toISOString(), end: null, totalRemaining: '0', sale: 'Frozen' },
        new Date(20),
      ),
    ).toEqual({
      timing: 'NotStarted',
      balance: 'SoldOut',
      sale: 'Frozen',
    });
  });
});

describe('corporate actions', () => {
  it('encodes CA ids, record dates, targets, taxes and votes', () => {
    expect(toChainCaId(assetId, 2)).toEqual({ assetId: assetHex, localId: 2 });
    expect(toChainRecordDate({ type: 'Scheduled', at: '2030-01-01T00:00:00.000Z' })).toEqual({
      Scheduled: Date.UTC(2030, 0, 1),
    });
    expect(toChainRecordDate({ type: 'Existing', checkpointId: 3 })).toEqual({ Existing: 3 });
    expect(toChainTargets({ identities: [bob, alice], treatment: 'Exclude' })).toEqual({
      identities: [alice, bob],
      treatment: 'Exclude',
    });
    expect(toChainTaxes([{ did: alice, tax: '15' }])).toEqual([[alice, 150_000]]);
    expect(toChainVotes([{ power: '10' }, { power: '0', fallback: 0 }])).toEqual([
      { power: '10000000', fallback: null },
      { power: '0', fallback: 0 },
    ]);
  });

  it('reads benefit, tax and net gain from a claim receipt', () => {
    const ev = (module: string, name: string, data: Record<string, unknown>): LedgerEvent => ({
      block: 1,
      index: 0,
      module,
      name,
      data,
    });
    expect(
      benefitOf([
        ev('capitalDistribution', 'BenefitClaimed', { benefit: '100', tax: 150_000 }),
        ev('asset', 'AssetBalanceUpdated', { amount: '85' }),
      ]),
    ).toEqual({ benefit: '100', tax: '15', gain: '85' });
    expect(benefitOf([ev('capitalDistribution', 'BenefitClaimed', { benefit: '10', tax: 150_000 })])).toEqual(
      {
        benefit: '10',
        tax: '1.5',
        gain: '8.5',
      },
    );
  });
});

describe('pre-approval', () => {
  const ctx = (log: CallLog): DispatchContext => ({
    tx: fakeTx(7_000_000, log),
    signer: ALICE,
    specVersion: 7_000_000,
    reads,
  });
  const built = async (call: LedgerCall) => {
    const log: CallLog = [];
    await prepare(ctx(log), call);
    return log.map((c) => ({ call: `${c.section}.${c.method}`, args: c.args }));
  };

  it('maps an identity pre-approving an asset to asset.pre_approve_asset(asset_id), and its removal', async () => {
    expect(await built({ name: 'asset.preApproveAsset', args: { assetId } })).toEqual([
      { call: 'asset.preApproveAsset', args: [assetHex] },
    ]);
    expect(await built({ name: 'asset.removeAssetPreApproval', args: { assetId } })).toEqual([
      { call: 'asset.removeAssetPreApproval', args: [assetHex] },
    ]);
  });

  it('maps a portfolio pre-approval with the PortfolioId the pallet encodes', async () => {
    expect(
      await built({ name: 'portfolio.preApprovePortfolio', args: { assetId, portfolio: { did: alice } } }),
    ).toEqual([{ call: 'portfolio.preApprovePortfolio', args: [assetHex, { did: alice, kind: 'Default' }] }]);
    expect(
      await built({
        name: 'portfolio.removePortfolioPreApproval',
        args: { assetId, portfolio: { did: alice, number: 3 } },
      }),
    ).toEqual([
      { call: 'portfolio.removePortfolioPreApproval', args: [assetHex, { did: alice, kind: { User: 3 } }] },
    ]);
  });
});
