import { LockMode } from '@mikro-orm/core';
import { hash, verify } from '@node-rs/argon2';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import type { AuditService } from '../audit/service.js';
import { ApiKey, Session, User } from './entity.js';
import type { Role } from './roles.js';

export interface Principal {
  /** The actor recorded in audits and operations: `user:<id>`, `api-key:<id>` or `operator`. */
  id: string;
  /** The user acting (directly or through an API key); null for the bootstrap operator. */
  userId: string | null;
  roles: Role[];
  kind: 'operator' | 'user' | 'api-key';
}

export const API_KEY_PREFIX = 'stoa_';
export const SESSION_COOKIE = 'stoa_session';

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
const ARGON = { memoryCost: 19456, timeCost: 2, parallelism: 1 };
// Verified against when the e-mail is unknown, so timing does not reveal which accounts exist.
const DUMMY_HASH = hash('stoa-dummy-password', ARGON);

const disabled = () =>
  new AppError('FORBIDDEN', 'Your account is disabled; ask an administrator of the platform to enable it');
/** API keys record their last use to this resolution, not on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

interface ApiKeyRow {
  id: string;
  roles: Role[];
  lastUsedAt: Date | string | null;
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

  /** Checks the password; on success opens a session and returns its token (shown once). */
  async login(
    email: string,
    password: string,
    ip: string,
  ): Promise<{ user: User; token: string; session: Session }> {
    const em = this.orm.em.fork();
    const normalised = email.trim().toLowerCase();
    const user = await em.findOne(User, { email: normalised });
    const ok = user
      ? await verify(user.passwordHash, password).catch(() => false)
      : await verify(await DUMMY_HASH, password).then(() => false);
    if (!user || !ok || user.disabled) {
      await em.transactional((tx) =>
        this.audit.append(tx, {
          actor: user ? `user:${user.id}` : 'anonymous',
          action: 'auth.login-failed',
          subjectType: 'user',
          subjectId: user?.id ?? normalised.slice(0, 100),
          data: {
            email: normalised,
            ip,
            reason: !user ? 'unknown-user' : !ok ? 'bad-password' : 'disabled',
          },
        }),
      );
      // Only someone who knows the password learns that the account exists and is disabled.
      if (user && ok) throw disabled();
      throw new AppError('UNAUTHENTICATED', 'E-mail or password is wrong');
    }
    const token = randomToken(32);
    const session = await em.transactional(async (tx) => {
      // Under the row lock that disabling takes: a session is never opened after the account's
      // sessions were ended, where enabling it again would bring it back.
      const u = await tx.findOneOrFail(User, { id: user.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (u.disabled) throw disabled();
      const s = new Session();
      s.tokenHash = sha256Hex(token);
      s.userId = user.id;
      s.expiresAt = new Date(Date.now() + this.sessionTtlMs);
      s.ip = ip.slice(0, 64);
      tx.persist(s);
      u.lastLoginAt = new Date();
      await this.audit.append(tx, {
        actor: `user:${user.id}`,
        action: 'auth.login',
        subjectType: 'user',
        subjectId: user.id,
        data: { sessionId: s.id, ip },
      });
      return s;
    });
    return { user, token, session };
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
  }

  /** One query per request: the live session joined with its enabled user. */
  async resolveSession(token: string): Promise<Principal | null> {
    const [row] = await this.orm.em.getConnection().execute<{ userId: string; roles: Role[] }[]>(
      `select u.id as "userId", u.roles
         from user_session s join app_user u on u.id = s.user_id
        where s.token_hash = ? and s.revoked_at is null and s.expires_at > ? and not u.disabled`,
      [sha256Hex(token), new Date()],
    );
    return row ? { id: `user:${row.userId}`, userId: row.userId, roles: row.roles, kind: 'user' } : null;
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
    return this.orm.em.fork().transactional(async (tx) => {
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
  }

  async listApiKeys(userId: string): Promise<ApiKey[]> {
    return this.orm.em.fork().find(ApiKey, { userId }, { orderBy: { createdAt: 'desc' } });
  }

  /**
   * One query per request: the live key joined with its enabled user. `lastUsedAt` is written at
   * most once a minute per key, and only by the first of concurrent requests (the update is
   * conditional), so a busy machine client does not turn every read into a write.
   */
  async resolveApiKey(token: string): Promise<Principal | null> {
    const em = this.orm.em.fork();
    const now = new Date();
    const [row] = await em.getConnection().execute<ApiKeyRow[]>(
      `select k.id, k.roles, k.last_used_at as "lastUsedAt", u.id as "userId", u.roles as "userRoles"
         from api_key k join app_user u on u.id = k.user_id
        where k.secret_hash = ? and k.revoked_at is null
          and (k.expires_at is null or k.expires_at > ?) and not u.disabled`,
      [sha256Hex(token), now],
    );
    if (!row) return null;
    const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    if (!row.lastUsedAt || new Date(row.lastUsedAt) <= staleBefore) {
      await em.nativeUpdate(
        ApiKey,
        { id: row.id, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lte: staleBefore } }] },
        { lastUsedAt: now },
      );
    }
    const roles = row.roles.filter((r) => row.userRoles.includes(r));
    return { id: `api-key:${row.id}`, userId: row.userId, roles, kind: 'api-key' };
  }

  async getUser(em: EntityManager, id: string): Promise<User | null> {
    return em.findOne(User, { id });
  }
}
