import { describe, expect, it } from 'vitest';
import { feeLines } from '../../src/issuer/chainFee';

const quote = {
  transactionFee: '0.104978',
  withdrawnFee: '0.104978',
  protocolFee: '2500',
  total: '2500.104978',
  required: '2500.104978',
  payerBalance: '29999000',
  affordable: true,
};

describe('chain fee lines of a confirmation', () => {
  it('splits a protocol fee from the transaction fee, amounts grouped', () => {
    expect(feeLines(quote)).toEqual([
      "Chain fee: 2,500.104978 POLYX (2,500 POLYX protocol fee + 0.104978 POLYX transaction fee), paid by the issuer's account.",
    ]);
  });

  it('gives one figure when there is no protocol fee', () => {
    expect(feeLines({ ...quote, protocolFee: '0', total: '0.087', transactionFee: '0.087' })).toEqual([
      "Chain fee: 0.087 POLYX, paid by the issuer's account.",
    ]);
  });

  it('warns when the paying account lacks what the chain needs free', () => {
    const lines = feeLines({ ...quote, payerBalance: '12.5', affordable: false });
    expect(lines[1]).toBe(
      "The issuer's account holds 12.5 POLYX and needs 2,500.104978 POLYX free: the chain will refuse this until an operator tops it up.",
    );
  });
});
