import type { Ledger } from '@stoa/chain';

/**
 * The chain's time, which its rules (claim expiries, lock-ups, offering windows) are judged by: on
 * a node its latest block's, on the embedded ledger its clock — ahead of the wall clock once the
 * development clock has moved. The wall clock stands in while the chain cannot be read.
 */
export async function chainNow(ledger: Ledger): Promise<Date> {
  try {
    return new Date((await ledger.info()).time);
  } catch {
    return new Date();
  }
}
