import { createHash, randomUUID } from 'node:crypto';
import type { MultipartFile } from '@fastify/multipart';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { ChunkBuffer } from '../../lib/chunk-buffer.js';
import type { AuditService } from '../audit/service.js';
import type { Principal } from '../auth/service.js';
import { chunkContext } from '../keys/contexts.js';
import type { KeyRing } from '../keys/keyring.js';
import { ACCEPTED_TYPES, cleanFilename, sniff, SNIFF_BYTES } from './documents.js';
import { ApplicationDocument, DocumentUpload, type DocumentType } from './entity.js';
import type { OnboardingService } from './service.js';
import {
  applicationFull,
  fileTooLarge,
  tooManyDocuments,
  uploadStalled,
  type UploadLimits,
  type UploadTicket,
  type Usage,
} from './upload-caps.js';

/** Plaintext bytes per sealed chunk: what one upload holds in memory at most, twice over. */
export const CHUNK_BYTES = 64 * 1024;
/** An upload that has stored no chunk for this long has stalled (or its server died): swept. */
export const UPLOAD_IDLE_SECONDS = 120;

/**
 * Document uploads: the caller and the caps are checked, and a place reserved, before the body
 * is read; the file then streams through (type sniffed from its first bytes, hashed, sealed and
 * stored chunk by chunk in short transactions) and becomes a document in one last transaction
 * that checks everything again under the application's row lock.
 */
export class UploadService {
  constructor(
    private readonly orm: MikroORM,
    private readonly onboarding: OnboardingService,
    private readonly audit: AuditService,
    private readonly keys: KeyRing,
    readonly limits: UploadLimits,
  ) {}

  /** Reserves a place for one file; `requestBytes` is the request's Content-Length, if it gave one. */
  async reserve(p: Principal, applicationId: string, requestBytes?: number): Promise<UploadTicket> {
    return this.orm.em.fork().transactional(async (tx) => {
      const app = await this.onboarding.ownedForEdit(tx, p, applicationId);
      await this.sweep(tx, app.id);
      const usage = await this.usage(tx, app.id);
      const max = this.limits;
      if (usage.documents + usage.uploading >= max.maxDocuments) throw tooManyDocuments(usage, this.limits);
      const left = max.maxApplicationBytes - usage.bytes - usage.reservedBytes;
      if (left <= 0) throw applicationFull(usage, this.limits);
      let limit = max.maxFileBytes;
      let bound: UploadTicket['bound'] = 'file';
      if (left < limit) [limit, bound] = [left, 'application'];
      // A file is never larger than the request carrying it: reserve no more than that.
      if (requestBytes !== undefined && requestBytes < limit) [limit, bound] = [requestBytes, 'request'];
      const id = randomUUID();
      await tx
        .getConnection()
        .execute(
          'insert into onboarding_upload (id, created_at, updated_at, application_id, reserved_bytes) values (?, now(), now(), ?, ?)',
          [id, app.id, limit],
          'run',
          tx.getTransactionContext(),
        );
      return { id, applicationId: app.id, limit, bound, maxApplicationBytes: max.maxApplicationBytes };
    });
  }

