/**
 * Creates the ledger under test: the embedded ledger by default, a real node through the SDK
 * adapter when POLYMESH_NODE_URL is set. Scenarios use only the `Ledger` port plus the helpers
 * below; clock-dependent scenarios use `itClock`, which skips on a real node.
 */
import { randomUUID } from 'node:crypto';
import { it } from 'vitest';
import { createLedger, LedgerError, unitsOf } from '../../src/index.js';
import type {
  Address,
  AssetId,
  Claim,
  Did,
  KeyPermissions,
  Ledger,
  LedgerCall,
  LedgerErrorCode,
  Receipt,
  CallName,
  CallResult,
} from '../../src/index.js';
import { EmbeddedLedger, type EmbeddedLedgerOptions } from '../../src/embedded/index.js';

export const NODE_URL = process.env['POLYMESH_NODE_URL'];
export const ON_NODE = NODE_URL !== undefined && NODE_URL !== '';
/** Scenarios that move the chain's clock run on the embedded ledger only. */
export const itClock = it.skipIf(ON_NODE);
export const itEmbedded = it.skipIf(ON_NODE);

const DAY = 24 * 3600 * 1000;
export { DAY };

/** POLYX each `investor()` gets for its fees (about 100 transactions of the dearest kind). */
export const INVESTOR_POLYX = '100';

/** A POLYX decimal as units (1 POLYX = 1,000,000). */
export function units(decimal: string): bigint {
  const [whole = '0', fraction = ''] = decimal.split('.');
  return unitsOf(whole, fraction);
}

/** The transaction fee a receipt's `transactionPayment.TransactionFeePaid` says was paid, in units. */
export function feePaid(receipt: Receipt): bigint {
  return receipt.events
    .filter((e) => e.module === 'transactionPayment' && e.name === 'TransactionFeePaid')
    .reduce((n, e) => n + units(String(e.data['actualFee'])), 0n);
}

export interface Party {
  address: Address;
  did: Did;
}

export class Harness {
  /** //Alice: a secondary key of the dev DID, which is the CDD provider. */
  alice!: Address;
  aliceDid!: Did;

  private constructor(
    readonly ledger: Ledger,
    /** The embedded ledger (clock control), null on a real node. */
    readonly embedded: EmbeddedLedger | null,
  ) {}

  static async create(opts: EmbeddedLedgerOptions = {}): Promise<Harness> {
    const ledger = ON_NODE
      ? await createLedger({ nodeUrl: NODE_URL, signers: ['//Alice'] })
      : await EmbeddedLedger.open({
          clock: 'manual',
          genesisTime: Date.parse('2025-01-01T00:00:00Z'),
          ...opts,
        });
    const h = new Harness(ledger, ledger instanceof EmbeddedLedger ? ledger : null);
    h.alice = await ledger.addSigner({ uri: '//Alice' });
    h.aliceDid = (await ledger.identityOf(h.alice)) as Did;
    return h;
  }

  async close(): Promise<void> {
    await this.ledger.close();
  }

  submit<K extends CallName>(signer: Address, call: LedgerCall<K>): Promise<Receipt<CallResult<K>>> {
    return this.ledger.submit(call, { signer });
  }

  /** Expects the call to be refused with `code`. */
  async refuse<K extends CallName>(
    signer: Address,
    call: LedgerCall<K>,
    code: LedgerErrorCode,
  ): Promise<LedgerError> {
    try {
      await this.ledger.submit(call, { signer });
    } catch (err) {
      if (!LedgerError.is(err)) throw err;
      if (err.code !== code)
        throw new Error(`expected ${code}, got ${err.code}: ${err.message}`, { cause: err });
      return err;
    }
    throw new Error(`expected ${code}, but ${call.name} succeeded`);
  }

  /** Free POLYX of an account, in units. */
  async polyx(address: Address): Promise<bigint> {
    return units((await this.ledger.polyxBalance(address)).free);
  }

  /** POLYX from //Alice to a linked account (e.g. a secondary key, which pays its own fees). */
  async fund(address: Address, polyx = INVESTOR_POLYX): Promise<void> {
    await this.submit(this.alice, { name: 'balances.transfer', args: { to: address, amount: polyx } });
  }

