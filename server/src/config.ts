import { hostname } from 'node:os';
import { isIP } from 'node:net';
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
  /** Requests per minute per route class (0 = no limit); see server/src/plugins/limits.ts. */
  RATE_LIMIT_AUTH_PER_MINUTE: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  RATE_LIMIT_ACCOUNT_PER_MINUTE: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  RATE_LIMIT_WEBHOOKS_PER_MINUTE: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  RATE_LIMIT_READS_PER_MINUTE: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  RATE_LIMIT_WRITES_PER_MINUTE: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  /** Fastify trustProxy: true, false, a hop count, or comma-separated proxy addresses/CIDRs. */
  TRUST_PROXY: Type.Optional(Type.String({ minLength: 1 })),
  /** The whole request, body included, must arrive within this. */
  REQUEST_TIMEOUT_MS: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  /** A connection that sends and receives nothing for this long is closed. */
  IDLE_TIMEOUT_MS: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  KEEP_ALIVE_TIMEOUT_MS: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  /** Load shedding thresholds (0 = that check is off). */
  SHED_EVENT_LOOP_DELAY_MS: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  SHED_EVENT_LOOP_UTILIZATION: Type.Optional(Type.String({ pattern: '^(0(\\.[0-9]{1,4})?|1(\\.0{1,4})?)$' })),
  SHED_HEAP_USED_MB: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })),
  SHED_RETRY_AFTER_SECONDS: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,4}$' })),
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
  UPLOAD_MAX_BYTES: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  /** Claims expiring within this many days produce a notification. */
  CLAIM_EXPIRY_NOTICE_DAYS: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
  /** How often the claim-expiry scan runs, in ms; 0 = never on a timer (run it through the API). */
  EXPIRY_SCAN_INTERVAL_MS: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  /** Name of this server instance in signer leases; stable across its restarts, unique per instance. */
  INSTANCE_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\s]+$' })),
  /** BullMQ key prefix: instances sharing a Redis for one deployment use the same one. */
  QUEUE_PREFIX: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
  /** How often unfinished chain operations are re-queued, in ms; 0 = only at start. */
  OUTBOX_SWEEP_INTERVAL_MS: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  /** A submission with no answer after this many ms has an unknown outcome and is looked up. */
  OUTBOX_SUBMIT_TIMEOUT_MS: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  /** An operation unfinished for longer than this is reported as stuck in /health. */
  OUTBOX_STUCK_AFTER_SECONDS: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
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
  http: HttpLimits;
  shedding: SheddingConfig;
  rateLimits: RateLimitConfig;
  webDist?: string;
  ledgerBlockTimeMs: number;
  auditAnchorIntervalMinutes: number;
  /** Queue name prefix, so parallel test runs sharing one Redis do not meet. */
  queuePrefix: string;
  instanceId: string;
  outbox: { sweepIntervalMs: number; submitTimeoutMs: number; stuckAfterMs: number };
  sessionTtlMs: number;
  kyc: KycConfig;
  uploadMaxBytes: number;
  claimExpiryNoticeDays: number;
  expiryScanIntervalMs: number;
}

/** Fastify's trustProxy: which hops in X-Forwarded-For are believed. */
export type TrustProxy = boolean | number | string[];

export interface HttpLimits {
  trustProxy: TrustProxy;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** Thresholds beyond which requests are refused with 503 + Retry-After; 0 turns a check off. */
export interface SheddingConfig {
  maxEventLoopDelayMs: number;
  maxEventLoopUtilization: number;
  maxHeapUsedBytes: number;
  retryAfterSeconds: number;
}

/** Requests per minute for each route class; 0 means no limit. */
export interface RateLimitConfig {
  /** Login, registration, password reset: per client address. */
  auth: number;
  /** The same routes again, per e-mail address, whatever the client address. */
  account: number;
  /** Vendor webhooks, per vendor and source address. */
  webhooks: number;
  /** Other GET/HEAD requests, per principal (or client address when anonymous). */
  reads: number;
  /** Other requests, per principal (or client address when anonymous). */
  writes: number;
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

const PROXY_PRESETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustProxy(value: string | undefined): TrustProxy {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^[0-9]{1,2}$/.test(value)) return Number(value);
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = entries.filter((entry) => {
    if (PROXY_PRESETS.has(entry)) return false;
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return true;
    return (
      prefix !== undefined && !(/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))
    );
  });
  if (entries.length === 0 || bad.length > 0) {
    throw new ConfigError(
      `Invalid environment: TRUST_PROXY must be true, false, a hop count or comma-separated proxy addresses (CIDR allowed); not ${bad.join(', ') || value}`,
    );
  }
  return entries;
}

