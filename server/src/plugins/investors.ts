import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { hmacHex } from '../lib/crypto.js';
import { chainNow } from '../lib/chain-time.js';
import { attestationFollowUp } from '../modules/cdd/followup.js';
import { cddRoutes } from '../modules/cdd/routes.js';
import { AttestationBody, Person as CddPerson, ReviewBody as CddReviewBody } from '../modules/cdd/schemas.js';
import { CddService } from '../modules/cdd/service.js';
import { identityRoutes } from '../modules/identities/routes.js';
import { IdentityBody } from '../modules/identities/schemas.js';
import { IdentityService } from '../modules/identities/service.js';
import { OnfidoProvider } from '../modules/kyc/onfido.js';
import type { Fetch, KycProvider, ProviderName } from '../modules/kyc/provider.js';
import { kycConfigRoutes, kycWebhookRoutes } from '../modules/kyc/routes.js';
import { SandboxProvider } from '../modules/kyc/sandbox.js';
import { KycService } from '../modules/kyc/service.js';
import { SumsubProvider } from '../modules/kyc/sumsub.js';
import { DocumentService } from '../modules/onboarding/documents.js';
import { UploadService } from '../modules/onboarding/uploads.js';
import { onboardingRoutes } from '../modules/onboarding/routes.js';
import { ApplicationBody, DocumentBody } from '../modules/onboarding/schemas.js';
import { OnboardingService } from '../modules/onboarding/service.js';
import { DEFAULT_POLYX_FUNDING } from '../modules/polyx/config.js';
import { PolyxFunding } from '../modules/polyx/funding.js';

const UPLOAD_SWEEP_INTERVAL_MS = 10 * 60_000;
/** How often submissions that never reached their KYC vendor are sent again (see `KycService.resume`). */
const KYC_SWEEP_INTERVAL_MS = 5 * 60_000;

export interface InvestorServices {
  onboarding: OnboardingService;
  documents: DocumentService;
  uploads: UploadService;
  kyc: KycService;
  cdd: CddService;
  identities: IdentityService;
  /** The POLYX custodial investors get for their transaction fees. */
  polyx: PolyxFunding;
}

declare module 'fastify' {
  interface FastifyInstance {
    investors: InvestorServices;
  }
}

export interface InvestorOptions {
  config: Config;
  operatorAddress: () => string;
  /** Injected into vendor HTTP clients (tests); default global fetch. */
  fetch?: Fetch;
}

/**
 * The vendors whose webhook route is open: the sandbox only in sandbox mode, each real vendor
 * only when its secrets are set.
 */
function kycProviders(config: Config, fetchFn: Fetch, sandboxSecret: string): Map<ProviderName, KycProvider> {
  const k = config.kyc;
  const providers = new Map<ProviderName, KycProvider>();
  if (k.provider === 'sandbox') providers.set('sandbox', new SandboxProvider(sandboxSecret));
  if (k.sumsub) providers.set('sumsub', new SumsubProvider({ ...k.sumsub, fetch: fetchFn }));
  if (k.onfido) {
    providers.set('onfido', new OnfidoProvider({ ...k.onfido, referrer: config.publicUrl, fetch: fetchFn }));
  }
  return providers;
}

/** The sandbox's webhook secret: configured, or derived from this install's master key. */
export function sandboxSecret(config: Config, masterKey: Buffer): string {
  return (
    config.kyc.sandboxWebhookSecret ??
    hmacHex('sha256', masterKey.toString('hex'), 'stoa:kyc-sandbox-webhook')
  );
}

