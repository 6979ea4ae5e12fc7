import { describe, expect, it } from 'vitest';
import {
  ADAPTER_ERROR_CODES,
  DISPATCH_ERROR_CODES,
  LEDGER_ERROR_CODES,
  UNKNOWN_OUTCOME_CODES,
  VALIDITY_ERROR_CODES,
} from '../../src/errors.js';

describe('ledger error codes', () => {
  it('are the adapter, validity and dispatch codes, each once', () => {
    expect([...LEDGER_ERROR_CODES]).toEqual([
      ...ADAPTER_ERROR_CODES,
      ...VALIDITY_ERROR_CODES,
      ...DISPATCH_ERROR_CODES,
    ]);
    expect(new Set(LEDGER_ERROR_CODES).size).toBe(LEDGER_ERROR_CODES.length);
  });

  it('hold no name the 7.0 runtime lacks (POLYMESH-FACTS §12)', () => {
    for (const invented of [
      'NotAPrimaryKey',
      'CannotDeleteDefaultPortfolio',
      'MaxLengthOfDocumentNameExceeded',
      'CustomAssetTypeAlreadyExists',
      'TickerIsNotLinkedToAsset',
      'AuthorizationDoesNotExist',
    ])
      expect(LEDGER_ERROR_CODES as readonly string[]).not.toContain(invented);
  });

  it('leave unknown outcomes to codes no chain refusal carries', () => {
    const own = new Set<string>([...ADAPTER_ERROR_CODES, ...VALIDITY_ERROR_CODES]);
    for (const code of UNKNOWN_OUTCOME_CODES) expect(own.has(code), code).toBe(true);
  });
});
