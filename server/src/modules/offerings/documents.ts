import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { lockRow } from '../../db/locks.js';
import { AuditEntry } from '../audit/entity.js';
import type { AuditService } from '../audit/service.js';
import type { Principal } from '../auth/service.js';
import { offeringDocumentContext } from '../keys/contexts.js';
import type { KeyRing } from '../keys/keyring.js';
import {
  Offering,
  OfferingDocument,
  type OfferingDocumentKind,
  type SubscriptionAgreement,
} from './entity.js';
import { assertVisible } from './policy.js';
import type { OfferingService } from './service.js';

export const OFFERING_DOCUMENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'text/plain'] as const;
export const MAX_OFFERING_DOCUMENT_BYTES = 10 * 1024 * 1024;
/** Documents may be added while investors can still subscribe; removed only before launch. */
const ADDABLE: Offering['status'][] = ['draft', 'live', 'frozen'];

export const KIND_NAMES: Readonly<Record<OfferingDocumentKind, string>> = {
  ppm: 'Private placement memorandum',
  'subscription-agreement': 'Subscription agreement',
  'term-sheet': 'Term sheet',
  other: 'Document',
};

export interface AddDocumentInput {
  name: string;
  kind: OfferingDocumentKind;
  filename: string;
  contentType: string;
  /** The file, base64. */
  content: string;
}

export interface AgreementInput {
  fullName: string;
  consent: boolean;
  /** Each document of the offering the investor read, with the SHA-256 they were shown. */
  documents: { id: string; sha256: string }[];
}

export const serializeDocument = (d: OfferingDocument) => ({
  id: d.id,
  name: d.name,
  kind: d.kind,
  filename: d.filename,
  contentType: d.contentType,
  size: d.size,
  sha256: d.sha256,
  createdAt: d.createdAt.toISOString(),
});

