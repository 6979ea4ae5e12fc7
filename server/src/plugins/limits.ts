import { isIPv6 } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Address6 } from 'ip-address';
import { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../config.js';
import { AppError } from '../errors.js';
import { sha256Hex } from '../lib/crypto.js';
import { durationInWords } from '../lib/duration.js';
import type { ProviderName } from '../modules/kyc/provider.js';

export type RouteClass = 'auth' | 'webhooks' | 'reads' | 'writes';

export interface RouteRule {
  class: RouteClass | 'exempt';
  /** Body field naming the account the request is about, limited on its own bucket too. */
  account?: 'email';
}

/**
 * The route classes. Listed here: the routes that are neither a plain read (GET/HEAD) nor a plain
 * write (anything else). Every route that takes a password, a mailed token or a code is `auth`.
 */
const ROUTE_RULES: Record<string, RouteRule> = {
  'POST /auth/login': { class: 'auth', account: 'email' },
  'POST /auth/register': { class: 'auth', account: 'email' },
  'POST /auth/password-reset': { class: 'auth', account: 'email' },
  'POST /auth/password-reset/confirm': { class: 'auth' },
  'POST /auth/verify-email': { class: 'auth' },
  'POST /auth/login/two-factor': { class: 'auth' },
  'POST /kyc/webhooks/:provider': { class: 'webhooks' },
  // Operators and load balancers must see why the server is refusing work.
  'GET /health': { class: 'exempt' },
  'HEAD /health': { class: 'exempt' },
};

export function routeRule(request: FastifyRequest): RouteRule {
  const url = request.routeOptions.url;
  const listed = url === undefined ? undefined : ROUTE_RULES[`${request.method} ${url}`];
  if (listed) return listed;
  return { class: ['GET', 'HEAD', 'OPTIONS'].includes(request.method) ? 'reads' : 'writes' };
}

// Exhaustive over the vendors, so a forger cannot mint fresh buckets with made-up names.
const VENDORS: Record<ProviderName, true> = { sandbox: true, sumsub: true, onfido: true };

/** One bucket per IPv4 address or IPv6 /64 (what one subscriber is usually given). */
export function clientAddressKey(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const address = new Address6(ip);
  if (address.isMapped4()) return address.to4().correctForm();
  return `${new Address6(`${address.correctForm()}/64`).startAddress().correctForm()}/64`;
}

const count = (n: number) => n.toLocaleString('en-US');

type Bucket = RouteClass | 'account';

const WHAT: Record<Bucket, string> = {
  auth: 'sign-in and registration attempts',
  account: 'sign-in and registration attempts for this e-mail address',
  webhooks: 'webhook deliveries',
  reads: 'requests',
  writes: 'changes',
};

function refusal(
  bucket: Bucket,
  request: FastifyRequest,
  limit: number,
  retryAfterSeconds: number,
): AppError {
  const from = bucket === 'account' ? '' : request.principal ? ' from you' : ' from your network address';
  return new AppError(
    'RATE_LIMITED',
    `Too many ${WHAT[bucket]}${from}: at most ${count(limit)} a minute. Try again in ${durationInWords(retryAfterSeconds * 1000)}.`,
    { bucket, limit, windowSeconds: 60, retryAfterSeconds },
  );
}

function bucketKey(request: FastifyRequest, bucket: RouteClass): string {
  const address = clientAddressKey(request.ip);
  if (bucket === 'webhooks') {
    const provider = stringField(request.params, 'provider');
    const vendor = provider && Object.hasOwn(VENDORS, provider) ? provider : 'unknown';
    // Per vendor and source: a forger elsewhere spends its own bucket, not the vendor's.
    return `${vendor}:${address}`;
  }
  // Authenticated callers get their own bucket, not one shared by everyone behind a proxy.
  if (bucket !== 'auth' && request.principal) return `principal:${request.principal.id}`;
  return `address:${address}`;
}

function stringField(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, name)) return undefined;
  const field: unknown = Reflect.get(value, name);
  return typeof field === 'string' ? field : undefined;
}

