import { TypeRegistry } from '@polkadot/types';
import {
  KnownAssetType,
  MetadataLockStatus,
  PermissionType,
  SecurityIdentifierType,
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
  fromSdkDocument,
  fromSdkLockStatus,
  toChainAgentGroup,
  toSdkAssetType,
  toSdkDocument,
  toSdkIdentifier,
  toSdkMetadataDetails,
  toSdkTransactionPermissions,
} from '../../src/polymesh/mappers/assets.js';
import { BigNumber } from '../../src/polymesh/mappers/bignumber.js';
import { toJson } from '../../src/polymesh/mappers/json.js';
import { fromSdkPermissions, toKeyPermissions, toPrivateKey } from '../../src/polymesh/mappers/keys.js';
import {
  assetIdToHex,
  fromChainCountry,
  percentToPermill,
  toBigNumber,
  toChainPortfolioId,
} from '../../src/polymesh/mappers/values.js';

const did = `0x${'11'.repeat(32)}`;
const assetId = '67e55044-10b1-426f-9247-bb680e5fe0c8';

describe('asset types and identifiers', () => {
  it('spells REIT as the SDK does and passes custom ids as numbers', () => {
    expect(toSdkAssetType('REIT')).toBe(KnownAssetType.Reit);
    expect(toSdkAssetType('EquityCommon')).toBe(KnownAssetType.EquityCommon);
    expect((toSdkAssetType({ custom: 3 }) as BigNumber).toNumber()).toBe(3);
    expect(fromSdkAssetType('Reit')).toBe('REIT');
    expect(fromSdkAssetType('MyType', new BigNumber(3))).toEqual({ custom: 3 });
  });

  it('maps identifiers', () => {
    expect(toSdkIdentifier({ type: 'Isin', value: 'US0378331005' })).toEqual({
      type: SecurityIdentifierType.Isin,
      value: 'US0378331005',
    });
  });
});

describe('documents', () => {
  it('converts filing dates and omits absent fields', () => {
    const doc = {
      name: 'Prospectus',
      uri: 'https://x/p.pdf',
      contentHash: `0x${'aa'.repeat(32)}`,
      filedAt: '2024-01-02T00:00:00.000Z',
    };
    const sdk = toSdkDocument(doc);
    expect(sdk.filedAt).toEqual(new Date('2024-01-02T00:00:00.000Z'));
    expect(fromSdkDocument(sdk)).toEqual(doc);
    expect(toSdkDocument({ name: 'a', uri: 'b' })).toEqual({ name: 'a', uri: 'b' });
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
    expect(toSdkMetadataDetails({})).toEqual({ expiry: null, lockStatus: MetadataLockStatus.Unlocked });
    expect(
      toSdkMetadataDetails({ lockStatus: { type: 'LockedUntil', until: '2030-01-01T00:00:00.000Z' } }),
    ).toEqual({
      expiry: null,
      lockStatus: MetadataLockStatus.LockedUntil,
      lockedUntil: new Date('2030-01-01T00:00:00.000Z'),
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
    expect(toSdkTransactionPermissions({ type: 'Exclude', values: ['asset.issue'] })).toEqual({
      type: PermissionType.Exclude,
      values: ['asset.issue'],
    });
  });

  it('maps key permissions both ways', () => {
    expect(toKeyPermissions({})).toEqual({ assets: null, portfolios: null, transactions: null });
    const p = toKeyPermissions({
      assets: [assetId],
      extrinsics: ['asset.issue'],
      portfolios: [{ did }, { did, number: 2 }],
    });
    expect(p.assets).toEqual({ type: PermissionType.Include, values: [assetId] });
    expect(p.portfolios?.values[0]).toBe(did);
    expect(p.portfolios?.values[1]).toEqual({ identity: did, id: new BigNumber(2) });
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
