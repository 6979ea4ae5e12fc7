import { timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.js';
import { AuditService } from '../modules/audit/service.js';
import { AccountService } from '../modules/auth/accounts.js';
import { AccountLinks } from '../modules/auth/self-service.js';
import { API_KEY_PREFIX, AuthService, SESSION_COOKIE, type Principal } from '../modules/auth/service.js';
import { PrincipalCache, PRINCIPAL_CACHE_TTL_MS } from '../modules/auth/principal-cache.js';
import { TwoFactorService } from '../modules/auth/two-factor.js';
import type { Role } from '../modules/auth/roles.js';

export type { Role } from '../modules/auth/roles.js';
export type { Principal } from '../modules/auth/service.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** preHandler factory: authenticated, and (if given) holding one of `roles`. */
    requireRole(...roles: readonly Role[]): (request: FastifyRequest) => Promise<void>;
    /**
     * Whether the request's credentials still name the principal it began with (a long-lived
     * response, such as an event stream, ends when its session or key does).
     */
    stillAuthenticated(request: FastifyRequest): Promise<boolean>;
    authService: AuthService;
    accountService: AccountService;
    twoFactorService: TwoFactorService;
    accountLinks: AccountLinks;
  }
  interface FastifyInstance {
    /** Every route with its access rule, as declared (read by the role-matrix test and docs). */
    routeCatalog: RouteAccess[];
  }
  interface FastifyContextConfig {
    /**
     * Roles allowed on the route (`[]` = any authenticated principal). The auth plugin adds the
     * `requireRole` check for them, so the declaration is the enforcement.
     */
    roles?: readonly Role[];
    /** Explicitly open to anonymous callers (login, webhooks signed by their own scheme). */
    public?: boolean;
  }
}

export interface RouteAccess {
  method: string;
  url: string;
  roles: readonly Role[] | null;
  public: boolean;
}

/** What a staff user without two-factor sign-in is told by every staff route. */
export const twoFactorFirst = () =>
  new AppError(
    'FORBIDDEN',
    'Set up two-factor sign-in first: staff pages open once your account has it. ' +
      'Open "Two-factor sign-in" in your account menu.',
    { twoFactor: 'required' },
  );

function sameSecret(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

const HOW_TO_AUTHENTICATE =
  'send "Authorization: Bearer <session token or stoa_ API key>", "X-API-Key: <key>", or log in for a session cookie';

/**
 * Authentication. Resolvers, in order: `X-API-Key` header; `Authorization: Bearer` with the
 * bootstrap operator token (ADMIN_TOKEN), an API key (`stoa_…`) or a session token; the
 * HttpOnly session cookie of the portal. A bad explicit credential is a 401; a stale cookie
 * is ignored (the request is anonymous), so public routes such as login keep working.
 */
export const authPlugin = fp(
  async (
    app: FastifyInstance,
    opts: {
      adminToken?: string;
      sessionTtlMs: number;
      /** How long a resolved principal is cached; every credential change evicts at once. */
      authCacheTtlMs?: number;
      staffTwoFactor?: 'required' | 'optional';
      publicUrl?: string;
    },
  ) => {
    await app.register(cookie);
    const orm = app.infra.db.orm;
    // The key ring and the mailer are registered after this plugin; they are used per request.
    const principals = new PrincipalCache(opts.authCacheTtlMs ?? PRINCIPAL_CACHE_TTL_MS);
    const twoFactor = new TwoFactorService(orm, new AuditService(), () => app.keys, principals);
    const service = new AuthService(
      orm,
      new AuditService(),
      opts.sessionTtlMs,
      twoFactor,
      opts.staffTwoFactor,
      principals,
    );
    const links = new AccountLinks(
      orm,
      new AuditService(),
      () => app.mailer,
      opts.publicUrl ?? 'http://localhost:3000',
      app.log,
      principals,
    );
    app.decorate('authService', service);
    app.decorate('twoFactorService', twoFactor);
    app.decorate('accountLinks', links);
    app.addHook('onClose', async () => links.settled());
    app.decorate('accountService', new AccountService(app.infra.db.orm, new AuditService(), principals));
    app.decorateRequest('principal', null);
    const catalog: RouteAccess[] = [];
    app.decorate('routeCatalog', catalog);
    app.addHook('onRoute', (route) => {
      const config = (route.config ?? {}) as { roles?: readonly Role[]; public?: boolean };
      for (const method of [route.method].flat()) {
        catalog.push({ method, url: route.url, roles: config.roles ?? null, public: config.public === true });
      }
      if (config.roles) {
        const check = app.requireRole(...config.roles);
        // Before validation: a caller without the role learns nothing about the body schema.
        const existing = route.preValidation ? [route.preValidation].flat() : [];
        route.preValidation = [check, ...existing];
      }
    });

    /** The principal, or the AppError that refuses the credentials; null = anonymous. */
    const resolve = async (request: FastifyRequest): Promise<Principal | AppError | null> => {
      const apiKey = request.headers['x-api-key'];
      if (typeof apiKey === 'string') {
        return (
          (await service.resolveApiKey(apiKey)) ??
          new AppError('UNAUTHENTICATED', 'The API key is not valid, revoked or expired')
        );
      }
      const header = request.headers.authorization;
      if (header) {
        const match = /^Bearer\s+(\S+)$/i.exec(header);
        if (!match) return new AppError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
        const token = match[1]!;
        if (opts.adminToken && sameSecret(token, opts.adminToken)) {
          return { id: 'operator', userId: null, roles: ['admin'], kind: 'operator' };
        }
        const principal = token.startsWith(API_KEY_PREFIX)
          ? await service.resolveApiKey(token)
          : await service.resolveSession(token);
        return (
          principal ??
          new AppError('UNAUTHENTICATED', 'The bearer token is not valid or has expired; log in again')
        );
      }
      const fromCookie = request.cookies[SESSION_COOKIE];
      return fromCookie ? service.resolveSession(fromCookie) : null;
    };

    app.decorate('stillAuthenticated', async (request: FastifyRequest) => {
      const now = await resolve(request).catch(() => null);
      const was = request.principal;
      return (
        was !== null &&
        now !== null &&
        !(now instanceof AppError) &&
        now.id === was.id &&
        was.roles.every((r) => now.roles.includes(r))
      );
    });

    // Bad credentials are refused only after the onRequest hooks that follow (the rate limits)
    // have run: a caller guessing tokens is counted against its address like any anonymous one.
    const refused = new WeakMap<FastifyRequest, AppError>();
    app.addHook('onRequest', async (request: FastifyRequest) => {
      const outcome = await resolve(request);
      if (outcome instanceof AppError) refused.set(request, outcome);
      else request.principal = outcome;
    });
    app.addHook('preParsing', async (request: FastifyRequest) => {
      const err = refused.get(request);
      if (err) throw err;
    });

    app.decorate('requireRole', (...roles: readonly Role[]) => async (request: FastifyRequest) => {
      const p = request.principal;
      if (!p)
        throw new AppError('UNAUTHENTICATED', `This endpoint needs authentication: ${HOW_TO_AUTHENTICATE}`);
      if (roles.length > 0 && !p.roles.includes('admin') && !roles.some((r) => p.roles.includes(r))) {
        throw new AppError('FORBIDDEN', `This endpoint needs one of the roles: ${roles.join(', ')}`);
      }
      if (roles.length > 0 && p.twoFactorMissing) throw twoFactorFirst();
    });
  },
  { name: 'stoa-auth', dependencies: ['stoa-errors', 'stoa-infrastructure'] },
);
