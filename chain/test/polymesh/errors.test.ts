import { PolymeshError } from '@polymeshassociation/polymesh-sdk/internal.js';
import { ErrorCode } from '@polymeshassociation/polymesh-sdk/types/index.js';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/errors.js';
import {
  fromModuleError,
  includedFailure,
  submissionError,
  toLedgerError,
} from '../../src/polymesh/errors.js';

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

describe('submissionError: refusal or unknown outcome', () => {
  const receipt = { txHash: `0x${'ab'.repeat(32)}`, blockNumber: 12, blockHash: `0x${'cd'.repeat(32)}` };

  it('before sending, keeps what the SDK said (its checks refuse, transport errors are not sent)', () => {
    const refused = submissionError(
      sdkError(ErrorCode.InsufficientBalance, 'Insufficient free balance'),
      false,
    );
    expect(refused.code).toBe('InsufficientPortfolioBalance');
    expect(refused.refused).toBe(true);
    expect(refused.included).toBe(false);
    const offline = submissionError(new Error('WebSocket is not connected'), false);
    expect(offline.code).toBe('NotConnected');
    expect(offline.refused).toBe(false);
  });

  it('after sending, a timeout, a dropped connection or an unknown error is an unknown outcome', () => {
    for (const err of [
      new Error('RPC request timed out'),
      new Error('WebSocket is not connected'),
      sdkError(ErrorCode.TransactionAborted, 'The transaction was aborted'),
      sdkError(ErrorCode.FatalError, 'Something broke'),
      'boom',
    ]) {
      const e = submissionError(err, true);
      expect(e.code).toBe('OutcomeUnknown');
      expect(e.refused).toBe(false);
    }
  });

  it('after sending, a revert without its block is unknown; with its receipt it is a final refusal', () => {
    const revert = sdkError(ErrorCode.TransactionReverted, 'asset.InvalidGranularity: Not divisible.');
    expect(submissionError(revert, true).code).toBe('OutcomeUnknown');
    const final = submissionError(includedFailure(toLedgerError(revert), receipt), true);
    expect(final.code).toBe('InvalidGranularity');
    expect(final.refused).toBe(true);
    expect(final.included).toBe(true);
    expect(final.details).toMatchObject({ txHash: receipt.txHash, blockNumber: 12 });
  });

  it('after sending, pool refusals on admission stay final and not included; a used nonce stays unknown', () => {
    const fees = submissionError(new Error('1010: Invalid Transaction: Inability to pay some fees'), true);
    expect(fees.code).toBe('InsufficientPolyx');
    expect(fees.refused).toBe(true);
    expect(fees.included).toBe(false);
    const stale = submissionError(new Error('1010: Invalid Transaction: Transaction is outdated'), true);
    expect(stale.code).toBe('InvalidNonce');
    expect(stale.refused).toBe(false);
  });
});
