import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { toUnits } from './lib/units.js';
import { LEGACY_DEVELOPMENT_KEY, parseKey, type EncryptionSettings } from './modules/keys/master.js';
import { DEFAULT_POLYX_FUNDING, type PolyxFundingConfig } from './modules/polyx/config.js';

// Each description completes "… must be": it is the message for a bad value, and the README's
// configuration table states the same constraint.
const text = (description: string, minLength = 1) => Type.Optional(Type.String({ minLength, description }));
const matching = (pattern: string, description: string) =>
  Type.Optional(Type.String({ pattern, description }));
const oneOf = <const T extends string[]>(values: readonly [...T]) =>
  Type.Optional(Type.Enum(values, { description: `one of ${values.join(', ')}` }));
const wholeNumber = () => matching('^[0-9]+$', 'a whole number');

/**
 * The environment, validated once at boot. Nothing else in the server reads process.env:
 * `loadConfig` turns it into a typed `Config` that is passed down explicitly.
 */
/** A positive whole number that stays exact as a JS number. */
const COUNT = '^[1-9][0-9]{0,14}$';
/** A POLYX amount: at most 6 decimals. */
const POLYX = '^[0-9]{1,12}(\\.[0-9]{1,6})?$';
const KEY = '([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)';
const EnvSchema = Type.Object({
  NODE_ENV: oneOf(['development', 'production', 'test']),
  HOST: text('a host name or address'),
  PORT: matching('^[0-9]{1,5}$', 'a port number from 0 to 65535'),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  DATA_DIR: text('a folder path'),
  DATABASE_URL: matching('^postgres(ql)?://', 'a postgresql:// URL'),
  REDIS_URL: matching('^rediss?://', 'a redis:// or rediss:// URL'),
  POLYMESH_NODE_URL: matching('^wss?://', 'a ws:// or wss:// URL'),
  /** Comma-separated mnemonics or dev URIs (//Alice) the platform signs with. */
  SIGNER_MNEMONICS: text('comma-separated mnemonics or dev URIs'),
  /** With NODE_ENV=production: accept the public development keys, on a development chain only. */
  ALLOW_DEV_SIGNERS: oneOf(['true', 'false']),
  /** Master key, 32 bytes as 64 hex chars or base64: wraps the data keys of documents, profiles, keys. */
  ENCRYPTION_KEY: matching(
    `^${KEY}$`,
    '32 bytes as 64 hex characters or 44 base64 characters (openssl rand -hex 32)',
  ),
  /** Comma-separated older master keys, readable until `rotate-key` has moved everything off them. */
  PREVIOUS_ENCRYPTION_KEYS: matching(
    `^${KEY}(\\s*,\\s*${KEY})*$`,
    'comma-separated keys like ENCRYPTION_KEY',
  ),
  /** Bearer token for the bootstrap operator (admin) until user accounts exist. */
  ADMIN_TOKEN: text('at least 24 characters (openssl rand -base64 24)', 24),
  CORS_ORIGINS: Type.Optional(Type.String({ description: 'comma-separated origins' })),
  /** Requests per minute per route class (0 = no limit); see server/src/plugins/limits.ts. */
  RATE_LIMIT_AUTH_PER_MINUTE: matching('^[0-9]{1,9}$', 'a whole number'),
  RATE_LIMIT_ACCOUNT_PER_MINUTE: matching('^[0-9]{1,9}$', 'a whole number'),
  RATE_LIMIT_WEBHOOKS_PER_MINUTE: matching('^[0-9]{1,9}$', 'a whole number'),
  RATE_LIMIT_READS_PER_MINUTE: matching('^[0-9]{1,9}$', 'a whole number'),
  RATE_LIMIT_WRITES_PER_MINUTE: matching('^[0-9]{1,9}$', 'a whole number'),
  /** Fastify trustProxy: true, false, a hop count, or comma-separated proxy addresses/CIDRs. */
  TRUST_PROXY: text('true, false, a hop count or comma-separated proxy addresses'),
  /** The whole request, body included, must arrive within this. */
  REQUEST_TIMEOUT_MS: matching('^[0-9]{1,9}$', 'a whole number of milliseconds'),
  /** A connection that sends and receives nothing for this long is closed. */
  IDLE_TIMEOUT_MS: matching('^[0-9]{1,9}$', 'a whole number of milliseconds'),
  KEEP_ALIVE_TIMEOUT_MS: matching('^[0-9]{1,9}$', 'a whole number of milliseconds'),
  /** Load shedding thresholds (0 = that check is off). */
  SHED_EVENT_LOOP_DELAY_MS: matching('^[0-9]{1,9}$', 'a whole number of milliseconds'),
  SHED_EVENT_LOOP_UTILIZATION: matching('^(0(\\.[0-9]{1,4})?|1(\\.0{1,4})?)$', 'a fraction from 0 to 1'),
  SHED_HEAP_USED_MB: matching('^[0-9]{1,9}$', 'a whole number of megabytes'),
  SHED_RETRY_AFTER_SECONDS: matching('^[1-9][0-9]{0,4}$', 'a whole number of seconds from 1 to 99999'),
  /** Minutes between automatic on-chain anchors of the audit trail; 0 turns them off. */
  AUDIT_ANCHOR_INTERVAL_MINUTES: wholeNumber(),
  /** Folder of the built portal; served at / when present. */
  WEB_DIST: Type.Optional(Type.String({ description: 'a folder path' })),
  /** Embedded ledger block interval in ms; 0 = a block per submission. */
  LEDGER_BLOCK_TIME_MS: wholeNumber(),
  /** Embedded ledger: a state snapshot every this many blocks (and on close); 0 = none. */
  LEDGER_SNAPSHOT_EVERY_BLOCKS: wholeNumber(),
  /** Longest a start-up step (database, ledger replay, node connection) may take; 0 = no limit. */
  STARTUP_TIMEOUT_MS: wholeNumber(),
  /**
   * How long a resolved session or API key is trusted without reading it again, in ms (0 = read
   * on every request). Bounds how long another server instance serves a revoked credential.
   */
  AUTH_CACHE_TTL_MS: wholeNumber(),
  SESSION_TTL_HOURS: matching('^[0-9]{1,4}$', 'a whole number of hours up to 9999'),
  /** How long an Idempotency-Key and its stored answer are kept, in hours. */
  IDEMPOTENCY_TTL_HOURS: matching('^[1-9][0-9]{0,3}$', 'a whole number of hours from 1 to 9999'),
  /** KYC/AML vendor for new applications. */
  KYC_PROVIDER: oneOf(['sandbox', 'sumsub', 'onfido']),
  /** HMAC secret of the sandbox provider's webhooks (unset: derived from this install's master key). */
  SANDBOX_WEBHOOK_SECRET: text('at least 16 characters', 16),
  /** Sandbox mode: how long the sandbox vendor takes to send its verdict, in ms. */
  KYC_SANDBOX_DELAY_MS: wholeNumber(),
  SUMSUB_APP_TOKEN: Type.Optional(Type.String()),
  SUMSUB_SECRET_KEY: Type.Optional(Type.String()),
  SUMSUB_WEBHOOK_SECRET: Type.Optional(Type.String()),
  SUMSUB_LEVEL_NAME: Type.Optional(Type.String()),
  /** Sumsub API address (default https://api.sumsub.com). */
  SUMSUB_BASE_URL: matching('^https?://', 'an http:// or https:// URL'),
  ONFIDO_API_TOKEN: Type.Optional(Type.String()),
  ONFIDO_WEBHOOK_TOKEN: Type.Optional(Type.String()),
  /** Onfido API address with its version (default https://api.eu.onfido.com/v3.6). */
  ONFIDO_BASE_URL: matching('^https?://', 'an http:// or https:// URL'),
  /** Largest accepted onboarding document, in bytes. */
  UPLOAD_MAX_BYTES: wholeNumber(),
  /** Most documents one onboarding application may hold. */
  UPLOAD_MAX_DOCUMENTS_PER_APPLICATION: matching(COUNT, 'a whole number from 1'),
  /** Most bytes all documents of one onboarding application may hold together. */
  UPLOAD_MAX_BYTES_PER_APPLICATION: matching(COUNT, 'a whole number of bytes from 1'),
  /** Claims expiring within this many days produce a notification. */
  CLAIM_EXPIRY_NOTICE_DAYS: matching('^[0-9]{1,4}$', 'a whole number of days up to 9999'),
  /** How often the claim-expiry scan runs, in ms; 0 = never on a timer (run it through the API). */
  EXPIRY_SCAN_INTERVAL_MS: wholeNumber(),
  /** How often offerings past their end are closed, in ms; 0 = never on a timer. */
  OFFERING_CLOSE_INTERVAL_MS: wholeNumber(),
  /** Mail server for notifications and password resets; unset: .eml files under DATA_DIR/mail. */
  SMTP_URL: matching('^smtps?://', 'an smtp:// or smtps:// URL'),
  /** Sender of the platform's e-mail. */
  MAIL_FROM: text('an address, e.g. Stoa <no-reply@example.com>'),
  /** Where people reach the portal, for links in e-mail. */
  PUBLIC_URL: matching('^https?://', 'an http:// or https:// URL'),
  /** How often notifications waiting for e-mail are sent, in ms; 0 = never on a timer. */
  NOTIFICATION_MAIL_INTERVAL_MS: wholeNumber(),
  /**
   * `required` (default; `optional` under NODE_ENV=test): users with any staff role must set up
   * two-factor sign-in before staff routes answer them. Once set up it is asked at every sign-in.
   */
  STAFF_TWO_FACTOR: oneOf(['required', 'optional']),
  /** Name of this server instance in signer leases; stable across its restarts, unique per instance. */
  INSTANCE_ID: matching('^[^\\s]{1,200}$', 'up to 200 characters without spaces'),
  /** BullMQ key prefix: instances sharing a Redis for one deployment use the same one. */
  QUEUE_PREFIX: matching('^[A-Za-z0-9_.-]{1,64}$', 'up to 64 letters, digits, dots, dashes or underscores'),
  /** How often unfinished chain operations are re-queued, in ms; 0 = only at start. */
  OUTBOX_SWEEP_INTERVAL_MS: wholeNumber(),
  /** A submission with no answer after this many ms has an unknown outcome and is looked up. */
  OUTBOX_SUBMIT_TIMEOUT_MS: wholeNumber(),
  /** An operation unfinished for longer than this is reported as stuck in /health. */
  OUTBOX_STUCK_AFTER_SECONDS: wholeNumber(),
  /** Transactions of one signer in flight at once (nonces assigned in order); 1 = one at a time. */
  OUTBOX_WINDOW: wholeNumber(),
  /** Calls of one signer coalesced into one `utility.forceBatch` (allow-listed calls); 0 or 1 = none. */
  OUTBOX_BATCH_SIZE: wholeNumber(),
  /**
   * Secondary keys of the operator's identity (derived from its secret, joined at start) that
   * share its independent writes, each with its own nonce; 0 = none (default 3; 0 in tests).
   */
  OPERATOR_LANES: matching('^([0-9]|1[0-6])$', 'a whole number from 0 to 16'),
  /** POLYX the operator sends each new lane for its fees (default 10000). */
  OPERATOR_LANE_POLYX: matching('^[0-9]{1,12}(\\.[0-9]{1,6})?$', 'a POLYX amount, e.g. 10000 or 2500.5'),
  /** Ticker of the platform stablecoin, created by the platform at first start. */
  STABLECOIN_TICKER: matching('^[A-Z0-9]{1,12}$', 'up to 12 capital letters or digits'),
  /** Name of the platform stablecoin, as investors read it. */
  STABLECOIN_NAME: text('a name, e.g. Stoa USD'),
  /** Create the platform stablecoin at start (default true; false under NODE_ENV=test). */
  STABLECOIN_AT_START: oneOf(['true', 'false']),
  /** The bank account investors pay into, shown with their deposit reference. */
  BANK_ACCOUNT_NAME: text('the account holder name'),
  BANK_NAME: text('the name of the bank'),
  BANK_IBAN: text('an IBAN or account number'),
  BANK_BIC: text('a BIC / SWIFT code or sort code'),
  /** HMAC secret of the bank-statement webhook; unset: the webhook route is off. */
  BANK_WEBHOOK_SECRET: text('at least 16 characters', 16),
  /** POLYX the operator sends a new investor account at attestation, for its transaction fees. */
  INVESTOR_POLYX_GRANT: matching(POLYX, 'an amount of POLYX (up to 6 decimals)'),
  /** A custodial account left with less POLYX than this by an operation is topped up first. */
  INVESTOR_POLYX_TOP_UP_BELOW: matching(POLYX, 'an amount of POLYX (up to 6 decimals)'),
  /** What a top-up brings a custodial account's POLYX back to. */
  INVESTOR_POLYX_TOP_UP_TO: matching(POLYX, 'an amount of POLYX (up to 6 decimals)'),
});
/** Every variable the server reads. */
export const ENV_VARIABLES = Object.keys(EnvSchema.properties);
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
  /** True when a signer is a public development key (allowed in production by ALLOW_DEV_SIGNERS). */
  signersAreDevelopmentKeys: boolean;
  encryption: EncryptionSettings;
  adminToken?: string;
  corsOrigins: string[];
  http: HttpLimits;
  shedding: SheddingConfig;
  rateLimits: RateLimitConfig;
  webDist?: string;
  ledgerBlockTimeMs: number;
  ledgerSnapshotEveryBlocks: number;
  /** Fastify's plugin timeout: the longest one start-up step may take (0 = no limit). */
  startupTimeoutMs: number;
  auditAnchorIntervalMinutes: number;
  /** Queue name prefix, so parallel test runs sharing one Redis do not meet. */
  queuePrefix: string;
  instanceId: string;
  mail: { smtpUrl?: string; from: string };
  /** The portal's address as people reach it, for links in e-mail (no trailing slash). */
  publicUrl: string;
  /** How often notices waiting for e-mail are delivered (0: only when asked, in tests). */
  notificationMailIntervalMs: number;
  outbox: {
    sweepIntervalMs: number;
    submitTimeoutMs: number;
    stuckAfterMs: number;
    /** Transactions of one signer in flight at once; 0 = the adapter's default. */
    window?: number;
    /** Calls coalesced into one batch transaction; 0 = the adapter's default, 1 = no batching. */
    batchSize?: number;
    /** Secondary keys of the operator's identity that share its pipelined writes (0 = none). */
    lanes?: number;
    /** POLYX the operator sends each new lane for its fees (decimal string). */
    lanePolyx?: string;
  };
  sessionTtlMs: number;
  /** How long a resolved session or API key is cached (plugins/auth.ts); 0 = not at all. */
  authCacheTtlMs: number;
  /** Whether staff must have two-factor sign-in before staff routes answer them. */
  staffTwoFactor: 'required' | 'optional';
  idempotencyTtlMs: number;
  kyc: KycConfig;
  uploadMaxBytes: number;
  uploadMaxDocumentsPerApplication: number;
  uploadMaxBytesPerApplication: number;
  claimExpiryNoticeDays: number;
  expiryScanIntervalMs: number;
  /** How often offerings past their end are looked for and closed (0 = never by itself). */
  offeringCloseIntervalMs: number;
  treasury: TreasuryConfig;
  /** The POLYX custodial investors get for their transaction fees. */
  polyx: PolyxFundingConfig;
}