/** Services of investor onboarding: applications, documents, KYC, CDD attestation, identities. */
export const investorServicesPlugin = fp(
  async (app: FastifyInstance, opts: InvestorOptions) => {
    const { config } = opts;
    const { db, ledger, queue } = app.infra;
    const { audit, operations } = app.services;
    const keys = app.keys;
    // Submitting starts KYC; the KYC service is built just below (it needs onboarding too).
    const onboarding: OnboardingService = new OnboardingService(db.orm, audit, keys, (a) =>
      kyc.startApplicant(a),
    );
    const fetchFn = opts.fetch ?? (globalThis.fetch as unknown as Fetch);
    const documents = new DocumentService(onboarding, audit, keys);
    const kyc: KycService = new KycService(
      db.orm,
      audit,
      queue,
      kycProviders(config, fetchFn, sandboxSecret(config, keys.masters.active.key)),
      config.kyc.provider,
      onboarding,
      documents,
      app.log,
      { sandboxDelayMs: config.kyc.sandboxDelayMs },
    );
    // The sandbox vendor calls the webhook route like a vendor would (its signature, its checks).
    kyc.onSelfDelivery(async (provider, body, headers) => {
      const res = await app.inject({
        method: 'POST',
        url: `/kyc/webhooks/${provider}`,
        headers,
        payload: body,
      });
      return res.statusCode;
    });
    app.addHook('onReady', async () => {
      await kyc.resume().catch((err: unknown) => app.log.warn({ err }, 'could not resume KYC submissions'));
    });
    // A submission whose job ran out of attempts (the vendor down for longer than its backoff)
    // is sent again on the next sweep, not only at the next start; jobs keep their ids, so one
    // still queued or retrying is not doubled.
    let kycSweeper: NodeJS.Timeout | undefined;
    if (config.env !== 'test') {
      app.addHook('onReady', async () => {
        kycSweeper = setInterval(() => {
          kyc.resume().catch((err: unknown) => app.log.warn({ err }, 'could not resume KYC submissions'));
        }, KYC_SWEEP_INTERVAL_MS);
        kycSweeper.unref();
      });
    }
    app.addHook('onClose', async () => clearInterval(kycSweeper));
    const uploads = new UploadService(db.orm, onboarding, audit, keys, {
      maxFileBytes: config.uploadMaxBytes,
      maxDocuments: config.uploadMaxDocumentsPerApplication,
      maxApplicationBytes: config.uploadMaxBytesPerApplication,
    });
    const polyx = new PolyxFunding(
      db.orm,
      ledger,
      operations,
      opts.operatorAddress,
      config.polyx ?? DEFAULT_POLYX_FUNDING,
    );
    const cdd = new CddService(
      db.orm,
      audit,
      operations,
      onboarding,
      ledger,
      keys,
      opts.operatorAddress,
      polyx,
    );
    const identities = new IdentityService(
      db.orm,
      audit,
      ledger,
      queue,
      keys,
      config.claimExpiryNoticeDays,
      app.log,
    );
    operations.keys.addSource((address) => identities.custodialKey(address));
    operations.onFinalMany('attestation', attestationFollowUp(cdd, audit));
    kyc.onAdverseVerdict(cdd.adverse, async (ops) => {
      for (const op of ops) await operations.dispatch(op);
    });
    app.decorate('investors', { onboarding, documents, uploads, kyc, cdd, identities, polyx });

    // Uploads whose server died mid-stream leave chunks behind; each instance clears stalled ones.
    let sweeper: NodeJS.Timeout | undefined;
    if (config.env !== 'test') {
      const sweep = () =>
        uploads.sweep().catch((err: unknown) => app.log.warn({ err }, 'could not sweep stalled uploads'));
      app.addHook('onReady', async () => {
        void sweep();
        sweeper = setInterval(sweep, UPLOAD_SWEEP_INTERVAL_MS);
        sweeper.unref();
      });
    }
    app.addHook('onClose', async () => clearInterval(sweeper));

    let timer: NodeJS.Timeout | undefined;
    if (config.expiryScanIntervalMs > 0) {
      app.addHook('onReady', async () => {
        timer = setInterval(() => {
          // The chain's time, which claims expire by (ahead of the wall clock once the
          // development clock has moved).
          chainNow(ledger)
            .then((now) => identities.scheduleScan(now, config.expiryScanIntervalMs))
            .catch((err: unknown) => app.log.warn({ err }, 'could not queue the claim-expiry scan'));
        }, config.expiryScanIntervalMs);
        timer.unref();
      });
    }
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'stoa-investors', dependencies: ['stoa-services', 'stoa-auth', 'stoa-keys'] },
);

/** The investor-facing and CDD routes, with the schemas they share. */
export const investorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // ChainOperation and ErrorBody are registered at the root (app.ts).
  for (const s of [CddPerson, CddReviewBody, DocumentBody, ApplicationBody, IdentityBody, AttestationBody])
    app.addSchema(s);
  await app.register(onboardingRoutes);
  await app.register(kycWebhookRoutes);
  await app.register(kycConfigRoutes);
  await app.register(cddRoutes);
  await app.register(identityRoutes);
};