// Tests build many users and sessions from one address within seconds.
const RATE_LIMIT_DEFAULTS: Record<'test' | 'other', RateLimitConfig> = {
  other: { auth: 30, account: 10, webhooks: 1200, reads: 1200, writes: 300 },
  test: { auth: 10_000, account: 10_000, webhooks: 100_000, reads: 100_000, writes: 100_000 },
};
// The slowest link an upload of UPLOAD_MAX_BYTES must still get through on: 512 kbit/s.
const SLOW_LINK_BYTES_PER_SECOND = 64 * 1024;

function limitsConfig(e: Env, nodeEnv: string, uploadMaxBytes: number) {
  const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
  const rl = RATE_LIMIT_DEFAULTS[nodeEnv === 'test' ? 'test' : 'other'];
  const uploadMs = Math.ceil(uploadMaxBytes / SLOW_LINK_BYTES_PER_SECOND) * 1000;
  const http: HttpLimits = {
    trustProxy: trustProxy(e.TRUST_PROXY),
    requestTimeoutMs: num(e.REQUEST_TIMEOUT_MS, Math.max(60_000, uploadMs)),
    idleTimeoutMs: num(e.IDLE_TIMEOUT_MS, 60_000),
    keepAliveTimeoutMs: num(e.KEEP_ALIVE_TIMEOUT_MS, 72_000),
  };
  for (const [name, v] of [
    ['REQUEST_TIMEOUT_MS', http.requestTimeoutMs],
    ['IDLE_TIMEOUT_MS', http.idleTimeoutMs],
    ['KEEP_ALIVE_TIMEOUT_MS', http.keepAliveTimeoutMs],
  ] as const) {
    // 0 would switch Node's timeout off: exactly the unbounded wait these exist to prevent.
    if (v < 100) throw new ConfigError(`Invalid environment: ${name} must be at least 100 (milliseconds)`);
  }
  const shedding: SheddingConfig = {
    // PGlite runs on the test process's event loop; shedding there would only make tests flaky.
    maxEventLoopDelayMs: num(e.SHED_EVENT_LOOP_DELAY_MS, nodeEnv === 'test' ? 0 : 1000),
    maxEventLoopUtilization: num(e.SHED_EVENT_LOOP_UTILIZATION, 0),
    maxHeapUsedBytes: num(e.SHED_HEAP_USED_MB, 0) * 1024 * 1024,
    retryAfterSeconds: num(e.SHED_RETRY_AFTER_SECONDS, 10),
  };
  const rateLimits: RateLimitConfig = {
    auth: num(e.RATE_LIMIT_AUTH_PER_MINUTE, rl.auth),
    account: num(e.RATE_LIMIT_ACCOUNT_PER_MINUTE, rl.account),
    webhooks: num(e.RATE_LIMIT_WEBHOOKS_PER_MINUTE, rl.webhooks),
    reads: num(e.RATE_LIMIT_READS_PER_MINUTE, rl.reads),
    writes: num(e.RATE_LIMIT_WRITES_PER_MINUTE, rl.writes),
  };
  return { http, shedding, rateLimits };
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
  const uploadMaxBytes = Number(e.UPLOAD_MAX_BYTES ?? String(10 * 1024 * 1024));
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
    ...limitsConfig(e, nodeEnv, uploadMaxBytes),
    webDist: e.WEB_DIST ? resolve(cwd, e.WEB_DIST) : undefined,
    ledgerBlockTimeMs: Number(e.LEDGER_BLOCK_TIME_MS ?? '0'),
    auditAnchorIntervalMinutes: Number(e.AUDIT_ANCHOR_INTERVAL_MINUTES ?? (nodeEnv === 'test' ? '0' : '60')),
    queuePrefix: e.QUEUE_PREFIX ?? 'stoa',
    instanceId: e.INSTANCE_ID ?? `${hostname()}:${port}`,
    outbox: {
      sweepIntervalMs: Number(e.OUTBOX_SWEEP_INTERVAL_MS ?? (nodeEnv === 'test' ? '0' : '30000')),
      submitTimeoutMs: Number(e.OUTBOX_SUBMIT_TIMEOUT_MS ?? '120000'),
      stuckAfterMs: Number(e.OUTBOX_STUCK_AFTER_SECONDS ?? '300') * 1000,
    },
    sessionTtlMs: Number(e.SESSION_TTL_HOURS ?? '12') * 3600_000,
    kyc: kycConfig(e, nodeEnv),
    uploadMaxBytes,
    claimExpiryNoticeDays: Number(e.CLAIM_EXPIRY_NOTICE_DAYS ?? '30'),
    expiryScanIntervalMs: Number(e.EXPIRY_SCAN_INTERVAL_MS ?? String(nodeEnv === 'test' ? 0 : 3600_000)),
  };
}
