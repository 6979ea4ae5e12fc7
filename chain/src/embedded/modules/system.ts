/** System (nonces, remarks) and Balances (POLYX) pallets. */
import type { Address } from '../../ledger.js';
import { remarkHash } from '../../remarks.js';
import type { Chain } from '../chain.js';
import { fromUnits, toUnits } from '../amounts.js';
import { argString, ensure } from '../runtime.js';
import { MEMO_MAX_BYTES, REMARK_MAX_BYTES } from '../../limits.js';

export class SystemModule {
  private readonly nonces;

  constructor(private readonly chain: Chain) {
    this.nonces = chain.rt.state.map<Address, number>();
    chain.rt.register('system.remark', {
      handler: (o, a) => {
        const remark = argString(a.remark, 'remark', REMARK_MAX_BYTES);
        const hash = remarkHash(remark);
        chain.rt.emit('system', 'Remarked', { sender: o.signer, hash, remark });
        return { hash };
      },
    });
  }

  nonce(address: Address): number {
    return this.nonces.get(address) ?? 0;
  }

  bumpNonce(address: Address): void {
    this.nonces.set(address, this.nonce(address) + 1);
  }
}

const B = 'balances';

export class BalancesModule {
  private readonly free;

  constructor(private readonly chain: Chain) {
    this.free = chain.rt.state.map<Address, bigint>();
    chain.rt.register('balances.transfer', {
      handler: (o, a) => {
        const to = chain.argAddress(a.to, 'to');
        const amount = toUnits(a.amount, 'amount');
        const toDid = chain.identity.didOf(to);
        ensure(
          toDid && chain.identity.hasValidCdd(toDid),
          'ReceiverCddMissing',
          'receiver has no valid CDD',
          B,
        );
        this.move(o.signer, to, amount);
        const memo = a.memo === undefined ? null : argString(a.memo, 'memo', MEMO_MAX_BYTES);
        chain.rt.emit(B, memo === null ? 'Transfer' : 'TransferWithMemo', {
          fromDid: o.did,
          from: o.signer,
          toDid,
          to,
          amount: fromUnits(amount),
          memo,
        });
      },
    });
  }

  balance(address: Address): bigint {
    return this.free.get(address) ?? 0n;
  }

  endow(address: Address, amount: bigint): void {
    this.free.set(address, this.balance(address) + amount);
  }

  move(from: Address, to: Address, amount: bigint): void {
    const have = this.balance(from);
    ensure(have >= amount, 'InsufficientBalance', 'POLYX balance too low', B);
    this.free.set(from, have - amount);
    this.free.set(to, this.balance(to) + amount);
  }

  /** Withdraw a fee; false when the account can't pay. */
  chargeFee(address: Address, fee: bigint): boolean {
    if (fee === 0n) return true;
    const have = this.balance(address);
    if (have < fee) return false;
    this.free.set(address, have - fee);
    return true;
  }
}
