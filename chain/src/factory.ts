import type { LedgerNotice } from './embedded/index.js';
import type { Ledger } from './ledger.js';

export interface LedgerConfig {
  /** ws(s):// URL of a Polymesh node. When set, the SDK adapter is used. */
  nodeUrl?: string;
  /** Folder for the embedded ledger's block log. Omit for a memory-only ledger (tests). */
  dataDir?: string;
  /** Embedded: produce a block per submission (default) or every `blockTimeMs`. */
  blockTimeMs?: number;
  /** Embedded: state snapshot every this many blocks (and on close); 0 = none. Default 10,000. */
  snapshotEveryBlocks?: number;
  /** Keys to make available for signing at start (mnemonics or dev URIs). */
  signers?: string[];
  /** Embedded: told what opening the block log found or did (a torn tail cut off, a replay). */
  onNotice?: (notice: LedgerNotice) => void;
  /**
   * Embedded: transactions per account that may wait for a lower nonce, as in a node's pool
   * (default 8,192, Polymesh's; 0 refuses a nonce above the next at once).
   */
  futureNonces?: number;
}

/** Chooses the adapter: a node URL selects the Polymesh SDK adapter, else the embedded ledger. */
export async function createLedger(config: LedgerConfig): Promise<Ledger> {
  if (config.nodeUrl) {
    const { PolymeshLedger } = await import('./polymesh/index.js');
    return PolymeshLedger.connect({ nodeUrl: config.nodeUrl, signers: config.signers ?? [] });
  }
  const { EmbeddedLedger, DEFAULT_FUTURE_LIMIT } = await import('./embedded/index.js');
  return EmbeddedLedger.open({
    dataDir: config.dataDir,
    blockTimeMs: config.blockTimeMs,
    snapshotEveryBlocks: config.snapshotEveryBlocks,
    signers: config.signers ?? [],
    onNotice: config.onNotice,
    futureNonces: config.futureNonces ?? DEFAULT_FUTURE_LIMIT,
  });
}
