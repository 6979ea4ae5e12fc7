import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Sumsub's and Onfido's APIs on a local port, for tests. It checks what the real
 * vendors check — Sumsub's X-App-Token and X-App-Access-Sig over ts + method + path + body,
 * Onfido's `Authorization: Token token=…` — refuses what they refuse (401, 422 for a country
 * that is not ISO alpha-3), records applicants, uploads, review requests and checks, and answers
 * reads with the decision a test sets. Webhook bodies are built from the vendors' documented
 * formats and signed as they sign them.
 */

export interface Upload {
  applicantId: string;
  fields: Record<string, string>;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  content: Buffer;
}

function parseMultipart(body: Buffer, contentType: string): Part[] {
  const m = /boundary=([^;]+)/.exec(contentType);
  if (!m) throw new Error('multipart without a boundary');
  const boundary = Buffer.from(`--${m[1]}`);
  const parts: Part[] = [];
  let at = body.indexOf(boundary);
  while (at >= 0) {
    const start = at + boundary.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(boundary, start);
    if (next < 0) break;
    const chunk = body.subarray(start + 2, next - 2); // after CRLF, before CRLF
    const headEnd = chunk.indexOf('\r\n\r\n');
    const head = chunk.subarray(0, headEnd).toString();
    const content = chunk.subarray(headEnd + 4);
    const name = /name="([^"]*)"/.exec(head)?.[1] ?? '';
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    const ct = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1];
    parts.push({ name, filename, contentType: ct, content });
    at = next;
  }
  return parts;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sameText = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export interface SumsubApplicant {
  id: string;
  externalUserId: string;
  levelName: string;
  body: Record<string, unknown>;
  reviewRequested: number;
  review: { reviewStatus: string; reviewResult?: Record<string, unknown> };
}

export interface OnfidoCheck {
  id: string;
  applicant_id: string;
  report_names: string[];
  document_ids: string[];
  status: string;
  result: string | null;
  reports: {
    id: string;
    name: string;
    result: string | null;
    sub_result?: string | null;
    breakdown?: unknown;
  }[];
}

