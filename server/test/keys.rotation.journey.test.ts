import { randomBytes, randomUUID } from 'node:crypto';
import {
  cryptoWaitReady,
  encodeAddress,
  mnemonicGenerate,
  mnemonicToMiniSecret,
  sr25519PairFromSeed,
} from '@polkadot/util-crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/lib/crypto.js';
import { documentContext, mnemonicContext, profileContext } from '../src/modules/keys/contexts.js';
import { KeyRotation } from '../src/modules/keys/rotation.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { LEGACY_KEY, sealV1 } from './legacy.js';
import { individual, multipart, PDF, PNG, registerInvestor } from './onboarding-helpers.js';

/**
 * A data folder from before key ids: profiles, a custodial key and a document sealed straight
 * with the public development key. It keeps working, and `rotate-key` moves all of it (and the
 * values the current version wrote) onto new data keys, resuming after an interruption.
 */
describe('key rotation', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let headers: Record<string, string>;
  let applicationId: string;
  let chunkedId: string;
  const wholeId = randomUUID();
  const identityId = randomUUID();
  const big = Buffer.concat([PDF, randomBytes(200 * 1024)]);
  let mnemonic: string;
  let account: string;
  const sql = <T>(query: string, params: unknown[] = []) =>
    env.db.orm.em.fork().getConnection().execute<T[]>(query, params);
  const rotation = () => new KeyRotation(env.db.orm, app.keys, app.services.audit);
  const download = (id: string) =>
    app.inject({ method: 'GET', url: `/onboarding/applications/${applicationId}/documents/${id}`, headers });
  const profileName = async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/onboarding/applications/${applicationId}`,
      headers,
    });
    return res.json().individual.lastName as string;
  };

  beforeAll(async () => {
    await cryptoWaitReady();
    env = await createTestEnv();
    app = await env.app();
    headers = (await registerInvestor(app, 'legacy@investor.example')).headers;
    const created = await app.inject({
      method: 'POST',
      url: '/onboarding/applications',
      headers,
      payload: individual('Oldfolder'),
    });
    applicationId = created.json().id;
    const m = multipart('bill.png', 'image/png', PNG);
    const up = await app.inject({
      method: 'POST',
      url: `/onboarding/applications/${applicationId}/documents?type=proof-of-address`,
      headers: { ...headers, ...m.headers },
      payload: m.payload,
    });
    chunkedId = up.json().id;

    // What an earlier version left in the database, sealed with the public key.
    const profile = await app.investors.onboarding.profile(
      await app.investors.onboarding.loadFor(
        env.db.orm.em.fork(),
        { id: 'operator', userId: null, roles: ['admin'], kind: 'operator' },
        applicationId,
      ),
    );
    await sql('update onboarding_application set profile_sealed = ? where id = ?', [
      sealV1(LEGACY_KEY, Buffer.from(JSON.stringify(profile)), profileContext(applicationId)),
      applicationId,
    ]);
    await sql(
      `insert into onboarding_document (id, created_at, updated_at, application_id, doc_type, filename, content_type, size, sha256, content, uploaded_by)
       values (?, now(), now(), ?, 'id', 'passport.pdf', 'application/pdf', ?, ?, ?, 'legacy')`,
      [wholeId, applicationId, big.length, sha256Hex(big), sealV1(LEGACY_KEY, big, documentContext(wholeId))],
    );
    mnemonic = mnemonicGenerate(24);
    account = encodeAddress(sr25519PairFromSeed(mnemonicToMiniSecret(mnemonic)).publicKey, 42);
    const userId = created.json().userId as string;
    await sql(
      `insert into investor_identity (id, created_at, updated_at, user_id, application_id, account, custodial, key_sealed, standing)
       values (?, now(), now(), ?, ?, ?, true, ?, 'good')`,
      [
        identityId,
        userId,
        applicationId,
        account,
        sealV1(LEGACY_KEY, Buffer.from(JSON.stringify({ mnemonic })), mnemonicContext(identityId)),
      ],
    );
  });
  afterAll(async () => {
    await env.close();
  });

  it('opens what earlier versions sealed with the public key, and says it is waiting for rotate-key', async () => {
    expect(await profileName()).toBe('Oldfolder');
    const whole = await download(wholeId);
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload.equals(big)).toBe(true);
    expect(await app.infra.ledger.addSigner((await app.investors.identities.custodialKey(account))!)).toBe(
      account,
    );
    expect(await rotation().outstanding()).toEqual({ retiringKeys: 0, olderValues: 3 });
  });

  it('re-encrypts every value with new keys, resuming where an interrupted run stopped', async () => {
    const before = await sql<{ id: number }>(`select id from encryption_data_key where status = 'active'`);
    let calls = 0;
    await expect(
      rotation().rotate({
        actor: 'test',
        batchSize: 1,
        onProgress: (p) => {
          if (p.done > 0 && ++calls === 1) throw new Error('power cut');
        },
      }),
    ).rejects.toThrow('power cut');
    const midway = await sql<{ id: number; status: string }>(
      'select id, status from encryption_data_key order by id',
    );
    expect(
      midway
        .filter((k) => k.status === 'retiring')
        .map((k) => k.id)
        .sort(),
    ).toEqual(before.map((k) => k.id).sort());

    const report = await rotation().rotate({ actor: 'test', batchSize: 1 });
    expect(report.resumed).toBe(true);
    expect(report.failures).toEqual([]);
    expect(report.retired).toEqual(before.map((k) => k.id).sort((a, b) => a - b));
    // The keys the interrupted run introduced are the ones everything is on now.
    const active = await sql<{ id: number; purpose: string }>(
      `select id, purpose from encryption_data_key where status = 'active'`,
    );
    expect(Object.fromEntries(active.map((k) => [k.purpose, k.id]))).toEqual(report.keyIds);
    expect(
      midway
        .filter((k) => k.status === 'active')
        .map((k) => k.id)
        .sort(),
    ).toEqual(active.map((k) => k.id).sort());

    const headerOf = async (query: string) =>
      (await sql<{ v: Buffer }>(query)).map((r) => [r.v[0], r.v.readUInt32BE(1)]);
    expect(await headerOf('select profile_sealed as v from onboarding_application')).toEqual([
      [2, report.keyIds.profile],
    ]);
    expect(await headerOf('select key_sealed as v from investor_identity')).toEqual([
      [2, report.keyIds.mnemonic],
    ]);
    const chunks = await headerOf('select content as v from onboarding_document_chunk');
    expect(chunks.length).toBe(1 + Math.ceil(big.length / 65536));
    expect(new Set(chunks.map(([, id]) => id))).toEqual(new Set([report.keyIds.document]));
    const [whole] = await sql<{ chunks: number; content: Buffer | null }>(
      'select chunks, content from onboarding_document where id = ?',
      [wholeId],
    );
    expect(whole).toEqual({ chunks: 4, content: null });
    expect(await rotation().outstanding()).toEqual({ retiringKeys: 0, olderValues: 0 });
  });

  it('leaves everything readable, and the rotation in the audit trail', async () => {
    expect(await profileName()).toBe('Oldfolder');
    expect((await download(wholeId)).rawPayload.equals(big)).toBe(true);
    expect((await download(chunkedId)).rawPayload.equals(PNG)).toBe(true);
    expect(await app.infra.ledger.addSigner((await app.investors.identities.custodialKey(account))!)).toBe(
      account,
    );
    const actions = await sql<{ action: string }>(
      `select action from audit_entry where action like 'keys.rotation-%' order by id`,
    );
    expect(actions.map((a) => a.action)).toEqual([
      'keys.rotation-started',
      'keys.rotation-resumed',
      'keys.rotation-completed',
    ]);
  });

  it('loses no edit, and fails none, made while a rotation runs', async () => {
    let rotating = true;
    const edit = async (lastName: string) => {
      const res = await app.inject({
        method: 'PUT',
        url: `/onboarding/applications/${applicationId}`,
        headers,
        payload: individual(lastName),
      });
      expect(res.statusCode).toBe(200);
    };
    const [report, edits] = await Promise.all([
      rotation()
        .rotate({ actor: 'test', batchSize: 1 })
        .finally(() => (rotating = false)),
      (async () => {
        // Edits run back to back for as long as the rotation does, then one more.
        let n = 0;
        for (; rotating && n < 50; n++) await edit(`Edit${n}`);
        await edit('Last');
        return n + 1;
      })(),
    ]);
    expect(edits).toBeGreaterThan(1);
    expect(report.resumed).toBe(false);
    expect(await profileName()).toBe('Last');
    const [row] = await sql<{ v: Buffer }>('select profile_sealed as v from onboarding_application');
    expect(row!.v.readUInt32BE(1)).toBe(report.keyIds.profile);
    expect(await rotation().outstanding()).toEqual({ retiringKeys: 0, olderValues: 0 });
  });
});
