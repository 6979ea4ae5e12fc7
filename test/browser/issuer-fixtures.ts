import type { FastifyInstance } from 'fastify';
import { auth } from '../../server/test/helpers.js';
import {
  individual,
  multipart,
  PDF,
  PNG,
  registerInvestor,
  staff,
} from '../../server/test/onboarding-helpers.js';
import { sandboxWebhook } from '../../server/src/modules/kyc/sandbox.js';
import type { Portal } from './harness.js';

export const INVESTOR_PASSWORD = 'correct horse battery';
export const STAFF_PASSWORD = 'staff password 123';

/** API set-up for the issuer and investor browser journeys, as the offerings journey test does it. */
export function fixtures(portal: Portal) {
  const app: FastifyInstance = portal.app;

  const call = async (
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: object,
    headers: Record<string, string> = auth,
  ) => {
    const res = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url} → ${res.statusCode}: ${res.body}`);
    return res.json();
  };

  /** Waits until no chain operation is still under way. */
  async function settle(): Promise<void> {
    // Jobs first (KYC webhooks are processed as jobs), then any chain operation still under way.
    await app.infra.queue.drain();
    for (let i = 0; i < 200; i++) {
      const { items } = await call('GET', '/operations?limit=200');
      if (!items.some((op: { status: string }) => !['finalised', 'failed'].includes(op.status))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('chain operations did not settle');
  }

  let cddKey: Record<string, string> | null = null;
  async function cdd(): Promise<Record<string, string>> {
    if (cddKey) return cddKey;
    const provider = await staff(app, 'cdd@provider.example', ['cdd-provider']);
    const key = await call('POST', '/auth/api-keys', { name: 'provider' }, provider.headers);
    cddKey = { 'x-api-key': key.token as string };
    return cddKey;
  }

  /** Registers, applies, passes sandbox KYC, (optionally) verifies accreditation and attests. */
  async function investor(name: string, country: string, accredited: boolean) {
    const email = `${name.toLowerCase()}@investor.example`;
    const inv = await registerInvestor(app, email);
    const created = await call('POST', '/onboarding/applications', individual(name, country), inv.headers);
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
      if (up.statusCode !== 201) throw new Error(`upload failed: ${up.body}`);
    }
    await call('POST', `/onboarding/applications/${id}/submit`, undefined, inv.headers);
    const hook = sandboxWebhook(portal.env.config.kyc.sandboxWebhookSecret!, {
      applicationId: id,
      scenario: 'clear',
    });
    await app.inject({
      method: 'POST',
      url: '/kyc/webhooks/sandbox',
      headers: hook.headers,
      payload: hook.body,
    });
    await settle();
    const key = await cdd();
    if (accredited)
      await call(
        'POST',
        `/onboarding/applications/${id}/accreditation/review`,
        { decision: 'verified', reason: 'tax returns reviewed' },
        key,
      );
    await call('POST', `/cdd/applications/${id}/attest`, {}, key);
    await settle();
    const me = await call('GET', '/identities/me', undefined, inv.headers);
    return { email, identityId: me.id as string, did: me.did as string };
  }

  /** The platform stablecoin, issued to the operator, and a way to pay investors with it. */
  async function stablecoin() {
    const created = await call('POST', '/assets', {
      name: 'Stoa USD',
      ticker: 'USDS',
      assetType: 'StableCoin',
      divisible: true,
    });
    await settle();
    const id = created.asset.id as string;
    await call('POST', `/assets/${id}/issue`, { amount: '1000000' });
    await settle();
    const operatorDid = (await call('GET', `/assets/${id}`)).onChain.owner as string;
    return {
      id,
      async fund(to: { did: string; identityId: string }, amount: string) {
        const s = await call('POST', '/settlements', {
          settlementType: { type: 'SettleOnAffirmation' },
          legs: [{ type: 'Fungible', from: { did: operatorDid }, to: { did: to.did }, assetId: id, amount }],
        });
        await settle();
        await call('POST', `/settlements/${s.id}/affirm`, { identityId: to.identityId });
        await settle();
      },
    };
  }

  async function issuerUser(email: string) {
    await staff(app, email, ['issuer-admin', 'compliance-officer']);
    return { email, password: STAFF_PASSWORD };
  }

  async function login(email: string, password: string): Promise<void> {
    const { page, baseUrl } = portal;
    // Switching users: forget the previous session so the portal does not ask /auth/me for it.
    await page.context().clearCookies();
    if (page.url().startsWith(baseUrl)) await page.evaluate('localStorage.clear()');
    await page.goto(`${baseUrl}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  }

  return { call, settle, investor, stablecoin, issuerUser, login };
}
