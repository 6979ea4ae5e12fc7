import { LockMode } from '@mikro-orm/core';
import { hash, verify } from '@node-rs/argon2';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import type { AuditService } from '../audit/service.js';
import { AccountToken, ApiKey, Session, User } from './entity.js';
import type { Role } from './roles.js';
import { PrincipalCache } from './principal-cache.js';
import { codeRefusal, isStaff, type TwoFactorService } from './two-factor.js';

export interface Principal {
  /** The actor recorded in audits and operations: `user:<id>`, `api-key:<id>` or `operator`. */
  id: string;
  /** The user acting (directly or through an API key); null for the bootstrap operator. */
  userId: string | null;
  roles: Role[];
  kind: 'operator' | 'user' | 'api-key';
  /**
   * A staff user signed in without two-factor sign-in set up while STAFF_TWO_FACTOR=required:
   * only routes open to any signed-in user answer (among them, setting it up).
   */
  twoFactorMissing?: boolean;
}

export const API_KEY_PREFIX = 'stoa_';
export const SESSION_COOKIE = 'stoa_session';

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
const ARGON = { memoryCost: 19456, timeCost: 2, parallelism: 1 };
// Verified against when the e-mail is unknown, so timing does not reveal which accounts exist.
const DUMMY_HASH = hash('stoa-dummy-password', ARGON);

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON);
}

/** How long the step between a correct password and the second factor stays open. */
export const LOGIN_CHALLENGE_TTL_MS = 5 * 60_000;
/** Wrong codes one login challenge takes before it ends (sign in with the password again). */
export const LOGIN_CHALLENGE_ATTEMPTS = 5;

export type LoginOutcome =
  | { kind: 'session'; user: User; token: string; session: Session }
  | { kind: 'two-factor'; user: User; challenge: string; expiresAt: Date };

const disabled = () =>
  new AppError('FORBIDDEN', 'Your account is disabled; ask an administrator of the platform to enable it');
/** API keys record their last use to this resolution, not on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

interface ApiKeyRow {
  id: string;
  roles: Role[];
  lastUsedAt: Date | string | null;
  expiresAt: Date | string | null;
  userId: string;
  userRoles: Role[];
}

export interface NewUser {
  email: string;
  password: string;
  displayName: string;
  roles: Role[];
}

/** Users, password logins, sessions and API keys. Every decision is audited. */
export class AuthService {
  constructor(
    private readonly orm: MikroORM,
    private readonly audit: AuditService,
    private readonly sessionTtlMs: number,
    private readonly twoFactor: TwoFactorService,
    private readonly staffTwoFactor: 'required' | 'optional' = 'optional',
    /** Resolved principals for a few seconds; every path that ends a credential evicts. */
    readonly principals: PrincipalCache = new PrincipalCache(),
  ) {}

  async createUser(actor: string, input: NewUser): Promise<User> {
    const em = this.orm.em.fork();
    const email = input.email.trim().toLowerCase();
    const passwordHash = await hash(input.password, ARGON);
    return em.transactional(async (tx) => {
      if (await tx.findOne(User, { email })) {
        throw new AppError('CONFLICT', `A user with e-mail ${email} already exists; log in instead`);
      }
      const user = new User();
      user.email = email;
      user.displayName = input.displayName;
      user.passwordHash = passwordHash;
      user.roles = [...new Set(input.roles)];
      // An administrator vouches for the address of a user they create.
      user.emailVerifiedAt = new Date();
      tx.persist(user);
      await this.audit.append(tx, {
        actor,
        action: 'user.created',
        subjectType: 'user',
        subjectId: user.id,
        data: { email, roles: user.roles },
      });
      return user;
    });
  }

