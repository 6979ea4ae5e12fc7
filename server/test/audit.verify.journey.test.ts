import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditAnchor, AuditEntry, isChained } from '../src/modules/audit/entity.js';
import { merkleRoot } from '../src/modules/audit/merkle.js';
import { anchorRemark } from '../src/modules/audit/remark.js';
import { AuditService, entryHash, GENESIS_HASH } from '../src/modules/audit/service.js';
import type { JobQueue } from '../src/jobs/queue.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { staff } from './onboarding-helpers.js';

/**
 * What an attacker with write access to the database can do to the audit trail, and how verify
 * catches each: the attacks run as the database owner with the append-only triggers disabled.
 */
let env: TestEnv;
let app: FastifyInstance;
let queue: JobQueue;
let auditor: Record<string, string>;
let officer: Record<string, string>;
type Anchor = { id: string; fromSeq: string; toSeq: string; root: string; operationId: string };
let first: Anchor;
let second: Anchor;
const audit = new AuditService();
const TABLES = ['audit_entry', 'audit_anchor', 'chain_operation'];

const append = (subjectId: string) =>
  env.db.orm.em
    .fork()
    .transactional((tx) =>
      audit.append(tx, { actor: 'u1', action: 'test.decision', subjectType: 't', subjectId }),
    );

async function anchor(): Promise<Anchor> {
  const res = await app.inject({ method: 'POST', url: '/audit/anchors', headers: officer });
  expect(res.statusCode).toBe(202);
  await queue.drain();
  return res.json();
}

async function verify(full = false) {
  const res = await app.inject({ method: 'GET', url: `/audit/verify?full=${full}`, headers: auditor });
  expect(res.statusCode).toBe(200);
  return res.json() as {
    ok: boolean;
    count: number;
    brokenAt?: string;
    anchoredThrough: string;
    unanchored: number;
    scan: { fromBlock: number };
    problems: { kind: string; message: string; fromSeq?: string; toSeq?: string; block?: number }[];
  };
}

const kinds = (v: Awaited<ReturnType<typeof verify>>) => v.problems.map((p) => p.kind).sort();

/** Runs SQL as a database owner would, past the triggers that refuse it to everyone else. */
async function asAttacker(...statements: [string, unknown[]?][]): Promise<void> {
  const conn = env.db.orm.em.getConnection();
  for (const t of TABLES) await conn.execute(`alter table ${t} disable trigger user`);
  try {
    for (const [sql, params] of statements) await conn.execute(sql, params ?? []);
  } finally {
    for (const t of TABLES) await conn.execute(`alter table ${t} enable trigger user`);
  }
}

/** Rewrites entry `seq` and recomputes every hash after it, so the hash chain holds again. */
async function rewriteWithRecomputedHashes(seq: string): Promise<void> {
  const rows = (await env.db.orm.em.fork().find(AuditEntry, {}, { orderBy: { seq: 'asc' } })).filter(
    isChained,
  );
  let prev = GENESIS_HASH;
  const updates: [string, unknown[]][] = [];
  for (const row of rows) {
    if (row.seq === seq) row.data = { rewritten: true };
    const hash = entryHash(prev, row);
    if (BigInt(row.seq) >= BigInt(seq)) {
      updates.push([
        'update audit_entry set data = ?, prev_hash = ?, hash = ? where seq = ?',
        [JSON.stringify(row.data), prev, hash, row.seq],
      ]);
    }
    prev = hash;
  }
  await asAttacker(...updates);
}

beforeAll(async () => {
  env = await createTestEnv();
  queue = env.makeQueue('inline');
  app = await env.app({ queue });
  auditor = (await staff(app, 'auditor@example.com', ['auditor'])).headers;
  officer = (await staff(app, 'officer@example.com', ['compliance-officer'])).headers;
  for (let i = 0; i < 4; i++) await append(`a${i}`);
  first = await anchor();
  for (let i = 0; i < 4; i++) await append(`b${i}`);
  second = await anchor();
  for (let i = 0; i < 2; i++) await append(`c${i}`);
  await snapshot();
});

/** What afterEach puts back after each attack. */
async function snapshot(): Promise<void> {
  await asAttacker(
    ...TABLES.flatMap((t): [string][] => [
      [`drop table if exists snap_${t}`],
      [`create table snap_${t} as select * from ${t}`],
    ]),
  );
}
/** False once a test has put on chain what the snapshot does not know about. */
let restorable = true;
afterEach(async () => {
  if (!restorable) return;
  await asAttacker(
    ...TABLES.flatMap((t): [string][] => [
      [`delete from ${t}`],
      [`insert into ${t} select * from snap_${t}`],
    ]),
  );
  expect(await verify()).toMatchObject({ ok: true, problems: [] });
});
afterAll(async () => {
  await env.close();
});

