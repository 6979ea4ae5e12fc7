import { PolymeshError } from '@polymeshassociation/polymesh-sdk/internal.js';
import { ErrorCode } from '@polymeshassociation/polymesh-sdk/types/index.js';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/errors.js';
import { fromModuleError, toLedgerError } from '../../src/polymesh/errors.js';

function sdkError(code: ErrorCode, message: string): PolymeshError {
  return new PolymeshError({ code, message });
}

describe('fromModuleError', () => {
  it('keeps the chain name as the code, with the pallet as module', () => {
    const e = fromModuleError({ section: 'asset', name: 'InvalidGranularity', docs: ['Not divisible.'] });
    expect(e.code).toBe('InvalidGranularity');
    expect(e.module).toBe('asset');
    expect(e.message).toBe('asset.InvalidGranularity: Not divisible.');
  });

  it('renames the few errors whose meaning differs by pallet', () => {
    expect(fromModuleError({ section: 'balances', name: 'InsufficientBalance' }).code).toBe(
      'InsufficientPolyx',
    );
    expect(fromModuleError({ section: 'asset', name: 'InsufficientBalance' }).code).toBe(
      'InsufficientBalance',
    );
  });

  it('keeps unknown chain errors in details', () => {
    const e = fromModuleError({ section: 'settlement', name: 'SomethingNew' });
    expect(e.code).toBe('ValidationError');
    expect(e.details).toEqual({ chainError: 'settlement.SomethingNew' });
  });
});

describe('toLedgerError', () => {
  it('parses reverted extrinsics (section.Name: docs)', () => {
    const e = toLedgerError(
      sdkError(ErrorCode.TransactionReverted, 'complianceManager.InvalidComplianceRequirementId: no such id'),
    );
    expect(e.code).toBe('InvalidComplianceRequirementId');
    expect(e.module).toBe('complianceManager');
  });

  it('restores chain names for SDK pre-checks', () => {
    expect(
      toLedgerError(
        sdkError(ErrorCode.ValidationError, 'The value has decimals but the Asset is indivisible'),
      ).code,
    ).toBe('InvalidGranularity');
    expect(toLedgerError(sdkError(ErrorCode.InsufficientBalance, 'Insufficient free balance')).code).toBe(
      'InsufficientPortfolioBalance',
    );
    expect(toLedgerError(sdkError(ErrorCode.ValidationError, 'Something else')).code).toBe('ValidationError');
    expect(toLedgerError(sdkError(ErrorCode.NotAuthorized, 'nope')).code).toBe('Unauthorized');
  });

  it('maps transaction-pool refusals', () => {
    expect(
      toLedgerError(
        new Error('1010: Invalid Transaction: Inability to pay some fees , e.g. account balance too low'),
      ).code,
    ).toBe('InsufficientPolyx');
    expect(toLedgerError(new Error('1010: Invalid Transaction: Transaction is outdated')).code).toBe(
      'InvalidNonce',
    );
    expect(toLedgerError(new Error('1010: Invalid Transaction: Custom error: 1')).code).toBe('CddRequired');
  });

  it('passes LedgerErrors through and wraps anything else', () => {
    const original = new LedgerError('UnknownSigner', 'x');
    expect(toLedgerError(original)).toBe(original);
    expect(toLedgerError('boom').code).toBe('ValidationError');
    expect(toLedgerError(new Error('Bad origin')).code).toBe('BadOrigin');
  });
});
