/**
 * Investors onboarded through the HTTP API, as the portal and a CDD provider do it: sign-up,
 * e-mail confirmation (the mailed link's token), application with three documents, submission
 * to the sandbox KYC vendor (which decides by itself after KYC_SANDBOX_DELAY_MS and posts its
 * signed verdict to the server's webhook), accreditation verified and attestation by a reviewer
 * (API key). Shared by the API and onboarding benches.
 */
import { randomBytes } from 'node:crypto';
import type { BenchServer } from './server.js';
import { client } from './server.js';

const PDF = Buffer.from('%PDF-1.7\nPASSPORT-OF-A-BENCH-INVESTOR\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]);
const COUNTRIES = ['US', 'DE', 'GB', 'FR', 'SG', 'CH'];

export interface OnboardedInvestor {
  email: string;
  cookie: string;
  applicationId: string;
  identityId: string;
  did: string | null;
  /** The chain operations the attestation recorded. */
  operationIds: string[];
}

/** A staff user with `roles` (created by the operator) and an API key of theirs. */
export async function staffWithKey(server: BenchServer, email: string, roles: string[]) {
  const call = client(server.url);
  const password = 'staff password 123';
  await call('POST', '/users', {
    headers: server.admin,
    body: { email, password, displayName: email, roles },
  });
  const login = await call<{ token: string }>('POST', '/auth/login', { body: { email, password } });
  const bearer = { authorization: `Bearer ${login.body.token}` };
  const key = await call<{ token: string }>('POST', '/auth/api-keys', {
    headers: bearer,
    body: { name: `${roles.join('+')} bench` },
  });
  return { bearer, key: { 'x-api-key': key.body.token } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An investor's application, ready for attestation: signed up, KYC green, accreditation verified. */
export interface PreparedInvestor {
  email: string;
  cookie: string;
  applicationId: string;
}

/** Sign-up to attestation, all through the API. */
export async function onboardInvestor(
  server: BenchServer,
  reviewer: Record<string, string>,
  i: number,
  tag: string,
): Promise<OnboardedInvestor> {
  return attestInvestor(server, reviewer, await prepareInvestor(server, reviewer, i, tag));
}

/**
 * Everything before the attestation: sign-up, e-mail confirmation, application with documents,
 * the sandbox vendor's verdict, accreditation verified by the reviewer.
 */
export async function prepareInvestor(
  server: BenchServer,
  reviewer: Record<string, string>,
  i: number,
  tag: string,
): Promise<PreparedInvestor> {
  const call = client(server.url);
  const email = `investor-${tag}-${i}@bench.example`;
  await call('POST', '/auth/register', {
    body: { email, password: 'correct horse battery', displayName: `Investor ${i}` },
  });
  const token = await server.verifyToken(email);
  const verified = await fetch(`${server.url}/auth/verify-email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (verified.status !== 201) throw new Error(`verify-email → ${verified.status}: ${await verified.text()}`);
  const session = verified.headers.getSetCookie().find((c) => c.startsWith('stoa_session='));
  if (!session) throw new Error('verify-email set no session cookie');
  const cookie = session.split(';')[0]!;
  const headers = { cookie };
  const country = COUNTRIES[i % COUNTRIES.length]!;
  const created = await call<{ id: string }>('POST', '/onboarding/applications', {
    headers,
    body: {
      kind: 'individual',
      residenceCountry: country,
      citizenshipCountry: country,
      taxResidencyCountry: country,
      investorType: 'accredited',
      individual: {
        firstName: 'Bench',
        lastName: `Investor${i}`,
        dateOfBirth: '1980-02-03',
        address: { line1: '1 Main St', city: 'Austin', postalCode: '78701', country },
        taxId: '123-45-6789',
      },
      financials: { annualIncome: '250000', netWorth: '1500000' },
      accreditationMethod: 'income',
    },
  });
  const id = created.body.id;
  for (const [type, name, ct, content] of [
    ['id', 'passport.pdf', 'application/pdf', PDF],
    ['proof-of-address', 'bill.png', 'image/png', PNG],
    ['accreditation-evidence', 'w2.pdf', 'application/pdf', PDF],
  ] as const) {
    const form = new FormData();
    form.append('file', new Blob([content], { type: ct }), name);
    await call('POST', `/onboarding/applications/${id}/documents?type=${type}`, { headers, form });
  }
  await call('POST', `/onboarding/applications/${id}/submit?sandboxScenario=clear`, { headers });
  // The sandbox vendor posts its verdict by itself; wait until the server has applied it.
  for (let tries = 0; ; tries++) {
    const a = await call<{ kyc: { status: string }; status: string }>(
      'GET',
      `/onboarding/applications/${id}`,
      { headers },
    );
    if (a.body.kyc.status === 'green' && a.body.status === 'in-review') break;
    if (tries > 1200)
      throw new Error(`application ${id} still ${a.body.status}/${a.body.kyc.status} after 60 s`);
    await sleep(50);
  }
  await call('POST', `/onboarding/applications/${id}/accreditation/review`, {
    headers: reviewer,
    body: { decision: 'verified', reason: 'tax returns reviewed' },
  });
  return { email, cookie, applicationId: id };
}

/** The reviewer attests: the platform records the investor's chain operations. */
export async function attestInvestor(
  server: BenchServer,
  reviewer: Record<string, string>,
  prepared: PreparedInvestor,
): Promise<OnboardedInvestor> {
  const call = client(server.url);
  const id = prepared.applicationId;
  const attested = await call<{
    identity: { id: string; did: string | null };
    operations: { id: string }[];
  }>('POST', `/cdd/applications/${id}/attest`, { headers: reviewer, body: {} });
  return {
    ...prepared,
    identityId: attested.body.identity.id,
    did: attested.body.identity.did,
    operationIds: attested.body.operations.map((o) => o.id),
  };
}

/** The reviewer attests a batch of applications in one request (`POST /cdd/attestations`). */
export async function attestBatch(
  server: BenchServer,
  reviewer: Record<string, string>,
  prepared: PreparedInvestor[],
): Promise<OnboardedInvestor[]> {
  const call = client(server.url);
  const res = await call<{
    results: {
      applicationId: string;
      status: string;
      identityId?: string;
      operations?: { id: string }[];
      error?: { message: string };
    }[];
  }>('POST', '/cdd/attestations', {
    headers: reviewer,
    body: { items: prepared.map((p) => ({ applicationId: p.applicationId })) },
  });
  return res.body.results.map((r, i) => {
    if (r.status !== 'attested')
      throw new Error(`application ${r.applicationId} ${r.status}: ${r.error?.message ?? ''}`);
    return {
      ...prepared[i]!,
      identityId: r.identityId!,
      did: null,
      operationIds: (r.operations ?? []).map((o) => o.id),
    };
  });
}

/** Runs `n` tasks with at most `concurrency` at once; results in task order. */
export async function pool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

/** Waits until none of the operations is unfinished; returns their final statuses counted. */
export async function waitFinal(server: BenchServer, ids: string[], timeoutMs = 30 * 60_000) {
  const t0 = Date.now();
  for (;;) {
    const rows = await server.sql<{ status: string; n: string }>(
      `select status, count(*)::text as n from chain_operation where id = any(?::uuid[]) group by status`,
      [`{${ids.join(',')}}`],
    );
    const counts = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    const open = Object.entries(counts)
      .filter(([s]) => s !== 'finalised' && s !== 'failed')
      .reduce((s, [, n]) => s + n, 0);
    if (open === 0) return counts;
    if (Date.now() - t0 > timeoutMs) throw new Error(`operations still open: ${JSON.stringify(counts)}`);
    await sleep(100);
  }
}