  advance(ms: number): void {
    if (!this.embedded) throw new Error('clock control needs the embedded ledger');
    this.embedded.advanceTime(ms);
  }

  async now(): Promise<number> {
    return Date.parse((await this.ledger.info()).time);
  }

  async isoIn(ms: number): Promise<string> {
    return new Date((await this.now()) + ms).toISOString();
  }

  /**
   * A secondary key of `owner` with `permissions` (omitted: full), invited by the primary key,
   * joined, and funded: a secondary key pays its own fees.
   */
  async secondaryKey(owner: Party, permissions?: Partial<KeyPermissions>, polyx = '10'): Promise<Address> {
    const key = await this.account();
    const inv = await this.submit(owner.address, {
      name: 'identity.inviteAccount',
      args: { targetAccount: key, ...(permissions ? { permissions } : {}) },
    });
    await this.submit(key, { name: 'identity.acceptAuthorization', args: { authId: inv.result.authId } });
    if (Number(polyx) > 0) await this.fund(key, polyx);
    return key;
  }

  /** A fresh account with a key held by the ledger, no identity. */
  async account(): Promise<Address> {
    return this.ledger.addSigner({ uri: `//stoa-test/${randomUUID()}` });
  }

  /**
   * A fresh account with a DID, (by default) a CDD claim from the dev CDD provider, and
   * `INVESTOR_POLYX` to pay its transaction fees, as on a node; `polyx: '0'` leaves it unfunded.
   */
  async investor(opts: { cdd?: boolean; expiry?: string; polyx?: string } = {}): Promise<Party> {
    const address = await this.account();
    const r = await this.submit(this.alice, {
      name: 'identity.cddRegisterDid',
      args: {
        targetAccount: address,
        cddClaim: opts.cdd ?? true,
        ...(opts.expiry ? { expiry: opts.expiry } : {}),
      },
    });
    const polyx = opts.polyx ?? INVESTOR_POLYX;
    // A transfer needs the receiver's CDD: an identity without it stays unfunded.
    if (Number(polyx) > 0 && (opts.cdd ?? true))
      await this.submit(this.alice, { name: 'balances.transfer', args: { to: address, amount: polyx } });
    return { address, did: r.result.did };
  }

  /** An issuer with enough POLYX to create assets. */
  issuer(): Promise<Party> {
    return this.investor({ polyx: '100000' });
  }

  async createAsset(issuer: Party, opts: { divisible?: boolean; name?: string } = {}): Promise<AssetId> {
    const r = await this.submit(issuer.address, {
      name: 'asset.createAsset',
      args: {
        name: opts.name ?? 'Stoa Test Equity',
        assetType: 'EquityCommon',
        divisible: opts.divisible ?? true,
      },
    });
    return r.result.assetId;
  }

  async issue(issuer: Party, assetId: AssetId, amount: string): Promise<void> {
    await this.submit(issuer.address, { name: 'asset.issue', args: { assetId, amount } });
  }

  async claim(issuer: Party | Address, target: Did, claim: Claim, expiry?: string): Promise<void> {
    const signer = typeof issuer === 'string' ? issuer : issuer.address;
    await this.submit(signer, {
      name: 'identity.addClaim',
      args: { target, claim, ...(expiry ? { expiry } : {}) },
    });
  }

  /**
   * Gives `holder` a balance without settlement (not part of the port yet): the holder becomes
   * a temporary PIA agent, issues to itself and abdicates — balances, supply and statistics
   * change exactly as for an issuance to that holder.
   */
  async seedHolder(issuer: Party, assetId: AssetId, holder: Party, amount: string): Promise<void> {
    const auth = await this.submit(issuer.address, {
      name: 'externalAgents.addAuthorization',
      args: { assetId, target: holder.did, group: { type: 'PolymeshV1PIA' } },
    });
    await this.submit(holder.address, {
      name: 'identity.acceptAuthorization',
      args: { authId: auth.result.authId },
    });
    await this.submit(holder.address, { name: 'asset.issue', args: { assetId, amount } });
    await this.submit(holder.address, { name: 'externalAgents.abdicate', args: { assetId } });
  }
}
