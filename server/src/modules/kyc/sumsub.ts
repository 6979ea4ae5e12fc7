import { hmacHex, sameHex, sha256Hex } from '../../lib/crypto.js';
import {
  assertFresh,
  callJson,
  header,
  multipart,
  parseJson,
  screeningFromLabels,
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

/** Our document types → Sumsub's idDocType. */
const SUMSUB_DOC_TYPES: Record<string, string> = {
  id: 'ID_CARD',
  'proof-of-address': 'UTILITY_BILL',
  'company-registration': 'COMPANY_DOC',
  'beneficial-ownership': 'COMPANY_DOC',
  'accreditation-evidence': 'OTHER',
  other: 'OTHER',
};

/**
 * Sumsub's `createdAtMs` is `yyyy-MM-dd HH:mm:ss.fff` in UTC (an epoch number is accepted too).
 * Null when absent; NaN date when present but unreadable.
 */
export function parseSumsubTime(v: unknown): Date | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return new Date(v);
  if (typeof v !== 'string') return new Date(NaN);
  if (/^\d{10,}$/.test(v)) return new Date(Number(v));
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z?$/.exec(v);
  if (!m) return new Date(NaN);
  const [, y, mo, d, h, mi, sec, ms] = m;
  return new Date(
    Date.UTC(
      Number(y),
      Number(mo) - 1,
      Number(d),
      Number(h),
      Number(mi),
      Number(sec),
      Number((ms ?? '0').padEnd(3, '0')),
    ),
  );
}

const DIGEST_ALGORITHMS: Record<string, string> = {
  HMAC_SHA1_HEX: 'sha1',
  HMAC_SHA256_HEX: 'sha256',
  HMAC_SHA512_HEX: 'sha512',
};

export interface SumsubOptions {
  appToken: string;
  secretKey: string;
  webhookSecret: string;
  levelName: string;
  baseUrl?: string;
  fetch: Fetch;
}

/** Sumsub verdicts: GREEN; RED with reviewRejectType RETRY is a RETRY; other RED is final. */
export function mapSumsubVerdict(reviewResult: unknown): KycVerdict | null {
  if (!reviewResult || typeof reviewResult !== 'object') return null;
  const r = reviewResult as { reviewAnswer?: string; reviewRejectType?: string };
  if (r.reviewAnswer === 'GREEN') return 'GREEN';
  if (r.reviewAnswer === 'RED') return r.reviewRejectType === 'RETRY' ? 'RETRY' : 'RED';
  return null;
}

/** Sumsub: app-token + HMAC-signed API requests, X-Payload-Digest webhooks. */
export class SumsubProvider implements KycProvider {
  readonly name = 'sumsub' as const;
  private readonly baseUrl: string;
  constructor(private readonly opts: SumsubOptions) {
    this.baseUrl = opts.baseUrl ?? 'https://api.sumsub.com';
  }

  /** Request signature: HMAC-SHA256 hex of ts + METHOD + path-with-query + body, with the secret key. */
  signRequest(ts: number, method: string, path: string, body: string | Buffer): string {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    return hmacHex(
      'sha256',
      this.opts.secretKey,
      Buffer.concat([Buffer.from(`${ts}${method.toUpperCase()}${path}`), bytes]),
    );
  }

