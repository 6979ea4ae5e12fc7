import { resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * The environment, validated once at boot. Nothing else in the server reads process.env:
 * `loadConfig` turns it into a typed `Config` that is passed down explicitly.
 */
const EnvSchema = Type.Object({
  NODE_ENV: Type.Optional(
    Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')]),
  ),
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  PORT: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  LOG_LEVEL: Type.Optional(
    Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
  ),
  DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  POLYMESH_NODE_URL: Type.Optional(Type.String({ pattern: '^wss?://' })),
  /** Comma-separated mnemonics or dev URIs (//Alice) the platform signs with. */
  SIGNER_MNEMONICS: Type.Optional(Type.String({ minLength: 1 })),
  /** 32-byte key, hex (64 chars) or base64, for AES-256-GCM encryption of keys and documents. */
  ENCRYPTION_KEY: Type.Optional(Type.String({ pattern: '^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$' })),
  /** Bearer token for the bootstrap operator (admin) until user accounts exist. */
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 24 })),
  CORS_ORIGINS: Type.Optional(Type.String()),
  RATE_LIMIT_PER_MINUTE: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  /** Minutes between automatic on-chain anchors of the audit trail; 0 turns them off. */
  AUDIT_ANCHOR_INTERVAL_MINUTES: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  /** Folder of the built portal; served at / when present. */
  WEB_DIST: Type.Optional(Type.String()),
  /** Embedded ledger block interval in ms; 0 = a block per submission. */
  LEDGER_BLOCK_TIME_MS: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  SESSION_TTL_HOURS: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
  /** How long an Idempotency-Key and its stored answer are kept, in hours. */
  IDEMPOTENCY_TTL_HOURS: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })),
  /** KYC/AML vendor for new applications. */
  KYC_PROVIDER: Type.Optional(
    Type.Union([Type.Literal('sandbox'), Type.Literal('sumsub'), Type.Literal('onfido')]),
  ),
  /** HMAC secret of the sandbox provider's webhooks (a development default is used when unset). */
  SANDBOX_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  SUMSUB_APP_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  SUMSUB_SECRET_KEY: Type.Optional(Type.String({ minLength: 1 })),
  SUMSUB_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  SUMSUB_LEVEL_NAME: Type.Optional(Type.String({ minLength: 1 })),
  ONFIDO_API_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  ONFIDO_WEBHOOK_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  /** Largest accepted onboarding document, in bytes. */
  UPLOAD_MAX_BYTES: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  /** Claims expiring within this many days produce a notification. */
  CLAIM_EXPIRY_NOTICE_DAYS: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
  /** How often the claim-expiry scan runs, in ms; 0 = never on a timer (run it through the API). */
  EXPIRY_SCAN_INTERVAL_MS: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
});
type Env = Static<typeof EnvSchema>;
const checkEnv = Compile(EnvSchema);

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  logLevel: string;
  dataDir: string;
  /** Unset → embedded PostgreSQL (PGlite) under dataDir. */
  databaseUrl?: string;
  /** Unset → jobs run in-process. */
  redisUrl?: string;
  /** Unset → embedded ledger under dataDir. */
  polymeshNodeUrl?: string;
  signers: string[];
  encryptionKey: Buffer;
  /** True when no key was configured and a development key was derived; refused in production. */
  encryptionKeyIsDevDefault: boolean;
  adminToken?: string;
  corsOrigins: string[];
  rateLimitPerMinute: number;
  webDist?: string;
  ledgerBlockTimeMs: number;
  auditAnchorIntervalMinutes: number;
  /** Queue name prefix, so parallel test runs sharing one Redis do not meet. */
  queuePrefix: string;
  sessionTtlMs: number;
  idempotencyTtlMs: number;
  kyc: KycConfig;
  uploadMaxBytes: number;
  claimExpiryNoticeDays: number;
  expiryScanIntervalMs: number;
}

export interface KycConfig {
  provider: 'sandbox' | 'sumsub' | 'onfido';
  sandboxWebhookSecret: string;
  sumsub?: { appToken: string; secretKey: string; webhookSecret: string; levelName: string };
  onfido?: { apiToken: string; webhookToken: string };
}

