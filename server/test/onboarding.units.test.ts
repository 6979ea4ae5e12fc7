import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { gcmOpen, gcmSeal, hmacHex, sha256Hex, sameHex } from '../src/lib/crypto.js';
import { mapOnfidoVerdict, OnfidoProvider } from '../src/modules/kyc/onfido.js';
import type { Fetch } from '../src/modules/kyc/provider.js';
import { sandboxWebhook, SandboxProvider } from '../src/modules/kyc/sandbox.js';
import { mapSumsubVerdict, SumsubProvider } from '../src/modules/kyc/sumsub.js';
import { regCfLimit } from '../src/modules/onboarding/regcf.js';
import { assertTransition, canTransition } from '../src/modules/onboarding/state.js';

const key = randomBytes(32);

describe('AES-256-GCM sealing', () => {
  it('round-trips, and refuses a wrong key, context, header or any flipped byte', () => {
    const plain = Buffer.from('passport scan');
    const header = Buffer.from([2, 0, 0, 0, 7]);
    const sealed = gcmSeal(key, plain, header, 'document:1');
    expect(sealed.subarray(0, 5).equals(header)).toBe(true);
    expect(sealed.includes(plain)).toBe(false);
    expect(gcmOpen(key, sealed, 5, 'document:1').equals(plain)).toBe(true);
    expect(() => gcmOpen(randomBytes(32), sealed, 5, 'document:1')).toThrow();
    expect(() => gcmOpen(key, sealed, 5, 'document:2')).toThrow();
    const otherKeyId = Buffer.from(sealed);
    otherKeyId[4] = 8;
    expect(() => gcmOpen(key, otherKeyId, 5, 'document:1')).toThrow();
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1]! ^= 1;
    expect(() => gcmOpen(key, flipped, 5, 'document:1')).toThrow();
    // A fresh IV each time.
    expect(gcmSeal(key, plain, header, 'x').equals(gcmSeal(key, plain, header, 'x'))).toBe(false);
  });
  it('compares digests in constant time and rejects junk', () => {
    expect(sameHex('abCD', 'ABcd')).toBe(true);
    expect(sameHex('abcd', 'abce')).toBe(false);
    expect(sameHex('', '')).toBe(false);
    expect(sameHex('zz', 'zz')).toBe(false);
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('webhook signatures', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('sumsub: X-Payload-Digest with the algorithm from X-Payload-Digest-Alg', () => {
    const p = new SumsubProvider({
      appToken: 'a',
      secretKey: 's',
      webhookSecret: 'whsec',
      levelName: 'l',
      fetch: (() => undefined) as never,
    });
    const body = Buffer.from(
      JSON.stringify({
        type: 'applicantReviewed',
        applicantId: 'ap1',
        externalUserId: 'x',
        createdAtMs: String(now.getTime()),
        reviewResult: { reviewAnswer: 'RED', reviewRejectType: 'RETRY', rejectLabels: ['PEP'] },
      }),
    );
    for (const [alg, node] of [
      ['HMAC_SHA256_HEX', 'sha256'],
      ['HMAC_SHA512_HEX', 'sha512'],
      ['HMAC_SHA1_HEX', 'sha1'],
    ]) {
      const e = p.verifyWebhook(
        body,
        { 'x-payload-digest': hmacHex(node!, 'whsec', body), 'x-payload-digest-alg': alg },
        now,
      );
      expect(e).toMatchObject({
        verdict: 'RETRY',
        applicantId: 'ap1',
        screening: { pepHit: true, sanctionsHit: false },
      });
    }
    expect(() =>
      p.verifyWebhook(
        body,
        { 'x-payload-digest': hmacHex('sha256', 'other', body), 'x-payload-digest-alg': 'HMAC_SHA256_HEX' },
        now,
      ),
    ).toThrow(/does not match/);
    expect(() => p.verifyWebhook(body, {}, now)).toThrow(/Missing/);
    expect(() =>
      p.verifyWebhook(
        body,
        { 'x-payload-digest': hmacHex('sha256', 'whsec', body), 'x-payload-digest-alg': 'MD5' },
        now,
      ),
    ).toThrow(/Unsupported/);
    const later = new Date(now.getTime() + 8 * 86_400_000);
    expect(() =>
      p.verifyWebhook(
        body,
        { 'x-payload-digest': hmacHex('sha256', 'whsec', body), 'x-payload-digest-alg': 'HMAC_SHA256_HEX' },
        later,
      ),
    ).toThrow(/outside the accepted window/);
  });
  it('sumsub verdict mapping: GREEN, RED final, RED retry', () => {
    expect(mapSumsubVerdict({ reviewAnswer: 'GREEN' })).toBe('GREEN');
    expect(mapSumsubVerdict({ reviewAnswer: 'RED', reviewRejectType: 'FINAL' })).toBe('RED');
    expect(mapSumsubVerdict({ reviewAnswer: 'RED', reviewRejectType: 'RETRY' })).toBe('RETRY');
    expect(mapSumsubVerdict(undefined)).toBeNull();
  });
  it('onfido: X-SHA2-Signature HMAC-SHA256 hex; the verdict is fetched with the injected fetch', async () => {
    const calls: string[] = [];
    const fetchFn: Fetch = async (url) => {
      calls.push(url);
      const json = url.includes('/checks/')
        ? { result: 'consider', applicant_id: 'app-9' }
        : {
            reports: [
              { name: 'watchlist_aml', result: 'consider', breakdown: { sanction: { result: 'consider' } } },
            ],
          };
      return { ok: true, status: 200, json: async () => json, text: async () => '' };
    };
    const p = new OnfidoProvider({ apiToken: 't', webhookToken: 'wt', fetch: fetchFn });
    const body = Buffer.from(
      JSON.stringify({
        payload: {
          resource_type: 'check',
          action: 'check.completed',
          object: { id: 'chk1', completed_at_iso8601: now.toISOString() },
        },
      }),
    );
    const e = p.verifyWebhook(body, { 'x-sha2-signature': hmacHex('sha256', 'wt', body) }, now);
    expect(e).toMatchObject({ eventId: 'onfido-chk1-check.completed', checkId: 'chk1', verdict: null });
    expect(await p.resolveVerdict(e)).toMatchObject({
      verdict: 'RED',
      applicantId: 'app-9',
      screening: { sanctionsHit: true },
    });
    expect(calls[0]).toMatch(/\/checks\/chk1$/);
    expect(() =>
      p.verifyWebhook(
        Buffer.concat([body, Buffer.from(' ')]),
        { 'x-sha2-signature': hmacHex('sha256', 'wt', body) },
        now,
      ),
    ).toThrow(/does not match/);
    expect(mapOnfidoVerdict({ result: 'clear' }, []).verdict).toBe('GREEN');
    expect(
      mapOnfidoVerdict({ result: 'consider' }, [
        { name: 'document', result: 'consider', sub_result: 'caution' },
      ]).verdict,
    ).toBe('RETRY');
  });
  it('vendor clients sign their requests (Sumsub) and send the token (Onfido)', async () => {
    let seen: { url: string; headers: Record<string, string>; body?: string } | undefined;
    const fetchFn: Fetch = async (url, init) => {
      seen = {
        url,
        headers: init.headers,
        body: init.body === undefined ? undefined : Buffer.from(init.body).toString(),
      };
      return { ok: true, status: 201, json: async () => ({ id: 'new-id' }), text: async () => '' };
    };
    const s = new SumsubProvider({
      appToken: 'app',
      secretKey: 'sec',
      webhookSecret: 'w',
      levelName: 'basic',
      fetch: fetchFn,
    });
    const input = {
      applicationId: 'a1',
      email: 'e@x',
      kind: 'individual' as const,
      firstName: 'A',
      lastName: 'B',
      country: 'US',
    };
    expect(await s.createApplicant(input)).toEqual({ applicantId: 'new-id' });
    const ts = Number(seen!.headers['X-App-Access-Ts']);
    expect(seen!.headers['X-App-Access-Sig']).toBe(
      s.signRequest(ts, 'POST', '/resources/applicants?levelName=basic', seen!.body!),
    );
    const o = new OnfidoProvider({ apiToken: 'tok', webhookToken: 'w', fetch: fetchFn });
    expect(await o.createApplicant(input)).toEqual({ applicantId: 'new-id' });
    expect(seen!.headers.authorization).toBe('Token token=tok');
  });
  it('sandbox: signed with a timestamp, stale signatures refused, verdicts from the picked scenario', () => {
    const p = new SandboxProvider('secret-secret-secret');
    const w = sandboxWebhook('secret-secret-secret', {
      applicationId: 'a',
      scenario: 'sanctions',
      now,
    });
    const e = p.verifyWebhook(Buffer.from(w.body), w.headers, now);
    expect(e).toMatchObject({ verdict: 'RED', screening: { sanctionsHit: true } });
    expect(() => p.verifyWebhook(Buffer.from(w.body), w.headers, new Date(now.getTime() + 600_000))).toThrow(
      /timestamp/,
    );
  });
});

describe('Reg CF limits', () => {
  it('applies the SEC rule', () => {
    expect(regCfLimit('30000', '40000')).toBe('2500.00'); // 5% of 40,000 = 2,000 < 2,500
    expect(regCfLimit('30000', '100000')).toBe('5000.00'); // either < 124k: 5% of the greater
    expect(regCfLimit('150000', '80000')).toBe('7500.00');
    expect(regCfLimit('124000', '124000')).toBe('12400.00'); // both ≥ 124k: 10%
    expect(regCfLimit('200000', '900000')).toBe('90000.00');
    expect(regCfLimit('2000000', '5000000')).toBe('124000.00'); // capped
    expect(regCfLimit('123999.99', '5000000')).toBe('250000.00'); // one below the threshold: 5%
    expect(regCfLimit('0', '-50000')).toBe('2500.00');
    expect(regCfLimit('100000.33', '0')).toBe('5000.01');
  });
});

describe('application state machine', () => {
  it('allows only the documented transitions', () => {
    expect(canTransition('draft', 'submitted')).toBe(true);
    expect(canTransition('submitted', 'in-review')).toBe(true);
    expect(canTransition('in-review', 'approved')).toBe(true);
    expect(canTransition('needs-more-info', 'submitted')).toBe(true);
    expect(canTransition('draft', 'approved')).toBe(false);
    expect(canTransition('submitted', 'approved')).toBe(false);
    expect(canTransition('rejected', 'submitted')).toBe(false);
    expect(canTransition('approved', 'rejected')).toBe(false);
    expect(() => assertTransition('draft', 'approved')).toThrow(
      /draft and cannot become approved; from draft it can only become submitted/,
    );
    expect(() => assertTransition('rejected', 'in-review')).toThrow(/final state/);
  });
});
