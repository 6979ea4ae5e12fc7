/**
 * Utility pallet (pallets/utility, Polymesh 7.0): `batch`, `batchAll`, `forceBatch`. Each inner
 * call is dispatched with the batch's origin through the same registry as a transaction's call,
 * in its own storage layer (a failing call leaves nothing); its events are kept only if it
 * succeeds. Fees are the inner calls' own, charged with the batch's fee before dispatch.
 */
import type { BatchItemResult, LedgerCall } from '../../calls.js';
import { MAX_BATCH_CALLS } from '../../calls.js';
import { LedgerError } from '../../errors.js';
import type { Chain } from '../chain.js';
import { argArray, invalid, type Origin, type RawEvent } from '../runtime.js';

const U = 'utility';
type Mode = 'batch' | 'batchAll' | 'forceBatch';

export class UtilityModule {
  constructor(private readonly chain: Chain) {
    const rt = chain.rt;
    const fee = (o: Origin, a: { calls: LedgerCall[] }) => this.fee(o, a);
    rt.register('utility.batch', {
      handler: (o, a) => ({ items: this.run(o, a.calls, 'batch') as BatchItemResult[] }),
      fee,
    });
    rt.register('utility.batchAll', {
      handler: (o, a) => ({ results: this.run(o, a.calls, 'batchAll') as unknown[] }),
      fee,
    });
    rt.register('utility.forceBatch', {
      handler: (o, a) => ({ items: this.run(o, a.calls, 'forceBatch') as BatchItemResult[] }),
      fee,
    });
  }

  /** Σ of the inner calls' fees (a call whose fee rule cannot price its arguments costs 0). */
  private fee(origin: Origin, args: { calls: LedgerCall[] }): bigint {
    let total = 0n;
    if (!Array.isArray(args?.calls)) return 0n;
    for (const call of args.calls) {
      const def = this.chain.rt.call(call?.name);
      try {
        total += def?.fee?.(origin, call.args ?? {}) ?? 0n;
      } catch {
        // malformed arguments: the inner dispatch refuses them
      }
    }
    return total;
  }

  private calls(v: unknown): LedgerCall[] {
    const calls = argArray<LedgerCall>(v, 'calls');
    if (calls.length > MAX_BATCH_CALLS) {
      throw new LedgerError(
        'TooManyCalls',
        `${calls.length} calls in one batch; at most ${MAX_BATCH_CALLS}`,
        U,
      );
    }
    calls.forEach((c, i) => {
      if (typeof c !== 'object' || c === null || typeof c.name !== 'string')
        invalid(`calls/${i}`, 'must be a call');
    });
    return calls;
  }

  /** Dispatches one inner call in its own layer; its events are returned on success. */
  private dispatch(origin: Origin, call: LedgerCall): { result: unknown; events: RawEvent[] } {
    const rt = this.chain.rt;
    if (call.name === 'utility.batchAll') {
      throw new LedgerError('CallFiltered', 'utility.batchAll may not be nested in a batch', 'system');
    }
    const def = rt.call(call.name);
    if (!def) throw new LedgerError('Unsupported', `unknown call ${String(call.name)}`);
    try {
      const result = rt.state.journal.atomic(() => def.handler(origin, call.args ?? {}));
      return { result, events: rt.takeEvents() };
    } catch (err) {
      rt.takeEvents();
      throw err;
    }
  }

  private run(origin: Origin, raw: unknown, mode: Mode): unknown[] {
    const rt = this.chain.rt;
    const calls = this.calls(raw);
    // Events of the batch so far; an inner call's are added only once it succeeded.
    const kept: RawEvent[] = rt.takeEvents();
    const out: unknown[] = [];
    let failed = false;
    try {
      for (const [index, call] of calls.entries()) {
        try {
          const { result, events } = this.dispatch(origin, call);
          kept.push(...events, { module: U, name: 'ItemCompleted', data: {} });
          out.push(mode === 'batchAll' ? result : { ok: true, result: result ?? null });
        } catch (err) {
          if (mode === 'batchAll') throw err;
          const e = LedgerError.is(err)
            ? err
            : new LedgerError('ValidationError', err instanceof Error ? err.message : String(err));
          const error = { code: e.code, message: e.message };
          out.push({ ok: false, error });
          failed = true;
          if (mode === 'batch') {
            kept.push({ module: U, name: 'BatchInterrupted', data: { index, error } });
            return out;
          }
          kept.push({ module: U, name: 'ItemFailed', data: { error } });
        }
      }
      kept.push({
        module: U,
        name: failed ? 'BatchCompletedWithErrors' : 'BatchCompleted',
        data: {},
      });
      return out;
    } finally {
      for (const e of kept) rt.emit(e.module, e.name, e.data);
    }
  }
}
