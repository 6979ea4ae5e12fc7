import { randomUUID } from 'node:crypto';
import { LedgerError } from '@stoa/chain';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditAnchor, AuditEntry, isChained } from '../src/modules/audit/entity.js';
import { merkleProof, merkleRoot, verifyProof, type MerkleVersion } from '../src/modules/audit/merkle.js';
import { anchorRemark } from '../src/modules/audit/remark.js';
import { AuditService } from '../src/modules/audit/service.js';
import type { JobQueue } from '../src/jobs/queue.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { registerInvestor, staff } from './onboarding-helpers.js';

const h = (n: number) => n.toString(16).padStart(64, '0');

describe('merkle', () => {
  it.each([1, 2] as MerkleVersion[])(
    'v%i proves every leaf of odd and even trees, and rejects a wrong leaf',
    (v) => {
      for (const size of [1, 2, 3, 5, 8]) {
        const leaves = Array.from({ length: size }, (_, i) => h(i + 1));
        const root = merkleRoot(leaves, v);
        leaves.forEach((leaf, i) => expect(verifyProof(leaf, merkleProof(leaves, i, v), root, v)).toBe(true));
        expect(verifyProof(h(999), merkleProof(leaves, 0, v), root, v)).toBe(false);
      }
      expect(merkleRoot([h(1), h(2)], v)).not.toBe(merkleRoot([h(2), h(1)], v));
    },
  );

  it('v2 separates leaves from nodes and does not pair an odd node with itself', () => {
    const four = [h(1), h(2), h(3), h(4)];
    // v1: the parents of four entries pass for two entries with the same root; v2: they do not.
    const parents = (v: MerkleVersion) => [merkleRoot(four.slice(0, 2), v), merkleRoot(four.slice(2), v)];
    expect(merkleRoot(parents(1), 1)).toBe(merkleRoot(four, 1));
    expect(merkleRoot(parents(2), 2)).not.toBe(merkleRoot(four, 2));
    expect(merkleRoot([h(1), h(2), h(3)], 1)).toBe(merkleRoot([h(1), h(2), h(3), h(3)], 1));
    expect(merkleRoot([h(1), h(2), h(3)], 2)).not.toBe(merkleRoot([h(1), h(2), h(3), h(3)], 2));
    expect(merkleRoot([h(1)], 1)).toBe(h(1));
    expect(merkleRoot([h(1)], 2)).not.toBe(h(1));
  });
});

