import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from './helpers.js';
import { individual, multipart, PDF, PNG, registerInvestor } from './onboarding-helpers.js';

describe('onboarding documents', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let headers: Record<string, string>;
  let id: string;
  const rows = async () =>
    env.db.orm.em
      .fork()
      .getConnection()
      .execute<{ id: string; sha256: string }[]>(
        `select id, sha256 from onboarding_document where application_id = ?`,
        [id],
      );
  const chunks = async (documentId: string) =>
    env.db.orm.em
      .fork()
      .getConnection()
      .execute<{ content: Buffer }[]>(
        `select content from onboarding_document_chunk where document_id = ? order by seq`,
        [documentId],
      );

  beforeAll(async () => {
    env = await createTestEnv();
    app = await env.app();
    headers = (await registerInvestor(app, 'docs@investor.example')).headers;
    const res = await app.inject({
      method: 'POST',
      url: '/onboarding/applications',
      headers,
      payload: individual('Doe'),
    });
    id = res.json().id;
  });
  afterAll(async () => {
    await env.close();
  });

  const upload = (type: string, m: { payload: Buffer; headers: Record<string, string> }) =>
    app.inject({
      method: 'POST',
      url: `/onboarding/applications/${id}/documents?type=${type}`,
      headers: { ...headers, ...m.headers },
      payload: m.payload,
    });

  it('stores documents encrypted: the raw row does not contain the plaintext, the download does', async () => {
    const res = await upload('id', multipart('passport.pdf', 'application/pdf', PDF));
    expect(res.statusCode).toBe(201);
    const [row] = await rows();
    const [chunk] = await chunks(row!.id);
    expect(chunk!.content.includes(Buffer.from('PASSPORT-OF-ALICE'))).toBe(false);
    expect(chunk!.content.includes(Buffer.from('%PDF'))).toBe(false);
    const profile = await env.db.orm.em
      .fork()
      .getConnection()
      .execute<{ profile_sealed: Buffer }[]>(
        `select profile_sealed from onboarding_application where id = ?`,
        [id],
      );
    expect(profile[0]!.profile_sealed.includes(Buffer.from('123-45-6789'))).toBe(false);
    const down = await app.inject({
      method: 'GET',
      url: `/onboarding/applications/${id}/documents/${res.json().id}`,
      headers,
    });
    expect(down.statusCode).toBe(200);
    expect(down.rawPayload.equals(PDF)).toBe(true);
    expect(down.headers['x-content-sha256']).toBe(row!.sha256);
  });

  it('refuses malformed, oversized and wrong-type uploads with clear 4xx and writes nothing', async () => {
    const before = (await rows()).length;
    const wrongType = await upload('id', multipart('notes.txt', 'text/plain', Buffer.from('hello')));
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().message).toMatch(/not accepted/);
    const lying = await upload('id', multipart('fake.pdf', 'application/pdf', PNG));
    expect(lying.statusCode).toBe(415);
    expect(lying.json().message).toMatch(/declared application\/pdf but its content is image\/png/);
    const big = Buffer.concat([PDF, Buffer.alloc(env.config.uploadMaxBytes + 10, 1)]);
    const tooBig = await upload('id', multipart('big.pdf', 'application/pdf', big));
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().message).toBe(
      'The file is larger than 10 MB, the largest accepted; upload a smaller scan',
    );
    const broken = await app.inject({
      method: 'POST',
      url: `/onboarding/applications/${id}/documents?type=id`,
      headers: { ...headers, 'content-type': 'multipart/form-data; boundary=xyz' },
      payload: 'this is not multipart at all',
    });
    expect(broken.statusCode).toBeGreaterThanOrEqual(400);
    expect(broken.statusCode).toBeLessThan(500);
    const json = await app.inject({
      method: 'POST',
      url: `/onboarding/applications/${id}/documents?type=id`,
      headers,
      payload: { file: 'abc' },
    });
    expect(json.statusCode).toBe(415);
    expect(json.json().message).toMatch(/multipart\/form-data/);
    const badKind = await upload('selfie', multipart('a.pdf', 'application/pdf', PDF));
    expect(badKind.statusCode).toBe(400);
    const empty = await upload('id', multipart('a.pdf', 'application/pdf', Buffer.alloc(0)));
    expect(empty.statusCode).toBe(400);
    expect((await rows()).length).toBe(before);
    const leftovers = await env.db.orm.em
      .fork()
      .getConnection()
      .execute<{ n: number }[]>(
        `select (select count(*) from onboarding_upload)::int + (select count(*) from onboarding_document_chunk c where not exists (select 1 from onboarding_document d where d.id = c.document_id))::int as n`,
      );
    expect(leftovers[0]!.n).toBe(0);
  });

  it('refuses to submit without the required documents and names them', async () => {
    const res = await app.inject({ method: 'POST', url: `/onboarding/applications/${id}/submit`, headers });
    expect(res.statusCode).toBe(422);
    expect(res.json().message).toMatch(/proof-of-address, accreditation-evidence/);
  });

  it('keeps other investors out of an application and its documents', async () => {
    const other = (await registerInvestor(app, 'other@investor.example')).headers;
    const res = await app.inject({ method: 'GET', url: `/onboarding/applications/${id}`, headers: other });
    expect(res.statusCode).toBe(404);
  });
});
