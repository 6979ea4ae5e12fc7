import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditChainer } from '../src/modules/audit/chainer.js';
import { AuditEntry, isChained, type ChainedEntry } from '../src/modules/audit/entity.js';
import { MerkleAccumulator, merkleRoot, type MerkleVersion } from '../src/modules/audit/merkle.js';
import { AnchorChain } from '../src/modules/audit/onchain.js';
import { AuditService, chainBreak } from '../src/modules/audit/service.js';
import { AuditVerifier } from '../src/modules/audit/verify.js';
import type { JobQueue } from '../src/jobs/queue.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { staff } from './onboarding-helpers.js';

const audit = new AuditService();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function allRows(env: TestEnv): Promise<AuditEntry[]> {
  return env.db.orm.em.fork().find(AuditEntry, {}, { orderBy: { id: 'asc' } });
}

async function chained(env: TestEnv): Promise<ChainedEntry[]> {
  const rows = await env.db.orm.em
    .fork()
    .find(AuditEntry, { seq: { $ne: null } }, { orderBy: { seq: 'asc' } });
  return rows.filter(isChained);
}

const append = (env: TestEnv, subjectId: string, data: Record<string, unknown> = {}) =>
  env.db.orm.em
    .fork()
    .transactional((tx) =>
      audit.append(tx, { actor: 'u1', action: 'test.entry', subjectType: 't', subjectId, data }),
    );

describe('merkle accumulator', () => {
  it.each([1, 2] as MerkleVersion[])(
    'v%i gives merkleRoot of every size from 1 to 70, one leaf at a time',
    (v) => {
      const leaves = Array.from({ length: 70 }, (_, i) => (i + 1).toString(16).padStart(64, '0'));
      const acc = new MerkleAccumulator(v);
      for (let n = 1; n <= leaves.length; n++) {
        acc.push(leaves[n - 1]!);
        expect(acc.root()).toBe(merkleRoot(leaves.slice(0, n), v));
      }
      expect(() => new MerkleAccumulator(v).root()).toThrow(/nothing/);
    },
  );
});

