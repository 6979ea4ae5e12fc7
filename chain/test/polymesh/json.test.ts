import { TypeRegistry } from '@polkadot/types';
import { describe, expect, it } from 'vitest';
import { BigNumber } from '../../src/polymesh/mappers/bignumber.js';
import { fromUnits, toJson, toUnits } from '../../src/polymesh/mappers/json.js';

const registry = new TypeRegistry();
registry.register({
  PortfolioKind: { _enum: { Default: 'Null', User: 'u64' } },
  PortfolioId: { did: '[u8;32]', kind: 'PortfolioKind' },
  OpType: { _enum: ['Count', 'Balance'] },
});

describe('toJson (the one sanitiser)', () => {
  it('renders u128 as a Decimal of 10^-6 units, or raw on request', () => {
    const v = registry.createType('u128', '1500000');
    expect(toJson(v)).toBe('1.5');
    expect(toJson(v, { u128: 'raw' })).toBe('1500000');
    expect(
      toJson(registry.createType('u128', '340282366920938463463374607431768211455'), { u128: 'raw' }),
    ).toBe('340282366920938463463374607431768211455');
  });

  it('keeps u64 as decimal strings and small ints as numbers', () => {
    expect(toJson(registry.createType('u64', '18446744073709551615'))).toBe('18446744073709551615');
    expect(toJson(registry.createType('u32', 7))).toBe(7);
  });

  it('walks options, enums and structs', () => {
    expect(toJson(registry.createType('Option<u64>', null))).toBeNull();
    expect(toJson(registry.createType('Option<u64>', 5))).toBe('5');
    expect(toJson(registry.createType('OpType', 'Balance'))).toBe('Balance');
    const did = `0x${'01'.padEnd(64, '0')}`;
    expect(toJson(registry.createType('PortfolioId', { did, kind: { User: 3 } }))).toEqual({
      did,
      kind: { User: '3' },
    });
    expect(toJson(registry.createType('PortfolioId', { did, kind: 'Default' }))).toEqual({
      did,
      kind: 'Default',
    });
  });

  it('renders asset ids as UUIDs, tickers as text, accounts as SS58 (format 42)', () => {
    const hex = '0x67e5504410b1426f9247bb680e5fe0c8';
    expect(toJson(registry.createType('[u8;16]', hex))).toBe('67e55044-10b1-426f-9247-bb680e5fe0c8');
    expect(toJson(registry.createType('[u8;12]', '0x414243000000000000000000'))).toBe('ABC');
    const alice = '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d';
    expect(toJson(registry.createType('AccountId', alice))).toBe(
      '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
    );
    expect(toJson(registry.createType('Bytes', 'Acme Corp'))).toBe('Acme Corp');
    expect(toJson(registry.createType('H256', `0x${'ab'.repeat(32)}`))).toBe(`0x${'ab'.repeat(32)}`);
  });

  it('handles plain values, BigNumber, bigint, Date and nested arrays', () => {
    expect(toJson({ a: [new BigNumber('1.25'), 10n, new Date(0)], b: undefined })).toEqual({
      a: ['1.25', '10', '1970-01-01T00:00:00.000Z'],
      b: null,
    });
  });
});

describe('units', () => {
  it('converts between Decimal and raw units', () => {
    expect(fromUnits('1')).toBe('0.000001');
    expect(toUnits('2.5')).toBe('2500000');
    expect(toUnits('1000000000000')).toBe('1000000000000000000');
  });
});
