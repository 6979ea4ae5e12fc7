import { createLedger } from '@stoa/chain';
import { cryptoWaitReady, mnemonicGenerate, mnemonicToMiniSecret } from '@polkadot/util-crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { miniSecretOf, newCustodialKey } from '../src/modules/keys/custodial.js';

describe('custodial keys derived off the event loop', () => {
  beforeAll(async () => {
    await cryptoWaitReady();
  });

  it('derives the same mini-secret as Substrate for 12- and 24-word mnemonics', async () => {
    for (const words of [12, 24, 24, 12] as const) {
      const mnemonic = mnemonicGenerate(words);
      expect(Buffer.from(await miniSecretOf(mnemonic)).toString('hex')).toBe(
        Buffer.from(mnemonicToMiniSecret(mnemonic)).toString('hex'),
      );
    }
  });

  it('gives the address the signer will have when the outbox loads the mnemonic', async () => {
    const ledger = await createLedger({});
    try {
      const a = await newCustodialKey();
      const b = await newCustodialKey();
      expect(a.mnemonic.split(' ')).toHaveLength(24);
      expect(a.mnemonic).not.toBe(b.mnemonic);
      expect(await ledger.addSigner({ mnemonic: a.mnemonic })).toBe(a.address);
      expect(await ledger.addSigner({ mnemonic: b.mnemonic })).toBe(b.address);
    } finally {
      await ledger.close();
    }
  });

  it('refuses what is not a BIP-39 mnemonic', async () => {
    await expect(miniSecretOf('correct horse battery staple')).rejects.toThrow(/Invalid bip39 mnemonic/);
  });
});
