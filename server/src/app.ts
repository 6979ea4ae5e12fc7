import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { AppError } from './errors.js';
import { chainKeywords } from './lib/chain-keywords.js';
import { AuditAnchorService } from './modules/audit/anchors.js';
import { AnchorChain } from './modules/audit/onchain.js';
import { auditRoutes } from './modules/audit/routes.js';
import { AuditChainer } from './modules/audit/chainer.js';
import { AuditVerifier } from './modules/audit/verify.js';
import { devClockRoutes } from './modules/devclock/routes.js';
import { healthRoutes } from './modules/health/routes.js';
import { operationRoutes } from './modules/operations/routes.js';
import { accountRoutes } from './modules/auth/account-routes.js';
import { authRoutes } from './modules/auth/routes.js';
import { userRoutes } from './modules/auth/user-routes.js';
import { authPlugin } from './plugins/auth.js';
import { investorRoutes, investorServicesPlugin } from './plugins/investors.js';
import { keysPlugin } from './plugins/keys.js';
import { mailPlugin } from './plugins/mail.js';
import { notificationsPlugin } from './plugins/notifications.js';
import { notificationRoutes } from './modules/notifications/routes.js';
import { tokenizationRoutes, tokenizationServicesPlugin } from './plugins/tokenization.js';
import { errorHandlerPlugin } from './plugins/errors.js';
import { idempotencyPlugin } from './plugins/idempotency.js';
import { infrastructurePlugin, type Infrastructure } from './plugins/infrastructure.js';
import { limitsPlugin } from './plugins/limits.js';
import { pressurePlugin } from './plugins/pressure.js';
import { httpTimeouts } from './plugins/timeouts.js';
import { servicesPlugin } from './plugins/services.js';
import { treasuryRoutesPlugin, treasuryServicesPlugin } from './plugins/treasury.js';
import { lockupsForTrading } from './modules/lockups/service.js';
import { tradingRoutesPlugin, tradingServicesPlugin } from './plugins/trading.js';
import { inputGuardPlugin } from './plugins/input-guard.js';
import { venueRoutesPlugin, venueServicesPlugin } from './plugins/venues.js';
import { webPlugin } from './plugins/web.js';
import { OperationBody } from './modules/operations/schemas.js';
import { ErrorBody } from './schemas.js';
import { VERSION } from './version.js';

export type AppDeps = Partial<Infrastructure>;

