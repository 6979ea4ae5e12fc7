import { TypeRegistry } from '@polkadot/types';
import {
  MetadataLockStatus,
  PermissionType,
  type DefaultPortfolio,
  type FungibleAsset,
  type Identity,
  type Permissions,
} from '@polymeshassociation/polymesh-sdk/types/index.js';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/errors.js';
import {
  documentFromChain,
  fromChainAgentGroup,
  fromSdkAssetType,
  fromSdkLockStatus,
  toChainAgentGroup,
  toChainAssetType,
  toChainDocument,
  toChainIdentifier,
  toChainMetadataDetail,
  toChainMetadataKey,
  toChainMetadataSpec,
} from '../../src/polymesh/mappers/assets.js';
import { BigNumber } from '../../src/polymesh/mappers/bignumber.js';
import { toJson } from '../../src/polymesh/mappers/json.js';
import {
  fromSdkPermissions,
  toChainExtrinsicPermissions,
  toChainPalletPermissions,
  toChainPermissions,
  toPrivateKey,
} from '../../src/polymesh/mappers/keys.js';
import {
  assetIdToHex,
  fromChainCountry,
  percentToPermill,
  toBigNumber,
  toChainPortfolioId,
  toChainTicker,
} from '../../src/polymesh/mappers/values.js';

const did = `0x${'11'.repeat(32)}`;
const assetId = '67e55044-10b1-426f-9247-bb680e5fe0c8';

describe('asset types and identifiers', () => {
  it('spells REIT as the chain does and passes custom ids as Custom(id)', () => {
    expect(toChainAssetType('REIT')).toBe('REIT');
    expect(toChainAssetType('EquityCommon')).toBe('EquityCommon');
    expect(toChainAssetType({ custom: 3 })).toEqual({ Custom: 3 });
    expect(fromSdkAssetType('Reit')).toBe('REIT');
    expect(fromSdkAssetType('MyType', new BigNumber(3))).toEqual({ custom: 3 });
  });

  it('maps identifiers to the upper-case variants with the value as ASCII bytes', () => {
    expect(toChainIdentifier({ type: 'Isin', value: 'US0378331005' })).toEqual({
      ISIN: `0x${Buffer.from('US0378331005').toString('hex')}`,
    });
    expect(Object.keys(toChainIdentifier({ type: 'Figi', value: 'BBG000B9XRY4' }))).toEqual(['FIGI']);
  });
});

describe('documents', () => {
  it('builds the chain Document: content hash by length, filing date as a moment, absent fields None', () => {
    expect(
      toChainDocument({
        name: 'Prospectus',
        uri: 'https://x/p.pdf',
        contentHash: `0x${'AA'.repeat(32)}`,
        type: 'pdf',
        filedAt: '2024-01-02T00:00:00.000Z',
      }),
    ).toEqual({
      uri: 'https://x/p.pdf',
      contentHash: { H256: `0x${'aa'.repeat(32)}` },
      name: 'Prospectus',
      docType: 'pdf',
      filingDate: 1704153600000,
    });
    expect(toChainDocument({ name: 'a', uri: 'b' })).toEqual({
      uri: 'b',
      contentHash: 'None',
      name: 'a',
      docType: null,
      filingDate: null,
    });
    expect(toChainDocument({ name: 'a', uri: 'b', contentHash: `0x${'aa'.repeat(16)}` }).contentHash).toEqual(
      {
        H128: `0x${'aa'.repeat(16)}`,
      },
    );
    expect(() => toChainDocument({ name: 'a', uri: 'b', contentHash: '0xabc' })).toThrow(LedgerError);
    expect(() => toChainDocument({ name: 'a', uri: 'b', contentHash: `0x${'aa'.repeat(17)}` })).toThrow(
      LedgerError,
    );
  });

  it('reads the chain Document struct (sanitised)', () => {
    const registry = new TypeRegistry();
    registry.register({
      DocumentHash: {
        _enum: {
          None: 'Null',
          H512: '[u8;64]',
          H384: '[u8;48]',
          H320: '[u8;40]',
          H256: '[u8;32]',
          H224: '[u8;28]',
          H192: '[u8;24]',
          H160: '[u8;20]',
          H128: '[u8;16]',
        },
      },
      Document: {
        uri: 'Bytes',
        contentHash: 'DocumentHash',
        name: 'Bytes',
        docType: 'Option<Bytes>',
        filingDate: 'Option<u64>',
      },
    });
    const value = registry.createType('Document', {
      uri: 'https://x/p.pdf',
      contentHash: { H256: `0x${'aa'.repeat(32)}` },
      name: 'Prospectus',
      docType: 'Offering',
      filingDate: 1704153600000,
    });
    expect(documentFromChain(0, toJson(value))).toEqual({
      id: 0,
      name: 'Prospectus',
      uri: 'https://x/p.pdf',
      contentHash: `0x${'aa'.repeat(32)}`,
      type: 'Offering',
      filedAt: '2024-01-02T00:00:00.000Z',
    });
    const bare = registry.createType('Document', { uri: 'u', contentHash: 'None', name: 'n' });
    expect(documentFromChain(1, toJson(bare))).toEqual({ id: 1, name: 'n', uri: 'u' });
  });
});

