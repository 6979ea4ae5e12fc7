import { LedgerError, type Ledger, type SignerKey } from '@stoa/chain';

/** Finds the key of an account the platform signs for, or null if it holds none. */
export type KeySource = (address: string) => Promise<SignerKey | null>;

/**
 * The keys the outbox signs with, loaded into the ledger when an operation needs them — never
 * left to whichever request happened to run first in this process. Sources: the configured
 * operator signers and the custodial investor keys sealed in the database.
 */
export class SignerKeys {
  private readonly sources: KeySource[] = [];
  private readonly loaded = new Set<string>();

  constructor(private readonly ledger: Ledger) {}

  addSource(source: KeySource): void {
    this.sources.push(source);
  }

  /** Records a key the ledger already holds (the configured signers, added at start). */
  markLoaded(address: string): void {
    this.loaded.add(address);
  }

  /** Forgets a key the ledger says it does not hold, so the next attempt loads it again. */
  forget(address: string): void {
    this.loaded.delete(address);
  }

  /**
   * Makes `address` available for signing. An account nobody holds a key for is a
   * configuration fault (a missing mnemonic, a wrong encryption key), not a chain refusal:
   * it throws `UnknownSigner`, which the outbox retries and reports.
   */
  async ensure(address: string): Promise<void> {
    if (this.loaded.has(address)) return;
    for (const source of this.sources) {
      const key = await source(address);
      if (!key) continue;
      const added = await this.ledger.addSigner(key);
      if (added !== address) {
        throw new LedgerError('UnknownSigner', `the key held for ${address} belongs to ${added}`);
      }
      this.loaded.add(address);
      return;
    }
    throw new LedgerError(
      'UnknownSigner',
      `no key is held for ${address}: add it to SIGNER_MNEMONICS, or check ENCRYPTION_KEY if it is a custodial account`,
    );
  }
}
