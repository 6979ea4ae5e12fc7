import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { merkleProof, merkleRoot, verifyProof } from '../src/modules/audit/merkle.js';
import { AuditService } from '../src/modules/audit/service.js';
import type { JobQueue } from '../src/jobs/queue.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { registerInvestor, staff } from './onboarding-helpers.js';

const h = (n: number) => n.toString(16).padStart(64, '0');

describe('merkle', () => {
  it('proves every leaf of odd and even trees, and rejects a wrong leaf', () => {
    for (const size of [1, 2, 3, 5, 8]) {
      const leaves = Array.from({ length: size }, (_, i) => h(i + 1));
      const root = merkleRoot(leaves);
      leaves.forEach((leaf, i) => expect(verifyProof(leaf, merkleProof(leaves, i), root)).toBe(true));
      expect(verifyProof(h(999), merkleProof(leaves, 0), root)).toBe(false);
    }
    expect(merkleRoot([h(1)])).toBe(h(1));
    expect(merkleRoot([h(1), h(2)])).not.toBe(merkleRoot([h(2), h(1)]));
  });
});

describe('audit anchors on chain', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let queue: JobQueue;
  let officer: Record<string, string>;

  beforeAll(async () => {
    env = await createTestEnv();
    queue = env.makeQueue('inline');
    app = await env.app({ queue });
    officer = (await staff(app, 'officer@example.com', ['compliance-officer'])).headers;
    const audit = new AuditService();
    await env.db.orm.em.fork().transactional(async (tx) => {
      for (let i = 0; i < 4; i++) {
        await audit.append(tx, { actor: 'x', action: 'test.entry', subjectType: 't', subjectId: `e${i}` });
      }
    });
  });
  afterAll(async () => {
    await env.close();
  });

  it('anchors every entry so far as a remark carrying the Merkle root, then proves inclusion', async () => {
    const res = await app.inject({ method: 'POST', url: '/audit/anchors', headers: officer });
    expect(res.statusCode).toBe(202);
    const anchor = res.json();
    expect(anchor.fromSeq).toBe('1');
    expect(anchor.remark).toBe(`stoa:audit:v1:1-${anchor.toSeq}:${anchor.root}`);
    await queue.drain();

    const op = await app.inject({
      method: 'GET',
      url: `/operations/${anchor.operationId}`,
      headers: officer,
    });
    expect(op.json()).toMatchObject({ status: 'finalised', kind: 'system.remark' });
    const events: { module: string; name: string; data: Record<string, unknown> }[] = [];
    const stop = await env.ledger.subscribeEvents(0, (e) => events.push(e));
    stop();
    const remarked = events.filter((e) => e.module === 'system' && e.name === 'Remarked');
    expect(remarked.length).toBeGreaterThanOrEqual(1);

    const proof = await app.inject({ method: 'GET', url: '/audit/entries/2/proof', headers: officer });
    expect(proof.statusCode).toBe(200);
    const body = proof.json();
    expect(verifyProof(body.entry.hash, body.proof, body.anchor.root)).toBe(true);
  });

  it('answers 204 when only its own bookkeeping is new, and starts the next anchor after the last', async () => {
    // The first anchor wrote entries of its own (anchored, remark requested and finalised).
    const idle = await app.inject({ method: 'POST', url: '/audit/anchors', headers: officer });
    expect(idle.statusCode).toBe(204);
    const audit = new AuditService();
    await env.db.orm.em
      .fork()
      .transactional((tx) =>
        audit.append(tx, { actor: 'x', action: 'test.later', subjectType: 't', subjectId: 'later' }),
      );
    const next = await app.inject({ method: 'POST', url: '/audit/anchors', headers: officer });
    expect(next.statusCode).toBe(202);
    const list = await app.inject({ method: 'GET', url: '/audit/anchors', headers: officer });
    const [latest, first] = list.json().items;
    expect(BigInt(latest.fromSeq)).toBe(BigInt(first.toSeq) + 1n);
    await queue.drain();
  });

  it('refuses investors, and unknown or unanchored entries get 404 with a hint', async () => {
    const investor = await registerInvestor(app, 'nosy@example.com');
    expect(
      (await app.inject({ method: 'POST', url: '/audit/anchors', headers: investor.headers })).statusCode,
    ).toBe(403);
    const missing = await app.inject({ method: 'GET', url: '/audit/entries/999999/proof', headers: officer });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toMatch(/POST \/audit\/anchors/);
    const bad = await app.inject({ method: 'GET', url: '/audit/entries/abc/proof', headers: officer });
    expect(bad.statusCode).toBe(400);
  });
});
