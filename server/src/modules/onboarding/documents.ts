import { basename } from 'node:path';
import type { MultipartFile } from '@fastify/multipart';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { open, seal, sha256Hex } from '../../lib/crypto.js';
import { storableText } from '../../lib/input.js';
import type { AuditService } from '../audit/service.js';
import type { Principal } from '../auth/service.js';
import { ApplicationDocument, type DocumentType } from './entity.js';
import type { OnboardingService } from './service.js';
import { documentAad } from './view.js';

/** Accepted document types, recognised by their first bytes (the declared type must agree). */
const SIGNATURES: { type: string; magic: Buffer }[] = [
  { type: 'application/pdf', magic: Buffer.from('%PDF-', 'latin1') },
  { type: 'image/png', magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'image/jpeg', magic: Buffer.from([0xff, 0xd8, 0xff]) },
];
export const ACCEPTED_TYPES = SIGNATURES.map((s) => s.type);

export function sniff(content: Buffer): string | null {
  return SIGNATURES.find((s) => content.subarray(0, s.magic.length).equals(s.magic))?.type ?? null;
}

function cleanFilename(name: string): string {
  // eslint-disable-next-line no-control-regex
  const base = basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f"]/g, '');
  // Cutting at 255 may split a surrogate pair; storableText mends that (and any lone one sent).
  return storableText((base || 'document').slice(0, 255));
}

/** Encrypted document storage: everything is checked before anything is written. */
export class DocumentService {
  constructor(
    private readonly onboarding: OnboardingService,
    private readonly audit: AuditService,
    private readonly key: Buffer,
    readonly maxBytes: number,
  ) {}

  /** Reads the whole part (bounded by the multipart limit) and validates it. */
  async read(part: MultipartFile): Promise<{ content: Buffer; contentType: string; filename: string }> {
    let content: Buffer;
    try {
      content = await part.toBuffer();
    } catch (err) {
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        throw new AppError(
          'PAYLOAD_TOO_LARGE',
          `The file is larger than ${this.maxBytes} bytes; upload a smaller scan`,
        );
      }
      throw new AppError('BAD_REQUEST', `The upload could not be read: ${(err as Error).message}`);
    }
    if (part.file.truncated) {
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        `The file is larger than ${this.maxBytes} bytes; upload a smaller scan`,
      );
    }
    if (content.length === 0) throw new AppError('BAD_REQUEST', 'The file is empty');
    const declared = part.mimetype.toLowerCase();
    if (!ACCEPTED_TYPES.includes(declared)) {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Files of type ${declared} are not accepted; send ${ACCEPTED_TYPES.join(', ')}`,
      );
    }
    const actual = sniff(content);
    if (actual !== declared) {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `The file was declared ${declared} but its content is ${actual ?? 'not a PDF, PNG or JPEG'}`,
      );
    }
    return { content, contentType: declared, filename: cleanFilename(part.filename) };
  }

  async store(
    p: Principal,
    applicationId: string,
    docType: DocumentType,
    file: { content: Buffer; contentType: string; filename: string },
  ): Promise<ApplicationDocument> {
    return this.onboarding.em().transactional(async (tx) => {
      const app = await this.onboarding.ownedForEdit(tx, p, applicationId);
      const doc = new ApplicationDocument();
      doc.applicationId = app.id;
      doc.docType = docType;
      doc.filename = file.filename;
      doc.contentType = file.contentType;
      doc.size = file.content.length;
      doc.sha256 = sha256Hex(file.content);
      doc.content = seal(this.key, file.content, documentAad(doc.id));
      doc.uploadedBy = p.id;
      tx.persist(doc);
      await this.audit.append(tx, {
        actor: p.id,
        action: 'document.uploaded',
        subjectType: 'application',
        subjectId: app.id,
        data: {
          documentId: doc.id,
          type: docType,
          sha256: doc.sha256,
          size: doc.size,
          contentType: doc.contentType,
        },
      });
      return doc;
    });
  }

  async remove(p: Principal, applicationId: string, documentId: string): Promise<void> {
    await this.onboarding.em().transactional(async (tx) => {
      const app = await this.onboarding.ownedForEdit(tx, p, applicationId);
      const doc = await tx.findOne(ApplicationDocument, { id: documentId, applicationId: app.id });
      if (!doc) throw AppError.notFound('Document', documentId);
      tx.remove(doc);
      await this.audit.append(tx, {
        actor: p.id,
        action: 'document.deleted',
        subjectType: 'application',
        subjectId: app.id,
        data: { documentId, sha256: doc.sha256 },
      });
    });
  }

  /** Decrypts a document for the applicant or a reviewer; every access is audited. */
  async fetch(p: Principal, applicationId: string, documentId: string) {
    return this.onboarding.em().transactional(async (tx: EntityManager) => {
      const app = await this.onboarding.loadFor(tx, p, applicationId);
      const doc = await tx.findOne(
        ApplicationDocument,
        { id: documentId, applicationId: app.id },
        { populate: ['content'] },
      );
      if (!doc) throw AppError.notFound('Document', documentId);
      const content = open(this.key, doc.content, documentAad(doc.id));
      if (sha256Hex(content) !== doc.sha256) throw new Error(`document ${doc.id} fails its integrity check`);
      await this.audit.append(tx, {
        actor: p.id,
        action: 'document.accessed',
        subjectType: 'application',
        subjectId: app.id,
        data: { documentId: doc.id, sha256: doc.sha256 },
      });
      return { doc, content };
    });
  }
}
