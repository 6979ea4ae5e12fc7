import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../src/modules/audit/entity.js';
import { loadConfig } from '../src/config.js';
import { alpha3 } from '../src/modules/kyc/countries.js';
import { KycWebhookEvent } from '../src/modules/kyc/entity.js';
import { parseSumsubTime } from '../src/modules/kyc/sumsub.js';
import { sandboxSecret } from '../src/plugins/investors.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { applyAndSubmit, PDF, PNG, registerInvestor } from './onboarding-helpers.js';
import { StandInVendors, sumsubTime } from './support/kyc-vendors.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('vendor formats', () => {
  it("reads Sumsub's createdAtMs as UTC yyyy-MM-dd HH:mm:ss.fff", () => {
    expect(parseSumsubTime('2026-12-01 09:05:07.042')!.toISOString()).toBe('2026-12-01T09:05:07.042Z');
    expect(parseSumsubTime('2026-12-01 09:05:07')!.toISOString()).toBe('2026-12-01T09:05:07.000Z');
    expect(parseSumsubTime(1764579907042)!.getTime()).toBe(1764579907042);
    expect(Number.isNaN(parseSumsubTime('yesterday')!.getTime())).toBe(true);
    expect(parseSumsubTime(undefined)).toBeNull();
  });
  it('converts countries to ISO alpha-3 and refuses unknown codes', () => {
    expect(alpha3('DE')).toBe('DEU');
    expect(alpha3('us')).toBe('USA');
    expect(() => alpha3('XX')).toThrow(/not an ISO 3166-1 alpha-2/);
  });
  it('the sandbox secret is per install unless set, and the old public one is refused', () => {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: '/tmp/x' });
    const a = sandboxSecret(config, Buffer.alloc(32, 1));
    expect(a).toHaveLength(64);
    expect(sandboxSecret(config, Buffer.alloc(32, 2))).not.toBe(a);
    expect(() =>
      loadConfig({
        NODE_ENV: 'test',
        DATA_DIR: '/tmp/x',
        SANDBOX_WEBHOOK_SECRET: 'stoa-sandbox-webhook-secret',
      }),
    ).toThrow(/public secret of earlier versions/);
  });
});

/**
 * Sumsub and Onfido end to end against the stand-in vendor server: applicant, documents, review
 * request or check, web SDK token, the signed webhook in the vendor's documented format, and the
 * verdict read back from the vendor's API.
 */
