import type { ApiPromise } from '@polkadot/api';
import type { Polymesh } from '@polymeshassociation/polymesh-sdk';
import type { Address } from '../../ledger.js';
import { isSdkNotFound } from '../errors.js';

/** What the SDK-backed queries need: the client, its polkadot api, and the chain's address format. */
export interface QueryContext {
  sdk: Polymesh;
  api: ApiPromise;
  /** The chain's SS58 encoding of an address (the SDK insists on it). */
  chainAddress(address: Address): string;
}

/**
 * The SDK's answer, or null when the SDK says the entity does not exist (`DataUnavailable`).
 * Every other failure (an RPC error, a dropped connection) propagates: it is not absence.
 */
export async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (isSdkNotFound(err)) return null;
    throw err;
  }
}
