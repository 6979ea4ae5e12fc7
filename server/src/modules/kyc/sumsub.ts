import { hmacHex, sameHex, sha256Hex } from '../../lib/crypto.js';
import {
  assertFresh,
  callJson,
  header,
  parseJson,
  screeningFromLabels,
  WebhookRejected,
  type ApplicantInput,
  type Fetch,
  type Headers,
  type KycEvent,
  type KycProvider,
  type KycVerdict,
} from './provider.js';

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
  signRequest(ts: number, method: string, path: string, body: string): string {
    return hmacHex('sha256', this.opts.secretKey, `${ts}${method.toUpperCase()}${path}${body}`);
  }

  async createApplicant(input: ApplicantInput): Promise<{ applicantId: string }> {
    const path = `/resources/applicants?levelName=${encodeURIComponent(this.opts.levelName)}`;
    const body = JSON.stringify({
      externalUserId: input.applicationId,
      email: input.email,
      type: input.kind === 'entity' ? 'company' : 'individual',
      fixedInfo:
        input.kind === 'entity'
          ? { companyInfo: { companyName: input.legalName } }
          : { firstName: input.firstName, lastName: input.lastName, dob: input.dateOfBirth },
    });
    const ts = Math.floor(Date.now() / 1000);
    const res = (await callJson(this.opts.fetch, `${this.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'X-App-Token': this.opts.appToken,
        'X-App-Access-Ts': String(ts),
        'X-App-Access-Sig': this.signRequest(ts, 'POST', path, body),
      },
      body,
    })) as { id?: unknown };
    if (typeof res.id !== 'string') throw new Error('Sumsub answered without an applicant id');
    return { applicantId: res.id };
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
    const createdAt =
      typeof p.createdAtMs === 'string' || typeof p.createdAtMs === 'number'
        ? new Date(Number(p.createdAtMs))
        : null;
    assertFresh(createdAt, now);
    const review = p.reviewResult as { rejectLabels?: unknown } | undefined;
    const labels = Array.isArray(review?.rejectLabels)
      ? review.rejectLabels.filter((l): l is string => typeof l === 'string')
      : [];
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
