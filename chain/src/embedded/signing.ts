/** Transaction encoding, sr25519 signing and verification (the client and chain halves). */
import { stringToU8a, u8aConcat, u8aToHex, hexToU8a } from '@polkadot/util';
import { blake2AsHex, decodeAddress, sr25519Verify } from '@polkadot/util-crypto';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { LedgerCall } from '../calls.js';
import type { Address } from '../ledger.js';

/** A signed, JSON-serialisable transaction: what the block log stores. */
export interface SignedTransaction {
  signer: Address;
  nonce: number;
  call: LedgerCall;
  /** 0x-hex sr25519 signature over `signingPayload`. */
  signature: string;
}

/** The bytes a signer signs: chain (genesis hash), account, nonce and the JSON call. */
export function signingPayload(
  genesisHash: string,
  signer: Address,
  nonce: number,
  call: LedgerCall,
): Uint8Array {
  return stringToU8a(JSON.stringify({ g: genesisHash, s: signer, n: nonce, c: call }));
}

export function sign(
  pair: KeyringPair,
  genesisHash: string,
  nonce: number,
  call: LedgerCall,
): SignedTransaction {
  // `pair.address` SS58-encodes the public key on every read: once per signature is enough.
  const signer = pair.address;
  const signature = u8aToHex(pair.sign(signingPayload(genesisHash, signer, nonce, call)));
  return { signer, nonce, call, signature };
}

/** Public keys of the addresses seen, decoded once each (one per account on the chain). */
const publicKeys = new Map<Address, Uint8Array>();
function publicKeyOf(address: Address): Uint8Array {
  let key = publicKeys.get(address);
  if (!key) {
    key = decodeAddress(address);
    publicKeys.set(address, key);
  }
  return key;
}

export function verify(genesisHash: string, tx: SignedTransaction): boolean {
  try {
    const msg = signingPayload(genesisHash, tx.signer, tx.nonce, tx.call);
    return sr25519Verify(msg, hexToU8a(tx.signature), publicKeyOf(tx.signer));
  } catch {
    return false;
  }
}

export function txHash(genesisHash: string, tx: SignedTransaction): string {
  return blake2AsHex(
    u8aConcat(signingPayload(genesisHash, tx.signer, tx.nonce, tx.call), hexToU8a(tx.signature)),
    256,
  );
}