describe('metadata', () => {
  it('maps value details and lock status', () => {
    expect(toChainMetadataDetail({})).toEqual({ expire: null, lockStatus: 'Unlocked' });
    expect(
      toChainMetadataDetail({
        expiry: '2031-01-01T00:00:00.000Z',
        lockStatus: { type: 'LockedUntil', until: '2030-01-01T00:00:00.000Z' },
      }),
    ).toEqual({ expire: Date.UTC(2031, 0, 1), lockStatus: { LockedUntil: Date.UTC(2030, 0, 1) } });
    expect(toChainMetadataKey({ type: 'Global', id: 2 })).toEqual({ Global: 2 });
    expect(toChainMetadataSpec({ url: 'https://x' })).toEqual({
      url: 'https://x',
      description: null,
      typeDef: null,
    });
    expect(fromSdkLockStatus(MetadataLockStatus.Locked)).toEqual({ type: 'Locked' });
    expect(fromSdkLockStatus(MetadataLockStatus.LockedUntil, new Date(0))).toEqual({
      type: 'LockedUntil',
      until: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('agents and permissions', () => {
  it('maps agent groups to the chain enum and back', () => {
    expect(toChainAgentGroup({ type: 'Full' })).toBe('Full');
    expect(toChainAgentGroup({ type: 'Custom', id: 2 })).toEqual({ Custom: 2 });
    expect(fromChainAgentGroup('PolymeshV1CAA')).toEqual({ type: 'PolymeshV1CAA' });
    expect(fromChainAgentGroup('PolymeshV1Pia')).toEqual({ type: 'PolymeshV1PIA' });
    expect(fromChainAgentGroup({ Custom: 2 })).toEqual({ type: 'Custom', id: 2 });
    expect(() => fromChainAgentGroup('Nope')).toThrow(LedgerError);
    expect(toChainExtrinsicPermissions({ type: 'Exclude', values: ['asset.issue', 'sto'] })).toEqual({
      Except: { Asset: { extrinsics: { These: ['issue'] } }, Sto: { extrinsics: 'Whole' } },
    });
  });

  it('maps key permissions both ways', () => {
    expect(toChainPermissions({})).toEqual({ asset: 'Whole', extrinsic: 'Whole', portfolio: 'Whole' });
    expect(
      toChainPermissions({
        assets: [assetId],
        extrinsics: ['settlement.addInstruction', 'complianceManager', 'settlement.affirmInstruction'],
        portfolios: [{ did }, { did, number: 2 }],
      }),
    ).toEqual({
      asset: { These: ['0x67e5504410b1426f9247bb680e5fe0c8'] },
      extrinsic: {
        These: {
          ComplianceManager: { extrinsics: 'Whole' },
          Settlement: { extrinsics: { These: ['add_instruction', 'affirm_instruction'] } },
        },
      },
      portfolio: {
        These: [
          { did, kind: 'Default' },
          { did, kind: { User: 2 } },
        ],
      },
    });
    expect(() => toChainPalletPermissions(['asset', 'asset.issue'])).toThrow(/whole and call by call/);
    expect(() => toChainPalletPermissions(['Asset.Issue'])).toThrow(LedgerError);
    const owner = { did } as Identity;
    const sdk: Permissions = {
      assets: { type: PermissionType.Include, values: [{ id: assetId } as FungibleAsset] },
      transactions: { type: PermissionType.Exclude, values: ['asset.issue' as never] },
      transactionGroups: [],
      portfolios: { type: PermissionType.Include, values: [{ owner } as DefaultPortfolio] },
    };
    expect(fromSdkPermissions(sdk)).toEqual({ assets: [assetId], extrinsics: null, portfolios: [{ did }] });
  });

  it('turns signer strings and keys into signing-manager keys', () => {
    expect(toPrivateKey('//Alice')).toEqual({ uri: '//Alice' });
    expect(toPrivateKey({ mnemonic: 'a b c', derivationPath: '//1' })).toEqual({
      mnemonic: 'a b c',
      derivationPath: '//1',
    });
    expect(toPrivateKey({ uri: '//Bob' })).toEqual({ uri: '//Bob' });
  });
});

describe('values', () => {
  it('validates amounts', () => {
    expect(toBigNumber('1.000001').toFixed()).toBe('1.000001');
    expect(() => toBigNumber('1.0000001')).toThrow(LedgerError);
    expect(() => toBigNumber('-1')).toThrow(LedgerError);
    expect(() => toBigNumber('abc')).toThrow(LedgerError);
  });

  it("pads tickers to the chain's 12 bytes and refuses longer ones (TickerTooLong)", () => {
    expect(toChainTicker('ACME')).toBe(`0x41434d45${'00'.repeat(8)}`);
    expect(toChainTicker('ABCDEFGHIJKL')).toBe(`0x${Buffer.from('ABCDEFGHIJKL').toString('hex')}`);
    expect(() => toChainTicker('ABCDEFGHIJKLM')).toThrow(expect.objectContaining({ code: 'TickerTooLong' }));
    expect(() => toChainTicker('')).toThrow(expect.objectContaining({ code: 'TickerTooLong' }));
  });

  it('converts ids, portfolios, percentages and countries', () => {
    expect(assetIdToHex(assetId)).toBe('0x67e5504410b1426f9247bb680e5fe0c8');
    expect(() => assetIdToHex('TICKER')).toThrow(LedgerError);
    expect(toChainPortfolioId({ did })).toEqual({ did, kind: 'Default' });
    expect(toChainPortfolioId({ did, number: 3 })).toEqual({ did, kind: { User: 3 } });
    expect(percentToPermill('100')).toBe(1_000_000);
    expect(() => percentToPermill('101')).toThrow(LedgerError);
    expect(fromChainCountry('US')).toBe('Us');
  });
});
