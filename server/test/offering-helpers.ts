import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { sandboxWebhook } from '../src/modules/kyc/sandbox.js';
import { auth, type TestEnv } from './helpers.js';
import { individual, multipart, PDF, PNG, registerInvestor, staff } from './onboarding-helpers.js';

export interface Investor {
  headers: Record<string, string>;
  identityId: string;
  did: string;
  /** The name the investor was verified under (what they type to sign). */
  fullName: string;
}

/** An investor's signature over an offering's documents (none by default), as the portal sends it. */
export const signed = (investor: Investor, documents: { id: string; sha256: string }[] = []) => ({
  fullName: investor.fullName,
  consent: true,
  documents: documents.map((d) => ({ id: d.id, sha256: d.sha256 })),
});

type Method = 'GET' | 'POST' | 'PUT';

/**
 * A world for offering tests: inline queue, a CDD provider, investors onboarded and attested
 * through the API, assets created and funded, offerings launched — all drained to finality.
 */
export async function offeringWorld(env: TestEnv) {
  const queue = env.makeQueue('inline');
  const app: FastifyInstance = await env.app({ queue });
  const operator = await env.ledger.addSigner({ uri: env.config.signers[0]! });

  const call = async (
    method: Method,
    url: string,
    payload?: object,
    headers: Record<string, string> = auth,
  ) => {
    const res = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.json() };
  };
  const ok = async (method: Method, url: string, payload?: object, headers?: Record<string, string>) => {
    const r = await call(method, url, payload, headers);
    if (r.status >= 300) throw new Error(`${method} ${url} → ${r.status}: ${JSON.stringify(r.body)}`);
    await queue.drain();
    return r.body;
  };

  const cdd = await staff(app, 'cdd@provider.example', ['cdd-provider']);
  const key = await call('POST', '/auth/api-keys', { name: 'provider' }, cdd.headers);
  const cddKey = { 'x-api-key': key.body.token as string };

  /** `financials` (annual income, net worth in USD) set the investor's Reg CF limit. */
  async function onboard(
    name: string,
    country: string,
    accredited: boolean,
    financials?: { annualIncome: string; netWorth: string },
  ): Promise<Investor> {
    const inv = await registerInvestor(app, `${name.toLowerCase()}@investor.example`);
    const application = { ...individual(name, country), ...(financials ? { financials } : {}) };
    const created = await ok('POST', '/onboarding/applications', application, inv.headers);
    const id = created.id as string;
    for (const [type, file, ct, content] of [
      ['id', 'passport.pdf', 'application/pdf', PDF],
      ['proof-of-address', 'bill.png', 'image/png', PNG],
      ['accreditation-evidence', 'w2.pdf', 'application/pdf', PDF],
    ] as const) {
      const m = multipart(file, ct, content);
      const up = await app.inject({
        method: 'POST',
        url: `/onboarding/applications/${id}/documents?type=${type}`,
        headers: { ...inv.headers, ...m.headers },
        payload: m.payload,
      });
      expect(up.statusCode).toBe(201);
    }
    await ok('POST', `/onboarding/applications/${id}/submit`, undefined, inv.headers);
    const hook = sandboxWebhook(env.config.kyc.sandboxWebhookSecret!, {
      applicationId: id,
      scenario: 'clear',
    });
    const delivered = await app.inject({
      method: 'POST',
      url: '/kyc/webhooks/sandbox',
      headers: hook.headers,
      payload: hook.body,
    });
    expect(delivered.statusCode).toBe(202);
    await queue.drain();
    if (accredited) {
      await ok(
        'POST',
        `/onboarding/applications/${id}/accreditation/review`,
        { decision: 'verified', reason: 'tax returns reviewed' },
        cddKey,
      );
    }
    await ok('POST', `/cdd/applications/${id}/attest`, {}, cddKey);
    const me = await ok('GET', '/identities/me', undefined, inv.headers);
    return { headers: inv.headers, identityId: me.id, did: me.did, fullName: `Alice ${name}` };
  }

  async function createAsset(payload: object) {
    const r = await ok('POST', '/assets', payload);
    const asset = await ok('GET', `/assets/${r.asset.id}`);
    expect(asset.status).toBe('active');
    return { id: asset.id as string, chainId: asset.chainId as string };
  }

  /** An instruction moving `amount` of `assetId` from the operator to the investor, not yet affirmed by them. */
  async function instruct(investor: Investor, assetId: string, amount: string) {
    return ok('POST', '/settlements', {
      settlementType: { type: 'SettleOnAffirmation' },
      legs: [
        {
          type: 'Fungible',
          from: { did: await env.ledger.identityOf(operator) },
          to: { did: investor.did },
          assetId,
          amount,
        },
      ],
    });
  }

  async function fund(investor: Investor, assetId: string, amount: string) {
    const s = await instruct(investor, assetId, amount);
    await ok('POST', `/settlements/${s.id}/affirm`, { identityId: investor.identityId });
  }

  async function launch(assetId: string, paymentAssetId: string, terms: object) {
    const o = await ok('POST', `/assets/${assetId}/offerings`, {
      paymentAssetId,
      end: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      ...terms,
    });
    await ok('POST', `/offerings/${o.id}/launch`);
    return o.id as string;
  }

  return { app, queue, operator, cddKey, call, ok, onboard, createAsset, instruct, fund, launch };
}
