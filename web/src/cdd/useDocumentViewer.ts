import { onScopeDispose, ref } from 'vue';
import { ApiError, toApiError } from '../api/client';
import type { OnboardingDocument } from '../investor/onboarding';

export interface OpenedDocument {
  doc: OnboardingDocument;
  url: string;
  /** The SHA-256 of what arrived matches the hash recorded at upload; null when it cannot be checked. */
  intact: boolean | null;
  openedAt: Date;
}

export async function sha256Hex(data: ArrayBuffer): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const digest = await subtle.digest('SHA-256', data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Decrypts one document on demand (the server records every access in the audit trail) and
 * keeps it as an object URL for viewing; URLs are released when replaced or unmounted.
 */
export function useDocumentViewer(options: { baseUrl?: string; fetch?: typeof fetch } = {}) {
  const opened = ref<OpenedDocument | null>(null);
  const loadingId = ref<string | null>(null);
  const error = ref<ApiError | null>(null);
  const doFetch = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));

  function release() {
    if (opened.value) URL.revokeObjectURL(opened.value.url);
    opened.value = null;
  }

  async function open(applicationId: string, doc: OnboardingDocument): Promise<void> {
    loadingId.value = doc.id;
    error.value = null;
    try {
      const path = `/onboarding/applications/${encodeURIComponent(applicationId)}/documents/${encodeURIComponent(doc.id)}`;
      let res: Response;
      try {
        res = await doFetch(`${options.baseUrl ?? ''}${path}`, {
          credentials: 'same-origin',
          cache: 'no-store',
        });
      } catch {
        throw toApiError(undefined, 0);
      }
      if (!res.ok) throw toApiError(await res.json().catch(() => undefined), res.status);
      const bytes = await res.arrayBuffer();
      const hash = await sha256Hex(bytes);
      release();
      opened.value = {
        doc,
        url: URL.createObjectURL(new Blob([bytes], { type: doc.contentType })),
        intact: hash === null ? null : hash === doc.sha256,
        openedAt: new Date(),
      };
    } catch (cause) {
      error.value = cause instanceof ApiError ? cause : toApiError(undefined, 0);
    } finally {
      loadingId.value = null;
    }
  }

  onScopeDispose(release);
  return { opened, loadingId, error, open, close: release };
}