describe('the audit appender', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('rows left unchained (a crash between insert and chaining) are chained at the next start', async () => {
    // No appender runs: the rows commit with no position, as if the process died right after.
    for (let i = 0; i < 5; i++) await append(env, `left-${i}`);
    const before = await allRows(env);
    expect(before).toHaveLength(5);
    expect(before.every((r) => r.seq === null && r.hash === null && r.prevHash === null)).toBe(true);

    const chainer = new AuditChainer(env.db.orm, { tickMs: 0 });
    await chainer.start();
    try {
      const rows = await chained(env);
      expect(rows.map((r) => [r.seq, r.subjectId])).toEqual(
        [0, 1, 2, 3, 4].map((i) => [String(i + 1), `left-${i}`]),
      );
      expect(chainBreak(rows)).toBeNull();
    } finally {
      await chainer.stop();
    }
  });

  it('a batch that fails midway is undone whole, and the next run chains all of it', async () => {
    for (let i = 0; i < 4; i++) await append(env, `batch-${i}`);
    const chainer = new AuditChainer(env.db.orm, { tickMs: 0, batchSize: 3 });
    const conn = env.db.orm.em.getConnection();
    const execute = conn.execute.bind(conn);
    // The UPDATE of the first batch fails (the process dies, the connection drops).
    let failedOnce = false;
    const spy = vi.spyOn(conn, 'execute').mockImplementation(async (...args: Parameters<typeof execute>) => {
      if (!failedOnce && String(args[0]).startsWith('update audit_entry')) {
        failedOnce = true;
        throw new Error('connection lost');
      }
      return execute(...args);
    });
    await expect(chainer.chainNow()).rejects.toThrow(/connection lost/);
    spy.mockRestore();
    // Nothing of the failed batch was chained: the trail still ends where it did.
    expect((await chained(env)).map((r) => r.seq)).toEqual(['1', '2', '3', '4', '5']);
    expect((await allRows(env)).filter((r) => r.seq === null)).toHaveLength(4);
    await chainer.chainNow();
    const rows = await chained(env);
    expect(rows).toHaveLength(9);
    expect(rows.slice(5).map((r) => r.subjectId)).toEqual(['batch-0', 'batch-1', 'batch-2', 'batch-3']);
    expect(chainBreak(rows)).toBeNull();
  });

  it('chains a row that commits late with an earlier insertion key after the rows chained before it', async () => {
    const chainer = new AuditChainer(env.db.orm, { tickMs: 0 });
    await chainer.start();
    try {
      const conn = env.db.orm.em.getConnection();
      // A transaction takes its key, then commits after later keys have been chained.
      const [key] = await conn.execute<{ id: string }[]>(`select nextval('audit_entry_id_seq')::text as id`);
      await append(env, 'early-key-committed-second');
      await append(env, 'third');
      const head = (await chained(env)).at(-1)!;
      expect(head.subjectId).toBe('third');
      await conn.execute(
        `insert into audit_entry (id, at, actor, action, subject_type, subject_id, data)
         values (?, now(), 'u1', 'test.entry', 't', 'late-commit', '{}')`,
        [key!.id],
      );
      await chainer.chainNow();
      const rows = await chained(env);
      const late = rows.at(-1)!;
      expect(late.subjectId).toBe('late-commit');
      expect(BigInt(late.id)).toBeLessThan(BigInt(head.id));
      expect(BigInt(late.seq)).toBe(BigInt(head.seq) + 1n);
      expect(chainBreak(rows)).toBeNull();
    } finally {
      await chainer.stop();
    }
  });

  it('50 concurrent transactions, some rolled back, end in one gap-free chain of exactly the committed rows', async () => {
    const chainer = new AuditChainer(env.db.orm, { tickMs: 0, batchSize: 7 });
    await chainer.start();
    try {
      const start = (await chained(env)).length;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          env.db.orm.em.fork().transactional(async (tx) => {
            await audit.append(tx, {
              actor: 'u1',
              action: 'test.first',
              subjectType: 'tx',
              subjectId: `tx-${i}`,
            });
            await tx.flush();
            // Commits land in a different order from the insertion keys.
            await sleep((i * 7) % 13);
            await audit.append(tx, {
              actor: 'u1',
              action: 'test.second',
              subjectType: 'tx',
              subjectId: `tx-${i}`,
            });
            if (i % 5 === 3) throw new Error(`tx-${i} rolls back`);
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(10);
      // Each committer waited for its rows' chaining: nothing is left pending.
      expect((await allRows(env)).filter((r) => r.seq === null)).toEqual([]);
      const rows = await chained(env);
      expect(chainBreak(rows)).toBeNull();
      const mine = rows.slice(start);
      expect(mine).toHaveLength(80);
      const committed = Array.from({ length: 50 }, (_, i) => i).filter((i) => i % 5 !== 3);
      expect(new Set(mine.map((r) => r.subjectId))).toEqual(new Set(committed.map((i) => `tx-${i}`)));
      for (const i of committed) {
        const [first, second] = mine.filter((r) => r.subjectId === `tx-${i}`);
        expect([first!.action, second!.action]).toEqual(['test.first', 'test.second']);
      }
    } finally {
      await chainer.stop();
    }
  });

  it('two appenders chaining at once never fork the chain', async () => {
    const a = new AuditChainer(env.db.orm, { tickMs: 0, batchSize: 5 });
    const b = new AuditChainer(env.db.orm, { tickMs: 0, batchSize: 5 });
    // Neither follows commits: both are asked at once for the same unchained rows.
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 12 }, (_, i) => append(env, `race-${round}-${i}`)));
      await Promise.all([a.chainNow(), b.chainNow(), a.chainNow(), b.chainNow()]);
    }
    const rows = await chained(env);
    expect((await allRows(env)).filter((r) => r.seq === null)).toEqual([]);
    expect(chainBreak(rows)).toBeNull();
    expect(rows.filter((r) => r.subjectId.startsWith('race-'))).toHaveLength(36);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(rows.length);
  });

  it('chains rows another process committed on its tick, and without waiting committers when told', async () => {
    const chainer = new AuditChainer(env.db.orm, { tickMs: 50, waitOnCommit: false });
    await chainer.start();
    try {
      // A commit this process has no event for (another instance, the CLI).
      await env.db.orm.em.getConnection().execute(
        `insert into audit_entry (at, actor, action, subject_type, subject_id, data)
           values (now(), 'cli', 'test.elsewhere', 't', 'elsewhere', '{}')`,
      );
      await append(env, 'no-wait');
      await vi.waitFor(
        async () => {
          const rows = await chained(env);
          expect(rows.map((r) => r.subjectId)).toEqual(expect.arrayContaining(['elsewhere', 'no-wait']));
        },
        { timeout: 10_000, interval: 50 },
      );
      expect(chainBreak(await chained(env))).toBeNull();
    } finally {
      await chainer.stop();
    }
  });

  it('the database refuses a row inserted already chained, and any change to a chained row', async () => {
    const conn = env.db.orm.em.getConnection();
    await expect(
      conn.execute(
        `insert into audit_entry (at, actor, action, subject_type, subject_id, data, seq, prev_hash, hash)
         values (now(), 'mallory', 'x', 't', 'x', '{}', 999, ?, ?)`,
        ['0'.repeat(64), '1'.repeat(64)],
      ),
    ).rejects.toThrow(/append-only: entries go in unchained/);
    await expect(
      conn.execute(`update audit_entry set seq = seq + 1000, hash = hash where seq = 1`),
    ).rejects.toThrow(/append-only/);
  });
});