export class StandInVendors {
  readonly sumsub = {
    appToken: 'sbx:stand-in-app-token',
    secretKey: 'stand-in-secret-key',
    webhookSecret: 'stand-in-sumsub-webhook-secret',
    applicants: new Map<string, SumsubApplicant>(),
    uploads: [] as Upload[],
    accessTokens: [] as { userId: string; levelName: string }[],
    /** Requests refused for a bad signature or token. */
    refused: 0,
  };
  readonly onfido = {
    apiToken: 'api_sandbox.stand-in-token',
    webhookToken: 'stand-in-onfido-webhook-token',
    applicants: new Map<string, Record<string, unknown> & { id: string }>(),
    uploads: [] as Upload[],
    checks: new Map<string, OnfidoCheck>(),
    sdkTokens: [] as { applicant_id: string; referrer?: string }[],
    refused: 0,
  };
  private server: Server | null = null;
  baseUrl = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => send(res, 500, { error: String(err) }));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  get onfidoUrl(): string {
    return `${this.baseUrl}/v3.6`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = req.url ?? '/';
    if (url.startsWith('/resources/')) return this.sumsubApi(req, res, url, body);
    if (url.startsWith('/v3.6/')) return this.onfidoApi(req, res, url.slice('/v3.6'.length), body);
    send(res, 404, { error: 'no such route' });
  }

  // Sumsub ---------------------------------------------------------------------------------------

  private sumsubApi(req: IncomingMessage, res: ServerResponse, url: string, body: Buffer): void {
    const s = this.sumsub;
    const ts = String(req.headers['x-app-access-ts'] ?? '');
    const sig = String(req.headers['x-app-access-sig'] ?? '');
    const expected = createHmac('sha256', s.secretKey)
      .update(Buffer.concat([Buffer.from(`${ts}${req.method}${url}`), body]))
      .digest('hex');
    if (req.headers['x-app-token'] !== s.appToken || !sameText(sig, expected)) {
      s.refused++;
      return send(res, 401, { code: 401, description: 'Request signature mismatch' });
    }
    if (Math.abs(Date.now() / 1000 - Number(ts)) > 60) {
      s.refused++;
      return send(res, 401, { code: 401, description: 'Request timestamp is out of range' });
    }
    const [path, query = ''] = url.split('?');
    const params = new URLSearchParams(query);
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && path === '/resources/applicants') {
      const input = JSON.parse(body.toString()) as Record<string, unknown>;
      const id = randomBytes(12).toString('hex');
      s.applicants.set(id, {
        id,
        externalUserId: String(input.externalUserId),
        levelName: params.get('levelName') ?? '',
        body: input,
        reviewRequested: 0,
        review: { reviewStatus: 'init' },
      });
      return send(res, 201, { id, externalUserId: input.externalUserId, review: { reviewStatus: 'init' } });
    }
    if ((m = /^\/resources\/applicants\/([^/]+)\/info\/idDoc$/.exec(path!)) && req.method === 'POST') {
      const a = s.applicants.get(m[1]!);
      if (!a) return send(res, 404, { code: 404, description: 'Applicant not found' });
      const parts = parseMultipart(body, String(req.headers['content-type']));
      const meta = parts.find((p) => p.name === 'metadata');
      const file = parts.find((p) => p.name === 'content');
      if (!meta || !file) return send(res, 400, { code: 400, description: 'metadata and content required' });
      const metadata = JSON.parse(meta.content.toString()) as Record<string, string>;
      if (!/^[A-Z]{3}$/.test(metadata.country ?? '')) {
        return send(res, 400, { code: 400, description: 'country must be ISO 3166-1 alpha-3' });
      }
      s.uploads.push({
        applicantId: a.id,
        fields: metadata,
        filename: file.filename ?? '',
        contentType: file.contentType ?? '',
        size: file.content.length,
        sha256: sha256(file.content),
      });
      return send(res, 200, { idDocType: metadata.idDocType, country: metadata.country });
    }
    if ((m = /^\/resources\/applicants\/([^/]+)\/status\/pending$/.exec(path!)) && req.method === 'POST') {
      const a = s.applicants.get(m[1]!);
      if (!a) return send(res, 404, { code: 404, description: 'Applicant not found' });
      a.reviewRequested++;
      a.review = { reviewStatus: 'pending' };
      return send(res, 200, { ok: 1 });
    }
    if ((m = /^\/resources\/applicants\/([^/]+)\/one$/.exec(path!)) && req.method === 'GET') {
      const a = s.applicants.get(m[1]!);
      if (!a) return send(res, 404, { code: 404, description: 'Applicant not found' });
      return send(res, 200, { id: a.id, externalUserId: a.externalUserId, review: a.review });
    }
    if (path === '/resources/accessTokens/sdk' && req.method === 'POST') {
      const input = JSON.parse(body.toString()) as { userId: string; levelName: string };
      s.accessTokens.push(input);
      return send(res, 200, { token: `_act-sbx-${randomUUID()}`, userId: input.userId });
    }
    send(res, 404, { code: 404, description: 'no such route' });
  }

  /** Completes the review, as a Sumsub moderator would; what `/one` reads afterwards. */
  sumsubReview(applicantId: string, reviewResult: Record<string, unknown>): void {
    const a = this.sumsub.applicants.get(applicantId);
    if (!a) throw new Error(`no Sumsub applicant ${applicantId}`);
    a.review = { reviewStatus: 'completed', reviewResult };
  }

  /** An applicantReviewed webhook as Sumsub documents it, signed with X-Payload-Digest. */
  sumsubWebhook(
    payload: Record<string, unknown>,
    opts: { secret?: string; alg?: 'HMAC_SHA1_HEX' | 'HMAC_SHA256_HEX' | 'HMAC_SHA512_HEX' } = {},
  ): { body: string; headers: Record<string, string> } {
    const body = JSON.stringify(payload);
    const alg = opts.alg ?? 'HMAC_SHA256_HEX';
    const hash = { HMAC_SHA1_HEX: 'sha1', HMAC_SHA256_HEX: 'sha256', HMAC_SHA512_HEX: 'sha512' }[alg];
    const digest = createHmac(hash, opts.secret ?? this.sumsub.webhookSecret)
      .update(body)
      .digest('hex');
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-payload-digest': digest,
        'x-payload-digest-alg': alg,
      },
    };
  }

  // Onfido ---------------------------------------------------------------------------------------

  private onfidoApi(req: IncomingMessage, res: ServerResponse, url: string, body: Buffer): void {
    const o = this.onfido;
    if (req.headers.authorization !== `Token token=${o.apiToken}`) {
      o.refused++;
      return send(res, 401, { error: { type: 'authorization_error', message: 'Authorization error' } });
    }
    const [path, query = ''] = url.split('?');
    const params = new URLSearchParams(query);
    let m: RegExpExecArray | null;
    const json = () => JSON.parse(body.toString()) as Record<string, unknown>;
    if (req.method === 'POST' && path === '/applicants') {
      const input = json();
      const country = (input.location as { country_of_residence?: string } | undefined)?.country_of_residence;
      if (country !== undefined && !/^[A-Z]{3}$/.test(country)) {
        return send(res, 422, {
          error: {
            type: 'validation_error',
            fields: { location: { country_of_residence: ['must be ISO 3166-1 alpha-3'] } },
          },
        });
      }
      const id = randomUUID();
      o.applicants.set(id, { ...input, id });
      return send(res, 201, { ...input, id });
    }
    if (req.method === 'POST' && path === '/documents') {
      const parts = parseMultipart(body, String(req.headers['content-type']));
      const fields = Object.fromEntries(
        parts.filter((p) => p.filename === undefined).map((p) => [p.name, p.content.toString()]),
      );
      const file = parts.find((p) => p.name === 'file');
      if (!file || !o.applicants.has(fields.applicant_id ?? '')) {
        return send(res, 422, {
          error: { type: 'validation_error', message: 'file and applicant_id required' },
        });
      }
      if (fields.issuing_country && !/^[A-Z]{3}$/.test(fields.issuing_country)) {
        return send(res, 422, {
          error: { type: 'validation_error', message: 'issuing_country must be alpha-3' },
        });
      }
      const id = randomUUID();
      o.uploads.push({
        applicantId: fields.applicant_id!,
        fields,
        filename: file.filename ?? '',
        contentType: file.contentType ?? '',
        size: file.content.length,
        sha256: sha256(file.content),
      });
      return send(res, 201, { id, applicant_id: fields.applicant_id, type: fields.type });
    }
    if (req.method === 'POST' && path === '/checks') {
      const input = json() as { applicant_id: string; report_names: string[]; document_ids?: string[] };
      if (!o.applicants.has(input.applicant_id)) {
        return send(res, 422, { error: { type: 'validation_error', message: 'unknown applicant' } });
      }
      const id = randomUUID();
      o.checks.set(id, {
        id,
        applicant_id: input.applicant_id,
        report_names: input.report_names,
        document_ids: input.document_ids ?? [],
        status: 'in_progress',
        result: null,
        reports: [],
      });
      return send(res, 201, { id, applicant_id: input.applicant_id, status: 'in_progress', result: null });
    }
    if ((m = /^\/checks\/([^/]+)$/.exec(path!)) && req.method === 'GET') {
      const c = o.checks.get(m[1]!);
      if (!c) return send(res, 404, { error: { type: 'resource_not_found' } });
      const { reports, ...rest } = c;
      return send(res, 200, { ...rest, report_ids: reports.map((r) => r.id) });
    }
    if (path === '/reports' && req.method === 'GET') {
      const c = o.checks.get(params.get('check_id') ?? '');
      if (!c) return send(res, 404, { error: { type: 'resource_not_found' } });
      return send(res, 200, {
        reports: c.reports.map((r) => ({ ...r, check_id: c.id, status: 'complete' })),
      });
    }
    if (path === '/sdk_token' && req.method === 'POST') {
      const input = json() as { applicant_id: string; referrer?: string };
      if (!o.applicants.has(input.applicant_id)) {
        return send(res, 422, { error: { type: 'validation_error', message: 'unknown applicant' } });
      }
      o.sdkTokens.push(input);
      return send(res, 200, { token: `sdk.${randomUUID()}` });
    }
    send(res, 404, { error: { type: 'resource_not_found' } });
  }

  /** Completes a check, as Onfido does when its reports are in. */
  onfidoComplete(checkId: string, result: 'clear' | 'consider', reports: OnfidoCheck['reports']): void {
    const c = this.onfido.checks.get(checkId);
    if (!c) throw new Error(`no Onfido check ${checkId}`);
    c.status = 'complete';
    c.result = result;
    c.reports = reports;
  }

  /** A check.completed webhook as Onfido documents it (no result in it), signed with X-SHA2-Signature. */
  onfidoWebhook(
    checkId: string,
    opts: { token?: string; completedAt?: Date } = {},
  ): { body: string; headers: Record<string, string> } {
    const body = JSON.stringify({
      payload: {
        resource_type: 'check',
        action: 'check.completed',
        object: {
          id: checkId,
          status: 'complete',
          completed_at_iso8601: (opts.completedAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          href: `${this.onfidoUrl}/checks/${checkId}`,
        },
      },
    });
    const sig = createHmac('sha256', opts.token ?? this.onfido.webhookToken)
      .update(body)
      .digest('hex');
    return { body, headers: { 'content-type': 'application/json', 'x-sha2-signature': sig } };
  }
}

/** Sumsub's `createdAtMs` format: `yyyy-MM-dd HH:mm:ss.fff` in UTC. */
export function sumsubTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}