  /** Streams the file in and stores it as a document; on any failure nothing of it remains. */
  async receive(
    p: Principal,
    ticket: UploadTicket,
    docType: DocumentType,
    nextPart: () => Promise<MultipartFile | undefined>,
  ): Promise<ApplicationDocument> {
    let part: MultipartFile | undefined;
    try {
      part = await nextPart();
      if (!part) throw new AppError('BAD_REQUEST', 'The multipart body has no file; add a "file" field');
      const declared = part.mimetype.toLowerCase();
      if (!ACCEPTED_TYPES.includes(declared)) {
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Files of type ${declared} are not accepted; send ${ACCEPTED_TYPES.join(', ')}`,
        );
      }
      const hash = createHash('sha256');
      const pending = new ChunkBuffer();
      let size = 0;
      let seq = 0;
      let sniffed = false;
      for await (const data of part.file as AsyncIterable<Buffer>) {
        size += data.length;
        if (size > ticket.limit) throw fileTooLarge(ticket);
        hash.update(data);
        pending.push(data);
        if (!sniffed && pending.length >= SNIFF_BYTES)
          sniffed = checkType(declared, pending.peek(SNIFF_BYTES));
        // A full chunk is written only once more data follows: the final one must be sealed as last.
        while (pending.length > CHUNK_BYTES)
          await this.writeChunk(ticket.id, seq++, false, pending.take(CHUNK_BYTES));
      }
      if (part.file.truncated) throw fileTooLarge(ticket);
      if (size === 0) throw new AppError('BAD_REQUEST', 'The file is empty; choose the scan again');
      if (!sniffed) checkType(declared, pending.peek(SNIFF_BYTES));
      await this.writeChunk(ticket.id, seq++, true, pending.take(pending.length));
      return await this.complete(p, ticket, {
        docType,
        filename: cleanFilename(part.filename),
        contentType: declared,
        size,
        sha256: hash.digest('hex'),
        chunks: seq,
      });
    } catch (err) {
      part?.file.destroy();
      await this.discard(ticket.id);
      throw err;
    }
  }

  /** Drops an upload that will not complete, with whatever chunks it stored. */
  async discard(uploadId: string): Promise<void> {
    await this.orm.em.fork().transactional(async (tx) => {
      const conn = tx.getConnection();
      const ctx = tx.getTransactionContext();
      await conn.execute('delete from onboarding_upload where id = ?', [uploadId], 'run', ctx);
      await conn.execute(
        'delete from onboarding_document_chunk where document_id = ? and not exists (select 1 from onboarding_document where id = ?)',
        [uploadId, uploadId],
        'run',
        ctx,
      );
    });
  }

  /**
   * Removes stalled uploads (of one application, or all) and chunks that belong to neither an
   * upload nor a document (a server that died between the two). Returns the uploads removed.
   */
  async sweep(em: EntityManager = this.orm.em.fork(), applicationId?: string): Promise<number> {
    const conn = em.getConnection();
    const ctx = em.getTransactionContext();
    const stalled = await conn.execute<{ id: string }[]>(
      `delete from onboarding_upload where updated_at < now() - make_interval(secs => ?)${applicationId ? ' and application_id = ?' : ''} returning id`,
      applicationId ? [UPLOAD_IDLE_SECONDS, applicationId] : [UPLOAD_IDLE_SECONDS],
      'all',
      ctx,
    );
    const unowned =
      'not exists (select 1 from onboarding_upload u where u.id = c.document_id) and not exists (select 1 from onboarding_document d where d.id = c.document_id)';
    if (!applicationId) {
      await conn.execute(`delete from onboarding_document_chunk c where ${unowned}`, [], 'run', ctx);
    } else if (stalled.length > 0) {
      await conn.execute(
        `delete from onboarding_document_chunk c where document_id in (${stalled.map(() => '?').join(', ')}) and ${unowned}`,
        stalled.map((s) => s.id),
        'run',
        ctx,
      );
    }
    return stalled.length;
  }

  private async usage(tx: EntityManager, applicationId: string): Promise<Usage> {
    const conn = tx.getConnection();
    const ctx = tx.getTransactionContext();
    const [stored] = await conn.execute<{ n: number; bytes: string }[]>(
      'select count(*)::int as n, coalesce(sum(size), 0)::text as bytes from onboarding_document where application_id = ?',
      [applicationId],
      'all',
      ctx,
    );
    const [open] = await conn.execute<{ n: number; bytes: string }[]>(
      'select count(*)::int as n, coalesce(sum(reserved_bytes), 0)::text as bytes from onboarding_upload where application_id = ?',
      [applicationId],
      'all',
      ctx,
    );
    return {
      documents: stored!.n,
      bytes: Number(stored!.bytes),
      uploading: open!.n,
      reservedBytes: Number(open!.bytes),
    };
  }

  /** Seals and stores one chunk in its own short transaction, and shows the upload is alive. */
  private async writeChunk(uploadId: string, seq: number, last: boolean, plaintext: Buffer): Promise<void> {
    await this.orm.em.fork().transactional(async (tx) => {
      const conn = tx.getConnection();
      const ctx = tx.getTransactionContext();
      const alive = await conn.execute<{ id: string }[]>(
        'update onboarding_upload set updated_at = now() where id = ? returning id',
        [uploadId],
        'all',
        ctx,
      );
      if (alive.length === 0) throw uploadStalled();
      const sealed = await this.keys.seal(tx, 'document', plaintext, chunkContext(uploadId, seq, last));
      await conn.execute(
        'insert into onboarding_document_chunk (document_id, seq, last, content) values (?, ?, ?, ?)',
        [uploadId, seq, last, sealed],
        'run',
        ctx,
      );
    });
  }

  private async complete(
    p: Principal,
    ticket: UploadTicket,
    file: Pick<ApplicationDocument, 'docType' | 'filename' | 'contentType' | 'size' | 'sha256' | 'chunks'>,
  ): Promise<ApplicationDocument> {
    return this.orm.em.fork().transactional(async (tx) => {
      const app = await this.onboarding.ownedForEdit(tx, p, ticket.applicationId);
      const upload = await tx.findOne(
        DocumentUpload,
        { id: ticket.id },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!upload) throw uploadStalled();
      // The reservation kept the caps, unless it was swept and its place given away meanwhile.
      const usage = await this.usage(tx, app.id);
      if (usage.documents + 1 > this.limits.maxDocuments) throw tooManyDocuments(usage, this.limits);
      if (usage.bytes + file.size > this.limits.maxApplicationBytes)
        throw applicationFull(usage, this.limits);
      const doc = Object.assign(new ApplicationDocument(), file, {
        id: ticket.id,
        applicationId: app.id,
        uploadedBy: p.id,
      });
      tx.persist(doc);
      tx.remove(upload);
      await this.audit.append(tx, {
        actor: p.id,
        action: 'document.uploaded',
        subjectType: 'application',
        subjectId: app.id,
        data: {
          documentId: doc.id,
          type: doc.docType,
          sha256: doc.sha256,
          size: doc.size,
          contentType: doc.contentType,
        },
      });
      return doc;
    });
  }
}

/** The declared type must be what the content is; returns true so callers can mark it checked. */
function checkType(declared: string, head: Buffer): true {
  const actual = sniff(head);
  if (actual !== declared) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `The file was declared ${declared} but its content is ${actual ?? 'not a PDF, PNG or JPEG'}`,
    );
  }
  return true;
}
