import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestEnv, type TestEnv } from './helpers.js';
import { individual, registerInvestor } from './onboarding-helpers.js';
import { liveBytes, streamedUpload } from './upload-helpers.js';

const MiB = 1024 * 1024;

/** Largest Buffer made through Buffer's own constructors while `run` runs. */
async function largestBuffer(run: () => Promise<void>): Promise<number> {
  let largest = 0;
  const note = (b: Buffer) => {
    largest = Math.max(largest, b.length);
    return b;
  };
  const spies = (['alloc', 'allocUnsafe', 'allocUnsafeSlow', 'concat', 'from'] as const).map((name) => {
    const original = Buffer[name].bind(Buffer) as (...args: unknown[]) => Buffer;
    return vi
      .spyOn(Buffer, name)
      .mockImplementation(((...args: unknown[]) => note(original(...args))) as never);
  });
  try {
    await run();
  } finally {
    for (const s of spies) s.mockRestore();
  }
  return largest;
}

describe('document uploads and downloads stream', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let headers: Record<string, string>;
  let id: string;
  const sql = <T>(query: string, params: unknown[] = []) =>
    env.db.orm.em.fork().getConnection().execute<T[]>(query, params);
  const upload = (body: ReturnType<typeof streamedUpload>) =>
    app.inject({
      method: 'POST',
      url: `/onboarding/applications/${id}/documents?type=other`,
      headers: { ...headers, ...body.headers },
      payload: body.payload,
    });
  const download = (docId: string) =>
    app.inject({
      method: 'GET',
      url: `/onboarding/applications/${id}/documents/${docId}`,
      headers,
      payloadAsStream: true,
    });
  /** Reads a streamed response, hashing it; stops at the first error. */
  const drain = async (stream: Readable) => {
    const hash = createHash('sha256');
    let bytes = 0;
    let failed = false;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        bytes += chunk.length;
      }
    } catch {
      failed = true;
    }
    return { bytes, sha256: hash.digest('hex'), failed };
  };
  /** Memory held while an upload of `size` bytes is paused 90% of the way. */
  const heldWhileUploading = async (sizes: number[]) => {
    const bodies = sizes.map((size) =>
      streamedUpload(size, { pauseAt: Math.floor((size * 0.9) / 65536) * 65536 }),
    );
    const before = liveBytes();
    const pending = bodies.map((b) => upload(b));
    await Promise.all(bodies.map((b) => b.paused));
    // Let the server take in what was sent before the pause.
    await new Promise((r) => setTimeout(r, 300));
    const held = liveBytes() - before;
    for (const b of bodies) b.resume();
    const results = await Promise.all(pending);
    expect(results.map((r) => r.statusCode)).toEqual(sizes.map(() => 201));
    return { held, docs: results.map((r) => r.json() as { id: string; sha256: string; size: number }) };
  };

  beforeAll(async () => {
    env = await createTestEnv();
    env.config.uploadMaxBytes = 16 * MiB;
    env.config.uploadMaxBytesPerApplication = 512 * MiB;
    env.config.uploadMaxDocumentsPerApplication = 100;
    app = await env.app();
    headers = (await registerInvestor(app, 'stream@investor.example')).headers;
    const res = await app.inject({
      method: 'POST',
      url: '/onboarding/applications',
      headers,
      payload: individual('Big'),
    });
    id = res.json().id;
  });
  afterAll(async () => {
    await env.close();
  });

  it('stores a file chunk by chunk and streams it back intact, with its length and digest', async () => {
    const body = streamedUpload(8 * MiB + 12345);
    let res!: Awaited<ReturnType<typeof upload>>;
    const largestIn = await largestBuffer(async () => {
      res = await upload(body);
    });
    expect(res.statusCode).toBe(201);
    const doc = res.json();
    expect(doc).toMatchObject({
      size: 8 * MiB + 12345,
      sha256: body.sha256(),
      contentType: 'application/pdf',
    });
    const [stored] = await sql<{ chunks: number; n: number }>(
      'select d.chunks, (select count(*)::int from onboarding_document_chunk where document_id = d.id) as n from onboarding_document d where id = ?',
      [doc.id],
    );
    expect(stored).toEqual({ chunks: 129, n: 129 });

    let out!: Awaited<ReturnType<typeof drain>>;
    let lengthHeader: unknown;
    const largestOut = await largestBuffer(async () => {
      const down = await download(doc.id);
      expect(down.statusCode).toBe(200);
      lengthHeader = down.headers['content-length'];
      out = await drain(down.stream());
    });
    expect(out).toEqual({ bytes: doc.size, sha256: doc.sha256, failed: false });
    expect(Number(lengthHeader)).toBe(doc.size);
    // No Buffer anywhere near the file's size was made on the way in or out.
    expect(largestIn).toBeLessThan(MiB);
    expect(largestOut).toBeLessThan(MiB);
  });

  it('holds the same small amount of memory for a 1 MB and an 8 MB upload, and for 8 at once', async () => {
    await heldWhileUploading([8 * MiB]); // warm-up: pools and the embedded database settle
    const small = await heldWhileUploading([MiB]);
    const large = await heldWhileUploading([8 * MiB]);
    // Holding the file would keep over 7 MB for the large one; streaming holds about a chunk.
    expect(large.held).toBeLessThan(2 * MiB);
    expect(large.held - small.held).toBeLessThan(MiB);
    // Eight 2 MB uploads held at 90% would keep over 14 MB; each streaming one keeps a few chunks.
    const many = await heldWhileUploading(Array.from({ length: 8 }, () => 2 * MiB));
    expect(many.held).toBeLessThan(8 * MiB);
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
  });

  it('ends the download with an error, short of its length, when a chunk was changed, moved or cut off', async () => {
    const { docs } = await heldWhileUploading([5 * 65536 + 100]);
    const doc = docs[0]!;
    const original = await sql<{ seq: number; last: boolean; content: Buffer }>(
      'select seq, last, content from onboarding_document_chunk where document_id = ? order by seq',
      [doc.id],
    );
    expect(original.map((c) => c.last)).toEqual([false, false, false, false, false, true]);
    const put = (seq: number, content: Buffer, last = original[seq]!.last) =>
      sql('update onboarding_document_chunk set content = ?, last = ? where document_id = ? and seq = ?', [
        content,
        last,
        doc.id,
        seq,
      ]);
    const restore = async () => {
      for (const c of original) await put(c.seq, c.content, c.last);
      await sql('update onboarding_document set chunks = 6 where id = ?', [doc.id]);
    };
    const attempt = async () => {
      const res = await download(doc.id);
      if (res.statusCode !== 200) return { status: res.statusCode, bytes: 0 };
      const out = await drain(res.stream());
      return { status: 200, bytes: out.failed || out.bytes !== doc.size ? out.bytes : -1 };
    };

    const flipped = Buffer.from(original[3]!.content);
    flipped[flipped.length - 1]! ^= 1;
    await put(3, flipped);
    const changed = await attempt();
    expect(changed.bytes).not.toBe(-1);
    expect(changed.bytes).toBeLessThan(doc.size);
    await restore();

    await put(1, original[2]!.content);
    await put(2, original[1]!.content);
    expect((await attempt()).bytes).not.toBe(-1);
    await restore();

    // Cutting the last chunk off, and claiming the one before is last, is caught too.
    await sql('delete from onboarding_document_chunk where document_id = ? and seq = 5', [doc.id]);
    await put(4, original[4]!.content, true);
    await sql('update onboarding_document set chunks = 5 where id = ?', [doc.id]);
    expect((await attempt()).bytes).not.toBe(-1);
    await sql(
      'insert into onboarding_document_chunk (document_id, seq, last, content) values (?, 5, true, ?)',
      [doc.id, original[5]!.content],
    );
    await restore();

    const intact = await download(doc.id);
    expect(await drain(intact.stream())).toEqual({ bytes: doc.size, sha256: doc.sha256, failed: false });
  });
});