export interface LimitsOptions {
  limits: RateLimitConfig;
  /** Set → buckets are shared by every instance through this Redis. */
  redisUrl?: string;
  keyPrefix: string;
}

/**
 * Rate limits per route class (ROUTE_RULES), one fixed one-minute window per bucket. Runs after
 * authentication so callers are counted as themselves; the bootstrap operator is never limited.
 * With Redis the counts are shared; if Redis stops answering, each instance counts on its own
 * until it is back (an insurance limiter), rather than refusing or waving everything through.
 */
export const limitsPlugin = fp(
  async (app: FastifyInstance, opts: LimitsOptions) => {
    let redis: Redis | undefined;
    if (opts.redisUrl) {
      const client = new Redis(opts.redisUrl, {
        lazyConnect: true,
        // Fail fast to the insurance limiter instead of queueing requests behind a dead Redis.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: 500,
        connectTimeout: 2000,
      });
      let lastWarning = 0;
      client.on('error', (err: Error) => {
        if (Date.now() - lastWarning < 10_000) return;
        lastWarning = Date.now();
        app.log.warn({ err }, 'rate-limit Redis unavailable; counting per instance meanwhile');
      });
      try {
        await client.connect();
      } catch (err) {
        client.disconnect();
        throw new Error(`Rate limits: cannot reach Redis at REDIS_URL (${(err as Error).message})`, {
          cause: err,
        });
      }
      redis = client;
      app.addHook('onClose', async () => {
        await client.quit().catch(() => client.disconnect());
      });
    }

    const limiter = (bucket: Bucket, points: number): RateLimiterAbstract | undefined => {
      if (points === 0) return undefined;
      const keyPrefix = `${opts.keyPrefix}:rate-limit:${bucket}`;
      const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
      if (!redis) return memory;
      return new RateLimiterRedis({
        storeClient: redis,
        keyPrefix,
        points,
        duration: 60,
        rejectIfRedisNotReady: true,
        // A caller already refused is refused from memory until the window ends: floods stay local.
        inMemoryBlockOnConsumed: points + 1,
        insuranceLimiter: memory,
      });
    };
    const limiters: Record<Bucket, RateLimiterAbstract | undefined> = {
      auth: limiter('auth', opts.limits.auth),
      account: limiter('account', opts.limits.account),
      webhooks: limiter('webhooks', opts.limits.webhooks),
      reads: limiter('reads', opts.limits.reads),
      writes: limiter('writes', opts.limits.writes),
    };

    const consume = async (bucket: Bucket, key: string, request: FastifyRequest, reply: FastifyReply) => {
      const rl = limiters[bucket];
      if (!rl) return;
      try {
        const res = await rl.consume(key);
        if (bucket !== 'account') {
          reply.header('x-ratelimit-limit', rl.points);
          reply.header('x-ratelimit-remaining', res.remainingPoints);
          reply.header('x-ratelimit-reset', Math.ceil(res.msBeforeNext / 1000));
        }
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res;
        const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
        reply.header('retry-after', retryAfter);
        reply.header('x-ratelimit-limit', rl.points);
        reply.header('x-ratelimit-remaining', 0);
        reply.header('x-ratelimit-reset', retryAfter);
        throw refusal(bucket, request, rl.points, retryAfter);
      }
    };

    app.addHook('onRequest', async (request, reply) => {
      if (request.principal?.kind === 'operator') return;
      const rule = routeRule(request);
      if (rule.class === 'exempt') return;
      await consume(rule.class, bucketKey(request, rule.class), request, reply);
    });

    // The account is named in the body, so this bucket is counted once the body is parsed.
    app.addHook('preValidation', async (request, reply) => {
      const field = routeRule(request).account;
      if (!field || request.principal?.kind === 'operator') return;
      const account = stringField(request.body, field)?.trim().toLowerCase();
      if (account) await consume('account', sha256Hex(account), request, reply);
    });
  },
  { name: 'stoa-limits', dependencies: ['stoa-auth'] },
);
