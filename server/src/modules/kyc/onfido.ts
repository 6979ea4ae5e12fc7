import { hmacHex, sameHex } from '../../lib/crypto.js';
import type { Screening } from '../onboarding/entity.js';
import {
  assertFresh,
  callJson,
  header,
  multipart,
  parseJson,
  WebhookRejected,
  type ApplicantInput,
  type Fetch,
  type Headers,
  type KycEvent,
  type KycProvider,
  type KycVerdict,
  type SdkToken,
  type SubmissionInput,
} from './provider.js';
import { alpha3 } from './countries.js';

/** Our document types → Onfido document types (`unknown` lets Onfido classify an identity document). */
const ONFIDO_DOC_TYPES: Record<string, string> = {
  id: 'unknown',
  'proof-of-address': 'utility_bill',
};

export interface OnfidoOptions {
  apiToken: string;
  webhookToken: string;
  /** API base including the version, e.g. https://api.eu.onfido.com/v3.6. */
  baseUrl?: string;
  /** Where the portal runs (the web SDK token is bound to it). */
  referrer?: string;
  fetch: Fetch;
}

interface OnfidoReport {
  name?: string;
  result?: string | null;
  sub_result?: string | null;
  breakdown?: Record<string, { result?: string | null }>;
}

/**
 * Onfido verdicts: check `clear` → GREEN; `consider` with a report sub-result `rejected` or
 * `suspected`, or a watchlist hit → RED; other `consider` (e.g. `caution`) → RETRY.
 */
export function mapOnfidoVerdict(
  check: { result?: string | null },
  reports: OnfidoReport[],
): { verdict: KycVerdict | null; screening: Omit<Screening, 'checkedAt'> } {
  const watch = reports.find((r) => r.name?.startsWith('watchlist'));
  const hit = (k: string) => watch?.breakdown?.[k]?.result === 'consider';
  const screening = {
    provider: 'onfido',
    sanctionsHit: hit('sanction'),
    pepHit: hit('politically_exposed_person'),
    adverseMediaHit: hit('adverse_media') || hit('legal_and_regulatory_warnings'),
    labels: reports
      .filter((r) => r.result === 'consider')
      .map((r) => `${r.name}:${r.sub_result ?? r.result}`),
  };
  if (check.result === 'clear') return { verdict: 'GREEN', screening };
  if (check.result !== 'consider') return { verdict: null, screening };
  const final =
    screening.sanctionsHit ||
    reports.some((r) => r.sub_result === 'rejected' || r.sub_result === 'suspected');
  return { verdict: final ? 'RED' : 'RETRY', screening };
}

/** Onfido: token-authenticated API, X-SHA2-Signature webhooks whose verdict is fetched. */
export class OnfidoProvider implements KycProvider {
  readonly name = 'onfido' as const;
  private readonly baseUrl: string;
  constructor(private readonly opts: OnfidoOptions) {
    this.baseUrl = opts.baseUrl ?? 'https://api.eu.onfido.com/v3.6';
  }

  private headers(): Record<string, string> {
    return {
      authorization: `Token token=${this.opts.apiToken}`,
      'content-type': 'application/json',
      accept: 'application/json',
    };
  }