/** A typed name compared with a verified one: case, accents' case and spacing do not matter. */
export const sameName = (typed: string, verified: string) => {
  const norm = (s: string) => s.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('en');
  return norm(typed) !== '' && norm(typed) === norm(verified);
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The issuer's offering documents: stored sealed (keyring, document purpose), identified by
 * their SHA-256, which is what an investor's signature covers. Every addition and every time a
 * document is opened is audited.
 */
export class OfferingDocuments {
  constructor(
    private readonly offerings: OfferingService,
    private readonly keys: KeyRing,
    private readonly audit: AuditService,
  ) {}

  private em() {
    return this.offerings.orm.em.fork();
  }

  async add(offeringId: string, input: AddDocumentInput, actor: string): Promise<OfferingDocument> {
    const b64 = input.content.replace(/\s+/g, '');
    if (!BASE64.test(b64) || b64.length % 4 !== 0)
      throw new AppError('VALIDATION_FAILED', 'The file could not be read: send its content as base64');
    const content = Buffer.from(b64, 'base64');
    if (content.length === 0) throw new AppError('VALIDATION_FAILED', 'The file is empty');
    if (content.length > MAX_OFFERING_DOCUMENT_BYTES)
      throw new AppError('PAYLOAD_TOO_LARGE', 'The file is larger than 10 MB');
    if (!(OFFERING_DOCUMENT_TYPES as readonly string[]).includes(input.contentType))
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Offering documents must be PDF, PNG, JPEG or plain text files',
      );
    return this.em().transactional(async (tx) => {
      const o = await lockRow(tx, Offering, offeringId);
      if (!o) throw AppError.notFound('Offering', offeringId);
      if (!ADDABLE.includes(o.status))
        throw new AppError(
          'CONFLICT',
          `Offering ${o.name} is ${o.status}; documents can be added while it is a draft, live or frozen`,
        );
      const name = input.name.trim();
      if (await tx.count(OfferingDocument, { offeringId, name }))
        throw new AppError('CONFLICT', `Offering ${o.name} already has a document named “${name}”`);
      const d = new OfferingDocument();
      Object.assign(d, {
        offeringId,
        name,
        kind: input.kind,
        filename: input.filename.slice(0, 255),
        contentType: input.contentType,
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
        uploadedBy: actor,
      });
      d.content = await this.keys.seal(tx, 'document', content, offeringDocumentContext(d.id));
      tx.persist(d);
      await this.audit.append(tx, {
        actor,
        action: 'offering.document-added',
        subjectType: 'offering',
        subjectId: o.id,
        data: { documentId: d.id, name, kind: d.kind, sha256: d.sha256, size: d.size, status: o.status },
      });
      return d;
    });
  }

  async remove(offeringId: string, documentId: string, actor: string): Promise<void> {
    await this.em().transactional(async (tx) => {
      const o = await lockRow(tx, Offering, offeringId);
      if (!o) throw AppError.notFound('Offering', offeringId);
      const d = await tx.findOne(OfferingDocument, { id: documentId, offeringId });
      if (!d) throw AppError.notFound('Document', documentId);
      if (o.status !== 'draft')
        throw new AppError(
          'CONFLICT',
          `Offering ${o.name} is ${o.status}; investors may have signed over “${d.name}”, so it can only be removed from a draft`,
        );
      tx.remove(d);
      await this.audit.append(tx, {
        actor,
        action: 'offering.document-removed',
        subjectType: 'offering',
        subjectId: o.id,
        data: { documentId: d.id, name: d.name, sha256: d.sha256 },
      });
    });
  }

  list(em: EntityManager, offeringId: string): Promise<OfferingDocument[]> {
    return em.find(OfferingDocument, { offeringId }, { orderBy: { createdAt: 'asc' } });
  }

  /** The file for anyone who may see the offering; the access is audited (who read what, when). */
  async open(p: Principal, offeringId: string, documentId: string) {
    return this.em().transactional(async (tx) => {
      assertVisible(p, await this.offerings.get(tx, offeringId));
      const d = await tx.findOne(
        OfferingDocument,
        { id: documentId, offeringId },
        { populate: ['content'] as never },
      );
      if (!d) throw AppError.notFound('Document', documentId);
      const content = await this.keys.open('document', d.content, offeringDocumentContext(d.id), tx);
      if (createHash('sha256').update(content).digest('hex') !== d.sha256)
        throw new Error(`offering document ${d.id} fails its integrity check`);
      await this.audit.append(tx, {
        actor: p.id,
        action: 'offering.document-opened',
        subjectType: 'offering',
        subjectId: offeringId,
        data: { documentId: d.id, name: d.name, sha256: d.sha256 },
      });
      return { doc: d, content };
    });
  }

  /**
   * The investor's signature checked against the offering's documents as they are now (the
   * offering row is locked by the caller): every document acknowledged with its current hash,
   * consent given, and the typed name one of the investor's verified names.
   */
  async checkAgreement(
    tx: EntityManager,
    o: Offering,
    input: AgreementInput | undefined,
    verifiedNames: string[],
    now: Date,
    actor: string,
  ): Promise<SubscriptionAgreement> {
    if (!input)
      throw new AppError(
        'VALIDATION_FAILED',
        'Sign the subscription agreement first: read each offering document, confirm you have read it, type your full name and give your consent',
      );
    if (input.consent !== true)
      throw new AppError('VALIDATION_FAILED', 'Tick the consent box to sign the subscription agreement', {
        fields: [{ field: '/body/agreement/consent', message: 'Tick the box to give your consent' }],
      });
    if (!verifiedNames.some((n) => sameName(input.fullName, n)))
      throw new AppError(
        'VALIDATION_FAILED',
        'The name you typed does not match your verified name; type your full name as on your identity document',
        { fields: [{ field: '/body/agreement/fullName', message: 'Type your full name as verified' }] },
      );
    const docs = await this.list(tx, o.id);
    const acked = new Map(input.documents.map((d) => [d.id, d.sha256.toLowerCase()]));
    for (const id of acked.keys())
      if (!docs.some((d) => d.id === id))
        throw new AppError(
          'VALIDATION_FAILED',
          'You confirmed a document that is not part of this offering; reload the page and confirm its current documents',
        );
    for (const d of docs) {
      const seen = acked.get(d.id);
      if (seen === undefined)
        throw new AppError('VALIDATION_FAILED', `Confirm you have read “${d.name}” before subscribing`);
      if (seen !== d.sha256)
        throw new AppError(
          'VALIDATION_FAILED',
          `“${d.name}” is not the version you confirmed (it has changed); open it again and confirm the current version`,
        );
    }
    // Evidence beside the signature: when the signer opened each document (from the audit log).
    const openings = await tx.find(
      AuditEntry,
      { action: 'offering.document-opened', subjectType: 'offering', subjectId: o.id, actor },
      { orderBy: { id: 'asc' } },
    );
    const openedAt = (d: OfferingDocument) => {
      const e = openings.find((x) => x.data.documentId === d.id && x.data.sha256 === d.sha256);
      return e ? e.at.toISOString() : null;
    };
    return {
      fullName: input.fullName.trim(),
      consent: true,
      signedAt: now.toISOString(),
      documents: docs.map((d) => ({
        id: d.id,
        name: d.name,
        kind: d.kind,
        sha256: d.sha256,
        openedAt: openedAt(d),
      })),
    };
  }
}
