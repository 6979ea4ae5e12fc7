/**
 * Utility pallet (pallets/utility, Polymesh 7.0): `batch`, `batchAll`, `forceBatch`. Each inner
 * call is dispatched with the batch's origin through the same registry as a transaction's call,
 * in its own storage layer (a failing call leaves nothing); its events are kept only if it
 * succeeds. The batch pays one transaction fee, on the sum of the inner calls' weights plus its
 * own (fees.ts); each inner call's key permissions are checked as it is dispatched, and its
 * protocol fees charged inside it. The weight the batch reports after dispatch (its base for the
 * calls it ran plus what each used) sets what is refunded, even when a `batchAll` fails.
 */
import type { BatchItemResult, LedgerCall } from '../../calls.js';
import { MAX_BATCH_CALLS } from '../../calls.js';
import { LedgerError } from '../../errors.js';
import type { Chain } from '../chain.js';
import { BATCH_BASE, extrinsicOf } from '../fees.js';
import { argArray, invalid, type Origin, type RawEvent } from '../runtime.js';

const U = 'utility';
type Mode = 'batch' | 'batchAll' | 'forceBatch';

export class UtilityModule {
  constructor(private readonly chain: Chain) {
    const rt = chain.rt;
    rt.register('utility.batch', {
      handler: (o, a) => ({ items: this.run(o, a.calls, 'batch') as BatchItemResult[] }),
    });
    rt.register('utility.batchAll', {
      handler: (o, a) => ({ results: this.run(o, a.calls, 'batchAll') as unknown[] }),
    });
    rt.register('utility.forceBatch', {
      handler: (o, a) => ({ items: this.run(o, a.calls, 'forceBatch') as BatchItemResult[] }),
    });
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

  /**
   * Dispatches one inner call in its own layer; its events are returned on success, with the
   * weight it used (`extract_actual_weight`: what it reports, else its declared weight).
   */
  private dispatch(
    origin: Origin,
    call: LedgerCall,
  ):
    | { ok: true; result: unknown; events: RawEvent[]; weight: bigint }
    | { ok: false; err: unknown; weight: bigint } {
    const rt = this.chain.rt;
    const x = extrinsicOf(this.chain, call);
    if (call.name === 'utility.batchAll') {
      const err = new LedgerError('CallFiltered', 'utility.batchAll may not be nested in a batch', 'system');
      return { ok: false, err, weight: x.weight };
    }
    const outer = rt.postWeight;
    rt.postWeight = null;
    try {
      const result = rt.state.journal.atomic(() => rt.dispatch(origin, call));
      const used = rt.postWeight ?? x.actual ?? x.weight;
      return { ok: true, result, events: rt.takeEvents(), weight: used < x.weight ? used : x.weight };
    } catch (err) {
      rt.takeEvents();
      return { ok: false, err, weight: rt.postWeight ?? x.weight };
    } finally {
      rt.postWeight = outer;
    }
  }

  private run(origin: Origin, raw: unknown, mode: Mode): unknown[] {
    const rt = this.chain.rt;
    const calls = this.calls(raw);
    // Events of the batch so far; an inner call's are added only once it succeeded.
    const kept: RawEvent[] = rt.takeEvents();
    const out: unknown[] = [];
    let failed = false;
    const base = BATCH_BASE[`utility.${mode}`] as (c: number) => bigint;
    let used = 0n;
    try {
      for (const [index, call] of calls.entries()) {
        const item = this.dispatch(origin, call);
        used += item.weight;
        if (item.ok) {
          kept.push(...item.events, { module: U, name: 'ItemCompleted', data: {} });
          out.push(mode === 'batchAll' ? item.result : { ok: true, result: item.result ?? null });
        } else {
          const err = item.err;
          rt.postWeight = base(index + 1) + used;
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
      rt.postWeight = base(calls.length) + used;
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