/**
 * The one factory: main.ts and every test build the app here. It returns the app ready but not
 * listening; infrastructure given in `deps` is used as is and left open on close.
 */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const timeouts = httpTimeouts(config.http);
  const { trustProxy } = config.http;
  const app = Fastify({
    ...timeouts.options,
    // Fastify's types leave out its hop-count form; this is what it does with one.
    trustProxy:
      typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            ...(config.env === 'development'
              ? { transport: { target: 'pino-pretty', options: { singleLine: true } } }
              : {}),
          },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    pluginTimeout: config.startupTimeoutMs,
    ajv: {
      // verbose: each error carries its schema, so the error handler can say it in words (x-hint).
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: true,
        verbose: true,
      },
      plugins: [chainKeywords],
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(errorHandlerPlugin);
  // Before every other plugin, so its hooks run first and its route hook sees every route.
  await app.register(inputGuardPlugin);
  await app.register(timeouts.plugin);
  // Shared response schemas, registered at the root so every route plugin can $ref them.
  app.addSchema(ErrorBody);
  app.addSchema(OperationBody);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Swagger UI and Vue's scoped styles inject inline styles.
        styleSrc: ["'self'", "'unsafe-inline'"],
        // Decrypted KYC documents are shown from blob: URLs (images, PDFs in a frame / object);
        // nothing else may load from blob:.
        imgSrc: ["'self'", 'data:', 'blob:'],
        frameSrc: ["'self'", 'blob:'],
        objectSrc: ['blob:'],
        connectSrc: ["'self'"],
      },
    },
  });
  await app.register(cors, {
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    credentials: true,
  });
  // Before authentication: shedding must cost no database work.
  await app.register(pressurePlugin, config.shedding);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Stoa API',
        version: VERSION,
        description: 'Issue and run regulated security tokens on Polymesh.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'Session token from /auth/login, an API key (stoa_…), or the operator token',
          },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'API key (stoa_…)' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'stoa_session',
            description: 'Portal session cookie',
          },
        },
      },
      tags: [
        { name: 'system', description: 'Health and metadata' },
        { name: 'operations', description: 'Chain operations (the outbox) and their status' },
        { name: 'auth', description: 'Users, sessions, API keys and roles' },
        { name: 'onboarding', description: 'Investor applications, documents, accreditation' },
        { name: 'kyc', description: 'KYC/AML vendor webhooks' },
        { name: 'cdd', description: 'CDD provider API: review, attest, reject, revoke' },
        { name: 'identities', description: 'Investor identities, claims, standing, expiry' },
        {
          name: 'assets',
          description: 'Issuers and assets: create, issue, redeem, freeze, agents, documents',
        },
        { name: 'compliance', description: 'Rule library, asset rules and pre-trade checks' },
        { name: 'offerings', description: 'Primary offerings (STO): launch, subscribe, close, refunds' },
        { name: 'settlements', description: 'Settlement instructions: legs, affirmations, execution' },
        { name: 'audit', description: 'The hash-chained audit trail: search, verify, export' },
        { name: 'notifications', description: 'Your notifications: list, unread count, mark read' },
        { name: 'trading', description: 'The ATS: orders, order book, trades and their settlement' },
        { name: 'treasury', description: 'Money in and out: deposits, withdrawals, the platform stablecoin' },
        {
          name: 'venues',
          description:
            'Venues: the registry, approval per asset, trading halts and windows, investor authorisations',
        },
        {
          name: 'venue API',
          description:
            'For licensed external venues (venue API key): batch pre-trade checks, trade submission and status, signed webhooks. See docs/venues.md',
        },
        {
          name: 'development',
          description:
            "The development chain's clock: move the embedded ledger's time forward (outside production)",
        },
      ],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string) ?? `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Phase 1: infrastructure. Phase 2: services. Phase 3: routes.
  await app.register(infrastructurePlugin, { config, provided: deps });
  await app.register(authPlugin, {
    adminToken: config.adminToken,
    sessionTtlMs: config.sessionTtlMs,
    authCacheTtlMs: config.authCacheTtlMs,
    staffTwoFactor: config.staffTwoFactor,
    publicUrl: config.publicUrl,
  });
  await app.register(limitsPlugin, {
    limits: config.rateLimits,
    redisUrl: config.redisUrl,
    keyPrefix: config.queuePrefix,
  });
  await app.register(servicesPlugin, { config });
  await app.register(keysPlugin, { config });
  await app.register(mailPlugin, { config });
  await app.register(notificationsPlugin, { config });
  await app.register(idempotencyPlugin, { ttlMs: config.idempotencyTtlMs });
  const operatorAddress = () => app.services.operatorAddress();

  await app.register(healthRoutes, { stuckAfterMs: config.outbox.stuckAfterMs });
  await app.register(operationRoutes, { operatorAddress });
  const anchorChain = new AnchorChain(app.infra.ledger, () => app.services.platformAccounts());
  const verifier = new AuditVerifier(app.infra.db.orm, anchorChain);
  const chainer = new AuditChainer(app.infra.db.orm, {
    onError: (err) => app.log.warn({ err }, 'audit chaining failed; the next commit or tick tries again'),
  });
  await app.register(auditRoutes, {
    anchors: new AuditAnchorService(
      app.infra.db.orm,
      app.services.audit,
      app.services.operations,
      anchorChain,
      verifier,
      operatorAddress,
      chainer,
    ),
    verifier,
    chainer,
    anchorIntervalMs: config.auditAnchorIntervalMinutes * 60_000,
  });
  await app.register(investorServicesPlugin, { config, operatorAddress });
  await app.register(authRoutes, { secureCookies: config.env === 'production' });
  await app.register(accountRoutes, { secureCookies: config.env === 'production' });
  await app.register(userRoutes);
  await app.register(notificationRoutes);
  await app.register(investorRoutes);
  await app.register(tokenizationServicesPlugin, {
    operatorAddress,
    closeIntervalMs: config.offeringCloseIntervalMs,
  });
  await app.register(tokenizationRoutes);
  await app.register(devClockRoutes, { env: config.env });
  await app.register(treasuryServicesPlugin, { config, operatorAddress });
  await app.register(treasuryRoutesPlugin, { webhookSecret: config.treasury.webhookSecret });
  await app.register(venueServicesPlugin, {
    operatorAddress,
    sweepIntervalMs: config.outbox.sweepIntervalMs,
    httpsWebhooksOnly: config.env === 'production',
  });
  await app.register(venueRoutesPlugin);
  // The ATS settles at the registry's platform venue and honours its halts and windows.
  await app.register(tradingServicesPlugin, {
    operatorAddress,
    expiryIntervalMs: config.offeringCloseIntervalMs,
    lockups: lockupsForTrading,
    venues: app.venues,
  });
  await app.register(tradingRoutesPlugin);
  await app.register(webPlugin, { root: config.webDist });

  app.setNotFoundHandler((request) => {
    throw new AppError(
      'NOT_FOUND',
      `Route ${request.method} ${request.url.split('?')[0]} does not exist; see /docs`,
    );
  });

  await app.ready();
  return app;
}