  /** A signed API call; `body` is signed byte for byte. */
  private async call(
    method: string,
    path: string,
    body?: { bytes: Buffer | string; contentType: string },
  ): Promise<unknown> {
    const ts = Math.floor(Date.now() / 1000);
    const bytes = body
      ? typeof body.bytes === 'string'
        ? Buffer.from(body.bytes)
        : body.bytes
      : Buffer.alloc(0);
    const sig = this.signRequest(ts, method, path, bytes);
    return callJson(this.opts.fetch, `${this.baseUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body ? { 'content-type': body.contentType } : {}),
        'X-App-Token': this.opts.appToken,
        'X-App-Access-Ts': String(ts),
        'X-App-Access-Sig': sig,
      },
      ...(body ? { body: new Uint8Array(bytes) } : {}),
    });
  }

  private json(method: string, path: string, value: unknown): Promise<unknown> {
    return this.call(method, path, { bytes: JSON.stringify(value), contentType: 'application/json' });
  }

  async createApplicant(input: ApplicantInput): Promise<{ applicantId: string }> {
    const path = `/resources/applicants?levelName=${encodeURIComponent(this.opts.levelName)}`;
    const res = (await this.json('POST', path, {
      externalUserId: input.applicationId,
      email: input.email,
      type: input.kind === 'entity' ? 'company' : 'individual',
      fixedInfo:
        input.kind === 'entity'
          ? { companyInfo: { companyName: input.legalName, country: alpha3(input.country) } }
          : {
              firstName: input.firstName,
              lastName: input.lastName,
              dob: input.dateOfBirth,
              country: alpha3(input.country),
            },
    })) as { id?: unknown };
    if (typeof res.id !== 'string') throw new Error('Sumsub answered without an applicant id');
    return { applicantId: res.id };
  }

  /** Each document as an idDoc (metadata + file), then the applicant goes to review (pending). */
  async submit(input: SubmissionInput): Promise<{ checkId?: string }> {
    const id = encodeURIComponent(input.applicantId);
    for (const doc of input.documents) {
      const form = multipart([
        {
          name: 'metadata',
          value: JSON.stringify({
            idDocType: SUMSUB_DOC_TYPES[doc.docType] ?? 'OTHER',
            country: alpha3(input.country),
          }),
        },
        { name: 'content', filename: doc.filename, contentType: doc.contentType, content: doc.content },
      ]);
      await this.call('POST', `/resources/applicants/${id}/info/idDoc`, {
        bytes: form.body,
        contentType: form.contentType,
      });
    }
    await this.call('POST', `/resources/applicants/${id}/status/pending`);
    return {};
  }

  /** A WebSDK access token for the applicant (the portal embeds Sumsub's WebSDK with it). */
  async sdkToken(applicantId: string, applicationId: string): Promise<SdkToken> {
    const res = (await this.json('POST', '/resources/accessTokens/sdk', {
      userId: applicationId,
      levelName: this.opts.levelName,
      ttlInSecs: 1800,
    })) as { token?: unknown };
    if (typeof res.token !== 'string') throw new Error('Sumsub answered without an access token');
    return { provider: 'sumsub', token: res.token, applicantId, levelName: this.opts.levelName };
  }

  confirms(event: KycEvent): boolean {
    return event.type === 'applicantReviewed' && event.applicantId !== null;
  }

  /** The review as Sumsub holds it now: the webhook's verdict is applied only if this agrees. */
  async resolveVerdict(event: KycEvent) {
    const res = (await this.call(
      'GET',
      `/resources/applicants/${encodeURIComponent(event.applicantId!)}/one`,
    )) as {
      id?: string;
      externalUserId?: string;
      review?: { reviewStatus?: string; reviewResult?: unknown };
    };
    const review = res.review;
    const verdict = review?.reviewStatus === 'completed' ? mapSumsubVerdict(review.reviewResult) : null;
    const labels = rejectLabels(review?.reviewResult);
    return {
      verdict,
      screening: verdict ? screeningFromLabels('sumsub', labels) : null,
      applicantId: typeof res.id === 'string' ? res.id : event.applicantId,
    };
  }

  verifyWebhook(raw: Buffer, headers: Headers, now: Date): KycEvent {
    const digest = header(headers, 'x-payload-digest');
    if (!digest) throw new WebhookRejected('missing-signature', 'Missing X-Payload-Digest header');
    const algName = header(headers, 'x-payload-digest-alg') ?? 'HMAC_SHA1_HEX';
    const alg = DIGEST_ALGORITHMS[algName];
    if (!alg) throw new WebhookRejected('bad-signature', `Unsupported X-Payload-Digest-Alg ${algName}`);
    if (!sameHex(hmacHex(alg, this.opts.webhookSecret, raw), digest)) {
      throw new WebhookRejected('bad-signature', 'X-Payload-Digest does not match the body');
    }
    const p = parseJson(raw);
    const createdAt = parseSumsubTime(p.createdAtMs ?? p.createdAt);
    if (createdAt && Number.isNaN(createdAt.getTime())) {
      throw new WebhookRejected('malformed', 'createdAtMs is not a time in yyyy-MM-dd HH:mm:ss.fff');
    }
    assertFresh(createdAt, now);
    const labels = rejectLabels(p.reviewResult);
    const verdict = p.type === 'applicantReviewed' ? mapSumsubVerdict(p.reviewResult) : null;
    return {
      provider: 'sumsub',
      eventId: `sumsub-${sha256Hex(raw)}`,
      type: String(p.type ?? 'unknown'),
      applicationId: typeof p.externalUserId === 'string' ? p.externalUserId : null,
      applicantId: typeof p.applicantId === 'string' ? p.applicantId : null,
      verdict,
      screening: verdict ? screeningFromLabels('sumsub', labels) : null,
      occurredAt: createdAt ? createdAt.toISOString() : null,
    };
  }
}

function rejectLabels(reviewResult: unknown): string[] {
  const r = reviewResult as { rejectLabels?: unknown } | undefined;
  return Array.isArray(r?.rejectLabels)
    ? r.rejectLabels.filter((l): l is string => typeof l === 'string')
    : [];
}
