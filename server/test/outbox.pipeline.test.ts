import { randomBytes } from 'node:crypto';
import { LedgerError, type Ledger, type LedgerCall } from '@stoa/chain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { FILLER_REMARK_PREFIX, FILLER_SUBJECT } from '../src/modules/operations/service.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { remarks } from './support/faulty-ledger.js';

type Hook = (call: LedgerCall, send: () => Promise<unknown>) => Promise<unknown>;

/** The shared ledger with a hook around `submit`, and how many submissions were open at once. */
function around(inner: Ledger, hook: Hook): { ledger: Ledger; maxInFlight: () => number } {
  let inFlight = 0;
  let max = 0;
  const ledger = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'submit') {
        return async (...args: Parameters<Ledger['submit']>) => {
          inFlight++;
          max = Math.max(max, inFlight);
          try {
            return await hook(args[0], () => target.submit(...args));
          } finally {
            inFlight--;
          }
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ledger, maxInFlight: () => max };
}

const remarkOf = (call: LedgerCall) => (call.name === 'system.remark' ? String(call.args.remark) : '');

describe('outbox pipeline: several transactions of one signer in flight', () => {
  let env: TestEnv;
  let alice: string;

  beforeAll(async () => {
    env = await createTestEnv();
    alice = await env.ledger.addSigner({ uri: '//Alice' });
  });
  afterAll(async () => {
    await env.close();
  });

  const load = (ids: string[]) =>
    env.db.orm.em.fork().find(ChainOperation, { id: { $in: ids } }, { orderBy: { createdAt: 'asc' } });

  /** Records `texts` as remarks of Alice in one transaction (so they keep this order). */
  async function recordRemarks(
    app: Awaited<ReturnType<TestEnv['app']>>,
    run: string,
    texts: string[],
  ): Promise<ChainOperation[]> {
    return env.db.orm.em.fork().transactional(async (tx) => {
      const out: ChainOperation[] = [];
      for (const [i, text] of texts.entries()) {
        out.push(
          await app.services.operations.record(tx, {
            idempotencyKey: `${run}-${i}`,
            call: { name: 'system.remark', args: { remark: `${run} ${text}` } },
            signer: alice,
            requestedBy: 'test',
          }),
        );
      }
      return out;
    });
  }

  async function onChain(run: string): Promise<string[]> {
    return (await remarks(env.ledger))
      .map((e) => String(e.data.remark))
      .filter((r) => r.startsWith(`${run} `));
  }

  it('sends a window at once with consecutive nonces in the order the operations were recorded', async () => {
    const probe = around(env.ledger, (_call, send) => send());
    const app = await env.app({ ledger: probe.ledger });
    const run = `window-${randomBytes(3).toString('hex')}`;
    const before = await env.ledger.nonce(alice);
    const ops = await recordRemarks(
      app,
      run,
      Array.from({ length: 12 }, (_, i) => `op ${i}`),
    );
    await app.services.operations.process(ops[0]!.id);
    const rows = await load(ops.map((o) => o.id));
    expect(rows.map((r) => r.status)).toEqual(rows.map(() => 'finalised'));
    expect(rows.map((r) => r.nonce)).toEqual(rows.map((_, i) => before + i));
    expect(rows.map((r) => r.attempts)).toEqual(rows.map(() => 1));
    // Not one at a time: later transactions went out before earlier ones were final.
    expect(probe.maxInFlight()).toBeGreaterThan(1);
    expect(await onChain(run)).toEqual(ops.map((_, i) => `${run} op ${i}`));
  });

  it('fills the nonce of a refusal before inclusion and applies every later operation once', async () => {
    const refused = new Set<string>();
    const probe = around(env.ledger, async (call, send) => {
      if (remarkOf(call).endsWith('refuse me')) {
        refused.add(remarkOf(call));
        // Refused before inclusion (as a fee or admission check does): nothing sent, nonce free.
        throw new LedgerError('InsufficientPolyx', 'cannot pay the fee', 'transactionPayment');
      }
      return send();
    });
    const app = await env.app({ ledger: probe.ledger });
    const run = `refusal-${randomBytes(3).toString('hex')}`;
    const before = await env.ledger.nonce(alice);
    const ops = await recordRemarks(app, run, ['a', 'b', 'refuse me', 'c', 'd', 'e']);
    await app.services.operations.process(ops[0]!.id);
    // Later operations may have ended without an outcome (a chain without a pool refuses the
    // nonces above the gap); the next runs look them up and finish them.
    for (let i = 0; i < 5; i++)
      await app.services.operations.sweep().then(() => app.services.operations.process(ops[0]!.id));

    const rows = await load(ops.map((o) => o.id));
    const byText = new Map(rows.map((r) => [remarkOf(r.call), r]));
    const bad = byText.get(`${run} refuse me`)!;
    expect(bad).toMatchObject({ status: 'failed', errorCode: 'InsufficientPolyx', nonce: null });
    const good = rows.filter((r) => r !== bad);
    expect(good.map((r) => [r.status, r.errorCode])).toEqual(good.map(() => ['finalised', null]));
    // Each applied once, in the order recorded.
    expect(await onChain(run)).toEqual(['a', 'b', 'c', 'd', 'e'].map((t) => `${run} ${t}`));
    // The refused operation's nonce went to a filler remark, recorded as an operation of its own.
    const fillers = await env.db.orm.em
      .fork()
      .find(ChainOperation, { subjectType: FILLER_SUBJECT, signer: alice, nonce: before + 2 });
    expect(fillers).toHaveLength(1);
    expect(fillers[0]).toMatchObject({ status: 'finalised', kind: 'system.remark' });
    expect(remarkOf(fillers[0]!.call)).toBe(`${FILLER_REMARK_PREFIX}${before + 2}`);
    expect(await env.ledger.nonce(alice)).toBe(before + 6);
    for (const r of [...good, fillers[0]!]) {
      const found = await env.ledger.findTransaction(alice, r.nonce!);
      expect(found?.status === 'success' && found.receipt.txHash).toBe(r.receipt?.txHash);
    }
  });

  it('finishes a window with outcomes unknown in the middle, each operation applied once', async () => {
    const seen = new Set<string>();
    const probe = around(env.ledger, async (call, send) => {
      const text = remarkOf(call);
      const first = !seen.has(text);
      seen.add(text);
      if (first && text.endsWith('lost')) {
        await send(); // on chain, the answer lost
        throw new LedgerError('OutcomeUnknown', 'RPC request timed out');
      }
      if (first && text.endsWith('down')) throw new LedgerError('NotConnected', 'WebSocket is not connected');
      return send();
    });
    const app = await env.app({ ledger: probe.ledger });
    const run = `unknown-${randomBytes(3).toString('hex')}`;
    const before = await env.ledger.nonce(alice);
    const texts = ['a', 'lost', 'b', 'down', 'c', 'd'];
    const ops = await recordRemarks(app, run, texts);
    for (let i = 0; i < 6; i++) await app.services.operations.process(ops[0]!.id).catch(() => undefined);
    const rows = await load(ops.map((o) => o.id));
    expect(rows.map((r) => r.status)).toEqual(texts.map(() => 'finalised'));
    expect(rows.map((r) => r.nonce)).toEqual(texts.map((_, i) => before + i));
    expect(await onChain(run)).toEqual(texts.map((t) => `${run} ${t}`));
    expect(await env.ledger.nonce(alice)).toBe(before + texts.length);
  });

  it('after a crash between the nonce statement and the sends, sends each recorded nonce once', async () => {
    const app = await env.app();
    const run = `crash-${randomBytes(3).toString('hex')}`;
    const before = await env.ledger.nonce(alice);
    const ops = await recordRemarks(app, run, ['a', 'b', 'c', 'd', 'e']);
    // What the window statement records; then the first two went out and the process died.
    const em = env.db.orm.em.fork();
    const rows = await load(ops.map((o) => o.id));
    for (const [i, r] of rows.entries()) {
      r.nonce = before + i;
      r.status = 'submitted';
      r.submittedAtBlock = (await env.ledger.info()).blockHeight;
      r.attempts = 1;
    }
    await em.upsertMany(rows);
    const sent = [
      await env.ledger.submit(rows[0]!.call, { signer: alice, nonce: before }),
      await env.ledger.submit(rows[1]!.call, { signer: alice, nonce: before + 1 }),
    ];
    const restarted = await env.app();
    await restarted.services.operations.process(ops[2]!.id);
    const done = await load(ops.map((o) => o.id));
    expect(done.map((r) => r.status)).toEqual(done.map(() => 'finalised'));
    expect(done.map((r) => r.nonce)).toEqual(done.map((_, i) => before + i));
    expect(done[0]!.receipt?.txHash).toBe(sent[0]!.txHash);
    expect(done[1]!.receipt?.txHash).toBe(sent[1]!.txHash);
    expect(await onChain(run)).toEqual(['a', 'b', 'c', 'd', 'e'].map((t) => `${run} ${t}`));
    expect(await env.ledger.nonce(alice)).toBe(before + 5);
  });

  it('fills a free nonce below a recorded one (a gap left by a lapsed worker) before sending it', async () => {
    const app = await env.app();
    const run = `gap-${randomBytes(3).toString('hex')}`;
    const before = await env.ledger.nonce(alice);
    const [op] = await recordRemarks(app, run, ['above the gap']);
    await env.db.orm.em
      .fork()
      .nativeUpdate(ChainOperation, { id: op!.id }, { nonce: before + 1, status: 'submitted', attempts: 1 });
    await app.services.operations.process(op!.id);
    const [row] = await load([op!.id]);
    expect(row).toMatchObject({ status: 'finalised', nonce: before + 1 });
    const filler = await env.db.orm.em
      .fork()
      .findOneOrFail(ChainOperation, { subjectType: FILLER_SUBJECT, signer: alice, nonce: before });
    expect(filler.status).toBe('finalised');
    expect(await onChain(run)).toEqual([`${run} above the gap`]);
    expect(await env.ledger.nonce(alice)).toBe(before + 2);
  });
});
