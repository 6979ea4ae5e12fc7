/**
 * What each sealed value is bound to (the associated data of its AES-GCM seal): a value copied
 * to another row, or a chunk moved within or between documents, does not open.
 */
export const profileContext = (applicationId: string) => `application:${applicationId}`;
export const mnemonicContext = (identityId: string) => `identity-key:${identityId}`;
/** A document stored whole, as versions before chunked uploads did. */
export const documentContext = (documentId: string) => `document:${documentId}`;
/**
 * One chunk of a document. `last` marks the final chunk, so cutting chunks off the end is
 * detected: the new final chunk was not sealed as last.
 */
export const chunkContext = (documentId: string, seq: number, last: boolean) =>
  `document:${documentId}:chunk:${seq}:${last ? 'last' : 'more'}`;
/** The answer stored for an Idempotency-Key (it can hold a new API key's token). */
export const answerContext = (recordId: string) => `idempotency:${recordId}`;
/** A document of an offering (PPM, subscription agreement), stored whole. */
export const offeringDocumentContext = (documentId: string) => `offering-document:${documentId}`;
/** A user's TOTP secret. */
export const totpContext = (userId: string) => `totp:${userId}`;
