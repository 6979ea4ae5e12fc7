/**
 * The bytes a venue signer signs for an off-chain leg: SCALE encoding of Polymesh's
 * `Receipt { uid: u64, instruction_id: u64, leg_id: u64, sender_identity: [u8; 32],
 * receiver_identity: [u8; 32], ticker: [u8; 12], amount: u128 }` (primitives/src/settlement.rs).
 */
import { bnToU8a, hexToU8a, stringToU8a, u8aConcat } from '@polkadot/util';
import type { Decimal, Did } from './ledger.js';

export interface ReceiptFields {
  uid: number;
  instructionId: number;
  legId: number;
  from: Did;
  to: Did;
  ticker: string;
  /** Decimal amount (6 places), as in the leg. */
  amount: Decimal;
}

const le = (v: bigint | number, bits: number): Uint8Array =>
  bnToU8a(BigInt(v), { bitLength: bits, isLe: true });

function units(amount: Decimal): bigint {
  const [whole = '0', frac = ''] = amount.split('.');
  return BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, '0').slice(0, 6));
}

export function receiptMessage(r: ReceiptFields): Uint8Array {
  const ticker = new Uint8Array(12);
  ticker.set(stringToU8a(r.ticker).subarray(0, 12));
  return u8aConcat(
    le(r.uid, 64),
    le(r.instructionId, 64),
    le(r.legId, 64),
    hexToU8a(r.from),
    hexToU8a(r.to),
    ticker,
    le(units(r.amount), 128),
  );
}
