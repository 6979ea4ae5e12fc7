import { LedgerError, type Ledger, type LedgerEvent } from '@stoa/chain';
import { seeded } from '../fuzz-inputs.js';

export type Fault =
  /** The transaction reaches the chain, the answer never reaches the caller (RPC timeout). */
  | 'lost-answer'
  /** The answer is lost and the error is not even a LedgerError (a library's own timeout). */
  | 'foreign-error'
  /** Sent and included, but the call never returns (a dropped subscription). */
  | 'hang'
  /** Nothing was sent: the connection was down. */
  | 'not-sent'
  /** `findTransaction` fails (a block could not be read). */
  | 'lookup-fails';

export interface FaultLog {
  injected: Record<Fault, number>;
}

/**
 * A ledger in front of a real one that loses answers the way a node connection does. Every
 * fault happens around a real submission, so what is on chain is always the truth to check
 * the outbox against.
 */
export function faultyLedger(
  inner: Ledger,
  opts: { rate: number; seed: number; faults: Fault[] },
): { ledger: Ledger; log: FaultLog } {
  const random = seeded(opts.seed);
  const log: FaultLog = {
    injected: { 'lost-answer': 0, 'foreign-error': 0, hang: 0, 'not-sent': 0, 'lookup-fails': 0 },
  };
  const pick = (allowed: Fault[]): Fault | null => {
    const usable = opts.faults.filter((f) => allowed.includes(f));
    if (usable.length === 0 || random() >= opts.rate) return null;
    // Each kind once before any repeats, so a run covers every fault whichever way the outbox's
    // concurrent sends and lookups interleave (the seed alone cannot promise that); then at random.
    const fresh = usable.filter((f) => log.injected[f] === 0);
    const from = fresh.length > 0 ? fresh : usable;
    const f = from[Math.floor(random() * from.length)]!;
    log.injected[f] += 1;
    return f;
  };
  const ledger = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'submit') {
        return async (...args: Parameters<Ledger['submit']>) => {
          const fault = pick(['lost-answer', 'foreign-error', 'hang', 'not-sent']);
          if (fault === 'not-sent') throw new LedgerError('NotConnected', 'WebSocket is not connected');
          const receipt = await target.submit(...args);
          if (fault === 'lost-answer') throw new LedgerError('OutcomeUnknown', 'RPC request timed out');
          if (fault === 'foreign-error') throw new Error('socket hang up');
          if (fault === 'hang') return new Promise<never>(() => undefined);
          return receipt;
        };
      }
      if (prop === 'findTransaction') {
        return async (...args: Parameters<Ledger['findTransaction']>) => {
          if (pick(['lookup-fails'])) throw new Error('could not read block: connection reset');
          return target.findTransaction(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ledger, log };
}

/** Every `system.Remarked` event on the ledger so far. */
export async function remarks(ledger: Ledger): Promise<LedgerEvent[]> {
  const seen: LedgerEvent[] = [];
  const stop = await ledger.subscribeEvents(0, (e) => {
    if (e.module === 'system' && e.name === 'Remarked') seen.push(e);
  });
  stop();
  return seen;
}
