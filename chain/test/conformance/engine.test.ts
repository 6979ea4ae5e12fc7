/** The embedded engine: block log persistence and replay, interval blocks, atomic failures. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { EmbeddedLedger } from '../../src/embedded/index.js';
import { DAY, itEmbedded, units } from './harness.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'stoa-ledger-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('embedded engine', () => {
  itEmbedded('a restart replays the block log and reproduces state, clock, nonces and events', async () => {
    const dataDir = tmp();
    const a = await EmbeddedLedger.open({
      dataDir,
      clock: 'manual',
      genesisTime: Date.parse('2025-01-01T00:00:00Z'),
    });
    const alice = await a.addSigner({ uri: '//Alice' });
    const inv = await a.addSigner({ uri: '//restart-investor' });
    const reg = await a.submit(
      {
        name: 'identity.cddRegisterDid',
        args: { targetAccount: inv, cddClaim: true, expiry: '2025-01-10T00:00:00Z' },
      },
      { signer: alice },
    );
    await a.submit({ name: 'balances.transfer', args: { to: inv, amount: '5000' } }, { signer: alice });
    const asset = await a.submit(
      { name: 'asset.createAsset', args: { name: 'Persisted', assetType: 'Fund', divisible: true } },
      { signer: inv },
    );
    await a.submit(
      { name: 'asset.issue', args: { assetId: asset.result.assetId, amount: '42.5' } },
      { signer: inv },
    );
    await expect(
      a.submit(
        { name: 'asset.freeze', args: { assetId: '00000000-0000-8000-8000-000000000000' } },
        { signer: inv },
      ),
    ).rejects.toMatchObject({ code: 'UnauthorizedAgent' });
    a.advanceTime(30 * DAY);
    const before = {
      info: await a.info(),
      balance: await a.assetBalance(asset.result.assetId, reg.result.did),
      polyx: await a.polyxBalance(inv),
      nonce: await a.nonce(inv),
      cdd: await a.hasValidCdd(reg.result.did),
      events: [] as unknown[],
    };
    await (
      await a.subscribeEvents(0, (e) => before.events.push(e))
    )();
    await a.close();
    expect(
      readFileSync(join(dataDir, 'blocks.jsonl'), 'utf8').split('\n').filter(Boolean).length,
    ).toBeGreaterThan(5);

    const b = await EmbeddedLedger.open({ dataDir });
    const events: unknown[] = [];
    await (
      await b.subscribeEvents(0, (e) => events.push(e))
    )();
    expect(await b.info()).toEqual(before.info);
    expect(await b.assetBalance(asset.result.assetId, reg.result.did)).toBe('42.5');
    expect(await b.polyxBalance(inv)).toEqual(before.polyx);
    expect(await b.nonce(inv)).toBe(before.nonce);
    expect(await b.hasValidCdd(reg.result.did)).toBe(false); // the clock advance was replayed too
    expect(before.cdd).toBe(false);
    expect(events).toEqual(before.events);
    expect(await b.findTransaction(inv, before.nonce - 1)).toMatchObject({
      status: 'failed',
      error: { code: 'UnauthorizedAgent' },
    });
    // The restarted chain keeps going (keys are not persisted: signers are re-added).
    await b.addSigner({ uri: '//restart-investor' });
    await expect(
      b.submit(
        { name: 'asset.redeem', args: { assetId: asset.result.assetId, amount: '2.5' } },
        { signer: inv },
      ),
    ).rejects.toMatchObject({ code: 'CddRequired' });
    await b.submit({ name: 'system.remark', args: { remark: 'after restart' } }, { signer: alice });
    expect((await b.info()).blockHeight).toBe(before.info.blockHeight + 1);
    await b.close();
  });

  itEmbedded('with blockTimeMs, transactions submitted together land in one block', async () => {
    const l = await EmbeddedLedger.open({ blockTimeMs: 20 });
    const alice = await l.addSigner({ uri: '//Alice' });
    const bob = await l.addSigner({ uri: '//Bob' });
    const [r1, r2] = await Promise.all([
      l.submit({ name: 'system.remark', args: { remark: '1' } }, { signer: alice }),
      l.submit({ name: 'system.remark', args: { remark: '2' } }, { signer: bob }),
    ]);
    expect(r1.blockNumber).toBe(r2.blockNumber);
    expect(r1.blockHash).toBe(r2.blockHash);
    expect(r2.events[0]?.index).toBeGreaterThan(r1.events[0]?.index ?? -1);
    await l.close();
  });

  itEmbedded("blockTimeMs 0 means a block per submission (the server's default)", async () => {
    const l = await EmbeddedLedger.open({ blockTimeMs: 0 });
    const alice = await l.addSigner({ uri: '//Alice' });
    const r1 = await l.submit({ name: 'system.remark', args: { remark: '1' } }, { signer: alice });
    const r2 = await l.submit({ name: 'system.remark', args: { remark: '2' } }, { signer: alice });
    expect(r2.blockNumber).toBe(r1.blockNumber + 1);
    await l.close();
  });

  itEmbedded('a failing call changes nothing but nonce and transaction fee', async () => {
    const l = await EmbeddedLedger.open({});
    const alice = await l.addSigner({ uri: '//Alice' });
    const bal = await l.polyxBalance(alice);
    const call = {
      name: 'asset.createAsset',
      args: { name: 'Reverted', assetType: 'Fund', divisible: true, ticker: 'USD' },
    } as const;
    const estimate = await l.estimateFee(call, alice);
    // The asset would be created, then the ticker link fails: everything is reverted, the
    // 2,500 POLYX protocol fee with it; the transaction fee (at the declared weight) is kept.
    const bad = l.submit(call, { signer: alice });
    await expect(bad).rejects.toMatchObject({ code: 'TickerAlreadyRegistered' });
    const fee = units(bal.free) - units((await l.polyxBalance(alice)).free);
    expect(fee).toBe(units(estimate.withdrawnFee));
    expect(fee).toBeGreaterThan(0n);
    expect(fee).toBeLessThan(units('1'));
    const lookup = await l.findTransaction(alice, 0);
    expect(lookup?.status).toBe('failed');
    const events: string[] = [];
    await (
      await l.subscribeEvents(0, (e) => events.push(`${e.module}.${e.name}`))
    )();
    expect(events).not.toContain('asset.AssetCreated');
    expect(events).toContain('system.ExtrinsicFailed');
    await l.close();
  });
});
