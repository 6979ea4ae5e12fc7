import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { AuditChainer } from '../src/modules/audit/chainer.js';
import { isChained } from '../src/modules/audit/entity.js';
import { AuditService, canonicalJson, chainBreak } from '../src/modules/audit/service.js';
import { createTestEnv, type TestEnv } from './helpers.js';

let env: TestEnv;
let chainer: AuditChainer;
const audit = new AuditService();

beforeAll(async () => {
  env = await createTestEnv();
  chainer = new AuditChainer(env.db.orm, { tickMs: 0 });
  await chainer.start();
});
afterAll(async () => {
  await chainer.stop();
  await env.close();
});

describe('audit log', () => {
  it('canonical JSON ignores key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  });

  it('chains each entry to the previous one and verifies', async () => {
    const em = env.db.orm.em.fork();
    for (let i = 0; i < 5; i++) {
      await em.transactional((tx) =>
        audit.append(tx, {
          actor: 'u1',
          action: 'test.decision',
          subjectType: 'thing',
          subjectId: `t${i}`,
          data: { i },
        }),
      );
    }
    // Chained as each transaction committed: the committer waits for its rows' positions.
    const rows = (await env.db.orm.em.fork().find(AuditEntry, {}, { orderBy: { seq: 'asc' } })).filter(
      isChained,
    );
    expect(rows.map((r) => r.seq)).toEqual(['1', '2', '3', '4', '5']);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
    expect(chainBreak(rows)).toBeNull();
  });

  it('an entry rolls back with its transaction', async () => {
    const em = env.db.orm.em.fork();
    const before = await em.count(AuditEntry);
    await expect(
      em.transactional(async (tx) => {
        await audit.append(tx, {
          actor: 'u1',
          action: 'test.rolledback',
          subjectType: 'thing',
          subjectId: 'x',
        });
        throw new Error('business change failed');
      }),
    ).rejects.toThrow('business change failed');
    expect(await env.db.orm.em.fork().count(AuditEntry)).toBe(before);
  });

  it('refuses updates, deletes and truncation at the database, on entries and on anchors', async () => {
    const conn = env.db.orm.em.getConnection();
    await expect(conn.execute(`update audit_entry set actor = 'mallory' where seq = 1`)).rejects.toThrow(
      /append-only/,
    );
    await expect(conn.execute(`delete from audit_entry where seq = 1`)).rejects.toThrow(/append-only/);
    await expect(conn.execute(`truncate audit_entry`)).rejects.toThrow(/append-only/);
    await expect(conn.execute(`truncate audit_anchor`)).rejects.toThrow(/cannot be changed or deleted/);
  });

  it('detects a rewritten row and removed rows in the hash chain', async () => {
    const conn = env.db.orm.em.getConnection();
    const rows = async () =>
      (await env.db.orm.em.fork().find(AuditEntry, {}, { orderBy: { seq: 'asc' } })).filter(isChained);
    // A superuser can bypass the triggers; the hash chain still gives them away.
    await conn.execute(`alter table audit_entry disable trigger user`);
    await conn.execute(`update audit_entry set data = '{"i": 99}' where seq = 3`);
    expect(chainBreak(await rows())).toEqual({ seq: '3', cause: 'altered' });
    await conn.execute(`delete from audit_entry where seq in (2, 3)`);
    expect(chainBreak(await rows())).toEqual({ seq: '4', cause: 'missing', expected: '2' });
    await conn.execute(`alter table audit_entry enable trigger user`);
  });
});