  /**
   * Checks the password. Then, for a user with two-factor sign-in, a short-lived challenge to
   * answer with a code (`completeTwoFactor`); otherwise a session and its token (shown once).
   */
  async login(email: string, password: string, ip: string): Promise<LoginOutcome> {
    const em = this.orm.em.fork();
    const normalised = email.trim().toLowerCase();
    const user = await em.findOne(User, { email: normalised });
    const ok = user
      ? await verify(user.passwordHash, password).catch(() => false)
      : await verify(await DUMMY_HASH, password).then(() => false);
    const unverified = user !== null && user.emailVerifiedAt === null;
    if (!user || !ok || user.disabled || unverified) {
      await em.transactional((tx) =>
        this.audit.append(tx, {
          actor: user ? `user:${user.id}` : 'anonymous',
          action: 'auth.login-failed',
          subjectType: 'user',
          subjectId: user?.id ?? normalised.slice(0, 100),
          data: {
            email: normalised,
            ip,
            reason: !user ? 'unknown-user' : !ok ? 'bad-password' : user.disabled ? 'disabled' : 'unverified',
          },
        }),
      );
      // Only someone who knows the password learns that the account exists and is disabled.
      if (user && ok && user.disabled) throw disabled();
      if (user && ok) {
        throw new AppError(
          'FORBIDDEN',
          'Confirm your e-mail address first: open the link we sent you when you signed up. ' +
            'No message? Sign up again with the same address to get a new link.',
        );
      }
      throw new AppError('UNAUTHENTICATED', 'E-mail or password is wrong');
    }
    if ((await this.twoFactor.status(user.id)).enrolled) {
      const challenge = randomToken(32);
      const expiresAt = new Date(Date.now() + LOGIN_CHALLENGE_TTL_MS);
      await em.transactional(async (tx) => {
        const row = new AccountToken();
        row.purpose = 'login-challenge';
        row.tokenHash = sha256Hex(challenge);
        row.userId = user.id;
        row.expiresAt = expiresAt;
        row.ip = ip.slice(0, 64);
        tx.persist(row);
        await this.audit.append(tx, {
          actor: `user:${user.id}`,
          action: 'auth.login-password-accepted',
          subjectType: 'user',
          subjectId: user.id,
          data: { ip, challengeId: row.id, next: 'two-factor code' },
        });
      });
      return { kind: 'two-factor', user, challenge, expiresAt };
    }
    return { kind: 'session', ...(await this.openSession(user.id, ip, 'password')) };
  }

  /** The second step of signing in: the challenge from `login` and a code from the app. */
  async completeTwoFactor(
    challenge: string,
    code: string,
    ip: string,
  ): Promise<{ user: User; token: string; session: Session }> {
    const em = this.orm.em.fork();
    const expired = () =>
      new AppError(
        'UNAUTHENTICATED',
        'Your sign-in took too long or had too many wrong codes. Sign in with your password again.',
      );
    const outcome = await em.transactional(async (tx) => {
      const row = await tx.findOne(
        AccountToken,
        { tokenHash: sha256Hex(challenge), purpose: 'login-challenge' },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!row || row.usedAt || row.expiresAt <= new Date() || row.attempts >= LOGIN_CHALLENGE_ATTEMPTS) {
        return { refused: expired() };
      }
      const check = await this.twoFactor.check(tx, row.userId, code, `user:${row.userId}`);
      if (!check.ok) {
        row.attempts++;
        return { refused: codeRefusal(check.reason) };
      }
      row.usedAt = new Date();
      return { userId: row.userId, method: check.method };
    });
    if ('refused' in outcome) throw outcome.refused;
    return this.openSession(outcome.userId, ip, outcome.method);
  }

