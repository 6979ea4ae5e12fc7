import { ApiError, toApiError } from './client';
import { ActionKeys } from './idempotency';

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadOptions {
  /** Same origin by default. */
  baseUrl?: string;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
  /** Injected by tests; the browser's XMLHttpRequest by default. */
  createRequest?: () => XMLHttpRequest;
  /** Idempotency-Keys of uploads; one set for the page by default. */
  keys?: ActionKeys;
}

const pageUploads = new ActionKeys();

/** Share of an upload done, 0–100, rounded down so 100 only shows when every byte is sent. */
export function percent(progress: UploadProgress | null): number {
  if (!progress || progress.total <= 0) return 0;
  return Math.min(100, Math.floor((progress.loaded / progress.total) * 100));
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Uploads one file as multipart/form-data (field "file"). XMLHttpRequest rather than fetch,
 * because only XHR reports upload progress. Errors come back as ApiError, like `request()`.
 */
export function uploadFile<T>(path: string, file: Blob, filename: string, options: UploadOptions = {}) {
  return new Promise<T>((resolve, reject) => {
    const xhr = options.createRequest ? options.createRequest() : new XMLHttpRequest();
    const keys = options.keys ?? pageUploads;
    // The same file to the same place is the same action: a retry after a lost answer replays.
    const signature = `POST ${path}\n${filename}:${file.size}:${file.type}`;
    xhr.open('POST', `${options.baseUrl ?? ''}${path}`);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('idempotency-key', keys.keyFor(signature));
    xhr.upload.onprogress = (event: ProgressEvent) => {
      if (event.lengthComputable) options.onProgress?.({ loaded: event.loaded, total: event.total });
    };
    xhr.onload = () => {
      const body = parseBody(xhr.responseText);
      const code =
        typeof body === 'object' && body !== null && 'code' in body ? String(body.code) : undefined;
      keys.settle(signature, xhr.status, code);
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else reject(toApiError(body, xhr.status));
    };
    xhr.onerror = () => reject(toApiError(undefined, 0));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append('file', file, filename);
    xhr.send(form);
  });
}

export { ApiError };
