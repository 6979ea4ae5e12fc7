import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { auth, createTestEnv, QUEUE_MODES, type TestEnv } from './helpers.js';

const ALICE = '//Alice';

describe.each(QUEUE_MODES)('chain-operation outbox (%s queue)', (mode) => {
  let env: TestEnv;
  let alice: string;

  beforeAll(async () => {
    env = await createTestEnv();
    alice = await env.ledger.addSigner({ uri: ALICE });
  });
  afterAll(async () => {
    await env.close();
  });

  const load = (id: string) => env.db.orm.em.fork().findOneOrFail(ChainOperation, { id });

  it('answers 202, then finalises with a receipt and an audit trail', async () => {
    const queue = env.makeQueue(mode);
    const app = await env.app({ queue });
    const before = await env.ledger.nonce(alice);
    const res = await app.inject({
      method: 'POST',
      url: '/operations/remarks',
      headers: auth,
      payload: { remark: 'root:abc' },
    });
    expect(res.statusCode).toBe(202);
    const op = res.json();
    expect(op.status).toBe('pending');
    expect(res.headers.location).toBe(`/operations/${op.id}`);
    await queue.drain();

    const got = await app.inject({ method: 'GET', url: `/operations/${op.id}`, headers: auth });
    expect(got.json()).toMatchObject({
      status: 'finalised',
      nonce: before,
      error: null,
      kind: 'system.remark',
    });
    expect(got.json().receipt.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await env.ledger.nonce(alice)).toBe(before + 1);
    const found = await env.ledger.findTransaction(alice, before);
    expect(found?.status).toBe('success');

    const trail = await env.db.orm.em
      .fork()
      .find(AuditEntry, { subjectId: op.id }, { orderBy: { seq: 'asc' } });
    expect(trail.map((e) => e.action)).toEqual(['operation.requested', 'operation.finalised']);
    await queue.close();
  });

  // The outbox's own guarantee, beneath the Idempotency-Key header (idempotency.journey.test.ts).
  const remark = (key: string, text: string) =>
    ({
      idempotencyKey: key,
      call: { name: 'system.remark', args: { remark: text } },
      signer: alice,
      requestedBy: 'test',
    }) as const;

  it('returns the same operation for a repeated idempotency key and refuses a different call under it', async () => {
    const queue = env.makeQueue(mode);
    const app = await env.app({ queue });
    const key = `idem-${mode}-1`;
    const a = await app.services.operations.submit(remark(key, 'same'));
    const b = await app.services.operations.submit(remark(key, 'same'));
    expect(b.id).toBe(a.id);
    await expect(app.services.operations.submit(remark(key, 'other'))).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/already used for a different operation/),
    });
    await queue.drain();
    const count = await env.db.orm.em.fork().count(ChainOperation, { idempotencyKey: key });
    expect(count).toBe(1);
    await queue.close();
  });

  it('gives concurrent requests with one idempotency key one operation', async () => {
    const queue = env.makeQueue(mode);
    const app = await env.app({ queue });
    const ops = await Promise.all(
      [1, 2, 3].map(() => app.services.operations.submit(remark(`race-${mode}-1`, 'race'))),
    );
    expect(new Set(ops.map((o) => o.id)).size).toBe(1);
    await queue.drain();
    await queue.close();
  });

  it('loses nothing when the process dies between commit and submission', async () => {
    const queueA = env.makeQueue(mode);
    const appA = await env.app({ queue: queueA });
    const before = await env.ledger.nonce(alice);
    // The business transaction commits the operation; the process dies before dispatching it.
    const em = env.db.orm.em.fork();
    const op = await em.transactional((tx) =>
      appA.services.operations.record(tx, {
        idempotencyKey: `crash-before-${mode}`,
        call: { name: 'system.remark', args: { remark: 'survives a crash' } },
        signer: alice,
        requestedBy: 'test',
      }),
    );
    await queueA.close();
    await appA.close();
    expect((await load(op.id)).status).toBe('pending');
    expect(await env.ledger.nonce(alice)).toBe(before);

    // A new process starts: its sweep finds the operation and submits it, once.
    const queueB = env.makeQueue(mode);
    await env.app({ queue: queueB });
    await queueB.drain();
    const done = await load(op.id);
    expect(done.status).toBe('finalised');
    expect(done.nonce).toBe(before);
    expect(await env.ledger.nonce(alice)).toBe(before + 1);
    await queueB.close();
  });

  it('never submits twice when the process dies after sending but before recording the outcome', async () => {
    const queueA = env.makeQueue(mode);
    const appA = await env.app({ queue: queueA });
    const em = env.db.orm.em.fork();
    const op = await em.transactional((tx) =>
      appA.services.operations.record(tx, {
        idempotencyKey: `crash-after-${mode}`,
        call: { name: 'system.remark', args: { remark: 'sent once' } },
        signer: alice,
        requestedBy: 'test',
      }),
    );
    // What the worker does before it sends: record the nonce. Then the transaction goes out...
    const nonce = await env.ledger.nonce(alice);
    const row = await em.findOneOrFail(ChainOperation, { id: op.id });
    row.nonce = nonce;
    row.status = 'submitted';
    row.submittedAtBlock = (await env.ledger.info()).blockHeight;
    await em.flush();
    const sent = await env.ledger.submit(row.call, { signer: alice, nonce });
    // ...and the process dies before it can record the receipt.
    await queueA.close();
    await appA.close();

    const queueB = env.makeQueue(mode);
    const appB = await env.app({ queue: queueB });
    await queueB.drain();
    // The job runs again (a retry, or a duplicate delivery): still nothing new is sent.
    await appB.services.operations.process(op.id);
    const done = await load(op.id);
    expect(done.status).toBe('finalised');
    expect(done.receipt?.txHash).toBe(sent.txHash);
    expect(await env.ledger.nonce(alice)).toBe(nonce + 1);
    await queueB.close();
  });

  it('records a chain refusal as failed with the chain error, once', async () => {
    const queue = env.makeQueue(mode);
    const app = await env.app({ queue });
    // A fresh account has no identity, so the chain refuses the transfer.
    const nobody = await env.ledger.addSigner({ uri: `//Nobody${mode}` });
    const op = await app.services.operations.submit({
      idempotencyKey: `refused-${mode}`,
      call: { name: 'balances.transfer', args: { to: nobody, amount: '10' } },
      signer: alice,
      requestedBy: 'test',
    });
    await queue.drain();
    const failed = await load(op.id);
    expect(failed.status).toBe('failed');
    expect(failed.errorCode).toBe('ReceiverCddMissing');
    expect(failed.errorMessage).toBeTruthy();
    const trail = await env.db.orm.em
      .fork()
      .find(AuditEntry, { subjectId: op.id, action: 'operation.failed' });
    expect(trail).toHaveLength(1);
    expect(trail[0]!.data).toMatchObject({ errorCode: 'ReceiverCddMissing' });
    await queue.close();
  });

  it('serialises one signer: concurrent operations get consecutive nonces', async () => {
    const queue = env.makeQueue(mode);
    const app = await env.app({ queue });
    const start = await env.ledger.nonce(alice);
    const ops = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        app.services.operations.submit({
          idempotencyKey: `burst-${mode}-${i}`,
          call: { name: 'system.remark', args: { remark: `burst ${i}` } },
          signer: alice,
          requestedBy: 'test',
        }),
      ),
    );
    await queue.drain();
    const done = await Promise.all(ops.map((o) => load(o.id)));
    expect(done.every((o) => o.status === 'finalised')).toBe(true);
    expect(done.map((o) => o.nonce).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 8 }, (_, i) => start + i),
    );
    expect(await env.ledger.nonce(alice)).toBe(start + 8);
    await queue.close();
  });

  it("submits one signer's operations in the order they were recorded, whichever job runs first", async () => {
    const queue = env.makeQueue(mode);
    const app = await env.app({ queue });
    const ops = await env.db.orm.em.fork().transactional(async (tx) => {
      const out = [];
      for (const n of [1, 2, 3]) {
        out.push(
          await app.services.operations.record(tx, {
            idempotencyKey: `order-${mode}-${n}`,
            call: { name: 'system.remark', args: { remark: `step ${n}` } },
            signer: alice,
            requestedBy: 'test',
          }),
        );
      }
      return out;
    });
    // The last one's job runs first: it must submit the earlier ones before itself.
    await app.services.operations.process(ops[2]!.id);
    const done = await Promise.all(ops.map((o) => load(o.id)));
    expect(done.map((o) => o.status)).toEqual(['finalised', 'finalised', 'finalised']);
    const nonces = done.map((o) => o.nonce!);
    expect(nonces[0]! < nonces[1]! && nonces[1]! < nonces[2]!).toBe(true);
    await queue.close();
  });

  it('streams status changes over SSE until final', async () => {
    const queue = env.makeQueue(mode);
    const app = await env.app({ queue });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const res = await app.inject({
      method: 'POST',
      url: '/operations/remarks',
      headers: auth,
      payload: { remark: 'sse' },
    });
    const id = res.json().id as string;
    const stream = await fetch(`http://127.0.0.1:${port}/operations/${id}/events`, { headers: auth });
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const text = await stream.text(); // ends when the operation is final
    const statuses = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)).status as string);
    expect(statuses.at(-1)).toBe('finalised');
    expect(statuses.length).toBeGreaterThanOrEqual(1);
    await queue.close();
  });
});
