import { AppError } from '../../errors.js';
import { formatBytes } from '../../lib/bytes.js';

export interface UploadLimits {
  maxFileBytes: number;
  maxDocuments: number;
  maxApplicationBytes: number;
}

/** A place reserved under the application's caps, made before any of the body is read. */
export interface UploadTicket {
  /** The id the document will have. */
  id: string;
  applicationId: string;
  /** The most bytes this file may have (what the reservation covers). */
  limit: number;
  /** Which cap set `limit`, to say so when a file goes past it. */
  bound: 'file' | 'application' | 'request';
  maxApplicationBytes: number;
}

/** What an application holds: stored documents, and uploads in progress with their reservations. */
export interface Usage {
  documents: number;
  bytes: number;
  uploading: number;
  reservedBytes: number;
}

/** The refusals of the caps, in words for the investor (the portal shows them as they are). */
export function tooManyDocuments(u: Usage, limits: UploadLimits): AppError {
  const max = limits.maxDocuments;
  const inProgress =
    u.uploading > 0 ? ` and ${u.uploading} more ${u.uploading === 1 ? 'is' : 'are'} uploading` : '';
  return new AppError(
    'RULE_VIOLATION',
    `Your application already has ${u.documents} ${u.documents === 1 ? 'document' : 'documents'}${inProgress}; ` +
      `at most ${max} are allowed. Remove a document to add another`,
    { cap: 'documents-per-application', max, documents: u.documents, uploading: u.uploading },
  );
}

export function applicationFull(u: Usage, limits: UploadLimits): AppError {
  const max = limits.maxApplicationBytes;
  const inProgress = u.uploading > 0 ? ' (counting uploads in progress)' : '';
  return new AppError(
    'PAYLOAD_TOO_LARGE',
    `Your application's documents already take ${formatBytes(u.bytes + u.reservedBytes)} of the ${formatBytes(max)} allowed${inProgress}; ` +
      'remove a document to make room',
    { cap: 'bytes-per-application', max, bytes: u.bytes, reservedBytes: u.reservedBytes },
  );
}

export function fileTooLarge(t: UploadTicket): AppError {
  const message =
    t.bound === 'file'
      ? `The file is larger than ${formatBytes(t.limit)}, the largest accepted; upload a smaller scan`
      : t.bound === 'application'
        ? `The file is larger than the ${formatBytes(t.limit)} your application has left of its ${formatBytes(t.maxApplicationBytes)}; remove a document or upload a smaller scan`
        : 'The file is larger than the request that carries it; send a well-formed multipart body';
  return new AppError('PAYLOAD_TOO_LARGE', message, { cap: `${t.bound}-bytes`, max: t.limit });
}

export function uploadStalled(): AppError {
  return new AppError('CONFLICT', 'The upload stalled for too long and was cancelled; upload the file again');
}
