import { chainErrorText, LEDGER_ERROR_CODES, LedgerError } from '@stoa/chain';
import { describe, expect, it } from 'vitest';
import { fromLedgerError } from '../src/errors.js';

/** A chain refusal reaches people as a sentence; the code stays for machines. */
describe('chain error text', () => {
  it('says InvalidTransferInvalidReceiverCDD in words and keeps the code in details', () => {
    const err = fromLedgerError(
      new LedgerError('InvalidTransferInvalidReceiverCDD', 'receiver CDD claim missing or expired'),
    );
    expect(err.statusCode).toBe(422);
    expect(err.message).toBe('The receiver is not yet verified (no valid customer due-diligence claim).');
    expect(err.details?.chainError).toBe('InvalidTransferInvalidReceiverCDD');
  });

  it('never puts a chain code in the sentence, for any code the ledger can raise', () => {
    const codes = new RegExp(`\\b(${LEDGER_ERROR_CODES.join('|')})\\b`);
    for (const code of LEDGER_ERROR_CODES) {
      const text = chainErrorText(code);
      expect(text, code).toMatch(/^[A-Z].*\.$/);
      expect(text.replace(/\b(Unauthorized|Overflow|Unsupported)\b/g, ''), code).not.toMatch(codes);
    }
    expect(chainErrorText('SomethingNew')).toMatch(/Nothing was changed/);
  });
});