describe('audit anchors on chain', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let queue: JobQueue;
  let officer: Record<string, string>;
  const audit = new AuditService();
  const append = (subjectId: string) =>
    env.db.orm.em
      .fork()
      .transactional((tx) =>
        audit.append(tx, { actor: 'x', action: 'test.entry', subjectType: 't', subjectId }),
      );
  const get = async (url: string) => app.inject({ method: 'GET', url, headers: officer });
  const anchorNow = () => app.inject({ method: 'POST', url: '/audit/anchors', headers: officer });

  /**
   * Anchors entries `from`..head as the previous release did, through the outbox: with the Merkle
   * rule given, and from wherever it is told (that release went on after a failed anchor).
   */
  async function anchorAsBefore(from: string, version: MerkleVersion): Promise<void> {
    const op = await env.db.orm.em.fork().transactional(async (tx) => {
      const entries = (
        await tx.find(AuditEntry, { seq: { $gte: from } }, { orderBy: { seq: 'asc' } })
      ).filter(isChained);
      const toSeq = entries[entries.length - 1]!.seq;
      const root = merkleRoot(
        entries.map((e) => e.hash),
        version,
      );
      const anchor = Object.assign(new AuditAnchor(), {
        id: randomUUID(),
        fromSeq: from,
        toSeq,
        leafCount: entries.length,
        version,
        root,
        remark: anchorRemark({ version, fromSeq: BigInt(from), toSeq: BigInt(toSeq), root }),
        requestedBy: 'system',
      });
      const recorded = await app.services.operations.record(tx, {
        idempotencyKey: `as-before:${anchor.id}`,
        call: { name: 'system.remark', args: { remark: anchor.remark } },
        signer: await env.ledger.addSigner({ uri: '//Alice' }),
        requestedBy: 'system',
        subject: { type: 'audit_anchor', id: anchor.id },
      });
      anchor.operationId = recorded.id;
      tx.persist(anchor);
      return recorded;
    });
    await app.services.operations.dispatch(op);
    await queue.drain();
  }

  beforeAll(async () => {
    env = await createTestEnv();
    queue = env.makeQueue('inline');
    app = await env.app({ queue });
    officer = (await staff(app, 'officer@example.com', ['compliance-officer'])).headers;
  });
  afterAll(async () => {
    await env.close();
  });

  it('an anchor made before the domain-separated rule (version 1) still verifies and proves', async () => {
    for (let i = 0; i < 3; i++) await append(`legacy-${i}`);
    await anchorAsBefore('1', 1);
    const [legacy] = (await get('/audit/anchors')).json().items;
    expect(legacy).toMatchObject({ version: 1, status: 'on-chain', fromSeq: '1' });
    expect(legacy.remark).toMatch(/^stoa:audit:v1:1-\d+:[0-9a-f]{64}$/);

    const proof = (await get('/audit/entries/2/proof')).json();
    expect(proof.version).toBe(1);
    expect(verifyProof(proof.entry.hash, proof.proof, proof.anchor.root, 1)).toBe(true);
    expect((await get('/audit/verify')).json()).toMatchObject({ ok: true, anchoredThrough: legacy.toSeq });
  });

  it('anchors what follows as version 2, records where the remark landed, and proves inclusion', async () => {
    for (let i = 0; i < 4; i++) await append(`e${i}`);
    const res = await anchorNow();
    expect(res.statusCode).toBe(202);
    const anchor = res.json();
    expect(anchor).toMatchObject({ version: 2, status: 'pending', blockNumber: null });
    expect(anchor.remark).toBe(`stoa:audit:v2:${anchor.fromSeq}-${anchor.toSeq}:${anchor.root}`);
    await queue.drain();

    const [latest, legacy] = (await get('/audit/anchors')).json().items;
    expect(BigInt(latest.fromSeq)).toBe(BigInt(legacy.toSeq) + 1n);
    expect(latest).toMatchObject({ id: anchor.id, status: 'on-chain', blockNumber: expect.any(Number) });
    const op = (await get(`/operations/${anchor.operationId}`)).json();
    expect(op).toMatchObject({ status: 'finalised', kind: 'system.remark' });

    const proof = await get(`/audit/entries/${BigInt(anchor.fromSeq) + 1n}/proof`);
    expect(proof.statusCode).toBe(200);
    const body = proof.json();
    expect(body.onChain).toEqual({ blockNumber: latest.blockNumber, txHash: latest.txHash });
    expect(verifyProof(body.entry.hash, body.proof, body.anchor.root, body.version)).toBe(true);
  });

  it('answers 204 when only its own bookkeeping is new', async () => {
    expect((await anchorNow()).statusCode).toBe(204);
  });

  it('keeps one anchor in flight: while a remark waits, a new anchor and proofs from it are refused', async () => {
    await append('while-waiting');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const submit = env.ledger.submit.bind(env.ledger);
    const spy = vi.spyOn(env.ledger, 'submit').mockImplementationOnce(async (call, opts) => {
      await gate;
      return submit(call, opts);
    });
    const waiting = (await anchorNow()).json();
    const again = await anchorNow();
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/entries \d+–\d+ is still waiting for the chain/);
    const early = await get(`/audit/entries/${waiting.toSeq}/proof`);
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toMatch(/still waiting for the chain/);
    release();
    await queue.drain();
    spy.mockRestore();
    expect((await get(`/audit/entries/${waiting.toSeq}/proof`)).statusCode).toBe(200);
  });

  it('a failed remark marks its anchor failed, serves no proof from it, and the next run anchors its range again', async () => {
    await append('unlucky');
    const spy = vi
      .spyOn(env.ledger, 'submit')
      .mockRejectedValueOnce(new LedgerError('InsufficientPolyx', 'Not enough POLYX for the fee'));
    const failed = (await anchorNow()).json();
    await queue.drain();
    spy.mockRestore();
    const listed = (await get('/audit/anchors')).json().items;
    expect(listed[0]).toMatchObject({ id: failed.id, status: 'failed', blockNumber: null });
    const entries = (await get(`/audit?action=audit.anchor-failed`)).json();
    expect(entries.items).toEqual([
      expect.objectContaining({
        subjectId: failed.id,
        data: expect.objectContaining({ errorCode: 'InsufficientPolyx' }),
      }),
    ]);
    const noProof = await get(`/audit/entries/${failed.toSeq}/proof`);
    expect(noProof.statusCode).toBe(404);
    // Unanchored is not broken: the trail verifies, and says how much the chain does not cover yet.
    const before = (await get('/audit/verify')).json();
    expect(before).toMatchObject({ ok: true, anchors: { failed: 1 } });
    expect(before.unanchored).toBeGreaterThan(0);

    const retry = await anchorNow();
    expect(retry.statusCode).toBe(202);
    expect(retry.json().fromSeq).toBe(failed.fromSeq);
    await queue.drain();
    expect((await get(`/audit/entries/${failed.toSeq}/proof`)).statusCode).toBe(200);
    const after = (await get('/audit/verify')).json();
    expect(after).toMatchObject({ ok: true, anchors: { failed: 1 }, problems: [] });
    expect(BigInt(after.anchoredThrough)).toBeGreaterThanOrEqual(BigInt(failed.toSeq));
  });

  it('a range a failed anchor left behind before this release is a gap verify names, and the next run fills it', async () => {
    await append('lost-1');
    const spy = vi
      .spyOn(env.ledger, 'submit')
      .mockRejectedValueOnce(new LedgerError('InsufficientPolyx', 'Not enough POLYX for the fee'));
    const failed = (await anchorNow()).json();
    await queue.drain();
    spy.mockRestore();
    await append('after-the-failure');
    await anchorAsBefore(String(BigInt(failed.toSeq) + 1n), 2);

    const v = (await get('/audit/verify')).json();
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      expect.objectContaining({
        kind: 'coverage-gap',
        fromSeq: failed.fromSeq,
        toSeq: failed.toSeq,
        message: expect.stringMatching(/their anchor failed and has not been made again/),
      }),
    ]);
    const refill = await anchorNow();
    expect(refill.statusCode).toBe(202);
    expect(refill.json()).toMatchObject({ fromSeq: failed.fromSeq, toSeq: failed.toSeq });
    await queue.drain();
    expect((await get('/audit/verify')).json()).toMatchObject({ ok: true, problems: [] });
  });

  it('refuses investors, forged anchor remarks, and unknown or unanchored entries get 404 with a hint', async () => {
    const investor = await registerInvestor(app, 'nosy@example.com');
    expect(
      (await app.inject({ method: 'POST', url: '/audit/anchors', headers: investor.headers })).statusCode,
    ).toBe(403);
    const forged = await app.inject({
      method: 'POST',
      url: '/operations/remarks',
      headers: auth,
      payload: { remark: `stoa:audit:v2:1-2:${h(7)}` },
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().message).toMatch(/reserved for audit anchors/);
    const missing = await get('/audit/entries/999999/proof');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toMatch(/POST \/audit\/anchors/);
    expect((await get('/audit/entries/abc/proof')).statusCode).toBe(400);
  });
});
