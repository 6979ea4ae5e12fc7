import { randomBytes } from 'node:crypto';
import { LedgerError, type Ledger, type LedgerCall } from '@stoa/chain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { FILLER_REMARK_PREFIX, FILLER_SUBJECT, OperationService } from '../src/modules/operations/service.js';
import { InlineQueue } from '../src/jobs/inline.js';
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
    subject?: { type: string; id: string },
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
            subject,
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

  it('records submissions arriving together in one group, and one conflict fails only its own caller', async () => {
    const app = await env.app();
    const run = `group-${randomBytes(3).toString('hex')}`;
    const input = (key: string, text: string) => ({
      idempotencyKey: `${run}-${key}`,
      call: { name: 'system.remark' as const, args: { remark: `${run} ${text}` } },
      signer: alice,
      requestedBy: 'test',
    });
    const taken = await app.services.operations.submit(input('taken', 'first use'));
    const results = await Promise.allSettled([
      app.services.operations.submit(input('a', 'a')),
      app.services.operations.submit(input('taken', 'a different call under a used key')),
      app.services.operations.submit(input('b', 'b')),
      app.services.operations.submit(input('a', 'a')), // the same key twice in one group
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
    const [a, , b, again] = results.map((r) => (r.status === 'fulfilled' ? r.value : null));
    expect(again!.id).toBe(a!.id);
    await app.services.operations.process(b!.id, alice);
    const rows = await load([taken.id, a!.id, b!.id]);
    expect(rows.map((r) => r.status)).toEqual(['finalised', 'finalised', 'finalised']);
    expect(await onChain(run)).toEqual([`${run} first use`, `${run} a`, `${run} b`]);
  });

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

  it('runs the hooks of outcomes recorded together as if each had its own transaction', async () => {
    // Three submissions whose answers are held until all three are out, then given in one
    // turn: their outcomes are recorded in one group.
    const held: (() => void)[] = [];
    const probe = around(env.ledger, async (_call, send) => {
      const receipt = await send();
      await new Promise<void>((release) => {
        held.push(release);
        if (held.length === 3) for (const r of held.splice(0)) r();
      });
      return receipt;
    });
    const app = await env.app({ ledger: probe.ledger });
    const run = `hooks-${randomBytes(3).toString('hex')}`;
    const seen: number[] = [];
    // "Is any other operation of this subject still open?": the last one to finish sees none.
    app.services.operations.onFinal(run, async (tx, op) => {
      seen.push(
        await tx.count(ChainOperation, {
          subjectType: run,
          subjectId: run,
          id: { $ne: op.id },
          status: { $nin: ['finalised', 'failed'] },
        }),
      );
    });
    const ops = await recordRemarks(app, run, ['0', '1', '2'], { type: run, id: run });
    await app.services.operations.process(ops[0]!.id);
    expect((await load(ops.map((o) => o.id))).map((r) => r.status)).toEqual(ops.map(() => 'finalised'));
    expect(probe.maxInFlight()).toBe(3);
    expect(seen).toEqual([2, 1, 0]);
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

describe('outbox pipeline: losing the lease mid-window', () => {
  let env: TestEnv;
  let alice: string;
  beforeAll(async () => {
    env = await createTestEnv();
    alice = await env.ledger.addSigner({ uri: '//Alice' });
  });
  afterAll(async () => {
    await env.close();
  });

  it('records what it had in flight, sends nothing more, and the next holder sends the rest once', async () => {
    const app = await env.app();
    const run = `lease-${randomBytes(3).toString('hex')}`;
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const probe = around(env.ledger, async (call, send) => {
      if (remarkOf(call).endsWith(' 1')) await held; // the second transaction's answer is slow
      return send();
    });
    // A worker of its own with a short lease (renewed every 100 ms) and a window of 2.
    const queue = new InlineQueue();
    const worker = new OperationService(env.db.orm, probe.ledger, queue, app.services.audit, app.log, {
      instanceId: 'worker-a',
      leaseTtlMs: 300,
      window: 2,
      batchSize: 1,
    });
    worker.keys.markLoaded(alice); // the ledger holds Alice's key already
    const before = await env.ledger.nonce(alice);
    const ops = await env.db.orm.em.fork().transactional(async (tx) => {
      const out: ChainOperation[] = [];
      for (let i = 0; i < 4; i++) {
        out.push(
          await worker.record(tx, {
            idempotencyKey: `${run}-${i}`,
            call: { name: 'system.remark', args: { remark: `${run} ${i}` } },
            signer: alice,
            requestedBy: 'test',
          }),
        );
      }
      return out;
    });
    const running = worker.process(ops[0]!.id, alice);
    await expect.poll(async () => (await load(env, [ops[0]!.id]))[0]!.status).toBe('finalised');
    // Another instance takes the lease over (as after a stall longer than its time to live).
    await env.db.orm.em
      .fork()
      .getConnection()
      .execute(
        `update signer_lease set holder = 'worker-b', expires_at = now() + interval '1 hour' where signer = ?`,
        [alice],
      );
    await new Promise((r) => setTimeout(r, 400)); // a renewal finds the lease gone
    release();
    await expect(running).rejects.toThrow(/lost the lease/);
    const mid = await load(
      env,
      ops.map((o) => o.id),
    );
    // What was in flight is recorded; nothing after it was sent.
    expect(mid.map((r) => [r.status, r.nonce])).toEqual([
      ['finalised', before],
      ['finalised', before + 1],
      ['pending', null],
      ['pending', null],
    ]);
    expect(await env.ledger.nonce(alice)).toBe(before + 2);

    // worker-b's lease ends; the next holder sends the rest, each once, in order.
    await env.db.orm.em.fork().getConnection().execute(`delete from signer_lease where signer = ?`, [alice]);
    await app.services.operations.process(ops[2]!.id);
    const done = await load(
      env,
      ops.map((o) => o.id),
    );
    expect(done.map((r) => [r.status, r.nonce])).toEqual(done.map((_, i) => ['finalised', before + i]));
    const seen = (await remarks(env.ledger))
      .map((e) => String(e.data.remark))
      .filter((r) => r.startsWith(run));
    expect(seen).toEqual([0, 1, 2, 3].map((i) => `${run} ${i}`));
    await queue.close();
  });
});

const load = (env: TestEnv, ids: string[]) =>
  env.db.orm.em.fork().find(ChainOperation, { id: { $in: ids } }, { orderBy: { createdAt: 'asc' } });

describe('outbox batches: batchable operations of one signer share one utility.forceBatch', () => {
  let env: TestEnv;
  let alice: string;

  beforeAll(async () => {
    env = await createTestEnv();
    alice = await env.ledger.addSigner({ uri: '//Alice' });
  });
  afterAll(async () => {
    await env.close();
  });

  const batching = () => env.app({ config: { outbox: { ...env.config.outbox, batchSize: 50 } } });
  const load = (ids: string[]) =>
    env.db.orm.em.fork().find(ChainOperation, { id: { $in: ids } }, { orderBy: { createdAt: 'asc' } });

  async function record(
    app: Awaited<ReturnType<TestEnv['app']>>,
    run: string,
    calls: LedgerCall[],
    subject?: string,
  ): Promise<ChainOperation[]> {
    return env.db.orm.em.fork().transactional(async (tx) => {
      const out: ChainOperation[] = [];
      for (const [i, call] of calls.entries()) {
        out.push(
          await app.services.operations.record(tx, {
            idempotencyKey: `${run}-${i}`,
            call,
            signer: alice,
            requestedBy: 'test',
            ...(subject ? { subject: { type: subject, id: `${run}-${i}` } } : {}),
          }),
        );
      }
      return out;
    });
  }
  const remark = (text: string): LedgerCall => ({ name: 'system.remark', args: { remark: text } });

  async function onChain(run: string): Promise<string[]> {
    return (await remarks(env.ledger))
      .map((e) => String(e.data.remark))
      .filter((r) => r.startsWith(`${run} `));
  }

  it('coalesces consecutive batchable operations, each keeping its own outcome and hook', async () => {
    const app = await batching();
    const run = `batch-${randomBytes(3).toString('hex')}`;
    const stranger = await env.ledger.addSigner({ uri: `//stranger-${run}` });
    const hooked: string[] = [];
    app.services.operations.onFinal(`probe-${run}`, async (_tx, op) => {
      hooked.push(`${op.idempotencyKey}:${op.status}`);
    });
    const before = await env.ledger.nonce(alice);
    const ticker = `T${randomBytes(3).toString('hex').toUpperCase()}`;
    const ops = await record(
      app,
      run,
      [
        remark(`${run} a`),
        remark(`${run} b`),
        { name: 'balances.transfer', args: { to: stranger, amount: '1' } }, // no CDD: refused
        remark(`${run} c`),
        { name: 'asset.registerUniqueTicker', args: { ticker } }, // not batchable: alone
        remark(`${run} d`),
      ],
      `probe-${run}`,
    );
    await app.services.operations.process(ops[0]!.id);
    const rows = await load(ops.map((o) => o.id));
    expect(rows.map((r) => [r.status, r.nonce, r.batchIndex, r.batchSize, r.errorCode])).toEqual([
      ['finalised', before, 0, 4, null],
      ['finalised', before, 1, 4, null],
      ['failed', before, 2, 4, 'ReceiverCddMissing'],
      ['finalised', before, 3, 4, null],
      ['finalised', before + 1, 0, null, null],
      ['finalised', before + 2, 0, null, null],
    ]);
    // One transaction for the first four: one receipt, each with its own result.
    expect(new Set(rows.slice(0, 4).map((r) => r.receipt?.txHash)).size).toBe(1);
    expect(rows[0]!.result).toMatchObject({ hash: expect.any(String) });
    expect(rows[0]!.result).not.toEqual(rows[1]!.result);
    const found = await env.ledger.findTransaction(alice, before);
    expect(found?.status === 'success' && found.receipt.events.map((e) => e.name)).toContain(
      'BatchCompletedWithErrors',
    );
    expect(await onChain(run)).toEqual(['a', 'b', 'c', 'd'].map((t) => `${run} ${t}`));
    expect(await env.ledger.nonce(alice)).toBe(before + 3);
    expect(hooked.sort()).toEqual(rows.map((r) => `${r.idempotencyKey}:${r.status}`).sort());
  });

  it('after a crash, finds a sent batch by its nonce and resends nothing', async () => {
    const app = await batching();
    const run = `batch-sent-${randomBytes(3).toString('hex')}`;
    const before = await env.ledger.nonce(alice);
    const ops = await record(app, run, [remark(`${run} a`), remark(`${run} b`), remark(`${run} c`)]);
    const em = env.db.orm.em.fork();
    const rows = await load(ops.map((o) => o.id));
    rows.forEach((r, i) =>
      Object.assign(r, { nonce: before, batchIndex: i, batchSize: 3, status: 'submitted', attempts: 1 }),
    );
    await em.upsertMany(rows);
    const sent = await env.ledger.submit(
      { name: 'utility.forceBatch', args: { calls: rows.map((r) => r.call) } },
      { signer: alice, nonce: before },
    );
    const restarted = await batching();
    await restarted.services.operations.process(ops[1]!.id);
    const done = await load(ops.map((o) => o.id));
    expect(done.map((r) => [r.status, r.receipt?.txHash])).toEqual(
      done.map(() => ['finalised', sent.txHash]),
    );
    expect(await onChain(run)).toEqual(['a', 'b', 'c'].map((t) => `${run} ${t}`));
    expect(await env.ledger.nonce(alice)).toBe(before + 1);
  });

  it('after a crash before sending, sends the recorded batch once, whole and in order', async () => {
    const app = await batching();
    const run = `batch-unsent-${randomBytes(3).toString('hex')}`;
    const before = await env.ledger.nonce(alice);
    const ops = await record(app, run, [remark(`${run} a`), remark(`${run} b`), remark(`${run} c`)]);
    const em = env.db.orm.em.fork();
    const rows = await load(ops.map((o) => o.id));
    rows.forEach((r, i) =>
      Object.assign(r, { nonce: before, batchIndex: i, batchSize: 3, status: 'submitted', attempts: 1 }),
    );
    await em.upsertMany(rows);
    const restarted = await batching();
    await restarted.services.operations.process(ops[2]!.id);
    const done = await load(ops.map((o) => o.id));
    expect(done.map((r) => [r.status, r.nonce, r.batchIndex])).toEqual(
      done.map((_, i) => ['finalised', before, i]),
    );
    expect(new Set(done.map((r) => r.receipt?.txHash)).size).toBe(1);
    expect(await onChain(run)).toEqual(['a', 'b', 'c'].map((t) => `${run} ${t}`));
    expect(await env.ledger.nonce(alice)).toBe(before + 1);
  });

  it('a batch refused whole before inclusion: its operations go alone, and only the bad one fails', async () => {
    // An adapter's pre-check refuses the whole extrinsic for one malformed call (on a node: an
    // argument that does not encode), before inclusion: the nonce stays free.
    const poisoned = (call: LedgerCall): boolean =>
      JSON.stringify(call).includes('poison') &&
      (call.name === 'utility.forceBatch' || call.name === 'system.remark');
    const refusing = new Proxy(env.ledger, {
      get(target, prop, receiver) {
        if (prop === 'submit')
          return async (...args: Parameters<Ledger['submit']>) => {
            if (poisoned(args[0])) throw new LedgerError('ValidationError', 'calls/1: cannot be encoded');
            return target.submit(...args);
          };
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const app = await env.app({
      ledger: refusing,
      config: { outbox: { ...env.config.outbox, batchSize: 50 } },
    });
    const run = `split-${randomBytes(3).toString('hex')}`;
    const before = await env.ledger.nonce(alice);
    const fillersBefore = (await remarks(env.ledger)).filter((e) =>
      String(e.data.remark).startsWith(FILLER_REMARK_PREFIX),
    ).length;
    const ops = await record(app, run, [remark(`${run} a`), remark(`${run} poison`), remark(`${run} c`)]);
    await app.services.operations.process(ops[0]!.id);
    const rows = await load(ops.map((o) => o.id));
    expect(rows.map((r) => [r.status, r.solo, r.batchSize])).toEqual([
      ['finalised', true, null],
      ['failed', true, null],
      ['finalised', true, null],
    ]);
    expect(rows[1]!.errorCode).toBe('ValidationError');
    // Each good remark is on chain once; neither refusal used a nonce (a refusal under a later
    // nonce already sent is filled by a filler remark).
    expect((await onChain(run)).sort()).toEqual([`${run} a`, `${run} c`]);
    const fillers = (await remarks(env.ledger)).filter((e) =>
      String(e.data.remark).startsWith(FILLER_REMARK_PREFIX),
    ).length;
    expect(await env.ledger.nonce(alice)).toBe(before + 2 + (fillers - fillersBefore));
  });

  it('two operations can never hold one nonce as two transactions (the unique index)', async () => {
    const app = await batching();
    const run = `fence-${randomBytes(3).toString('hex')}`;
    const ops = await record(app, run, [remark(`${run} a`), remark(`${run} b`)]);
    const em = env.db.orm.em.fork();
    await em.nativeUpdate(ChainOperation, { id: ops[0]!.id }, { nonce: 999_999, status: 'submitted' });
    await expect(
      em.nativeUpdate(ChainOperation, { id: ops[1]!.id }, { nonce: 999_999, status: 'submitted' }),
    ).rejects.toThrow(/unique|duplicate/i);
    await em.nativeUpdate(ChainOperation, { id: ops[0]!.id }, { nonce: null, status: 'pending' });
  });
});