describe('real KYC vendors against a stand-in vendor server', () => {
  let env: TestEnv;
  let vendors: StandInVendors;
  let queue: ReturnType<TestEnv['makeQueue']>;
  let app: FastifyInstance;

  const vendorConfig = (provider: 'sumsub' | 'onfido') => ({
    ...env.config.kyc,
    provider,
    sumsub: {
      appToken: vendors.sumsub.appToken,
      secretKey: vendors.sumsub.secretKey,
      webhookSecret: vendors.sumsub.webhookSecret,
      levelName: 'basic-kyc-level',
      baseUrl: vendors.baseUrl,
    },
    onfido: {
      apiToken: vendors.onfido.apiToken,
      webhookToken: vendors.onfido.webhookToken,
      baseUrl: vendors.onfidoUrl,
    },
  });

  beforeAll(async () => {
    env = await createTestEnv();
    vendors = await new StandInVendors().start();
  });
  afterAll(async () => {
    await env.close();
    await vendors.close();
  });

  const hook = (vendor: string, w: { body: string; headers: Record<string, string> }) =>
    app.inject({ method: 'POST', url: `/kyc/webhooks/${vendor}`, headers: w.headers, payload: w.body });
  const application = async (id: string, headers: Record<string, string>) =>
    (await app.inject({ method: 'GET', url: `/onboarding/applications/${id}`, headers })).json();
  const audit = (action: string, subjectId: string) =>
    env.db.orm.em.fork().count(AuditEntry, { action, subjectId });

  describe('Sumsub', () => {
    beforeAll(async () => {
      queue = env.makeQueue('inline');
      app = await env.app({ queue, config: { kyc: vendorConfig('sumsub') } });
    });

    it('creates the applicant, uploads every document as an idDoc, requests review, and applies the confirmed verdict once', async () => {
      const inv = await registerInvestor(app, 'sumsub-1@investor.example');
      const id = await applyAndSubmit(app, inv.headers, 'Fred', { country: 'DE' });
      await queue.drain();

      // Applicant with our application as externalUserId, country in alpha-3.
      const applicant = [...vendors.sumsub.applicants.values()].find((a) => a.externalUserId === id)!;
      expect(applicant).toBeDefined();
      expect(applicant.levelName).toBe('basic-kyc-level');
      expect(applicant.body).toMatchObject({
        type: 'individual',
        fixedInfo: { firstName: 'Alice', lastName: 'Fred', country: 'DEU' },
      });
      // Every document, byte for byte, with its metadata.
      const uploads = vendors.sumsub.uploads.filter((u) => u.applicantId === applicant.id);
      expect(uploads.map((u) => u.fields.idDocType).sort()).toEqual(['ID_CARD', 'OTHER', 'UTILITY_BILL']);
      expect(uploads.every((u) => u.fields.country === 'DEU')).toBe(true);
      expect(uploads.find((u) => u.fields.idDocType === 'ID_CARD')).toMatchObject({
        filename: 'passport.pdf',
        contentType: 'application/pdf',
        sha256: sha(PDF),
      });
      expect(uploads.find((u) => u.fields.idDocType === 'UTILITY_BILL')!.sha256).toBe(sha(PNG));
      expect(applicant.reviewRequested).toBe(1);
      expect(vendors.sumsub.refused).toBe(0);

      let got = await application(id, inv.headers);
      expect(got).toMatchObject({
        status: 'submitted',
        kyc: { provider: 'sumsub', applicantId: applicant.id },
      });
      expect(got.kyc.sentAt).not.toBeNull();
      expect(await audit('kyc.submitted-to-vendor', id)).toBe(1);

      // The WebSDK token is for this applicant's user id and level.
      const sdk = await app.inject({
        method: 'POST',
        url: `/onboarding/applications/${id}/kyc/sdk-token`,
        headers: inv.headers,
      });
      expect(sdk.statusCode).toBe(200);
      expect(sdk.json()).toMatchObject({ provider: 'sumsub', levelName: 'basic-kyc-level' });
      expect(sdk.json().token).toMatch(/^_act-/);
      expect(vendors.sumsub.accessTokens).toContainEqual(expect.objectContaining({ userId: id }));

      // Sumsub decides; its webhook, in its documented format and date format.
      vendors.sumsubReview(applicant.id, { reviewAnswer: 'GREEN' });
      const payload = {
        applicantId: applicant.id,
        inspectionId: 'insp-1',
        correlationId: 'req-9f3a',
        levelName: 'basic-kyc-level',
        externalUserId: id,
        type: 'applicantReviewed',
        sandboxMode: true,
        reviewStatus: 'completed',
        createdAtMs: sumsubTime(new Date()),
        clientId: 'stoa',
        reviewResult: { reviewAnswer: 'GREEN' },
      };
      expect(payload.createdAtMs).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);

      // Forged (another secret) and stale (eight days old) deliveries are refused.
      const forged = await hook('sumsub', vendors.sumsubWebhook(payload, { secret: 'not-the-secret' }));
      expect(forged.statusCode).toBe(401);
      const stale = await hook(
        'sumsub',
        vendors.sumsubWebhook({ ...payload, createdAtMs: sumsubTime(new Date(Date.now() - 8 * 86_400_000)) }),
      );
      expect(stale.statusCode).toBe(401);
      expect(stale.json().message).toMatch(/outside the accepted window/);

      const signed = vendors.sumsubWebhook(payload);
      const first = await hook('sumsub', signed);
      expect(first.statusCode).toBe(202);
      await queue.drain();
      got = await application(id, inv.headers);
      expect(got).toMatchObject({ status: 'in-review', kyc: { status: 'green' } });

      // Re-delivered: acknowledged as the same event, applied once.
      const again = await hook('sumsub', signed);
      expect(again.statusCode).toBe(202);
      expect(again.json().id).toBe(first.json().id);
      await queue.drain();
      expect(await audit('kyc.verdict', id)).toBe(1);
      expect(await audit('application.in-review', id)).toBe(1);
    });

    it("applies the review Sumsub's API holds, not the webhook's claim", async () => {
      const inv = await registerInvestor(app, 'sumsub-2@investor.example');
      const id = await applyAndSubmit(app, inv.headers, 'Redford', { country: 'FR' });
      await queue.drain();
      const applicant = [...vendors.sumsub.applicants.values()].find((a) => a.externalUserId === id)!;
      // The webhook says GREEN while the applicant is still pending with Sumsub.
      const claim = vendors.sumsubWebhook({
        applicantId: applicant.id,
        externalUserId: id,
        type: 'applicantReviewed',
        reviewStatus: 'completed',
        createdAtMs: sumsubTime(new Date()),
        reviewResult: { reviewAnswer: 'GREEN' },
      });
      const res = await hook('sumsub', claim);
      expect(res.statusCode).toBe(202);
      await queue.drain();
      const row = await env.db.orm.em.fork().findOneOrFail(KycWebhookEvent, { id: res.json().id });
      expect(row.outcome).toBe('unconfirmed');
      expect(await application(id, inv.headers)).toMatchObject({
        status: 'submitted',
        kyc: { status: 'pending' },
      });

      // Sumsub's review is RETRY: the applicant is asked to resubmit.
      vendors.sumsubReview(applicant.id, {
        reviewAnswer: 'RED',
        reviewRejectType: 'RETRY',
        rejectLabels: ['UNSATISFACTORY_PHOTOS'],
      });
      const reviewed = await hook(
        'sumsub',
        vendors.sumsubWebhook(
          {
            applicantId: applicant.id,
            externalUserId: id,
            type: 'applicantReviewed',
            reviewStatus: 'completed',
            createdAtMs: sumsubTime(new Date()),
            reviewResult: {
              reviewAnswer: 'RED',
              reviewRejectType: 'RETRY',
              rejectLabels: ['UNSATISFACTORY_PHOTOS'],
            },
          },
          { alg: 'HMAC_SHA512_HEX' },
        ),
      );
      expect(reviewed.statusCode).toBe(202);
      await queue.drain();
      expect(await application(id, inv.headers)).toMatchObject({
        status: 'needs-more-info',
        kyc: { status: 'retry' },
      });
    });

    it('the sandbox route is closed and a sandbox scenario refused when Sumsub is the vendor', async () => {
      const closed = await app.inject({
        method: 'POST',
        url: '/kyc/webhooks/sandbox',
        headers: { 'content-type': 'application/json' },
        payload: '{}',
      });
      expect(closed.statusCode).toBe(404);
      const cfg = await app.inject({ method: 'GET', url: '/kyc/config' });
      expect(cfg.json()).toEqual({
        provider: 'sumsub',
        sandbox: false,
        scenarios: [],
        sandboxDelayMs: null,
        webSdk: true,
      });
      const inv = await registerInvestor(app, 'sumsub-3@investor.example');
      await expect(applyAndSubmit(app, inv.headers, 'Smith', { sandboxScenario: 'clear' })).rejects.toThrow(
        /sandbox scenario can only be picked/,
      );
    });
  });

  describe('Onfido', () => {
    beforeAll(async () => {
      queue = env.makeQueue('inline');
      app = await env.app({ queue, config: { kyc: vendorConfig('onfido') } });
    });

    it('creates the applicant in alpha-3, uploads documents, creates a document + watchlist check, and reads the result on check.completed', async () => {
      const inv = await registerInvestor(app, 'onfido-1@investor.example');
      const id = await applyAndSubmit(app, inv.headers, 'Jones', { country: 'GB' });
      await queue.drain();
      const got = await application(id, inv.headers);
      const applicantId = got.kyc.applicantId as string;
      expect(vendors.onfido.applicants.get(applicantId)).toMatchObject({
        first_name: 'Alice',
        last_name: 'Jones',
        location: { country_of_residence: 'GBR' },
      });
      const uploads = vendors.onfido.uploads.filter((u) => u.applicantId === applicantId);
      expect(uploads.map((u) => u.fields.type).sort()).toEqual(['unknown', 'utility_bill']);
      expect(uploads.every((u) => u.fields.issuing_country === 'GBR')).toBe(true);
      expect(uploads.find((u) => u.fields.type === 'unknown')!.sha256).toBe(sha(PDF));
      const checks = [...vendors.onfido.checks.values()].filter((c) => c.applicant_id === applicantId);
      expect(checks).toHaveLength(1);
      const check = checks[0]!;
      expect(check.report_names).toEqual(['document', 'watchlist_standard']);
      expect(check.document_ids).toHaveLength(1);
      expect(vendors.onfido.refused).toBe(0);

      const sdk = await app.inject({
        method: 'POST',
        url: `/onboarding/applications/${id}/kyc/sdk-token`,
        headers: inv.headers,
      });
      expect(sdk.statusCode).toBe(200);
      expect(sdk.json()).toMatchObject({ provider: 'onfido', applicantId });
      expect(vendors.onfido.sdkTokens).toContainEqual(expect.objectContaining({ applicant_id: applicantId }));

      vendors.onfidoComplete(check.id, 'clear', [
        { id: 'r1', name: 'document', result: 'clear', sub_result: 'clear' },
        {
          id: 'r2',
          name: 'watchlist_standard',
          result: 'clear',
          breakdown: { sanction: { result: 'clear' }, politically_exposed_person: { result: 'clear' } },
        },
      ]);
      // A forged signature is refused; the genuine one (no result in it) is applied from GET /checks.
      expect((await hook('onfido', vendors.onfidoWebhook(check.id, { token: 'wrong' }))).statusCode).toBe(
        401,
      );
      const signed = vendors.onfidoWebhook(check.id);
      expect(JSON.parse(signed.body).payload.object.result).toBeUndefined();
      expect((await hook('onfido', signed)).statusCode).toBe(202);
      await queue.drain();
      expect(
        (await app.inject({ method: 'GET', url: `/cdd/applications/${id}`, headers: auth })).json(),
      ).toMatchObject({
        status: 'in-review',
        kyc: { status: 'green', screening: { provider: 'onfido', sanctionsHit: false, pepHit: false } },
      });
      expect((await hook('onfido', signed)).statusCode).toBe(202);
      await queue.drain();
      expect(await audit('kyc.verdict', id)).toBe(1);
    });

    it("refuses a verdict from another vendor for this vendor's application", async () => {
      const inv = await registerInvestor(app, 'onfido-2@investor.example');
      const id = await applyAndSubmit(app, inv.headers, 'Brown', { country: 'DE' });
      await queue.drain();
      // A genuinely signed Sumsub delivery naming this (Onfido) application. It is refused
      // without asking Sumsub about an applicant that is not ours (the stand-in knows none).
      const sumsubApplicant = 'abcdefabcdefabcdefabcdef';
      const res = await hook(
        'sumsub',
        vendors.sumsubWebhook({
          applicantId: sumsubApplicant,
          externalUserId: id,
          type: 'applicantReviewed',
          reviewStatus: 'completed',
          createdAtMs: sumsubTime(new Date()),
          reviewResult: { reviewAnswer: 'GREEN' },
        }),
      );
      expect(res.statusCode).toBe(202);
      await queue.drain();
      const row = await env.db.orm.em.fork().findOneOrFail(KycWebhookEvent, { id: res.json().id });
      expect(row.outcome).toBe('refused');
      expect(await audit('kyc.verdict-refused', id)).toBe(1);
      expect(await audit('kyc.verdict', id)).toBe(0);
      expect(await application(id, inv.headers)).toMatchObject({
        status: 'submitted',
        kyc: { provider: 'onfido', status: 'pending' },
      });
    });
  });
});
