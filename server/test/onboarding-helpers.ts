import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { signUp } from './mail-helpers.js';
import { auth } from './helpers.js';

export const PDF = Buffer.concat([
  Buffer.from('%PDF-1.7\n'),
  Buffer.from('PASSPORT-OF-ALICE-INVESTOR secret content\n'),
]);
export const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  randomBytes(64),
]);

export function multipart(filename: string, contentType: string, content: Buffer) {
  const boundary = `----stoa${randomBytes(8).toString('hex')}`;
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`,
    ),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export const individual = (lastName: string, country = 'US') => ({
  kind: 'individual',
  residenceCountry: country,
  citizenshipCountry: country,
  taxResidencyCountry: country,
  investorType: 'accredited',
  individual: {
    firstName: 'Alice',
    lastName,
    dateOfBirth: '1980-02-03',
    address: { line1: '1 Main St', city: 'Austin', postalCode: '78701', country },
    taxId: '123-45-6789',
  },
  financials: { annualIncome: '250000', netWorth: '1500000' },
  accreditationMethod: 'income',
});

/** Registers an investor; returns headers carrying the session cookie. */
export async function registerInvestor(app: FastifyInstance, email: string) {
  // Sign-up is confirmed by the link mailed to the address (mail-helpers.ts reads it).
  const res = await signUp(app, { email, password: 'correct horse battery', displayName: email });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'stoa_session')!;
  return { headers: { cookie: `stoa_session=${cookie.value}` }, cookie, body: res.json() };
}

/** Creates a user with roles (as the operator) and returns a Bearer header from their login. */
export async function staff(app: FastifyInstance, email: string, roles: string[]) {
  const created = await app.inject({
    method: 'POST',
    url: '/users',
    headers: auth,
    payload: { email, password: 'staff password 123', displayName: email, roles },
  });
  if (created.statusCode !== 201) throw new Error(`create user failed: ${created.body}`);
  const login = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { email, password: 'staff password 123' },
  });
  return { headers: { authorization: `Bearer ${login.json().token as string}` }, user: created.json() };
}

/** Creates an application with the documents it needs and submits it. */
export async function applyAndSubmit(
  app: FastifyInstance,
  headers: Record<string, string>,
  lastName: string,
  opts: { country?: string; sandboxScenario?: string } = {},
) {
  const created = await app.inject({
    method: 'POST',
    url: '/onboarding/applications',
    headers,
    payload: individual(lastName, opts.country),
  });
  if (created.statusCode !== 201) throw new Error(`create application failed: ${created.body}`);
  const id = created.json().id as string;
  for (const [type, name, ct, content] of [
    ['id', 'passport.pdf', 'application/pdf', PDF],
    ['proof-of-address', 'bill.png', 'image/png', PNG],
    ['accreditation-evidence', 'w2.pdf', 'application/pdf', PDF],
  ] as const) {
    const m = multipart(name, ct, content);
    const up = await app.inject({
      method: 'POST',
      url: `/onboarding/applications/${id}/documents?type=${type}`,
      headers: { ...headers, ...m.headers },
      payload: m.payload,
    });
    if (up.statusCode !== 201) throw new Error(`upload failed: ${up.body}`);
  }
  const submitted = await app.inject({
    method: 'POST',
    url: `/onboarding/applications/${id}/submit${opts.sandboxScenario ? `?sandboxScenario=${opts.sandboxScenario}` : ''}`,
    headers,
  });
  if (submitted.statusCode !== 200) throw new Error(`submit failed: ${submitted.body}`);
  return id;
}

/**
 * `n` investors with GREEN identity checks (the sandbox vendor deciding by itself: the app's
 * `sandboxDelayMs` should be 0) and accreditation verified by `reviewer`, waiting for attestation.
 */
export async function readyForAttestation(
  app: FastifyInstance,
  queue: { drain(): Promise<void> },
  reviewer: Record<string, string>,
  tag: string,
  n: number,
) {
  const out = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const inv = await registerInvestor(app, `${tag}-${i}@investor.example`);
      const id = await applyAndSubmit(
        app,
        inv.headers,
        `${tag.replace(/[^A-Za-z]/g, '')}${'abcdefghij'[i % 10]}`,
        {
          sandboxScenario: 'clear',
        },
      );
      return { ...inv, id };
    }),
  );
  await queue.drain();
  for (const inv of out) {
    const acc = await app.inject({
      method: 'POST',
      url: `/onboarding/applications/${inv.id}/accreditation/review`,
      headers: reviewer,
      payload: { decision: 'verified', reason: 'W-2 reviewed' },
    });
    if (acc.statusCode !== 200) throw new Error(`accreditation review failed: ${acc.body}`);
  }
  return out;
}
