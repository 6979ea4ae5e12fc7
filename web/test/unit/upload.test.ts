import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/client';
import { percent, uploadFile } from '../../src/api/upload';

/** Just enough of XMLHttpRequest to drive uploadFile. */
class FakeXhr {
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  responseText = '';
  upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent);
  }
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

function start() {
  const xhr = new FakeXhr();
  const seen: number[] = [];
  const promise = uploadFile<{ id: string }>(
    '/onboarding/applications/a1/documents?type=id',
    new Blob(['%PDF-1.7'], { type: 'application/pdf' }),
    'passport.pdf',
    { createRequest: () => xhr as unknown as XMLHttpRequest, onProgress: (p) => seen.push(percent(p)) },
  );
  return { xhr, seen, promise };
}

describe('uploadFile', () => {
  it('posts the file as multipart form data and reports progress', async () => {
    const { xhr, seen, promise } = start();
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/onboarding/applications/a1/documents?type=id');
    expect((xhr.body as FormData).get('file')).toBeInstanceOf(Blob);
    xhr.progress(512, 2048);
    xhr.progress(2048, 2048);
    xhr.respond(201, { id: 'doc-1' });
    await expect(promise).resolves.toEqual({ id: 'doc-1' });
    expect(seen).toEqual([25, 100]);
  });

  it("turns the server's refusal into an ApiError with its message", async () => {
    const { xhr, promise } = start();
    xhr.respond(415, {
      statusCode: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'The file was declared application/pdf but its content is not a PDF, PNG or JPEG',
    });
    const error = await promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect((error as ApiError).message).toMatch(/content is not a PDF/);
  });

  it('reports a network failure in words', async () => {
    const { xhr, promise } = start();
    xhr.onerror?.();
    await expect(promise).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
  });

  it('computes the percentage without ever showing 100 early', () => {
    expect(percent(null)).toBe(0);
    expect(percent({ loaded: 0, total: 0 })).toBe(0);
    expect(percent({ loaded: 999, total: 1000 })).toBe(99);
    expect(percent({ loaded: 1000, total: 1000 })).toBe(100);
  });
});
