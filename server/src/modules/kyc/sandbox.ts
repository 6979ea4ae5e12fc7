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

/** What the sandbox vendor decides, picked by the applicant in the wizard (sandbox mode only). */
export const SANDBOX_SCENARIOS = ['clear', 'rejected', 'retry', 'sanctions', 'pep'] as const;
export type SandboxScenario = (typeof SANDBOX_SCENARIOS)[number];

export function isSandboxScenario(v: unknown): v is SandboxScenario {
  return typeof v === 'string' && (SANDBOX_SCENARIOS as readonly string[]).includes(v);
}

/**
 * The sandbox vendor's verdict for a scenario: clear → GREEN; rejected → RED (forgery);
 * retry → RETRY (resubmission requested); sanctions → RED with a sanctions hit; pep → GREEN with
 * a PEP hit (a person decides, with enhanced due diligence).
 */
export function sandboxVerdict(scenario: SandboxScenario): { verdict: KycVerdict; labels: string[] } {
  switch (scenario) {
    case 'rejected':
      return { verdict: 'RED', labels: ['FORGERY'] };
    case 'retry':
      return { verdict: 'RETRY', labels: ['UNSATISFACTORY_PHOTOS'] };
    case 'sanctions':
      return { verdict: 'RED', labels: ['SANCTIONS'] };
    case 'pep':
      return { verdict: 'GREEN', labels: ['PEP'] };
    default:
      return { verdict: 'GREEN', labels: [] };
  }
}

export function signSandbox(secret: string, raw: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex('sha256', secret, `${timestamp}.${raw}`)}`;
}

/**
 * What the sandbox vendor POSTs to the webhook for an applicant: the signed body and headers.
 * The sandbox's own delivery job sends it; tests send it by hand.
 */
export function sandboxWebhook(
  secret: string,
  input: {
    applicationId: string;
    scenario?: SandboxScenario;
    applicantId?: string;
    eventId?: string;
    now?: Date;
  },
): { body: string; headers: Record<string, string> } {
  const { verdict, labels } = sandboxVerdict(input.scenario ?? 'clear');
  const body = JSON.stringify({
    eventId: input.eventId ?? randomUUID(),
    type: 'applicantReviewed',
    applicationId: input.applicationId,
    applicantId: input.applicantId ?? sandboxApplicantId(input.applicationId),
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

export const sandboxApplicantId = (applicationId: string) => `sandbox-${applicationId}`;

/**
 * A vendor inside the server for development and staging: it keeps applicants and decides by
 * the applicant's scenario; its verdict is delivered to the webhook by a delayed job (service).
 */
export class SandboxProvider implements KycProvider {
  readonly name = 'sandbox' as const;
  constructor(readonly secret: string) {}

  async createApplicant(input: ApplicantInput): Promise<{ applicantId: string }> {
    return { applicantId: sandboxApplicantId(input.applicationId) };
  }

  async submit(): Promise<{ checkId?: string }> {
    return {};
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
