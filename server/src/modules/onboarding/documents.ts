import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { storableText } from '../../lib/input.js';
import type { AuditService } from '../audit/service.js';
import type { Principal } from '../auth/service.js';
import { chunkContext, documentContext } from '../keys/contexts.js';
import type { KeyRing } from '../keys/keyring.js';
import { ApplicationDocument, DocumentChunk } from './entity.js';
import type { OnboardingService } from './service.js';

/** Accepted document types, recognised by their first bytes (the declared type must agree). */
const SIGNATURES: { type: string; magic: Buffer }[] = [
  { type: 'application/pdf', magic: Buffer.from('%PDF-', 'latin1') },
  { type: 'image/png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'image/jpeg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
];
export const ACCEPTED_TYPES = SIGNATURES.map((s) => s.type);
/** Enough of a file's start to recognise every accepted type. */
export const SNIFF_BYTES = Math.max(...SIGNATURES.map((s) => s.magic.length));

export function sniff(content: Buffer): string | null {
  return SIGNATURES.find((s) => content.subarray(0, s.magic.length).equals(s.magic))?.type ?? null;
}

export function cleanFilename(name: string): string {
  // eslint-disable-next-line no-control-regex
  const base = basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f"]/g, '');
  // Cutting at 255 may split a surrogate pair; storableText mends that (and any lone one sent).
  return storableText((base || 'document').slice(0, 255));
}

/** Chunks read per query when a document streams back (each is at most 64 KiB). */
const READ_BATCH = 8;

/** Stored documents: streamed back decrypted (every access audited), and deleted. */
export class DocumentService {
  constructor(
    private readonly onboarding: OnboardingService,
    private readonly audit: AuditService,
    private readonly keys: KeyRing,
  ) {}

  async remove(p: Principal, applicationId: string, documentId: string): Promise<void> {
    await this.onboarding.em().transactional(async (tx) => {
      const app = await this.onboarding.ownedForEdit(tx, p, applicationId);
      const doc = await tx.findOne(ApplicationDocument, { id: documentId, applicationId: app.id });
      if (!doc) throw AppError.notFound('Document', documentId);
      tx.remove(doc);
      await tx.nativeDelete(DocumentChunk, { documentId: doc.id });
      await this.audit.append(tx, {
        actor: p.id,
        action: 'document.deleted',
        subjectType: 'application',
        subjectId: app.id,
        data: { documentId, sha256: doc.sha256 },
      });
    });
  }

  /**
   * A document for the applicant or a reviewer, as a stream of its plaintext. The access is
   * audited before the first byte goes out; a chunk that fails to authenticate, a missing or
   * extra chunk, or a digest that does not match ends the stream with an error, so the client
   * sees a cut-off download (short of its Content-Length), never a complete wrong file.
   */
  async open(p: Principal, applicationId: string, documentId: string) {
    const doc = await this.onboarding.em().transactional(async (tx: EntityManager) => {
      const app = await this.onboarding.loadFor(tx, p, applicationId);
      const found = await tx.findOne(ApplicationDocument, { id: documentId, applicationId: app.id });
      if (!found) throw AppError.notFound('Document', documentId);
      await this.audit.append(tx, {
        actor: p.id,
        action: 'document.accessed',
        subjectType: 'application',
        subjectId: app.id,
        data: { documentId: found.id, sha256: found.sha256 },
      });
      return found;
    });
    return { doc, body: Readable.from(this.plaintext(doc), { objectMode: false }) };
  }

  /** A document's whole plaintext, integrity-checked, for a KYC vendor (no principal: a job). */
  async read(doc: ApplicationDocument): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of this.plaintext(doc)) parts.push(part);
    return Buffer.concat(parts);
  }

  private async *plaintext(doc: ApplicationDocument): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    let size = 0;
    const check = () => {
      if (size !== doc.size || hash.digest('hex') !== doc.sha256) {
        throw new Error(`document ${doc.id} fails its integrity check`);
      }
    };
    const conn = this.onboarding.em().getConnection();
    // Read again in one statement: rotate-key may have split a whole document into chunks since.
    const [stored] = await conn.execute<{ chunks: number | null; content: Buffer | null }[]>(
      'select chunks, case when chunks is null then content end as content from onboarding_document where id = ?',
      [doc.id],
    );
    if (!stored) throw new Error(`document ${doc.id} was deleted while it was being read`);
    if (stored.chunks === null) {
      const content = await this.keys.open('document', stored.content!, documentContext(doc.id));
      hash.update(content);
      size = content.length;
      check();
      yield content;
      return;
    }
    const chunks = stored.chunks;
    // The last chunk is held back until the digest matches, so a wrong file never arrives whole.
    let held: Buffer | undefined;
    let seq = 0;
    while (seq < chunks) {
      const rows = await conn.execute<{ seq: number; last: boolean; content: Buffer }[]>(
        'select seq, last, content from onboarding_document_chunk where document_id = ? and seq >= ? order by seq limit ?',
        [doc.id, seq, READ_BATCH],
      );
      if (rows.length === 0) throw new Error(`document ${doc.id} is missing chunks from ${seq}`);
      for (const row of rows) {
        if (row.seq !== seq || row.seq >= chunks) throw new Error(`document ${doc.id} has no chunk ${seq}`);
        // The flag picks the context; a flag set on the wrong chunk makes it fail to open.
        const plain = await this.keys.open('document', row.content, chunkContext(doc.id, seq, row.last));
        if (row.last !== (seq === chunks - 1)) throw new Error(`document ${doc.id} ends at chunk ${seq}`);
        hash.update(plain);
        size += plain.length;
        seq++;
        if (held) yield held;
        held = plain;
      }
    }
    check();
    if (held) yield held;
  }
}
