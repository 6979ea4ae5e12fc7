/** Transaction encoding, sr25519 signing and verification (the client and chain halves). */
import { sr25519_sign, sr25519_verify } from '@polkadot-labs/schnorrkel-wasm';
import { DEV_PHRASE } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { hexToU8a, isHex, stringToU8a, u8aConcat, u8aEq, u8aToHex } from '@polkadot/util';
import {
  blake2AsHex,
  decodeAddress,
  keyExtractSuri,
  keyFromPath,
  mnemonicToMiniSecret,
  sr25519PairFromSeed,
} from '@polkadot/util-crypto';
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

/**
 * An sr25519 key pair as schnorrkel holds it (64-byte secret: scalar and nonce), so that a
 * signature costs one call into schnorrkel and the pair can be handed to a worker thread.
 */
export interface SigningKey {
  address: Address;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** The text whose UTF-8 bytes a signer signs: chain (genesis hash), account, nonce and the JSON call. */
export function payloadText(genesisHash: string, signer: Address, nonce: number, call: LedgerCall): string {
  return JSON.stringify({ g: genesisHash, s: signer, n: nonce, c: call });
}

/** The bytes a signer signs. */
export function signingPayload(
  genesisHash: string,
  signer: Address,
  nonce: number,
  call: LedgerCall,
): Uint8Array {
  return stringToU8a(payloadText(genesisHash, signer, nonce, call));
}

/** Signs with a keyring pair (keys whose secret this module could not derive). */
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

export function signWithKey(
  key: SigningKey,
  genesisHash: string,
  nonce: number,
  call: LedgerCall,
): SignedTransaction {
  const msg = signingPayload(genesisHash, key.address, nonce, call);
  return {
    signer: key.address,
    nonce,
    call,
    signature: u8aToHex(sr25519_sign(key.publicKey, key.secretKey, msg)),
  };
}

/**
 * The schnorrkel key pair of a secret URI, derived as `Keyring.addFromUri` derives sr25519
 * pairs (dev phrase for `//…`, hex seed, mnemonic with password and path), or null when the
 * result is not the keyring's own public key (a form this derivation does not know).
 */
export function signingKeyOf(uri: string, pair: KeyringPair): SigningKey | null {
  try {
    const suri = uri.startsWith('//') ? `${DEV_PHRASE}${uri}` : uri;
    const { password, path, phrase } = keyExtractSuri(suri);
    let seed: Uint8Array;
    if (isHex(phrase, 256)) seed = hexToU8a(phrase);
    else if ([12, 15, 18, 21, 24].includes(phrase.split(' ').length))
      seed = mnemonicToMiniSecret(phrase, password);
    else if (phrase.length <= 32) seed = stringToU8a(phrase.padEnd(32));
    else return null;
    const derived = keyFromPath(sr25519PairFromSeed(seed), path, 'sr25519');
    if (!u8aEq(derived.publicKey, pair.publicKey)) return null;
    return { address: pair.address, publicKey: derived.publicKey, secretKey: derived.secretKey };
  } catch {
    return null;
  }
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
    return sr25519_verify(publicKeyOf(tx.signer), msg, hexToU8a(tx.signature));
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

/**
 * Work for a verifier (a worker thread, or this thread): check a signed transaction, or sign
 * with a key the ledger holds and check the result as the chain would. The payload travels as
 * text (`payloadText`): a string crosses to a worker thread far cheaper than the call object.
 */
export type SignatureJob =
  | { op: 'verify'; signer: Address; payload: string; signature: string }
  | { op: 'sign'; signer: Address; payload: string };

/** `ok`: the signature verifies; then `hash` is the transaction hash (and `signature` the new one). */
export type SignatureResult = { ok: true; hash: string; signature?: string } | { ok: false; error?: string };

/** Runs one job; `keyOf` gives the key of a `sign` job's signer. Never throws. */
export function runSignatureJob(
  job: SignatureJob,
  keyOf: (address: Address) => SigningKey | undefined,
): SignatureResult {
  try {
    const msg = stringToU8a(job.payload);
    let signature: Uint8Array;
    if (job.op === 'sign') {
      const key = keyOf(job.signer);
      if (!key) return { ok: false, error: `no key held for ${job.signer}` };
      signature = sr25519_sign(key.publicKey, key.secretKey, msg);
    } else {
      signature = hexToU8a(job.signature);
    }
    // The chain half checks every signature, its own included.
    if (!sr25519_verify(publicKeyOf(job.signer), msg, signature)) return { ok: false };
    const hash = blake2AsHex(u8aConcat(msg, signature), 256);
    return job.op === 'sign' ? { ok: true, hash, signature: u8aToHex(signature) } : { ok: true, hash };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
