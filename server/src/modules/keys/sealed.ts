import {
  answerContext,
  chunkContext,
  mnemonicContext,
  offeringDocumentContext,
  profileContext,
  totpContext,
} from './contexts.js';
import type { KeyPurpose } from './entity.js';

export type Row = Record<string, unknown>;

/** A column of sealed values: where it is, what it is for, and what each value is bound to. */
export interface SealedColumn {
  label: string;
  table: string;
  /** Primary key columns, in order: the batches walk them (resumable, no offsets). */
  keys: string[];
  column: string;
  /** Further columns the context needs. */
  extra: string[];
  purpose: KeyPurpose;
  context(row: Row): string;
}

/** Every column that holds sealed values. A new one must be listed here, or rotate-key misses it. */
export const SEALED: SealedColumn[] = [
  {
    label: 'profiles',
    table: 'onboarding_application',
    keys: ['id'],
    column: 'profile_sealed',
    extra: [],
    purpose: 'profile',
    context: (r) => profileContext(String(r.id)),
  },
  {
    label: 'custodial keys',
    table: 'investor_identity',
    keys: ['id'],
    column: 'key_sealed',
    extra: [],
    purpose: 'mnemonic',
    context: (r) => mnemonicContext(String(r.id)),
  },
  {
    label: 'document chunks',
    table: 'onboarding_document_chunk',
    keys: ['document_id', 'seq'],
    column: 'content',
    extra: ['last'],
    purpose: 'document',
    context: (r) => chunkContext(String(r.document_id), Number(r.seq), r.last === true),
  },
  {
    label: 'stored idempotent answers',
    table: 'idempotency_record',
    keys: ['id'],
    column: 'response_body',
    extra: [],
    purpose: 'profile',
    context: (r) => answerContext(String(r.id)),
  },
  {
    label: 'offering documents',
    table: 'offering_document',
    keys: ['id'],
    column: 'content',
    extra: [],
    purpose: 'document',
    context: (r) => offeringDocumentContext(String(r.id)),
  },
  {
    label: 'two-factor secrets',
    table: 'user_two_factor',
    keys: ['id'],
    column: 'secret_sealed',
    extra: ['user_id'],
    purpose: 'profile',
    context: (r) => totpContext(String(r.user_id)),
  },
];
