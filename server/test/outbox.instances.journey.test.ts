import { randomBytes } from 'node:crypto';
import { LedgerError, type Ledger } from '@stoa/chain';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { openDatabase, type Database } from '../src/db/orm.js';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { auth, createTestEnv, QUEUE_MODES, type TestEnv } from './helpers.js';
import { remarks } from './support/faulty-ledger.js';

/** The shared chain as one instance sees it, counting the nonce collisions it runs into. */
function counting(inner: Ledger): { ledger: Ledger; collisions: () => number } {
  let collisions = 0;
  const ledger = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'submit') {
        return async (...args: Parameters<Ledger['submit']>) => {
          try {
            return await target.submit(...args);
          } catch (err) {
            if (LedgerError.is(err, 'InvalidNonce')) collisions++;
            throw err;
          }
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ledger, collisions: () => collisions };
}

/**
 * Two server instances share one database, one Redis (BullMQ mode) and the operator signer; the
 * chain is one embedded ledger both talk to, as two servers talk to one node. With PostgreSQL
 * each instance has its own connection pool; PGlite admits one server, so there they share it.
 */
describe.each(QUEUE_MODES)('two server instances sharing a signer (%s queue)', (mode) => {
  let env: TestEnv;
  let alice: string;
  let secondDb: Database | undefined;
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    env = await createTestEnv();
    alice = await env.ledger.addSigner({ uri: '//Alice' });
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await secondDb?.close();
    await env.close();
  });

  it('submits 200 operations with no nonce collision, each applied once', { timeout: 180_000 }, async () => {
    const a = counting(env.ledger);
    const b = counting(env.ledger);
    const queueA = env.makeQueue(mode);
    const queueB = env.makeQueue(mode);
    const appA = await env.app({ queue: queueA, ledger: a.ledger, config: { instanceId: 'server-a' } });
    secondDb = env.config.databaseUrl
      ? await openDatabase({ databaseUrl: env.config.databaseUrl, dataDir: env.dir })
      : undefined;
    const appB = await buildApp(
      { ...env.config, instanceId: 'server-b' },
      { db: secondDb ?? env.db, ledger: b.ledger, queue: queueB },
    );
    apps.push(appB);
    const before = await env.ledger.nonce(alice);
    const run = randomBytes(4).toString('hex');

    const post = (app: FastifyInstance, i: number) =>
      app.inject({
        method: 'POST',
        url: '/operations/remarks',
        headers: auth,
        payload: { remark: `instances ${run} ${i}` },
      });
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => post(i % 2 === 0 ? appA : appB, i)),
    );
    expect(answers.map((r) => r.statusCode).filter((s) => s !== 202)).toEqual([]);
    const ids = answers.map((r) => r.json().id as string);
    // With in-process queues each instance only runs what it queued; make both try everything.
    if (mode === 'inline')
      await Promise.all([appA.services.operations.sweep(), appB.services.operations.sweep()]);

    await expect
      .poll(
        async () =>
          env.db.orm.em
            .fork()
            .count(ChainOperation, { id: { $in: ids }, status: { $in: ['finalised', 'failed'] } }),
        { timeout: 120_000, interval: 200 },
      )
      .toBe(200);
    const rows = await env.db.orm.em.fork().find(ChainOperation, { id: { $in: ids } });
    expect(rows.filter((r) => r.status !== 'finalised').map((r) => r.errorMessage)).toEqual([]);
    expect(a.collisions() + b.collisions()).toBe(0);
    // Consecutive nonces, one per operation, and the chain agrees.
    expect(rows.map((r) => r.nonce!).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 200 }, (_, i) => before + i),
    );
    expect(await env.ledger.nonce(alice)).toBe(before + 200);
    const onChain = (await remarks(env.ledger)).filter((e) =>
      String(e.data.remark).startsWith(`instances ${run} `),
    );
    expect(onChain).toHaveLength(200);
    expect(new Set(onChain.map((e) => e.data.remark)).size).toBe(200);
    // No lease left behind once the drainers have let go (the last outcome is recorded just
    // before its drainer releases the lease).
    const leases = async () =>
      Number(
        (
          await env.db.orm.em
            .fork()
            .getConnection()
            .execute<{ n: string }[]>(`select count(*)::text as n from signer_lease`)
        )[0]!.n,
      );
    await expect.poll(leases, { timeout: 10_000, interval: 50 }).toBe(0);
    await queueA.drain();
    await queueB.drain();
    await appA.close();
  });
});