describe('audit verify against the chain', () => {
  it('passes an untouched trail and says how much of it the chain covers', async () => {
    const v = await verify();
    expect(v).toMatchObject({ ok: true, anchoredThrough: second.toSeq, problems: [] });
    expect(v.unanchored).toBe(v.count - Number(second.toSeq));
    expect(v.unanchored).toBeGreaterThan(0);
    expect(v.scan.fromBlock).toBeGreaterThan(0);
  });

  it('detects an edited row: the hash chain breaks there and its anchor no longer matches', async () => {
    await asAttacker([`update audit_entry set data = '{"tampered": true}' where seq = 3`]);
    const v = await verify();
    expect(v.ok).toBe(false);
    expect(v.brokenAt).toBe('3');
    expect(kinds(v)).toEqual(['entry-altered', 'root-mismatch']);
    expect(v.problems.find((p) => p.kind === 'root-mismatch')).toMatchObject({
      fromSeq: first.fromSeq,
      toSeq: first.toSeq,
      message: expect.stringMatching(new RegExp(`no longer matches entries ${first.fromSeq}–${first.toSeq}`)),
    });
  });

  it('detects deleted tail rows, which leave the hash chain intact, by the anchor that covered them', async () => {
    const keep = BigInt(second.fromSeq) + 1n;
    await asAttacker([`delete from audit_entry where seq > ?`, [String(keep)]]);
    const v = await verify();
    expect(v).toMatchObject({ ok: false, count: Number(keep) });
    expect(v.brokenAt).toBeUndefined();
    expect(v.problems).toEqual([
      expect.objectContaining({
        kind: 'entries-missing',
        fromSeq: second.fromSeq,
        toSeq: second.toSeq,
        message: expect.stringMatching(new RegExp(`trail ends at entry ${keep}.*last entries were deleted`)),
      }),
    ]);
  });

  it('detects deleted tail rows along with their anchor, from the remark still on chain', async () => {
    await asAttacker(
      [`delete from audit_entry where seq >= ?`, [second.fromSeq]],
      [`delete from audit_anchor where id = ?`, [second.id]],
    );
    const v = await verify();
    expect(kinds(v)).toEqual(['anchor-missing', 'entries-missing']);
    expect(v.problems.find((p) => p.kind === 'anchor-missing')!.message).toMatch(
      new RegExp(`chain holds an anchor of entries ${second.fromSeq}–${second.toSeq}.*no longer has`),
    );
    // Anchoring now would cover the hole with a new remark after the genuine one: refused.
    const refused = await app.inject({ method: 'POST', url: '/audit/anchors', headers: officer });
    expect(refused.statusCode).toBe(409);
    // With the operation gone too, the remark's text is unknown, but the remark itself is not.
    await asAttacker([`delete from chain_operation where id = ?`, [second.operationId]]);
    const blind = await verify();
    expect(kinds(blind)).toEqual(['anchor-missing']);
    expect(blind.problems[0]!.message).toMatch(
      /sent a remark in block \d+ that this database has no record of/,
    );
  });

  it('detects truncation, of the entries alone and of the anchors and their operations too', async () => {
    await asAttacker(['truncate audit_entry']);
    const v = await verify();
    expect(v).toMatchObject({ ok: false, count: 0 });
    expect(kinds(v)).toEqual(['entries-missing', 'entries-missing']);
    expect(v.problems[0]!.message).toMatch(/The trail is empty, but the anchor in block \d+ covers entries/);

    await asAttacker(
      ['truncate audit_anchor'],
      [`delete from chain_operation where subject_type = 'audit_anchor'`],
    );
    const bare = await verify();
    expect(bare).toMatchObject({ ok: false, count: 0, anchoredThrough: '0', scan: { fromBlock: 0 } });
    expect(kinds(bare)).toEqual(['anchor-missing', 'anchor-missing']);
  });

  it('detects a rewrite with every later hash recomputed, which the hash chain alone cannot', async () => {
    await rewriteWithRecomputedHashes('3');
    const v = await verify();
    expect(v.brokenAt).toBeUndefined();
    expect(v.ok).toBe(false);
    // Every anchor after the rewrite covers recomputed hashes, so none of them matches either.
    expect(v.problems.map((p) => [p.kind, p.fromSeq])).toEqual([
      ['root-mismatch', first.fromSeq],
      ['root-mismatch', second.fromSeq],
    ]);
  });

  it('detects a rewrite whose anchors were recomputed in the database to match', async () => {
    await rewriteWithRecomputedHashes('3');
    const rows = (await env.db.orm.em.fork().find(AuditEntry, {}, { orderBy: { seq: 'asc' } })).filter(
      isChained,
    );
    const forge = (a: Anchor): [string, unknown[]] => {
      const hashes = rows.filter(
        (r) => BigInt(r.seq) >= BigInt(a.fromSeq) && BigInt(r.seq) <= BigInt(a.toSeq),
      );
      const root = merkleRoot(hashes.map((r) => r.hash));
      const remark = anchorRemark({ version: 2, fromSeq: BigInt(a.fromSeq), toSeq: BigInt(a.toSeq), root });
      return ['update audit_anchor set root = ?, remark = ? where id = ?', [root, remark, a.id]];
    };
    await asAttacker(forge(first), forge(second));
    const v = await verify();
    expect(v.brokenAt).toBeUndefined();
    // The forged rows are not what the chain holds; the genuine remarks still are, and do not match.
    expect(kinds(v)).toEqual([
      'anchor-missing',
      'anchor-missing',
      'anchor-not-on-chain',
      'anchor-not-on-chain',
      'root-mismatch',
      'root-mismatch',
    ]);
    expect(v.problems.find((p) => p.kind === 'anchor-not-on-chain')!.message).toMatch(
      /recorded as on chain, but the transaction in block \d+ carries a different remark/,
    );
  });

  it('detects anchor records pointed at another transaction or another account', async () => {
    await asAttacker(
      // A nonce no operation holds (one per signer and nonce is a constraint the attacker keeps).
      [`update chain_operation set nonce = nonce + 1000000 where id = ?`, [second.operationId]],
      [
        `update chain_operation set signer = ? where id = ?`,
        ['5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty', first.operationId],
      ],
    );
    const v = await verify();
    const reasons = v.problems.filter((p) => p.kind === 'anchor-not-on-chain').map((p) => p.message);
    expect(reasons).toEqual([
      expect.stringMatching(/names a sender that is not one of the platform's accounts/),
      expect.stringMatching(/the chain has no such transaction in block \d+/),
    ]);
  });

  it('finds a deleted first anchor from its remark, and refuses to anchor over the hole', async () => {
    await asAttacker([`delete from audit_anchor where id = ?`, [first.id]]);
    const v = await verify();
    // With no anchor from entry 1 on left, the search starts at the chain's beginning.
    expect(v.scan.fromBlock).toBe(0);
    expect(v.problems).toEqual([
      expect.objectContaining({ kind: 'anchor-missing', fromSeq: first.fromSeq, toSeq: first.toSeq }),
    ]);
    const refused = await app.inject({ method: 'POST', url: '/audit/anchors', headers: officer });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(
      /does not verify, so it is not anchored: The chain holds an anchor/,
    );
  });

  it('never mistakes an anchor made while it runs for a deleted one', async () => {
    for (let round = 0; round < 3; round++) {
      await append(`race-${round}`);
      const [made, ...runs] = await Promise.all([
        app.inject({ method: 'POST', url: '/audit/anchors', headers: officer }),
        verify(),
        verify(true),
      ]);
      expect(made.statusCode).toBe(202);
      for (const v of runs) expect(v.problems).toEqual([]);
      await queue.drain();
    }
    // The new anchors are on chain for good: restoring the old tables would now be an attack.
    await snapshot();
  });

  it('a forged anchor signed by the worker over rewritten history is found by a full search', async () => {
    // An attacker who can insert operation rows has the worker sign what they like: here a new
    // anchor over the rewritten trail, after deleting the genuine anchor rows.
    await rewriteWithRecomputedHashes('3');
    await asAttacker(['truncate audit_anchor']);
    const rows = (await env.db.orm.em.fork().find(AuditEntry, {}, { orderBy: { seq: 'asc' } })).filter(
      isChained,
    );
    const root = merkleRoot(rows.map((r) => r.hash));
    const to = BigInt(rows[rows.length - 1]!.seq);
    const op = await env.db.orm.em.fork().transactional(async (tx) => {
      const forged = Object.assign(new AuditAnchor(), {
        id: randomUUID(),
        fromSeq: '1',
        toSeq: String(to),
        leafCount: rows.length,
        version: 2 as const,
        root,
        remark: anchorRemark({ version: 2, fromSeq: 1n, toSeq: to, root }),
        requestedBy: 'mallory',
      });
      const recorded = await app.services.operations.record(tx, {
        idempotencyKey: 'forged-anchor',
        call: { name: 'system.remark', args: { remark: forged.remark } },
        signer: await env.ledger.addSigner({ uri: '//Alice' }),
        requestedBy: 'mallory',
        subject: { type: 'audit_anchor', id: forged.id },
      });
      forged.operationId = recorded.id;
      tx.persist(forged);
      return recorded;
    });
    await app.services.operations.dispatch(op);
    await queue.drain();
    restorable = false;
    // The documented limit: the default search starts at the forged anchor, after the genuine ones.
    expect((await verify()).ok).toBe(true);
    const full = await verify(true);
    expect(full.ok).toBe(false);
    // Every genuine anchor is still on chain, and none of them matches the rewritten entries.
    expect(new Set(kinds(full))).toEqual(new Set(['anchor-missing', 'root-mismatch']));
    const atFirst = full.problems.filter((p) => p.fromSeq === first.fromSeq && p.toSeq === first.toSeq);
    expect(atFirst.map((p) => p.kind).sort()).toEqual(['anchor-missing', 'root-mismatch']);
  });
});
