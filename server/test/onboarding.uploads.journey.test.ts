import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { individual, registerInvestor, staff } from './onboarding-helpers.js';
import { streamedUpload } from './upload-helpers.js';

const KiB = 1024;

/**
 * Uploads under caps: 256 KB per file, 5 documents and 600 KB per application. Who may upload,
 * and whether there is room, is decided before any of the body is read.
 */
describe('document uploads: ownership and caps', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let owner: Record<string, string>;
  let id: string;
  const sql = <T>(query: string, params: unknown[] = []) =>
    env.db.orm.em.fork().getConnection().execute<T[]>(query, params);
  const upload = (headers: Record<string, string>, body: ReturnType<typeof streamedUpload>, appId = id) =>
    app.inject({
      method: 'POST',
      url: `/onboarding/applications/${appId}/documents?type=other`,
      headers: { ...headers, ...body.headers },
      payload: body.payload,
    });
  const remove = (docId: string) =>
    app.inject({
      method: 'DELETE',
      url: `/onboarding/applications/${id}/documents/${docId}`,
      headers: owner,
    });
  const newApplication = async (email: string) => {
    const headers = (await registerInvestor(app, email)).headers;
    const res = await app.inject({
      method: 'POST',
      url: '/onboarding/applications',
      headers,
      payload: individual('Cap'),
    });
    return { headers, id: res.json().id as string };
  };
  const leftovers = async () =>
    (
      await sql<{ uploads: number; orphans: number }>(
        `select (select count(*) from onboarding_upload)::int as uploads,
                (select count(*) from onboarding_document_chunk c
                  where not exists (select 1 from onboarding_document d where d.id = c.document_id))::int as orphans`,
      )
    )[0];

  beforeAll(async () => {
    env = await createTestEnv();
    env.config.uploadMaxBytes = 256 * KiB;
    env.config.uploadMaxDocumentsPerApplication = 5;
    env.config.uploadMaxBytesPerApplication = 600 * KiB;
    app = await env.app();
    ({ headers: owner, id } = await newApplication('owner@investor.example'));
  });
  afterAll(async () => {
    await env.close();
  });

  it('refuses anyone but the applicant before reading a byte of the body', async () => {
    const other = (await registerInvestor(app, 'intruder@investor.example')).headers;
    const reviewer = (await staff(app, 'reviewer@cdd.example', ['cdd-provider'])).headers;
    for (const [headers, status, message] of [
      [other, 404, /does not exist/],
      [reviewer, 403, /needs one of the roles: investor/],
      [{}, 401, /needs authentication/],
      [auth, 403, /Only the applicant may change the application/],
    ] as const) {
      // The body never ends: only a refusal that does not wait for it can answer.
      const body = streamedUpload(64 * KiB, { endless: true });
      const res = await upload(headers, body);
      expect(res.statusCode).toBe(status);
      expect(res.json().message).toMatch(message);
      expect(body.pulled()).toBe(0);
      body.payload.destroy();
    }
    expect(await leftovers()).toEqual({ uploads: 0, orphans: 0 });
  });

  it('caps the file and the application in words, storing nothing of a refused file', async () => {
    const tooBig = await upload(owner, streamedUpload(300 * KiB));
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().message).toBe(
      'The file is larger than 256 KB, the largest accepted; upload a smaller scan',
    );
    const first = await upload(owner, streamedUpload(250 * KiB));
    const second = await upload(owner, streamedUpload(250 * KiB));
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    const over = await upload(owner, streamedUpload(200 * KiB));
    expect(over.statusCode).toBe(413);
    expect(over.json().message).toBe(
      'The file is larger than the 100 KB your application has left of its 600 KB; remove a document or upload a smaller scan',
    );
    expect(await leftovers()).toEqual({ uploads: 0, orphans: 0 });
    for (const size of [60 * KiB, 40 * KiB])
      expect((await upload(owner, streamedUpload(size))).statusCode).toBe(201);

    const full = streamedUpload(KiB, { endless: true });
    const noRoom = await upload(owner, full);
    expect(noRoom.statusCode).toBe(413);
    expect(noRoom.json().message).toBe(
      "Your application's documents already take 600 KB of the 600 KB allowed; remove a document to make room",
    );
    expect(full.pulled()).toBe(0);
    full.payload.destroy();

    expect((await remove(second.json().id)).statusCode).toBe(204);
    expect((await upload(owner, streamedUpload(KiB))).statusCode).toBe(201);
    const five = await upload(owner, streamedUpload(KiB));
    expect(five.statusCode).toBe(201);
    const sixth = streamedUpload(KiB, { endless: true });
    const tooMany = await upload(owner, sixth);
    expect(tooMany.statusCode).toBe(422);
    expect(tooMany.json().message).toBe(
      'Your application already has 5 documents; at most 5 are allowed. Remove a document to add another',
    );
    expect(sixth.pulled()).toBe(0);
    sixth.payload.destroy();
    const show = await app.inject({ method: 'GET', url: `/onboarding/applications/${id}`, headers: owner });
    expect(show.json().documentLimits).toEqual({
      maxDocuments: 5,
      maxTotalBytes: 600 * KiB,
      maxFileBytes: 256 * KiB,
    });
    expect(show.json().documents).toHaveLength(5);
  });

  it('holds the caps under concurrent uploads: places are reserved before bodies are read', async () => {
    const count = await newApplication('count@investor.example');
    const results = await Promise.all(
      Array.from({ length: 12 }, () => upload(count.headers, streamedUpload(20 * KiB), count.id)),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([...Array(5).fill(201), ...Array(7).fill(422)]);
    for (const r of results.filter((x) => x.statusCode === 422)) {
      expect(r.json().message).toMatch(
        /^Your application already has \d documents?( and \d more (is|are) uploading)?; at most 5 are allowed/,
      );
    }

    const bytes = await newApplication('bytes@investor.example');
    const big = await Promise.all(
      Array.from({ length: 8 }, () => upload(bytes.headers, streamedUpload(160 * KiB), bytes.id)),
    );
    expect(big.filter((r) => r.statusCode === 201)).toHaveLength(3);
    for (const r of big.filter((x) => x.statusCode !== 201)) expect(r.statusCode).toBe(413);
    const [stored] = await sql<{ n: number; bytes: number }>(
      'select count(*)::int as n, sum(size)::int as bytes from onboarding_document where application_id = ?',
      [bytes.id],
    );
    expect(stored).toEqual({ n: 3, bytes: 480 * KiB });
    expect(await leftovers()).toEqual({ uploads: 0, orphans: 0 });
  });

  it('frees the place of an upload that stalled, and tells the stalled upload to start again', async () => {
    const stall = await newApplication('stall@investor.example');
    const slow = streamedUpload(200 * KiB, { pauseAt: 192 * KiB });
    const pending = upload(stall.headers, slow, stall.id);
    await slow.paused;
    // Two chunks are stored; the client then goes quiet for longer than an upload may idle.
    const storedChunks = async () =>
      (
        await sql<{ n: number }>(
          'select count(*)::int as n from onboarding_document_chunk c join onboarding_upload u on u.id = c.document_id',
        )
      )[0]!.n;
    while ((await storedChunks()) < 2) await new Promise((r) => setTimeout(r, 20));
    expect((await leftovers())!.uploads).toBe(1);
    await sql(`update onboarding_upload set updated_at = now() - interval '1 hour'`);
    // The next upload to the application sweeps it, so its reservation no longer blocks.
    for (let i = 0; i < 5; i++)
      expect((await upload(stall.headers, streamedUpload(KiB), stall.id)).statusCode).toBe(201);
    slow.resume();
    const res = await pending;
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toBe(
      'The upload stalled for too long and was cancelled; upload the file again',
    );
    expect(await leftovers()).toEqual({ uploads: 0, orphans: 0 });
  });

  it('sweeps chunks that belong to no upload and no document', async () => {
    await sql(
      `insert into onboarding_document_chunk (document_id, seq, last, content) values (gen_random_uuid(), 0, true, '\\x00')`,
    );
    expect((await leftovers())!.orphans).toBe(1);
    await app.investors.uploads.sweep();
    expect(await leftovers()).toEqual({ uploads: 0, orphans: 0 });
  });
});
