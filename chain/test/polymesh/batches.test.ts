import { describe, expect, it } from 'vitest';
import type { LedgerCall } from '../../src/index.js';

/**
 * The SDK adapter cannot yet build inner calls as extrinsics without sending them (issue 12), so
 * it refuses batches, and says so through `capabilities.batch` for the outbox not to coalesce.
 */
describe('polymesh adapter and utility batches', () => {
  it('refuses utility.batch, batchAll and forceBatch with Unsupported', async () => {
    const { prepare } = await import('../../src/polymesh/dispatch.js');
    const ctx = { sdk: { _polkadotApi: {} }, signer: '5Grw', opts: {} } as unknown as Parameters<
      typeof prepare
    >[0];
    for (const name of ['utility.batch', 'utility.batchAll', 'utility.forceBatch'] as const) {
      const call = {
        name,
        args: { calls: [{ name: 'system.remark', args: { remark: 'x' } }] },
      } as LedgerCall;
      await expect(prepare(ctx, call)).rejects.toMatchObject({
        code: 'Unsupported',
        message: expect.stringMatching(/not supported by the Polymesh SDK adapter/),
      });
    }
  });

  it('reports that it does not submit batches', async () => {
    const { PolymeshLedger } = await import('../../src/polymesh/index.js');
    // `capabilities` is a class field: read it from an instance (no connection is opened).
    const Ctor = PolymeshLedger as unknown as new (...a: unknown[]) => { capabilities: unknown };
    expect(new Ctor(...new Array<undefined>(PolymeshLedger.length).fill(undefined)).capabilities).toEqual({
      batch: false,
    });
  });
});