function kycConfig(e: Env, nodeEnv: string): KycConfig {
  const provider = e.KYC_PROVIDER ?? 'sandbox';
  const sumsub =
    e.SUMSUB_APP_TOKEN && e.SUMSUB_SECRET_KEY && e.SUMSUB_WEBHOOK_SECRET
      ? {
          appToken: e.SUMSUB_APP_TOKEN,
          secretKey: e.SUMSUB_SECRET_KEY,
          webhookSecret: e.SUMSUB_WEBHOOK_SECRET,
          levelName: e.SUMSUB_LEVEL_NAME ?? 'basic-kyc-level',
        }
      : undefined;
  const onfido =
    e.ONFIDO_API_TOKEN && e.ONFIDO_WEBHOOK_TOKEN
      ? { apiToken: e.ONFIDO_API_TOKEN, webhookToken: e.ONFIDO_WEBHOOK_TOKEN }
      : undefined;
  if (provider === 'sumsub' && !sumsub) {
    throw new ConfigError(
      'Invalid environment: KYC_PROVIDER=sumsub needs SUMSUB_APP_TOKEN, SUMSUB_SECRET_KEY and SUMSUB_WEBHOOK_SECRET',
    );
  }
  if (provider === 'onfido' && !onfido) {
    throw new ConfigError(
      'Invalid environment: KYC_PROVIDER=onfido needs ONFIDO_API_TOKEN and ONFIDO_WEBHOOK_TOKEN',
    );
  }
  if (provider === 'sandbox' && nodeEnv === 'production' && !e.SANDBOX_WEBHOOK_SECRET) {
    // The default secret is public: anyone could forge a GREEN verdict with it.
    throw new ConfigError(
      'Invalid environment: with NODE_ENV=production set KYC_PROVIDER=sumsub|onfido, or SANDBOX_WEBHOOK_SECRET for the sandbox',
    );
  }
  return {
    provider,
    sandboxWebhookSecret: e.SANDBOX_WEBHOOK_SECRET ?? 'stoa-sandbox-webhook-secret',
    sumsub,
    onfido,
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

// A fixed key for local development only; `loadConfig` refuses it in production.
const DEV_ENCRYPTION_KEY = Buffer.from('stoa-development-key-not-secret!', 'utf8');

export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  if (!checkEnv.Check(picked)) {
    const problems = [...checkEnv.Errors(picked)].map((e) => {
      const name = e.instancePath.replace(/^\//, '') || 'environment';
      return `${name}: ${e.message}`;
    });
    throw new ConfigError(`Invalid environment: ${problems.join('; ')}`);
  }
  const e = picked as Env;
  const nodeEnv = e.NODE_ENV ?? 'development';
  let encryptionKey: Buffer;
  let devKey = false;
  if (e.ENCRYPTION_KEY) {
    encryptionKey = /^[0-9a-fA-F]{64}$/.test(e.ENCRYPTION_KEY)
      ? Buffer.from(e.ENCRYPTION_KEY, 'hex')
      : Buffer.from(e.ENCRYPTION_KEY, 'base64');
  } else {
    if (nodeEnv === 'production') {
      throw new ConfigError('Invalid environment: ENCRYPTION_KEY is required when NODE_ENV=production');
    }
    encryptionKey = DEV_ENCRYPTION_KEY;
    devKey = true;
  }
  const port = Number(e.PORT ?? '3000');
  if (port > 65535) throw new ConfigError('Invalid environment: PORT must be between 0 and 65535');
  const dataDir = resolve(cwd, e.DATA_DIR ?? '.data');
  return {
    env: nodeEnv,
    host: e.HOST ?? '127.0.0.1',
    port,
    logLevel: e.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    dataDir,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    polymeshNodeUrl: e.POLYMESH_NODE_URL,
    // The dev chain's funded operator keys are the default signers on the embedded ledger.
    signers: e.SIGNER_MNEMONICS
      ? e.SIGNER_MNEMONICS.split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : ['//Alice'],
    encryptionKey,
    encryptionKeyIsDevDefault: devKey,
    adminToken: e.ADMIN_TOKEN,
    corsOrigins: e.CORS_ORIGINS
      ? e.CORS_ORIGINS.split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    rateLimitPerMinute: Number(e.RATE_LIMIT_PER_MINUTE ?? '600'),
    webDist: e.WEB_DIST ? resolve(cwd, e.WEB_DIST) : undefined,
    ledgerBlockTimeMs: Number(e.LEDGER_BLOCK_TIME_MS ?? '0'),
    auditAnchorIntervalMinutes: Number(e.AUDIT_ANCHOR_INTERVAL_MINUTES ?? (nodeEnv === 'test' ? '0' : '60')),
    queuePrefix: 'stoa',
    sessionTtlMs: Number(e.SESSION_TTL_HOURS ?? '12') * 3600_000,
    idempotencyTtlMs: Number(e.IDEMPOTENCY_TTL_HOURS ?? '24') * 3600_000,
    kyc: kycConfig(e, nodeEnv),
    uploadMaxBytes: Number(e.UPLOAD_MAX_BYTES ?? String(10 * 1024 * 1024)),
    claimExpiryNoticeDays: Number(e.CLAIM_EXPIRY_NOTICE_DAYS ?? '30'),
    expiryScanIntervalMs: Number(e.EXPIRY_SCAN_INTERVAL_MS ?? String(nodeEnv === 'test' ? 0 : 3600_000)),
  };
}
