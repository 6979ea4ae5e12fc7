import { join, resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { LEGACY_DEVELOPMENT_KEY, parseKey, type EncryptionSettings } from './modules/keys/master.js';

/**
 * The environment, validated once at boot. Nothing else in the server reads process.env:
 * `loadConfig` turns it into a typed `Config` that is passed down explicitly.
 */
/** A positive whole number that stays exact as a JS number. */
const COUNT = '^[1-9][0-9]{0,14}$';
const KEY = '([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)';
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
  /** Master key, 32 bytes as 64 hex chars or base64: wraps the data keys of documents, profiles, keys. */
  ENCRYPTION_KEY: Type.Optional(Type.String({ pattern: `^${KEY}$` })),
  /** Comma-separated older master keys, readable until `rotate-key` has moved everything off them. */
  PREVIOUS_ENCRYPTION_KEYS: Type.Optional(Type.String({ pattern: `^${KEY}(\\s*,\\s*${KEY})*$` })),
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
  UPLOAD_MAX_BYTES: Type.Optional(Type.String({ pattern: COUNT })),
  /** Most documents one onboarding application may hold. */
  UPLOAD_MAX_DOCUMENTS_PER_APPLICATION: Type.Optional(Type.String({ pattern: COUNT })),
  /** Most bytes all documents of one onboarding application may hold together. */
  UPLOAD_MAX_BYTES_PER_APPLICATION: Type.Optional(Type.String({ pattern: COUNT })),
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
  encryption: EncryptionSettings;
  adminToken?: string;
  corsOrigins: string[];
  rateLimitPerMinute: number;
  webDist?: string;
  ledgerBlockTimeMs: number;
  auditAnchorIntervalMinutes: number;
  /** Queue name prefix, so parallel test runs sharing one Redis do not meet. */
  queuePrefix: string;
  sessionTtlMs: number;
  kyc: KycConfig;
  uploadMaxBytes: number;
  uploadMaxDocumentsPerApplication: number;
  uploadMaxBytesPerApplication: number;
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

function encryptionSettings(e: Env, nodeEnv: string, dataDir: string): EncryptionSettings {
  const key = e.ENCRYPTION_KEY ? parseKey(e.ENCRYPTION_KEY) : undefined;
  const previousKeys = (e.PREVIOUS_ENCRYPTION_KEYS ?? '')
    .split(',')
    .filter((k) => k.trim())
    .map((k) => parseKey(k)!);
  if (!key && nodeEnv === 'production') {
    throw new ConfigError('Invalid environment: ENCRYPTION_KEY is required when NODE_ENV=production');
  }
  // The old fixed development key is in the source for anyone to read.
  if (key?.equals(LEGACY_DEVELOPMENT_KEY)) {
    throw new ConfigError(
      'Invalid environment: ENCRYPTION_KEY is the public development key of earlier versions; generate one with `openssl rand -hex 32`',
    );
  }
  if (nodeEnv === 'production' && previousKeys.some((k) => k.equals(LEGACY_DEVELOPMENT_KEY))) {
    throw new ConfigError(
      'Invalid environment: PREVIOUS_ENCRYPTION_KEYS holds the public development key; run `npm run rotate-key` outside production first',
    );
  }
  return { key, previousKeys, keyFile: join(dataDir, 'keys', 'master.key') };
}

const MiB = 1024 * 1024;

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
    encryption: encryptionSettings(e, nodeEnv, dataDir),
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
    kyc: kycConfig(e, nodeEnv),
    uploadMaxBytes: Number(e.UPLOAD_MAX_BYTES ?? String(10 * MiB)),
    uploadMaxDocumentsPerApplication: Number(e.UPLOAD_MAX_DOCUMENTS_PER_APPLICATION ?? '20'),
    uploadMaxBytesPerApplication: Number(e.UPLOAD_MAX_BYTES_PER_APPLICATION ?? String(50 * MiB)),
    claimExpiryNoticeDays: Number(e.CLAIM_EXPIRY_NOTICE_DAYS ?? '30'),
    expiryScanIntervalMs: Number(e.EXPIRY_SCAN_INTERVAL_MS ?? String(nodeEnv === 'test' ? 0 : 3600_000)),
  };
}
