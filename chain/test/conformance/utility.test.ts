/** POLYMESH-FACTS.md §10: utility.batch / batchAll / forceBatch (Polymesh 7.0 semantics). */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { LedgerError, MAX_BATCH_CALLS, type LedgerCall } from '../../src/index.js';
import { Harness, itEmbedded } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await Harness.create();
});
afterAll(async () => h.close());

const remark = (text: string): LedgerCall => ({ name: 'system.remark', args: { remark: text } });
const names = (events: { module: string; name: string }[]) =>
  events.filter((e) => e.module !== 'transactionPayment').map((e) => `${e.module}.${e.name}`);

describe('utility batches', () => {
  itEmbedded('forceBatch runs every call and keeps each outcome (ItemCompleted / ItemFailed)', async () => {
    const stranger = await h.account(); // no identity: a transfer to it is refused
    const before = await h.ledger.nonce(h.alice);
    const r = await h.submit(h.alice, {
      name: 'utility.forceBatch',
      args: {
        calls: [
          remark('fb one'),
          { name: 'balances.transfer', args: { to: stranger, amount: '1' } },
          remark('fb two'),
        ],
      },
    });
    expect(r.result.items).toEqual([
      { ok: true, result: expect.objectContaining({ hash: expect.any(String) }) },
      { ok: false, error: { code: 'ReceiverCddMissing', message: expect.any(String) } },
      { ok: true, result: expect.objectContaining({ hash: expect.any(String) }) },
    ]);
    expect(names(r.events)).toEqual([
      'system.Remarked',
      'utility.ItemCompleted',
      'utility.ItemFailed',
      'system.Remarked',
      'utility.ItemCompleted',
      'utility.BatchCompletedWithErrors',
      'system.ExtrinsicSuccess',
    ]);
    expect(r.events.find((e) => e.name === 'ItemFailed')?.data).toMatchObject({
      error: { code: 'ReceiverCddMissing' },
    });
    expect((await h.ledger.polyxBalance(stranger)).free).toBe('0');
    // One transaction, one nonce.
    expect(await h.ledger.nonce(h.alice)).toBe(before + 1);
  });

  itEmbedded('batch stops at the first failing call, keeps the earlier ones and succeeds', async () => {
    const stranger = await h.account();
    const r = await h.submit(h.alice, {
      name: 'utility.batch',
      args: {
        calls: [
          remark('b one'),
          { name: 'balances.transfer', args: { to: stranger, amount: '1' } },
          remark('b never'),
        ],
      },
    });
    expect(r.result.items).toHaveLength(2);
    expect(r.result.items[1]).toMatchObject({ ok: false, error: { code: 'ReceiverCddMissing' } });
    expect(names(r.events)).toEqual([
      'system.Remarked',
      'utility.ItemCompleted',
      'utility.BatchInterrupted',
      'system.ExtrinsicSuccess',
    ]);
    expect(r.events.find((e) => e.name === 'BatchInterrupted')?.data).toMatchObject({
      index: 1,
      error: { code: 'ReceiverCddMissing' },
    });
    expect(r.events.some((e) => e.data.remark === 'b never')).toBe(false);
  });

  itEmbedded('batch of calls that all succeed ends with BatchCompleted', async () => {
    const r = await h.submit(h.alice, {
      name: 'utility.batch',
      args: { calls: [remark('ok 1'), remark('ok 2')] },
    });
    expect(r.result.items.map((i) => i.ok)).toEqual([true, true]);
    expect(names(r.events).at(-2)).toBe('utility.BatchCompleted');
  });

  itEmbedded('batchAll reverts everything on a failing call and fails with its error', async () => {
    const target = await h.account();
    const stranger = await h.account();
    const before = await h.ledger.nonce(h.alice);
    const err = await h.refuse(
      h.alice,
      {
        name: 'utility.batchAll',
        args: {
          calls: [
            { name: 'identity.cddRegisterDid', args: { targetAccount: target, cddClaim: true } },
            { name: 'balances.transfer', args: { to: stranger, amount: '1' } },
          ],
        },
      },
      'ReceiverCddMissing',
    );
    expect(err.included).toBe(true); // dispatch failed: nonce and fee consumed
    expect(await h.ledger.identityOf(target)).toBeNull();
    expect(await h.ledger.nonce(h.alice)).toBe(before + 1);

    const ok = await h.submit(h.alice, {
      name: 'utility.batchAll',
      args: {
        calls: [
          { name: 'identity.cddRegisterDid', args: { targetAccount: target, cddClaim: true } },
          remark('all'),
        ],
      },
    });
    expect(ok.result.results).toHaveLength(2);
    expect(ok.result.results[0]).toMatchObject({ did: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    expect(await h.ledger.identityOf(target)).not.toBeNull();
    expect(names(ok.events)).toEqual(
      expect.arrayContaining(['identity.DidCreated', 'utility.ItemCompleted', 'utility.BatchCompleted']),
    );
  });

  itEmbedded('refuses batchAll nested in a batch (CallFiltered)', async () => {
    const inner: LedgerCall = { name: 'utility.batchAll', args: { calls: [remark('nested')] } };
    const r = await h.submit(h.alice, {
      name: 'utility.forceBatch',
      args: { calls: [inner, remark('after')] },
    });
    expect(r.result.items[0]).toMatchObject({ ok: false, error: { code: 'CallFiltered' } });
    expect(r.result.items[1]).toMatchObject({ ok: true });
    expect(r.events.some((e) => e.data.remark === 'nested')).toBe(false);
    await h.refuse(h.alice, { name: 'utility.batchAll', args: { calls: [inner] } }, 'CallFiltered');
  });

  itEmbedded(`refuses more than ${MAX_BATCH_CALLS} calls (TooManyCalls)`, async () => {
    const calls = Array.from({ length: MAX_BATCH_CALLS + 1 }, () => remark('x'));
    const err = await h.refuse(h.alice, { name: 'utility.forceBatch', args: { calls } }, 'TooManyCalls');
    expect(err).toBeInstanceOf(LedgerError);
  });

  itEmbedded('charges each inner call its fee and checks its permissions', async () => {
    const issuer = await h.issuer();
    const other = await h.issuer();
    const assetId = await h.createAsset(issuer);
    const before = BigInt(Math.round(Number((await h.ledger.polyxBalance(other.address)).free)));
    const r = await h.submit(other.address, {
      name: 'utility.forceBatch',
      args: {
        calls: [
          { name: 'asset.registerUniqueTicker', args: { ticker: `FB${Date.now() % 100000}A` } },
          { name: 'asset.registerUniqueTicker', args: { ticker: `FB${Date.now() % 100000}B` } },
          { name: 'asset.issue', args: { assetId, amount: '10' } },
        ],
      },
    });
    expect(r.result.items.map((i) => i.ok)).toEqual([true, true, false]);
    expect(r.result.items[2]).toMatchObject({ error: { code: 'UnauthorizedAgent' } });
    const after = BigInt(Math.round(Number((await h.ledger.polyxBalance(other.address)).free)));
    // Two ticker registrations at 500 POLYX each (the fee, if any, is small).
    expect(before - after).toBeGreaterThanOrEqual(1000n);
    expect(before - after).toBeLessThan(1100n);
    expect(await h.ledger.assetBalance(assetId, other.did)).toBe('0');
  });
});
