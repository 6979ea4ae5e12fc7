import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditChainer } from '../src/modules/audit/chainer.js';
import { AuditEntry, isChained } from '../src/modules/audit/entity.js';
import { AuditService, chainBreak, entryHash, GENESIS_HASH } from '../src/modules/audit/service.js';
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

describe('audit appender migration', () => {
  it('keeps the chain of rows written before it, continues it, and refuses to go back over unchained rows', async () => {
    const conn = env.db.orm.em.getConnection();
    const migrator = env.db.orm.getMigrator();
    await migrator.down({ to: 'Migration20261201150500_AuditAppender' });
    // Rows as the lock-per-row release wrote them: chained at insert, `seq` the primary key.
    let prev = GENESIS_HASH;
    for (let i = 1; i <= 3; i++) {
      const row = {
        seq: String(i),
        at: new Date(Date.UTC(2026, 10, i)),
        actor: 'u1',
        action: 'legacy.decision',
        subjectType: 't',
        subjectId: `legacy-${i}`,
        data: { i },
      };
      const hash = entryHash(prev, row);
      await conn.execute(
        `insert into audit_entry (seq, at, actor, action, subject_type, subject_id, data, prev_hash, hash)
         values (?, ?, 'u1', 'legacy.decision', 't', ?, ?, ?, ?)`,
        [row.seq, row.at, row.subjectId, JSON.stringify(row.data), prev, hash],
      );
      prev = hash;
    }
    await migrator.up();
    const chainer = new AuditChainer(env.db.orm, { tickMs: 0 });
    await chainer.start();
    try {
      await env.db.orm.em.fork().transactional((tx) =>
        new AuditService().append(tx, {
          actor: 'u1',
          action: 'new.decision',
          subjectType: 't',
          subjectId: 'n',
        }),
      );
      const rows = (await env.db.orm.em.fork().find(AuditEntry, {}, { orderBy: { seq: 'asc' } })).filter(
        isChained,
      );
      expect(rows.map((r) => [r.id, r.seq, r.subjectId])).toEqual([
        ['1', '1', 'legacy-1'],
        ['2', '2', 'legacy-2'],
        ['3', '3', 'legacy-3'],
        [expect.any(String), '4', 'n'],
      ]);
      expect(BigInt(rows[3]!.id)).toBeGreaterThan(3n);
      expect(rows[3]!.prevHash).toBe(prev);
      expect(chainBreak(rows)).toBeNull();
    } finally {
      await chainer.stop();
    }
    // An entry waiting to be chained has no place in the old schema: going back is refused.
    await conn.execute(
      `insert into audit_entry (at, actor, action, subject_type, subject_id, data) values (now(), 'u1', 'x', 't', 'w', '{}')`,
    );
    await expect(migrator.down({ to: 'Migration20261201150500_AuditAppender' })).rejects.toThrow(
      /waiting to be chained/,
    );
  });
});