  private async openSession(
    userId: string,
    ip: string,
    method: 'password' | 'totp' | 'recovery-code' | 'email-link',
  ): Promise<{ user: User; token: string; session: Session }> {
    const token = randomToken(32);
    return this.orm.em.fork().transactional(async (tx) => {
      // Under the row lock that disabling takes: a session is never opened after the account's
      // sessions were ended, where enabling it again would bring it back.
      const u = await tx.findOneOrFail(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (u.disabled) throw disabled();
      const s = new Session();
      s.tokenHash = sha256Hex(token);
      s.userId = userId;
      s.expiresAt = new Date(Date.now() + this.sessionTtlMs);
      s.ip = ip.slice(0, 64);
      tx.persist(s);
      u.lastLoginAt = new Date();
      await this.audit.append(tx, {
        actor: `user:${userId}`,
        action: 'auth.login',
        subjectType: 'user',
        subjectId: userId,
        data: { sessionId: s.id, ip, ...(method === 'password' ? {} : { secondStep: method }) },
      });
      return { user: u, token, session: s };
    });
  }

  /** A session for a user who just confirmed their address with the mailed link. */
  async sessionAfterConfirmation(userId: string, ip: string) {
    return this.openSession(userId, ip, 'email-link');
  }

  async logout(token: string): Promise<void> {
    const em = this.orm.em.fork();
    const session = await em.findOne(Session, { tokenHash: sha256Hex(token), revokedAt: null });
    if (!session) return;
    await em.transactional(async (tx) => {
      tx.merge(session).revokedAt = new Date();
      await this.audit.append(tx, {
        actor: `user:${session.userId}`,
        action: 'auth.logout',
        subjectType: 'user',
        subjectId: session.userId,
        data: { sessionId: session.id },
      });
    });
    this.principals.evictUser(session.userId);
  }

  /**
   * The live session joined with its enabled user: one query, then trusted for a few seconds
   * (principal-cache.ts; ending the session or changing the user evicts it at once).
   */
  async resolveSession(token: string): Promise<Principal | null> {
    const hash = sha256Hex(token);
    const cached = this.principals.get(`s:${hash}`);
    if (cached) return cached.principal;
    const generation = this.principals.generation();
    const [row] = await this.orm.em
      .getConnection()
      .execute<{ userId: string; roles: Role[]; twoFactor: boolean; expiresAt: Date | string }[]>(
        `select u.id as "userId", u.roles, s.expires_at as "expiresAt", exists (
                select 1 from user_two_factor t where t.user_id = u.id and t.confirmed_at is not null
              ) as "twoFactor"
           from user_session s join app_user u on u.id = s.user_id
          where s.token_hash = ? and s.revoked_at is null and s.expires_at > ? and not u.disabled`,
        [hash, new Date()],
      );
    if (!row) return null;
    const principal: Principal = {
      id: `user:${row.userId}`,
      userId: row.userId,
      roles: row.roles,
      kind: 'user',
    };
    if (this.twoFactorRequired(row.roles) && !row.twoFactor) principal.twoFactorMissing = true;
    this.principals.set(`s:${hash}`, generation, {
      principal,
      userId: row.userId,
      expiresAt: new Date(row.expiresAt),
    });
    return principal;
  }

  /** Whether a user with these roles must have two-factor sign-in before staff routes answer. */
  twoFactorRequired(roles: readonly Role[]): boolean {
    return this.staffTwoFactor === 'required' && isStaff(roles);
  }

  async createApiKey(
    owner: Principal,
    input: { name: string; roles?: Role[]; expiresAt?: Date },
  ): Promise<{ key: ApiKey; token: string }> {
    if (!owner.userId) {
      throw new AppError('FORBIDDEN', 'API keys belong to users; log in as a user to create one');
    }
    const userId = owner.userId;
    const token = randomToken(32, API_KEY_PREFIX);
    const key = new ApiKey();
    key.name = input.name;
    key.prefix = token.slice(0, 12);
    key.secretHash = sha256Hex(token);
    key.userId = userId;
    key.expiresAt = input.expiresAt ?? null;
    await this.orm.em.fork().transactional(async (tx) => {
      // The user's roles as they are now, under the lock role changes and disabling take.
      const user = await tx.findOneOrFail(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_READ });
      if (user.disabled) throw disabled();
      const roles = input.roles ?? user.roles;
      const extra = roles.filter((r) => !user.roles.includes(r));
      if (extra.length > 0) {
        throw new AppError('FORBIDDEN', `An API key cannot hold roles its user lacks: ${extra.join(', ')}`);
      }
      key.roles = [...new Set(roles)];
      tx.persist(key);
      await this.audit.append(tx, {
        actor: owner.id,
        action: 'api-key.created',
        subjectType: 'api_key',
        subjectId: key.id,
        data: { name: key.name, userId: key.userId, roles: key.roles, prefix: key.prefix },
      });
    });
    return { key, token };
  }

