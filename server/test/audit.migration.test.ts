import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from './helpers.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

describe('audit verification migration', () => {
  it('keeps anchors made before it at version 1 with the outcome their operation recorded', async () => {
    const conn = env.db.orm.em.getConnection();
    const migrator = env.db.orm.getMigrator();
    // Reverts this migration (and any after it), so the rows below are as the release before left them.
    await migrator.down({ to: 'Migration20261201084518_AuditVerification' });
    const legacy = [
      ['finalised', { txHash: '0xab', blockNumber: 7, blockHash: '0xcd' }, '1', '4'],
      ['failed', null, '5', '8'],
      ['submitted', null, '9', '12'],
    ] as const;
    for (const [status, receipt, from, to] of legacy) {
      const op = randomUUID();
      await conn.execute(
        `insert into chain_operation (id, created_at, updated_at, idempotency_key, kind, call, signer, status, receipt, requested_by)
         values (?, now(), now(), ?, 'system.remark', '{}', 'x', ?, ?, 'system')`,
        [op, `legacy-${from}`, status, receipt && JSON.stringify(receipt)],
      );
      await conn.execute(
        `insert into audit_anchor (id, created_at, from_seq, to_seq, leaf_count, root, remark, operation_id, requested_by)
         values (?, now(), ?, ?, 4, ?, ?, ?, 'system')`,
        [randomUUID(), from, to, 'f'.repeat(64), `stoa:audit:v1:${from}-${to}:${'f'.repeat(64)}`, op],
      );
    }
    await migrator.up();
    const rows = await conn.execute(
      'select from_seq::text as "from", version, status, block_number as block, tx_hash as tx from audit_anchor order by from_seq',
    );
    expect(rows).toEqual([
      { from: '1', version: 1, status: 'on-chain', block: 7, tx: '0xab' },
      { from: '5', version: 1, status: 'failed', block: null, tx: null },
      { from: '9', version: 1, status: 'pending', block: null, tx: null },
    ]);
    // Recording the pending anchor's outcome is the one change its row still accepts.
    await conn.execute(`update audit_anchor set status = 'on-chain', block_number = 9 where from_seq = 9`);
    await expect(
      conn.execute(`update audit_anchor set status = 'failed' where from_seq = 9`),
    ).rejects.toThrow(/cannot be changed or deleted/);
    await expect(conn.execute(`update audit_anchor set root = '0' where from_seq = 5`)).rejects.toThrow(
      /cannot be changed or deleted/,
    );
    await expect(conn.execute(`delete from audit_anchor where from_seq = 5`)).rejects.toThrow(
      /cannot be changed or deleted/,
    );
  });
});
