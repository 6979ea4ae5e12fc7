import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { createTestEnv, QUEUE_MODES, type TestEnv } from './helpers.js';

describe.each(QUEUE_MODES)('outbox onFinal hooks (%s queue)', (mode) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('runs once per outcome inside its transaction and dispatches the follow-ups it records', async () => {
    const queue = env.makeQueue(mode);
    const app = await env.app({ queue });
    const alice = await env.ledger.addSigner({ uri: '//Alice' });
    const seen: string[] = [];
    let failOnce = true;
    app.services.operations.onFinal(`test-${mode}`, async (tx, op) => {
      seen.push(`${op.status}:${op.idempotencyKey}`);
      if (op.idempotencyKey !== `first-${mode}`) return [];
      if (failOnce) {
        failOnce = false;
        throw new Error('hook fails once: the outcome must not be recorded, the job retries');
      }
      return [
        await app.services.operations.record(tx, {
          idempotencyKey: `second-${mode}`,
          call: { name: 'system.remark', args: { remark: 'follow-up' } },
          signer: alice,
          requestedBy: 'test',
          subject: { type: `test-${mode}`, id: 'x' },
        }),
      ];
    });
    await app.services.operations.submit({
      idempotencyKey: `first-${mode}`,
      call: { name: 'system.remark', args: { remark: 'first' } },
      signer: alice,
      requestedBy: 'test',
      subject: { type: `test-${mode}`, id: 'x' },
    });
    await queue.drain();
    const ops = await env.db.orm.em
      .fork()
      .find(ChainOperation, { subjectType: `test-${mode}` }, { orderBy: { createdAt: 'asc' } });
    expect(ops.map((o) => [o.idempotencyKey, o.status])).toEqual([
      [`first-${mode}`, 'finalised'],
      [`second-${mode}`, 'finalised'],
    ]);
    expect(seen).toEqual([`finalised:first-${mode}`, `finalised:first-${mode}`, `finalised:second-${mode}`]);
    await queue.close();
  });

  it('runs set-wise hooks once per group with every outcome of the group recorded, and refuses mixing kinds', async () => {
    const queue = env.makeQueue(mode);
    const app = await env.app({ queue });
    const alice = await env.ledger.addSigner({ uri: '//Alice' });
    const type = `many-${mode}`;
    const calls: { keys: string[]; open: number }[] = [];
    let failOnce = true;
    app.services.operations.onFinalMany(type, async (tx, ops) => {
      // Every outcome handed over is already recorded in this transaction.
      const open = await tx.count(ChainOperation, {
        id: { $in: ops.map((o) => o.id) },
        status: { $nin: ['finalised', 'failed'] },
      });
      calls.push({ keys: ops.map((o) => o.idempotencyKey), open });
      if (failOnce && ops.some((o) => o.idempotencyKey === `${type}-3`)) {
        failOnce = false;
        throw new Error('hook fails once: none of the outcomes may be recorded; they are recorded again');
      }
      const follow = ops.filter((o) => o.idempotencyKey === `${type}-0`);
      return app.services.operations.recordMany(
        tx,
        follow.map(() => ({
          idempotencyKey: `${type}-follow`,
          call: { name: 'system.remark', args: { remark: 'follow-up' } },
          signer: alice,
          requestedBy: 'test',
          subject: { type, id: 'follow' },
        })),
      );
    });
    expect(() => app.services.operations.onFinal(type, async () => [])).toThrow(/one kind only/);
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        app.services.operations.submit({
          idempotencyKey: `${type}-${i}`,
          call: { name: 'system.remark', args: { remark: `many ${i}` } },
          signer: alice,
          requestedBy: 'test',
          subject: { type, id: String(i) },
        }),
      ),
    );
    await queue.drain();
    const ops = await env.db.orm.em.fork().find(ChainOperation, { subjectType: type });
    expect(ops.map((o) => o.status)).toEqual(ops.map(() => 'finalised'));
    expect(ops.map((o) => o.idempotencyKey).sort()).toEqual(
      [...Array.from({ length: 8 }, (_, i) => `${type}-${i}`), `${type}-follow`].sort(),
    );
    expect(calls.every((c) => c.open === 0)).toBe(true);
    // Each outcome handled once after it was recorded (the failed round recorded nothing).
    const failed = calls.findIndex((c) => c.keys.includes(`${type}-3`));
    const handled = calls.filter((_, i) => i !== failed).flatMap((c) => c.keys);
    expect(handled.sort()).toEqual(ops.map((o) => o.idempotencyKey).sort());
    // Outcomes that arrived together were handed over together.
    expect(calls.some((c) => c.keys.length > 1)).toBe(true);
    await queue.close();
  });
});
