import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';

const BLOCK = randomBytes(64 * 1024);
export const PDF_HEAD = Buffer.from('%PDF-1.7\n');

export interface StreamedBody {
  payload: Readable;
  headers: Record<string, string>;
  /** Bytes of the body the server has pulled so far. */
  pulled(): number;
  /** SHA-256 of the file's bytes, once all of them were produced. */
  sha256(): string;
  /** Resolves when the body is paused at `pauseAt` (if given); `resume()` goes on. */
  paused: Promise<void>;
  resume(): void;
}

/**
 * A multipart upload whose file (`size` bytes, starting with a PDF header) is made as the
 * server reads it, so the test itself never holds the file. `endless` never finishes the body;
 * `pauseAt` stops after that many file bytes until `resume()`.
 */
export function streamedUpload(
  size: number,
  opts: { endless?: boolean; pauseAt?: number; contentLength?: boolean } = {},
): StreamedBody {
  const boundary = `----stoa${randomBytes(8).toString('hex')}`;
  const preamble = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
  );
  const epilogue = Buffer.from(`\r\n--${boundary}--\r\n`);
  const hash = createHash('sha256');
  let pulled = 0;
  let resume = () => {};
  let pausedResolve = () => {};
  const paused = new Promise<void>((r) => (pausedResolve = r));
  const gate = new Promise<void>((r) => (resume = r));
  async function* body() {
    pulled += preamble.length;
    yield preamble;
    let sent = 0;
    while (sent < size) {
      const n = Math.min(BLOCK.length, size - sent);
      const piece = Buffer.from(BLOCK.subarray(0, n));
      if (sent === 0) PDF_HEAD.copy(piece, 0, 0, Math.min(PDF_HEAD.length, n));
      hash.update(piece);
      sent += n;
      pulled += n;
      yield piece;
      if (opts.pauseAt !== undefined && sent >= opts.pauseAt && sent - n < opts.pauseAt) {
        pausedResolve();
        await gate;
      }
    }
    if (opts.endless) await new Promise(() => {});
    pulled += epilogue.length;
    yield epilogue;
  }
  const headers: Record<string, string> = { 'content-type': `multipart/form-data; boundary=${boundary}` };
  if (opts.contentLength !== false && !opts.endless) {
    headers['content-length'] = String(preamble.length + size + epilogue.length);
  }
  return {
    payload: Readable.from(body(), { objectMode: false }),
    headers,
    pulled: () => pulled,
    sha256: () => hash.digest('hex'),
    paused,
    resume: () => resume(),
  };
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Memory the process holds on to (JS heap and Buffers), after collecting garbage. */
export function liveBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