  async createApplicant(input: ApplicantInput): Promise<{ applicantId: string }> {
    const res = (await callJson(this.opts.fetch, `${this.baseUrl}/applicants`, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({
        first_name: input.firstName ?? input.legalName,
        last_name: input.lastName ?? input.legalName,
        dob: input.dateOfBirth,
        email: input.email,
        location: { country_of_residence: alpha3(input.country) },
      }),
    })) as { id?: unknown };
    if (typeof res.id !== 'string') throw new Error('Onfido answered without an applicant id');
    return { applicantId: res.id };
  }

  /** Uploads the identity and address documents, then creates a document + watchlist check. */
  async submit(input: SubmissionInput): Promise<{ checkId?: string }> {
    const documentIds: string[] = [];
    for (const doc of input.documents) {
      const type = ONFIDO_DOC_TYPES[doc.docType];
      if (!type) continue;
      const form = multipart([
        { name: 'applicant_id', value: input.applicantId },
        { name: 'type', value: type },
        { name: 'issuing_country', value: alpha3(input.country) },
        { name: 'file', filename: doc.filename, contentType: doc.contentType, content: doc.content },
      ]);
      const res = (await callJson(this.opts.fetch, `${this.baseUrl}/documents`, {
        method: 'POST',
        headers: { ...this.headers(), 'content-type': form.contentType },
        body: new Uint8Array(form.body),
      })) as { id?: unknown };
      if (typeof res.id !== 'string') throw new Error('Onfido answered without a document id');
      if (doc.docType === 'id') documentIds.push(res.id);
    }
    const check = (await callJson(this.opts.fetch, `${this.baseUrl}/checks`, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({
        applicant_id: input.applicantId,
        report_names: ['document', 'watchlist_standard'],
        ...(documentIds.length > 0 ? { document_ids: documentIds } : {}),
      }),
    })) as { id?: unknown };
    if (typeof check.id !== 'string') throw new Error('Onfido answered without a check id');
    return { checkId: check.id };
  }

  /** A token for Onfido's web SDK, bound to the portal's address. */
  async sdkToken(applicantId: string): Promise<SdkToken> {
    const res = (await callJson(this.opts.fetch, `${this.baseUrl}/sdk_token`, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({
        applicant_id: applicantId,
        ...(this.opts.referrer ? { referrer: `${this.opts.referrer}/*` } : {}),
      }),
    })) as { token?: unknown };
    if (typeof res.token !== 'string') throw new Error('Onfido answered without an SDK token');
    return { provider: 'onfido', token: res.token, applicantId };
  }

  confirms(event: KycEvent): boolean {
    return Boolean(event.checkId);
  }

  verifyWebhook(raw: Buffer, headers: Headers, now: Date): KycEvent {
    const sig = header(headers, 'x-sha2-signature');
    if (!sig) throw new WebhookRejected('missing-signature', 'Missing X-SHA2-Signature header');
    if (!sameHex(hmacHex('sha256', this.opts.webhookToken, raw), sig)) {
      throw new WebhookRejected('bad-signature', 'X-SHA2-Signature does not match the body');
    }
    const body = parseJson(raw);
    const payload = body.payload as {
      resource_type?: string;
      action?: string;
      object?: Record<string, unknown>;
    };
    const obj = payload?.object;
    if (!payload || typeof payload.action !== 'string' || !obj || typeof obj.id !== 'string') {
      throw new WebhookRejected('malformed', 'Onfido webhook needs payload.action and payload.object.id');
    }
    const completed =
      typeof obj.completed_at_iso8601 === 'string' ? new Date(obj.completed_at_iso8601) : null;
    assertFresh(completed, now);
    const isCheck = payload.action === 'check.completed';
    return {
      provider: 'onfido',
      eventId: `onfido-${obj.id}-${payload.action}`,
      type: payload.action,
      applicationId: null,
      applicantId: null,
      verdict: null,
      screening: null,
      checkId: isCheck ? obj.id : undefined,
      occurredAt: completed ? completed.toISOString() : null,
    };
  }

  async resolveVerdict(event: KycEvent) {
    if (!event.checkId) return { verdict: null, screening: null, applicantId: null };
    const check = (await callJson(
      this.opts.fetch,
      `${this.baseUrl}/checks/${encodeURIComponent(event.checkId)}`,
      {
        method: 'GET',
        headers: this.headers(),
      },
    )) as { result?: string | null; applicant_id?: string };
    const reports = (await callJson(
      this.opts.fetch,
      `${this.baseUrl}/reports?check_id=${encodeURIComponent(event.checkId)}`,
      { method: 'GET', headers: this.headers() },
    )) as { reports?: OnfidoReport[] };
    const mapped = mapOnfidoVerdict(check, reports.reports ?? []);
    return { ...mapped, applicantId: check.applicant_id ?? null };
  }
}