  async revokeApiKey(actor: Principal, id: string): Promise<ApiKey> {
    const revoked = await this.orm.em.fork().transactional(async (tx) => {
      const key = await tx.findOne(ApiKey, { id });
      const mayRevokeAny = actor.roles.includes('admin');
      if (!key || (!mayRevokeAny && key.userId !== actor.userId)) throw AppError.notFound('API key', id);
      if (!key.revokedAt) {
        key.revokedAt = new Date();
        await this.audit.append(tx, {
          actor: actor.id,
          action: 'api-key.revoked',
          subjectType: 'api_key',
          subjectId: key.id,
          data: { userId: key.userId },
        });
      }
      return key;
    });
    this.principals.evictUser(revoked.userId);
    return revoked;
  }

  async listApiKeys(userId: string): Promise<ApiKey[]> {
    return this.orm.em.fork().find(ApiKey, { userId }, { orderBy: { createdAt: 'desc' } });
  }

  /**
   * The live key joined with its enabled user: one query, then trusted for a few seconds
   * (principal-cache.ts; revoking the key or changing its user evicts it at once). `lastUsedAt`
   * is written at most once a minute per key, and only by the first of concurrent requests (the
   * update is conditional), so a busy machine client does not turn every read into a write.
   */
  async resolveApiKey(token: string): Promise<Principal | null> {
    const hash = sha256Hex(token);
    const now = new Date();
    const cached = this.principals.get(`k:${hash}`, now.getTime());
    if (cached) {
      const keyId = cached.principal.id.slice('api-key:'.length);
      if (cached.lastUsedAt === undefined || cached.lastUsedAt <= now.getTime() - LAST_USED_RESOLUTION_MS) {
        cached.lastUsedAt = now.getTime();
        await this.touchApiKey(keyId, now);
      }
      return cached.principal;
    }
    const generation = this.principals.generation();
    const [row] = await this.orm.em.getConnection().execute<ApiKeyRow[]>(
      `select k.id, k.roles, k.last_used_at as "lastUsedAt", k.expires_at as "expiresAt",
              u.id as "userId", u.roles as "userRoles"
         from api_key k join app_user u on u.id = k.user_id
        where k.secret_hash = ? and k.revoked_at is null
          and (k.expires_at is null or k.expires_at > ?) and not u.disabled`,
      [hash, now],
    );
    if (!row) return null;
    let lastUsedAt = row.lastUsedAt ? new Date(row.lastUsedAt).getTime() : undefined;
    if (lastUsedAt === undefined || lastUsedAt <= now.getTime() - LAST_USED_RESOLUTION_MS) {
      await this.touchApiKey(row.id, now);
      lastUsedAt = now.getTime();
    }
    const roles = row.roles.filter((r) => row.userRoles.includes(r));
    const principal: Principal = { id: `api-key:${row.id}`, userId: row.userId, roles, kind: 'api-key' };
    this.principals.set(`k:${hash}`, generation, {
      principal,
      userId: row.userId,
      expiresAt: row.expiresAt ? new Date(row.expiresAt) : null,
      lastUsedAt,
    });
    return principal;
  }

  /** Records a use of the key unless another request (or instance) did within the minute. */
  private async touchApiKey(id: string, now: Date): Promise<void> {
    const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    await this.orm.em
      .fork()
      .nativeUpdate(
        ApiKey,
        { id, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lte: staleBefore } }] },
        { lastUsedAt: now },
      );
  }

  async getUser(em: EntityManager, id: string): Promise<User | null> {
    return em.findOne(User, { id });
  }
}
