import { randomBytes } from 'node:crypto';
import {
  encodeAddress,
  mnemonicGenerate,
  mnemonicToMiniSecret,
  sr25519PairFromSeed,
} from '@polkadot/util-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { auth, createTestEnv, QUEUE_MODES, type TestEnv } from './helpers.js';
import { faultyLedger, remarks } from './support/faulty-ledger.js';

/** Waits until every listed operation is finalised or failed. */
async function settled(env: TestEnv, ids: string[], timeoutMs = 90_000): Promise<ChainOperation[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await env.db.orm.em.fork().find(ChainOperation, { id: { $in: ids } });
    if (rows.length === ids.length && rows.every((r) => r.status === 'finalised' || r.status === 'failed'))
      return rows;
    if (Date.now() > deadline) {
      const open = rows.filter((r) => r.status !== 'finalised' && r.status !== 'failed');
      throw new Error(`${open.length} operations still open: ${open.map((o) => o.lastError).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(QUEUE_MODES)('outbox against a chain connection that loses answers (%s queue)', (mode) => {
  let env: TestEnv;
  let alice: string;

  beforeAll(async () => {
    env = await createTestEnv();
    alice = await env.ledger.addSigner({ uri: '//Alice' });
  });
  afterAll(async () => {
    await env.close();
  });

  it('marks nothing failed while its transaction is on chain, and applies each write once', async () => {
    const { ledger, log } = faultyLedger(env.ledger, {
      rate: 0.35,
      seed: mode === 'inline' ? 7 : 11,
      faults: ['lost-answer', 'foreign-error', 'hang', 'not-sent', 'lookup-fails'],
    });
    const queue = env.makeQueue(mode);
    const app = await env.app({
      queue,
      ledger,
      config: { outbox: { sweepIntervalMs: 500, submitTimeoutMs: 300, stuckAfterMs: 300_000 } },
    });
    const outcomes = new Map<string, string[]>();
    app.services.operations.onFinal('probe', async (_tx, op) => {
      outcomes.set(op.id, [...(outcomes.get(op.id) ?? []), op.status]);
    });
    const failedSeen: string[] = [];
    app.services.operations.changes.on('change', (op: ChainOperation) => {
      if (op.status === 'failed') failedSeen.push(op.id);
    });

    const run = randomBytes(4).toString('hex');
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/operations/remarks',
        headers: auth,
        payload: { remark: `faults ${run} http ${i}` },
      });
      expect(res.statusCode).toBe(202);
      ids.push(res.json().id as string);
    }
    for (let i = 0; i < 20; i++) {
      const op = await app.services.operations.submit({
        idempotencyKey: `faults-${run}-${i}`,
        call: { name: 'system.remark', args: { remark: `faults ${run} hook ${i}` } },
        signer: alice,
        requestedBy: 'test',
        subject: { type: 'probe', id: `probe-${i}` },
      });
      ids.push(op.id);
    }

    const rows = await settled(env, ids);
    expect(rows.filter((r) => r.status !== 'finalised').map((r) => [r.errorCode, r.errorMessage])).toEqual(
      [],
    );
    expect(failedSeen).toEqual([]);
    // Every kind of fault happened, so the run exercised what it claims to.
    for (const [fault, count] of Object.entries(log.injected)) expect(count, fault).toBeGreaterThan(0);

    // The chain is the truth: each remark exactly once, each at the nonce its operation recorded.
    const onChain = (await remarks(env.ledger)).filter((e) => String(e.data.remark).includes(run));
    expect(onChain).toHaveLength(40);
    expect(new Set(onChain.map((e) => e.data.remark)).size).toBe(40);
    const nonces = rows.map((r) => r.nonce!);
    expect(new Set(nonces).size).toBe(40);
    for (const r of rows) {
      const found = await env.ledger.findTransaction(alice, r.nonce!);
      expect(found?.status).toBe('success');
      expect(found?.status === 'success' && found.receipt.txHash).toBe(r.receipt?.txHash);
    }
    // Outcome hooks ran once per operation, for the real outcome.
    expect(outcomes.size).toBe(20);
    for (const statuses of outcomes.values()) expect(statuses).toEqual(['finalised']);
    await queue.close();
  });

  it('retries and reports an operation whose signer has no key, and finishes it once the key is there', async () => {
    const queue = env.makeQueue(mode);
    const app = await env.app({
      queue,
      config: { outbox: { sweepIntervalMs: 200, submitTimeoutMs: 0, stuckAfterMs: 0 } },
    });
    // An account with an identity and POLYX on chain, whose key this platform does not hold yet.
    const mnemonic = mnemonicGenerate(12);
    const address = encodeAddress(sr25519PairFromSeed(mnemonicToMiniSecret(mnemonic)).publicKey, 42);
    await env.ledger.submit(
      { name: 'identity.cddRegisterDid', args: { targetAccount: address, cddClaim: true } },
      { signer: alice },
    );
    await env.ledger.submit(
      { name: 'balances.transfer', args: { to: address, amount: '100' } },
      { signer: alice },
    );
    const before = await env.ledger.nonce(address);

    const op = await app.services.operations.submit({
      idempotencyKey: `keyless-${mode}-${randomBytes(4).toString('hex')}`,
      call: { name: 'system.remark', args: { remark: 'signed once the key is found' } },
      signer: address,
      requestedBy: 'test',
    });
    // Retried, not failed; the reason is visible to operators.
    await expect
      .poll(async () => (await app.services.operations.get(op.id))?.lastError ?? null)
      .toMatch(/UnknownSigner/);
    const waiting = await app.inject({ method: 'GET', url: `/operations/${op.id}`, headers: auth });
    expect(waiting.json()).toMatchObject({ status: 'pending', error: null });
    expect(waiting.json().lastError).toMatch(/no key is held/);
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.json().checks.operations).toMatchObject({ status: 'attention' });
    expect(health.json().checks.operations.stuck).toBeGreaterThanOrEqual(1);
    expect(health.json().checks.operations.retrying).toBeGreaterThanOrEqual(1);

    // The key turns up (a custodial key restored, a mnemonic configured): the sweep finishes it.
    app.services.operations.keys.addSource(async (a) => (a === address ? { mnemonic } : null));
    await expect
      .poll(async () => (await app.services.operations.get(op.id))?.status, {
        timeout: 60_000,
        interval: 100,
      })
      .toBe('finalised');
    const done = await app.services.operations.get(op.id);
    expect(done?.lastError).toBeNull();
    expect(await env.ledger.nonce(address)).toBe(before + 1);
    await queue.close();
  });
});
