import { findInputProblem } from '../../lib/input.js';
import type { Screening } from '../onboarding/entity.js';

export type KycVerdict = 'GREEN' | 'RED' | 'RETRY';
export type ProviderName = 'sandbox' | 'sumsub' | 'onfido';

export interface ApplicantInput {
  /** Our application id: the vendor's external user id, echoed in its webhooks. */
  applicationId: string;
  email: string;
  kind: 'individual' | 'entity';
  firstName?: string;
  lastName?: string;
  legalName?: string;
  dateOfBirth?: string;
  country: string;
}

/** A document sent to the vendor with the applicant (plaintext, opened from the key ring). */
export interface VendorDocument {
  docType: string;
  filename: string;
  contentType: string;
  content: Buffer;
}

/** What one submission hands the vendor: the applicant's documents, then a review/check request. */
export interface SubmissionInput {
  applicationId: string;
  applicantId: string;
  /** ISO 3166-1 alpha-2 country of residence (vendors that want alpha-3 convert it). */
  country: string;
  documents: VendorDocument[];
}

/** A token the portal hands the vendor's web SDK (Sumsub WebSDK, Onfido web SDK). */
export interface SdkToken {
  provider: ProviderName;
  token: string;
  /** The applicant the token belongs to (Onfido) or the user id the token was issued for (Sumsub). */
  applicantId: string;
  /** Sumsub: the verification level the WebSDK shows. */
  levelName?: string;
}

/** A verified webhook, normalised. */
export interface KycEvent {
  provider: ProviderName;
  /** Unique per delivery content: the idempotency key of processing and the replay guard. */
  eventId: string;
  type: string;
  applicationId: string | null;
  applicantId: string | null;
  /** Null when the event carries no verdict (e.g. "applicant pending"), or the verdict must be fetched. */
  verdict: KycVerdict | null;
  screening: Omit<Screening, 'checkedAt'> | null;
  /** Vendor reference to fetch the verdict from (Onfido check id). */
  checkId?: string;
  occurredAt: string | null;
}

/** Thrown by `verifyWebhook`: the route answers 401 and audits the refusal. */
export class WebhookRejected extends Error {
  override readonly name = 'WebhookRejected';
  constructor(
    readonly reason: 'missing-signature' | 'bad-signature' | 'stale' | 'malformed' | 'replayed',
    message: string,
  ) {
    super(message);
  }
}

export type Headers = Record<string, string | string[] | undefined>;

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** One interface over KYC/AML vendors. */
export interface KycProvider {
  readonly name: ProviderName;
  createApplicant(input: ApplicantInput): Promise<{ applicantId: string }>;
  /**
   * Sends the submission's documents and asks the vendor to decide (Sumsub: upload each idDoc,
   * then status/pending; Onfido: upload documents, then create a check). Returns the vendor's
   * reference of that request (Onfido check id), if any. Run again after a failure: vendors
   * accept a document twice; a second check only costs a second report.
   */
  submit(input: SubmissionInput): Promise<{ checkId?: string }>;
  /** A token for the vendor's web SDK, when the vendor has one. */
  sdkToken?(applicantId: string, applicationId: string): Promise<SdkToken>;
  /** Checks the signature over the exact raw body and its freshness, then normalises the event. */
  verifyWebhook(raw: Buffer, headers: Headers, now: Date): KycEvent;
  /** For events whose verdict is not in the payload (Onfido): ask the vendor. */
  resolveVerdict?(event: KycEvent): Promise<Pick<KycEvent, 'verdict' | 'screening' | 'applicantId'>>;
  /** Whether the event's verdict must be confirmed by asking the vendor (`resolveVerdict`). */
  confirms?(event: KycEvent): boolean;
}

/** A minimal `fetch`, injectable so vendor clients are unit-tested without a network. */
export type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | Uint8Array },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>;

/** Screening flags from vendor labels (Sumsub reject labels, sandbox markers). */
export function screeningFromLabels(provider: string, labels: string[]): Omit<Screening, 'checkedAt'> {
  const has = (...names: string[]) => labels.some((l) => names.includes(l.toUpperCase()));
  return {
    provider,
    sanctionsHit: has('SANCTIONS', 'WATCHLIST'),
    pepHit: has('PEP'),
    adverseMediaHit: has('ADVERSE_MEDIA', 'CRIMINAL'),
    labels,
  };
}

export function parseJson(raw: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch {
    // reported below
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new WebhookRejected('malformed', 'The webhook body is not a JSON object');
  }
  // A signed body is parsed here, not by the route's guard: refuse what PostgreSQL cannot store.
  const bad = findInputProblem(v, 'body');
  if (bad) throw new WebhookRejected('malformed', `The webhook ${bad.path} ${bad.problem}`);
  return v as Record<string, unknown>;
}

export const MAX_EVENT_AGE_MS = 7 * 86_400_000;

/** Vendors retry for days; anything older than a week (or from the future) is a replay. */
export function assertFresh(occurredAt: Date | null, now: Date): void {
  if (!occurredAt || Number.isNaN(occurredAt.getTime())) return;
  const age = now.getTime() - occurredAt.getTime();
  if (age > MAX_EVENT_AGE_MS || age < -300_000) {
    throw new WebhookRejected(
      'stale',
      `The event time ${occurredAt.toISOString()} is outside the accepted window`,
    );
  }
}

export async function callJson(fetchFn: Fetch, url: string, init: Parameters<Fetch>[1]): Promise<unknown> {
  const res = await fetchFn(url, init);
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    throw new Error(`${init.method} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  }
  return res.json();
}

/** A multipart/form-data body built by hand, so its exact bytes can be signed (Sumsub). */
export function multipart(
  parts: (
    { name: string; value: string } | { name: string; filename: string; contentType: string; content: Buffer }
  )[],
): { body: Buffer; contentType: string } {
  const boundary = `----stoa${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  const quote = (v: string) => v.replace(/["\r\n\\]/g, '_');
  for (const p of parts) {
    if ('content' in p) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${quote(p.name)}"; filename="${quote(p.filename)}"\r\n` +
            `Content-Type: ${p.contentType}\r\n\r\n`,
        ),
        p.content,
        Buffer.from('\r\n'),
      );
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${quote(p.name)}"\r\n\r\n${p.value}\r\n`,
        ),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