export interface TreasuryConfig {
  stablecoin: { ticker: string; name: string; atStart: boolean };
  bank: { accountName: string; bankName: string; iban: string; bic: string };
  /** Unset: the bank-statement webhook route is not registered. */
  webhookSecret?: string;
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
  /** Unset: the server derives one from its master key (a per-install secret, never a public one). */
  sandboxWebhookSecret?: string;
  /** Sandbox mode: ms until the sandbox's verdict; null = the sandbox never sends one by itself (tests). */
  sandboxDelayMs: number | null;
  sumsub?: {
    appToken: string;
    secretKey: string;
    webhookSecret: string;
    levelName: string;
    baseUrl?: string;
  };
  onfido?: { apiToken: string; webhookToken: string; baseUrl?: string };
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
          baseUrl: e.SUMSUB_BASE_URL?.replace(/\/+$/, ''),
        }
      : undefined;
  const onfido =
    e.ONFIDO_API_TOKEN && e.ONFIDO_WEBHOOK_TOKEN
      ? {
          apiToken: e.ONFIDO_API_TOKEN,
          webhookToken: e.ONFIDO_WEBHOOK_TOKEN,
          baseUrl: e.ONFIDO_BASE_URL?.replace(/\/+$/, ''),
        }
      : undefined;
  if (e.SANDBOX_WEBHOOK_SECRET === PUBLIC_SANDBOX_WEBHOOK_SECRET) {
    throw new ConfigError(
      'Invalid environment: SANDBOX_WEBHOOK_SECRET is the public secret of earlier versions; anyone could forge a verdict with it. Unset it (the server derives its own) or set at least 16 random characters',
    );
  }
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
  return {
    provider,
    sandboxWebhookSecret: e.SANDBOX_WEBHOOK_SECRET,
    // Tests send sandbox verdicts by hand unless they ask for the sandbox's own delivery.
    sandboxDelayMs:
      e.KYC_SANDBOX_DELAY_MS !== undefined
        ? Number(e.KYC_SANDBOX_DELAY_MS)
        : nodeEnv === 'test'
          ? null
          : 3000,
    sumsub,
    onfido,
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The sandbox webhook secret of earlier versions: public, so refused everywhere. */
export const PUBLIC_SANDBOX_WEBHOOK_SECRET = 'stoa-sandbox-webhook-secret';
/** Substrate's development mnemonic: `//Alice` and every other bare derivation path hang off it. */
const DEV_PHRASE = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
const DEFAULT_SIGNERS = ['//Alice'];

/** A key everyone has: a bare dev URI (`//Alice`, `//Bob//stash`) or the development mnemonic. */
export function isDevelopmentKey(secret: string): boolean {
  const s = secret.trim().replace(/\s+/g, ' ');
  return s.startsWith('/') || s === DEV_PHRASE || s.startsWith(`${DEV_PHRASE}/`);
}

interface DevelopmentDefault {
  variable: string;
  /** True when the environment would run on this development default. */
  used(e: Env, signers: string[]): boolean;
  /** Completes "<variable> …": why it is refused and what to set instead. */
  fix: string;
}

/** Every development default, each refused when NODE_ENV=production. */
export const DEVELOPMENT_DEFAULTS: readonly DevelopmentDefault[] = [
  {
    variable: 'ENCRYPTION_KEY',
    used: (e) => !e.ENCRYPTION_KEY,
    fix: 'is required: unset, a public development key encrypts keys and documents; set 64 hex characters (openssl rand -hex 32)',
  },
  {
    variable: 'ADMIN_TOKEN',
    used: (e) => !e.ADMIN_TOKEN,
    fix: 'is required: unset, nobody can sign in as the operator (development generates one per run); set at least 24 random characters (openssl rand -base64 24)',
  },
  {
    variable: 'SIGNER_MNEMONICS',
    used: (e, signers) => e.ALLOW_DEV_SIGNERS !== 'true' && signers.some(isDevelopmentKey),
    fix: 'names a public development key (unset means //Alice; //Bob, … and the development mnemonic are public too): anyone could sign as the platform; set your own mnemonics, or ALLOW_DEV_SIGNERS=true when the chain is a development chain',
  },
  {
    variable: 'KYC_PROVIDER',
    used: (e) => !e.KYC_PROVIDER,
    fix: 'is required: unset, the sandbox vendor decides verdicts from test data; set sumsub or onfido (sandbox only for a staging deployment)',
  },
  {
    variable: 'BANK_IBAN',
    used: (e) => !e.BANK_IBAN,
    fix: "is required: unset, investors' deposit instructions name an example bank account; set the IBAN (or account number) of the platform's client-money account, with BANK_ACCOUNT_NAME, BANK_NAME and BANK_BIC",
  },
];

function invalid(problems: string[]): ConfigError {
  return new ConfigError(`Invalid environment: ${problems.join('; ')}`);
}

function describeProblems(picked: Record<string, string>): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const err of checkEnv.Errors(picked)) {
    const name = err.instancePath.replace(/^\//, '').split('/')[0] || 'environment';
    if (seen.has(name)) continue;
    seen.add(name);
    const schema = (EnvSchema.properties as Record<string, { description?: string }>)[name];
    problems.push(schema?.description ? `${name} must be ${schema.description}` : `${name}: ${err.message}`);
  }
  return problems;
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
  if (!checkEnv.Check(picked)) throw invalid(describeProblems(picked));
  const e = picked as Env;
  const nodeEnv = e.NODE_ENV ?? 'development';
  const signers = e.SIGNER_MNEMONICS
    ? e.SIGNER_MNEMONICS.split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : DEFAULT_SIGNERS;
  if (nodeEnv === 'production') {
    const refused = DEVELOPMENT_DEFAULTS.filter((d) => d.used(e, signers));
    if (refused.length > 0) {
      throw new ConfigError(
        `Invalid environment for NODE_ENV=production: ${refused.map((d) => `${d.variable} ${d.fix}`).join('; ')}`,
      );
    }
  }
  const port = Number(e.PORT ?? '3000');
  if (port > 65535) throw invalid(['PORT must be a port number from 0 to 65535']);
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
    signers,
    signersAreDevelopmentKeys: signers.some(isDevelopmentKey),
    encryption: encryptionSettings(e, nodeEnv, dataDir),
    adminToken: e.ADMIN_TOKEN,
    corsOrigins: e.CORS_ORIGINS
      ? e.CORS_ORIGINS.split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    ...limitsConfig(e, nodeEnv, uploadMaxBytes),
    webDist: e.WEB_DIST ? resolve(cwd, e.WEB_DIST) : undefined,
    ledgerBlockTimeMs: Number(e.LEDGER_BLOCK_TIME_MS ?? '0'),
    ledgerSnapshotEveryBlocks: Number(e.LEDGER_SNAPSHOT_EVERY_BLOCKS ?? '10000'),
    // Fastify's 10 s default is too short for a first start of PGlite on a loaded machine
    // (creating the database and applying migrations took 25 s at load 15) or a long replay.
    startupTimeoutMs: Number(e.STARTUP_TIMEOUT_MS ?? '300000'),
    auditAnchorIntervalMinutes: Number(e.AUDIT_ANCHOR_INTERVAL_MINUTES ?? (nodeEnv === 'test' ? '0' : '60')),
    queuePrefix: e.QUEUE_PREFIX ?? 'stoa',
    instanceId: e.INSTANCE_ID ?? `${hostname()}:${port}`,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM ?? 'Stoa <no-reply@stoa.localhost>' },
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    notificationMailIntervalMs: Number(
      e.NOTIFICATION_MAIL_INTERVAL_MS ?? (nodeEnv === 'test' ? '0' : '5000'),
    ),
    outbox: {
      sweepIntervalMs: Number(e.OUTBOX_SWEEP_INTERVAL_MS ?? (nodeEnv === 'test' ? '0' : '30000')),
      submitTimeoutMs: Number(e.OUTBOX_SUBMIT_TIMEOUT_MS ?? '120000'),
      stuckAfterMs: Number(e.OUTBOX_STUCK_AFTER_SECONDS ?? '300') * 1000,
      window: Number(e.OUTBOX_WINDOW ?? '0'),
      // Tests count nonces per operation: no coalescing there unless a test asks for it.
      batchSize: Number(e.OUTBOX_BATCH_SIZE ?? (nodeEnv === 'test' ? '1' : '0')),
      // Tests count the operator's nonces: no lanes there unless a test asks for them.
      lanes: Number(e.OPERATOR_LANES ?? (nodeEnv === 'test' ? '0' : '3')),
      lanePolyx: e.OPERATOR_LANE_POLYX ?? '10000',
    },
    sessionTtlMs: Number(e.SESSION_TTL_HOURS ?? '12') * 3600_000,
    authCacheTtlMs: Number(e.AUTH_CACHE_TTL_MS ?? '5000'),
    staffTwoFactor: e.STAFF_TWO_FACTOR ?? (nodeEnv === 'test' ? 'optional' : 'required'),
    idempotencyTtlMs: Number(e.IDEMPOTENCY_TTL_HOURS ?? '24') * 3600_000,
    kyc: kycConfig(e, nodeEnv),
    uploadMaxBytes,
    uploadMaxDocumentsPerApplication: Number(e.UPLOAD_MAX_DOCUMENTS_PER_APPLICATION ?? '20'),
    uploadMaxBytesPerApplication: Number(e.UPLOAD_MAX_BYTES_PER_APPLICATION ?? String(50 * MiB)),
    claimExpiryNoticeDays: Number(e.CLAIM_EXPIRY_NOTICE_DAYS ?? '30'),
    expiryScanIntervalMs: Number(e.EXPIRY_SCAN_INTERVAL_MS ?? String(nodeEnv === 'test' ? 0 : 3600_000)),
    treasury: {
      stablecoin: {
        ticker: e.STABLECOIN_TICKER ?? 'USDS',
        name: e.STABLECOIN_NAME ?? 'Stoa USD',
        atStart: (e.STABLECOIN_AT_START ?? (nodeEnv === 'test' ? 'false' : 'true')) === 'true',
      },
      bank: {
        accountName: e.BANK_ACCOUNT_NAME ?? 'Stoa Client Money Account',
        bankName: e.BANK_NAME ?? 'Example Bank (development)',
        iban: e.BANK_IBAN ?? 'GB33 BUKB 2020 1555 5555 55',
        bic: e.BANK_BIC ?? 'BUKBGB22',
      },
      webhookSecret: e.BANK_WEBHOOK_SECRET,
    },
    offeringCloseIntervalMs: Number(e.OFFERING_CLOSE_INTERVAL_MS ?? String(nodeEnv === 'test' ? 0 : 60_000)),
    polyx: polyxConfig(e),
  };
}

function polyxConfig(e: Env): PolyxFundingConfig {
  const polyx: PolyxFundingConfig = {
    grant: e.INVESTOR_POLYX_GRANT ?? DEFAULT_POLYX_FUNDING.grant,
    topUpBelow: e.INVESTOR_POLYX_TOP_UP_BELOW ?? DEFAULT_POLYX_FUNDING.topUpBelow,
    topUpTo: e.INVESTOR_POLYX_TOP_UP_TO ?? DEFAULT_POLYX_FUNDING.topUpTo,
  };
  if (toUnits(polyx.topUpTo) < toUnits(polyx.topUpBelow))
    throw invalid([
      `INVESTOR_POLYX_TOP_UP_TO (${polyx.topUpTo}) must be at least INVESTOR_POLYX_TOP_UP_BELOW (${polyx.topUpBelow})`,
    ]);
  return polyx;
}