describe('verify, streamed in chunks', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let queue: JobQueue;
  const CHUNK = 50;
  const TOTAL = 3000;

  beforeAll(async () => {
    env = await createTestEnv();
    queue = env.makeQueue('inline');
    app = await env.app({ queue });
    const officer = (await staff(app, 'officer@example.com', ['compliance-officer'])).headers;
    const before = await env.db.orm.em.fork().count(AuditEntry);
    for (let t = 0; t < (TOTAL - before) / 100; t++) {
      await env.db.orm.em.fork().transactional(async (tx) => {
        for (let i = 0; i < 100; i++) {
          await audit.append(tx, {
            actor: 'u1',
            action: 'test.bulk',
            subjectType: 't',
            subjectId: `${t}-${i}`,
          });
        }
      });
    }
    // One anchor over (nearly) all of it, so its range is re-hashed across many chunks.
    const res = await app.inject({ method: 'POST', url: '/audit/anchors', headers: officer });
    expect(res.statusCode).toBe(202);
    await queue.drain();
  }, 120_000);
  afterAll(async () => {
    await env.close();
  });

  function verifier() {
    const chunks: number[] = [];
    const v = new AuditVerifier(
      env.db.orm,
      new AnchorChain(env.ledger, () => app.services.platformAccounts()),
      {
        chunkSize: CHUNK,
        onChunk: (n) => chunks.push(n),
      },
    );
    return { run: () => v.verify(), chunks };
  }

  async function asAttacker(sql: string, params: unknown[] = []): Promise<void> {
    const conn = env.db.orm.em.getConnection();
    await conn.execute('alter table audit_entry disable trigger user');
    try {
      await conn.execute(sql, params);
    } finally {
      await conn.execute('alter table audit_entry enable trigger user');
    }
  }

  it('passes the untouched trail reading no more than a chunk at a time', async () => {
    const { run, chunks } = verifier();
    const v = await run();
    expect(v).toMatchObject({ ok: true, problems: [], pending: 0 });
    expect(v.count).toBeGreaterThanOrEqual(TOTAL);
    expect(BigInt(v.anchoredThrough)).toBeGreaterThan(BigInt(TOTAL - 10));
    expect(Math.max(...chunks)).toBe(CHUNK);
    expect(chunks).toHaveLength(Math.floor(v.count / CHUNK) + 1);
  });

  it('finds an altered row in a late chunk, by the hash chain and by the anchor over it', async () => {
    const rows = await env.db.orm.em.fork().find(AuditEntry, { seq: '2900' });
    const original = JSON.stringify(rows[0]!.data);
    await asAttacker(`update audit_entry set data = '{"tampered": true}' where seq = 2900`);
    try {
      const { run, chunks } = verifier();
      const v = await run();
      expect(v.brokenAt).toBe('2900');
      expect(v.problems.map((p) => p.kind)).toEqual(['entry-altered', 'root-mismatch']);
      expect(Math.max(...chunks)).toBeLessThanOrEqual(CHUNK);
    } finally {
      await asAttacker(`update audit_entry set data = ? where seq = 2900`, [original]);
    }
    expect((await verifier().run()).ok).toBe(true);
  });

  it('finds a missing row in a late chunk, and the anchored range it left short', async () => {
    const snapshot = 'create table snap_missing as select * from audit_entry where seq = 2950';
    await asAttacker(snapshot);
    await asAttacker('delete from audit_entry where seq = 2950');
    try {
      const v = await verifier().run();
      expect(v.brokenAt).toBe('2951');
      expect(v.problems[0]).toMatchObject({ kind: 'entries-missing', fromSeq: '2950', toSeq: '2950' });
      expect(v.problems[1]).toMatchObject({
        kind: 'entries-missing',
        message: expect.stringMatching(/but 1 of them are gone from the trail/),
      });
    } finally {
      await asAttacker('insert into audit_entry select * from snap_missing');
      await asAttacker('drop table snap_missing');
    }
    expect((await verifier().run()).ok).toBe(true);
  });
});
