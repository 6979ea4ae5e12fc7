import { randomUUID } from 'node:crypto';
import { hmacHex, sameHex } from '../../lib/crypto.js';
import {
  header,
  parseJson,
  screeningFromLabels,
  WebhookRejected,
  type ApplicantInput,
  type Headers,
  type KycEvent,
  type KycProvider,
  type KycVerdict,
} from './provider.js';

export const SANDBOX_SIGNATURE_HEADER = 'x-stoa-sandbox-signature';
const TOLERANCE_S = 300;

/**
 * Deterministic verdicts from test data, by the subject's (last or legal) name:
 * contains "RED" → RED; "RETRY" → RETRY; "SANCTION" → RED with a sanctions hit; "PEP" → GREEN
 * with a PEP hit; anything else → GREEN.
 */
export function sandboxVerdict(name: string): { verdict: KycVerdict; labels: string[] } {
  const n = name.toUpperCase();
  if (n.includes('SANCTION')) return { verdict: 'RED', labels: ['SANCTIONS'] };
  if (n.includes('RETRY')) return { verdict: 'RETRY', labels: ['UNSATISFACTORY_PHOTOS'] };
  if (n.includes('RED')) return { verdict: 'RED', labels: ['FORGERY'] };
  if (n.includes('PEP')) return { verdict: 'GREEN', labels: ['PEP'] };
  return { verdict: 'GREEN', labels: [] };
}

export function signSandbox(secret: string, raw: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex('sha256', secret, `${timestamp}.${raw}`)}`;
}

/**
 * What the sandbox vendor would POST to the webhook for an applicant: the signed body and
 * headers. Used by tests and by the development "complete KYC" helper.
 */
export function sandboxWebhook(
  secret: string,
  input: { applicationId: string; subjectName: string; eventId?: string; now?: Date },
): { body: string; headers: Record<string, string> } {
  const { verdict, labels } = sandboxVerdict(input.subjectName);
  const body = JSON.stringify({
    eventId: input.eventId ?? randomUUID(),
    type: 'applicantReviewed',
    applicationId: input.applicationId,
    applicantId: `sandbox-${input.applicationId}`,
    verdict,
    labels,
    occurredAt: (input.now ?? new Date()).toISOString(),
  });
  const t = Math.floor((input.now ?? new Date()).getTime() / 1000);
  return {
    body,
    headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signSandbox(secret, body, t) },
  };
}

export class SandboxProvider implements KycProvider {
  readonly name = 'sandbox' as const;
  constructor(private readonly secret: string) {}

  async createApplicant(input: ApplicantInput): Promise<{ applicantId: string }> {
    return { applicantId: `sandbox-${input.applicationId}` };
  }

  verifyWebhook(raw: Buffer, headers: Headers, now: Date): KycEvent {
    const sig = header(headers, SANDBOX_SIGNATURE_HEADER);
    if (!sig) throw new WebhookRejected('missing-signature', `Missing ${SANDBOX_SIGNATURE_HEADER} header`);
    const m = /^t=(\d+),v1=([0-9a-f]+)$/.exec(sig);
    if (!m) throw new WebhookRejected('bad-signature', 'Signature header is not "t=<unix>,v1=<hex>"');
    const t = Number(m[1]);
    const expected = hmacHex('sha256', this.secret, Buffer.concat([Buffer.from(`${t}.`), raw]));
    if (!sameHex(expected, m[2]!))
      throw new WebhookRejected('bad-signature', 'Signature does not match the body');
    if (Math.abs(now.getTime() / 1000 - t) > TOLERANCE_S) {
      throw new WebhookRejected('stale', `Signature timestamp is more than ${TOLERANCE_S}s away from now`);
    }
    const p = parseJson(raw);
    const verdict = p.verdict;
    if (typeof p.eventId !== 'string' || typeof p.applicationId !== 'string') {
      throw new WebhookRejected('malformed', 'Sandbox webhook needs eventId and applicationId');
    }
    const labels = Array.isArray(p.labels) ? p.labels.filter((l): l is string => typeof l === 'string') : [];
    return {
      provider: 'sandbox',
      eventId: p.eventId,
      type: String(p.type ?? 'applicantReviewed'),
      applicationId: p.applicationId,
      applicantId: typeof p.applicantId === 'string' ? p.applicantId : null,
      verdict: verdict === 'GREEN' || verdict === 'RED' || verdict === 'RETRY' ? verdict : null,
      screening: screeningFromLabels('sandbox', labels),
      occurredAt: typeof p.occurredAt === 'string' ? p.occurredAt : null,
    };
  }
}
