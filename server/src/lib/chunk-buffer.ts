/** Gathers what streams in and hands it on in pieces of an exact size, copying only what it hands on. */
export class ChunkBuffer {
  private parts: Buffer[] = [];
  length = 0;

  push(data: Buffer): void {
    this.parts.push(data);
    this.length += data.length;
  }

  /** The first `bytes` (fewer if there are fewer), left in place. */
  peek(bytes: number): Buffer {
    return Buffer.concat(this.parts, Math.min(bytes, this.length));
  }

  take(bytes: number): Buffer {
    const out = Buffer.allocUnsafe(bytes);
    let filled = 0;
    while (filled < bytes) {
      const part = this.parts[0]!;
      const n = Math.min(part.length, bytes - filled);
      part.copy(out, filled, 0, n);
      filled += n;
      if (n === part.length) this.parts.shift();
      else this.parts[0] = part.subarray(n);
    }
    this.length -= bytes;
    return out;
  }
}
