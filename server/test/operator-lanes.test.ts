import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { LANE_SUBJECT, laneHash, laneKey } from '../src/modules/operations/lanes.js';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { readyForAttestation, staff } from './onboarding-helpers.js';

describe('operator lanes: secondary keys of the operator sharing its writes', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let queue: ReturnType<TestEnv['makeQueue']>;
  let operator: string;
  let lanes: string[];
  // Two lanes; the sandbox KYC vendor decides at once.
  const withLanes = () => ({
    outbox: { ...env.config.outbox, lanes: 2, batchSize: 1 },
    kyc: { ...env.config.kyc, sandboxDelayMs: 0 },
  });

  beforeAll(async () => {
    env = await createTestEnv();
    queue = env.makeQueue('inline');
    app = await env.app({ queue, config: withLanes() });
    await app.ready();
    await queue.drain();
    operator = app.services.operatorAddress();
    lanes = await Promise.all([1, 2].map((n) => env.ledger.addSigner(laneKey({ uri: '//Alice' }, n))));
  });
  afterAll(async () => {
    await env.close();
  });

  it('joins each lane to the operator identity through the chain, once, audited', async () => {
    const did = await env.ledger.identityOf(operator);
    expect(did).toMatch(/^0x/);
    for (const lane of lanes) expect(await env.ledger.identityOf(lane)).toBe(did);
    const info = await env.ledger.identity(did!);
    expect(info!.secondaryKeys.map((k) => k.address)).toEqual(expect.arrayContaining(lanes));
    const steps = await env.db.orm.em
      .fork()
      .find(ChainOperation, { subjectType: LANE_SUBJECT }, { orderBy: { createdAt: 'asc' } });
    expect(steps.map((s) => s.status)).toEqual(steps.map(() => 'finalised'));
    for (const lane of lanes) {
      const own = steps.filter((s) => s.subjectId === lane);
      expect(own.map((s) => s.kind).sort()).toEqual(
        ['balances.transfer', 'identity.acceptAuthorization', 'identity.inviteAccount'].sort(),
      );
      expect(own.find((s) => s.kind === 'identity.acceptAuthorization')!.signer).toBe(lane);
      expect(BigInt((await env.ledger.polyxBalance(lane)).total.split('.')[0]!)).toBeGreaterThan(0n);
    }
    const ready = await env.db.orm.em.fork().find(AuditEntry, { action: 'operator.lane-ready' });
    expect(ready.map((e) => e.subjectId).sort()).toEqual([...lanes].sort());
  });

  it('spreads pipelined writes over the operator keys by subject, each key with consecutive nonces', async () => {
    const keys = [operator, ...lanes];
    const subjects = Array.from({ length: 24 }, (_, i) => `spread-${i}`);
    const ops = await Promise.all(
      subjects.flatMap((id) =>
        [0, 1].map((k) =>
          app.services.operations.submit({
            idempotencyKey: `${id}-${k}`,
            call: { name: 'system.remark', args: { remark: `${id} ${k}` } },
            signer: operator,
            requestedBy: 'test',
            subject: { type: 'spread-test', id },
          }),
        ),
      ),
    );
    await queue.drain();
    const rows = await env.db.orm.em.fork().find(ChainOperation, { id: { $in: ops.map((o) => o.id) } });
    expect(rows.map((r) => r.status)).toEqual(rows.map(() => 'finalised'));
    // Both operations of a subject through the key its hash names.
    for (const id of subjects) {
      const own = rows.filter((r) => r.subjectId === id);
      expect(new Set(own.map((r) => r.signer)).size).toBe(1);
      expect(own[0]!.signer).toBe(keys[laneHash(`spread-test:${id}`) % keys.length]);
    }
    const used = new Set(rows.map((r) => r.signer));
    expect(used.size).toBe(3);
    // On each key, the nonces are those the chain took, one each.
    for (const key of used) {
      const mine = rows.filter((r) => r.signer === key).map((r) => r.nonce!);
      expect(new Set(mine).size).toBe(mine.length);
      for (const r of rows.filter((x) => x.signer === key)) {
        const found = await env.ledger.findTransaction(key, r.nonce!);
        expect(found?.status).toBe('success');
      }
    }
    // The same request again (a retry naming the operator) is the same operation, not a conflict.
    const again = await app.services.operations.submit({
      idempotencyKey: `${subjects[0]}-0`,
      call: { name: 'system.remark', args: { remark: `${subjects[0]} 0` } },
      signer: operator,
      requestedBy: 'test',
      subject: { type: 'spread-test', id: subjects[0]! },
    });
    expect(again.id).toBe(ops[0]!.id);
  });

  it('attests an investor with the work spread over lanes, and the attestation completes once', async () => {
    const cdd = await staff(app, 'lanes-cdd@provider.example', ['cdd-provider']);
    const investors = await readyForAttestation(app, queue, cdd.headers, 'lanes', 4);
    for (const inv of investors) {
      const res = await app.inject({
        method: 'POST',
        url: `/cdd/applications/${inv.id}/attest`,
        headers: cdd.headers,
        payload: {},
      });
      expect(res.statusCode).toBe(202);
    }
    await queue.drain();
    const signers = new Set<string>();
    for (const inv of investors) {
      const me = await app.inject({ method: 'GET', url: '/identities/me', headers: inv.headers });
      expect(me.json()).toMatchObject({ standing: 'good' });
      const did = me.json().did as string;
      const claims = await env.ledger.claims(did);
      expect(claims.map((c) => c.claim.type).sort()).toEqual([
        'Accredited',
        'CustomerDueDiligence',
        'Jurisdiction',
        'KnowYourCustomer',
      ]);
      const attOps = await env.db.orm.em
        .fork()
        .find(ChainOperation, { subjectType: 'attestation', kind: { $ne: 'identity.cddRegisterDid' } });
      for (const o of attOps) {
        signers.add(o.signer);
        // Claims through the key the attestation hashes to; the POLYX grant on the operator's key.
        const keys = [operator, ...lanes];
        expect(o.signer).toBe(
          o.kind === 'identity.addClaim'
            ? keys[laneHash(`attestation:${o.subjectId}`) % keys.length]
            : operator,
        );
      }
      const completed = await env.db.orm.em
        .fork()
        .find(AuditEntry, { action: 'cdd.attest-completed', subjectId: me.json().id as string });
      expect(completed).toHaveLength(1);
    }
    expect([...signers].every((s) => [operator, ...lanes].includes(s))).toBe(true);
  });

  it('after a restart, finds the lanes joined and records no new setup', async () => {
    const before = await env.db.orm.em.fork().count(ChainOperation, { subjectType: LANE_SUBJECT });
    const again = await env.app({ queue, config: withLanes() });
    await again.ready();
    await queue.drain();
    expect(await env.db.orm.em.fork().count(ChainOperation, { subjectType: LANE_SUBJECT })).toBe(before);
    await again.close();
  });
});
