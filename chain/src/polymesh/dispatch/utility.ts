/*
 * utility.batch / batchAll / forceBatch over the prepared inner calls (pallets/utility, 7.0).
 * Inside `batchAll` the inner calls' chain calls are flattened (a nested `batch_all` is
 * filtered by the chain); inside `batch` and `forceBatch` an inner port call of several chain
 * calls goes as one nested `batch_all`, so it stays one item that succeeds or fails whole.
 * Results are read back per item from the markers the pallet emits: `ItemCompleted`,
 * `ItemFailed { error }`, `BatchInterrupted { index, error }`, `BatchCompleted`,
 * `BatchCompletedWithErrors`.
 */
import type { BatchItemResult, LedgerCall } from '../../calls.js';
import { MAX_BATCH_CALLS } from '../../calls.js';
import { LedgerError } from '../../errors.js';
import type { LedgerEvent } from '../../ledger.js';
import type {
  BatchMode,
  DispatchContext,
  Extrinsic,
  Prepared,
  PreparerTable,
  ResultContext,
} from './types.js';

/** How one chain call of a batch is shaped: a plain call, or a nested batch of chain calls. */
export type CallShape = { kind: 'call' } | { kind: 'batch'; mode: BatchMode; items: CallShape[] };

/** What became of one chain call of a batch, with the events it emitted. */
export type ChainItem = { ok: true; events: LedgerEvent[] } | { ok: false; error: unknown };

const MARKERS = new Set([
  'ItemCompleted',
  'ItemFailed',
  'BatchInterrupted',
  'BatchCompleted',
  'BatchCompletedWithErrors',
]);

function isMarker(e: LedgerEvent | undefined, name?: string): boolean {
  return (
    e !== undefined &&
    e.module === 'utility' &&
    MARKERS.has(e.name) &&
    (name === undefined || e.name === name)
  );
}

class Mismatch extends Error {}

/**
 * Reads the items of one batch from `events[pos..]` through its closing marker. Returns the
 * items (up to the interrupting one for `batch`) and the position after the batch's events.
 * Throws `Mismatch` when the events do not have the batch's shape.
 */
function readBatch(
  shapes: CallShape[],
  mode: BatchMode,
  events: LedgerEvent[],
  pos: number,
): { items: ChainItem[]; pos: number } {
  const items: ChainItem[] = [];
  for (const [index, shape] of shapes.entries()) {
    const start = pos;
    let end: number | null = null;
    if (shape.kind === 'batch') {
      try {
        end = readBatch(shape.items, shape.mode, events, pos).pos;
      } catch (err) {
        if (!(err instanceof Mismatch)) throw err;
        end = null; // a nested batch_all that failed left no events: the marker below says so
      }
      if (end !== null && !isMarker(events[end], 'ItemCompleted')) end = null;
    } else {
      let k = pos;
      while (k < events.length && !isMarker(events[k])) k += 1;
      if (isMarker(events[k], 'ItemCompleted')) end = k;
      else pos = k;
    }
    if (end !== null) {
      items.push({ ok: true, events: events.slice(start, end) });
      pos = end + 1;
      continue;
    }
    const marker = events[shape.kind === 'batch' ? start : pos];
    if (mode === 'forceBatch' && isMarker(marker, 'ItemFailed')) {
      items.push({ ok: false, error: marker?.data.error });
      pos = (shape.kind === 'batch' ? start : pos) + 1;
      continue;
    }
    if (mode === 'batch' && isMarker(marker, 'BatchInterrupted') && Number(marker?.data.index) === index) {
      items.push({ ok: false, error: marker?.data.error });
      return { items, pos: (shape.kind === 'batch' ? start : pos) + 1 };
    }
    throw new Mismatch(`utility: no outcome for item ${index} of a ${mode}`);
  }
  const closing = events[pos];
  const closes =
    isMarker(closing, 'BatchCompleted') ||
    (mode === 'forceBatch' && isMarker(closing, 'BatchCompletedWithErrors'));
  if (!closes) throw new Mismatch(`utility: a ${mode} without its closing event`);
  return { items, pos: pos + 1 };
}

/**
 * The chain items of a top-level batch, from the receipt's events (events before the first
 * item, such as fees, count as the first item's; events after the closing marker are ignored).
 */
export function readBatchItems(shapes: CallShape[], mode: BatchMode, events: LedgerEvent[]): ChainItem[] {
  try {
    return readBatch(shapes, mode, events, 0).items;
  } catch (err) {
    if (err instanceof Mismatch)
      throw new LedgerError('ValidationError', `Unreadable batch receipt: ${err.message}`, 'utility');
    throw err;
  }
}

