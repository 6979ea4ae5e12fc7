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
});
