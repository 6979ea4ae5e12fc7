/**
 * New custodial accounts: a 24-word mnemonic and its sr25519 address (format 42), derived as
 * Substrate derives it (the mini-secret is PBKDF2-SHA512 over the mnemonic's entropy, salt
 * "mnemonic", 2,048 rounds, first 32 bytes). The PBKDF2 runs on Node's thread pool, not on the
 * event loop: at hundreds of attestations a second, 2,048 rounds each on the main thread were
 * a tenth of the server's time.
 */
import { pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import {
  cryptoWaitReady,
  encodeAddress,
  mnemonicGenerate,
  mnemonicToEntropy,
  mnemonicValidate,
  sr25519PairFromSeed,
} from '@polkadot/util-crypto';

const pbkdf2Async = promisify(pbkdf2);

/** The Substrate mini-secret of a BIP-39 mnemonic (no password), computed off the event loop. */
export async function miniSecretOf(mnemonic: string): Promise<Uint8Array> {
  await cryptoWaitReady();
  if (!mnemonicValidate(mnemonic)) throw new Error('Invalid bip39 mnemonic specified');
  const key = await pbkdf2Async(mnemonicToEntropy(mnemonic), 'mnemonic', 2048, 64, 'sha512');
  return new Uint8Array(key.subarray(0, 32));
}

/** A fresh custodial key: its mnemonic (to seal) and its address. */
export async function newCustodialKey(): Promise<{ mnemonic: string; address: string }> {
  await cryptoWaitReady();
  const mnemonic = mnemonicGenerate(24);
  const address = encodeAddress(sr25519PairFromSeed(await miniSecretOf(mnemonic)).publicKey, 42);
  return { mnemonic, address };
}
