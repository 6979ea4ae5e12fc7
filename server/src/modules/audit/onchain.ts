import { remarkHash, type Address, type Ledger, type TransactionLookup } from '@stoa/chain';
import { decodeAddress } from '@polkadot/util-crypto';
import type { ChainOperation } from '../operations/entity.js';

/** Where the chain holds an anchor's remark, as the chain itself reports it. */
export interface OnChain {
  blockNumber: number;
  txHash: string;
}

export type Confirmation = ({ ok: true } & OnChain) | { ok: false; reason: string };

/** A `system.Remarked` event sent by one of the platform's accounts. */
export interface PlatformRemark {
  block: number;
  hash: string;
}

function publicKey(address: string): string | null {
  try {
    return Buffer.from(decodeAddress(address)).toString('hex');
  } catch {
    return null;
  }
}

/**
 * Reads audit anchors back from the chain through the Ledger port. Nothing here trusts the
 * database's account of the chain beyond using it as a pointer: a transaction counts only if
 * the chain has it, signed by one of the platform's own accounts, carrying exactly the remark.
 */
export class AnchorChain {
  /** Lookups of included transactions: final, so each is read from the chain once per process. */
  private readonly included = new Map<string, TransactionLookup>();

  constructor(
    private readonly ledger: Ledger,
    /** The accounts whose remarks are anchors: the configured signers, not rows an attacker can edit. */
    private readonly platformAccounts: () => readonly Address[],
  ) {}

  isPlatformAccount(address: string): boolean {
    const key = publicKey(address);
    return key !== null && this.platformAccounts().some((a) => publicKey(a) === key);
  }

  /** Whether the chain holds `remark` as the transaction `op` says carried it. */
  async confirm(
    remark: string,
    op: Pick<ChainOperation, 'signer' | 'nonce' | 'receipt'> | undefined,
  ): Promise<Confirmation> {
    if (!op) return { ok: false, reason: 'the record of the operation that carried it is gone' };
    if (!this.isPlatformAccount(op.signer)) {
      return { ok: false, reason: "it names a sender that is not one of the platform's accounts" };
    }
    if (op.nonce === null || !op.receipt) {
      return { ok: false, reason: 'its operation has no record of where it landed' };
    }
    const block = op.receipt.blockNumber;
    const found = await this.lookup(op.signer, op.nonce, block);
    if (!found) return { ok: false, reason: `the chain has no such transaction in block ${block}` };
    if (found.status === 'failed') return { ok: false, reason: `the chain refused that transaction` };
    const hash = remarkHash(remark);
    const carried = found.receipt.events.some(
      (e) => e.module === 'system' && e.name === 'Remarked' && e.data['hash'] === hash,
    );
    if (!carried) {
      return { ok: false, reason: `the transaction in block ${block} carries a different remark` };
    }
    return { ok: true, blockNumber: found.receipt.blockNumber, txHash: found.receipt.txHash };
  }

  /** The chain's final height now: scans stop here so what they find was recorded before. */
  async finalizedHeight(): Promise<number> {
    return (await this.ledger.info()).finalizedHeight;
  }

  /** Every remark the platform's accounts sent in blocks `fromBlock`..`toBlock`. */
  async platformRemarks(fromBlock: number, toBlock: number): Promise<PlatformRemark[]> {
    const found: PlatformRemark[] = [];
    // Past blocks are delivered before subscribeEvents resolves; stopping then ends the scan.
    const stop = await this.ledger.subscribeEvents(fromBlock, (e) => {
      if (e.block > toBlock || e.module !== 'system' || e.name !== 'Remarked') return;
      const sender = e.data['sender'];
      const hash = e.data['hash'];
      if (typeof sender === 'string' && typeof hash === 'string' && this.isPlatformAccount(sender)) {
        found.push({ block: e.block, hash });
      }
    });
    stop();
    return found;
  }

  private async lookup(signer: string, nonce: number, block: number): Promise<TransactionLookup | null> {
    const key = `${signer}|${nonce}|${block}`;
    const cached = this.included.get(key);
    if (cached) return cached;
    const found = await this.ledger.findTransaction(signer, nonce, { fromBlock: block, toBlock: block });
    if (found) this.included.set(key, found);
    return found;
  }
}