/** The shape of a port call's chain calls inside a batch of `mode`. */
function shapesOf(p: Prepared, mode: BatchMode): CallShape[] {
  const own: CallShape = p.batch
    ? { kind: 'batch', mode: p.batch.mode, items: p.batch.items.flatMap((i) => shapesOf(i, p.batch!.mode)) }
    : { kind: 'call' };
  if (p.batch) return [own];
  if (p.calls.length === 1) return [{ kind: 'call' }];
  const calls: CallShape[] = p.calls.map(() => ({ kind: 'call' }));
  return mode === 'batchAll' ? calls : [{ kind: 'batch', mode: 'batchAll', items: calls }];
}

function itemError(
  error: unknown,
  p: Prepared,
  ctx: ResultContext,
): { code: LedgerError['code']; message: string } {
  const e = ctx.translate(error, p.otherError);
  return { code: e.code, message: e.message };
}

/** Per-port-item results of a batch, as the embedded ledger returns them. */
export function batchResult(
  mode: BatchMode,
  items: Prepared[],
  events: LedgerEvent[],
  ctx: ResultContext,
): { items: BatchItemResult[] } | { results: unknown[] } {
  const shapes = items.map((p) => shapesOf(p, mode));
  const chain = readBatchItems(shapes.flat(), mode, events);
  if (mode === 'batchAll') {
    let at = 0;
    const results = items.map((p, k) => {
      const own = chain.slice(at, at + (shapes[k]?.length ?? 0));
      at += shapes[k]?.length ?? 0;
      const evs = own.flatMap((c) => (c.ok ? c.events : []));
      return p.result(evs, ctx);
    });
    return { results };
  }
  const out: BatchItemResult[] = [];
  chain.forEach((c, k) => {
    const p = items[k];
    if (!p) return;
    out.push(
      c.ok
        ? { ok: true, result: p.result(c.events, ctx) ?? null }
        : { ok: false, error: itemError(c.error, p, ctx) },
    );
  });
  return { items: out };
}

type Prepare = (ctx: DispatchContext, call: LedgerCall) => Promise<Prepared>;

async function prepareBatch(
  ctx: DispatchContext,
  calls: LedgerCall[],
  mode: BatchMode,
  prepare: Prepare,
): Promise<Prepared> {
  if (!Array.isArray(calls)) throw new LedgerError('ValidationError', 'calls must be a list of calls');
  if (calls.length > MAX_BATCH_CALLS) {
    throw new LedgerError(
      'TooManyCalls',
      `${calls.length} calls in one batch; at most ${MAX_BATCH_CALLS}`,
      'utility',
    );
  }
  const items: Prepared[] = [];
  for (const call of calls) items.push(await prepare(ctx, call));
  const tx = ctx.tx.utility;
  let chainCalls: Extrinsic[];
  if (mode === 'batchAll') {
    chainCalls = items.flatMap((p) => p.calls);
  } else {
    chainCalls = items.map((p) => (p.calls.length === 1 && p.calls[0] ? p.calls[0] : tx.batchAll(p.calls)));
  }
  if (chainCalls.length > MAX_BATCH_CALLS) {
    throw new LedgerError(
      'TooManyCalls',
      `${chainCalls.length} chain calls in one batch; at most ${MAX_BATCH_CALLS}`,
      'utility',
    );
  }
  const call =
    mode === 'batch'
      ? tx.batch(chainCalls)
      : mode === 'batchAll'
        ? tx.batchAll(chainCalls)
        : tx.forceBatch(chainCalls);
  return {
    calls: [call],
    batch: { mode, items },
    result: (events, rctx) => batchResult(mode, items, events, rctx) as never,
  };
}

/** The utility preparers, given the dispatcher for their inner calls. */
export function utility(prepare: Prepare) {
  return {
    'utility.batch': async (ctx, { calls }) =>
      prepareBatch(ctx, calls, 'batch', prepare) as Promise<Prepared<'utility.batch'>>,
    'utility.batchAll': async (ctx, { calls }) =>
      prepareBatch(ctx, calls, 'batchAll', prepare) as Promise<Prepared<'utility.batchAll'>>,
    'utility.forceBatch': async (ctx, { calls }) =>
      prepareBatch(ctx, calls, 'forceBatch', prepare) as Promise<Prepared<'utility.forceBatch'>>,
  } satisfies PreparerTable<'utility'>;
}
