import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import type { AuditService } from '../audit/service.js';
import { ApiKey, Session, User } from './entity.js';
import type { PrincipalCache } from './principal-cache.js';
import type { Role } from './roles.js';
import type { Principal } from './service.js';

/** What a user can still sign in with: live sessions and API keys. */
export interface Access {
  sessions: number;
  apiKeys: number;
}

export interface AccessChange {
  user: User;
  access: Access;
  /** Sessions and API keys this change ended. */
  ended: Access;
}

type Owner = string | { $in: string[] };
const liveSession = (userId: Owner, now: Date) => ({ userId, revokedAt: null, expiresAt: { $gt: now } });
const liveKey = (userId: Owner, now: Date) => ({
  userId,
  revokedAt: null,
  $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
});

/**
 * User administration: roles, disabling and enabling. Each change locks the user's row, so a
 * login or a new API key racing with it either lands before it (and is ended by it) or sees it.
 * Resolved principals are cached for a few seconds (principal-cache.ts); each change evicts the
 * user's entries once committed, so what it ends stops at the next request on this instance.
 */
export class AccountService {
  constructor(
    private readonly orm: MikroORM,
    private readonly audit: AuditService,
    private readonly principals?: PrincipalCache,
  ) {}

  /** Runs a change to the user's access, then evicts the user's cached principals. */
  private async evicting<T>(userId: string, change: Promise<T>): Promise<T> {
    try {
      return await change;
    } finally {
      this.principals?.evictUser(userId);
    }
  }

  async list(): Promise<{ user: User; access: Access }[]> {
    const em = this.orm.em.fork();
    const now = new Date();
    const users = await em.find(User, {}, { orderBy: { createdAt: 'asc' } });
    const ids = users.map((u) => u.id);
    const sessions = await em.find(Session, liveSession({ $in: ids }, now), { fields: ['userId'] });
    const keys = await em.find(ApiKey, liveKey({ $in: ids }, now), { fields: ['userId'] });
    const count = (rows: { userId: string }[], id: string) => rows.filter((r) => r.userId === id).length;
    return users.map((user) => ({
      user,
      access: { sessions: count(sessions, user.id), apiKeys: count(keys, user.id) },
    }));
  }

  /**
   * Replaces the user's roles. Losing any role ends their sessions: they log in again and get the
   * new roles. API keys keep the roles the user still holds, and a key left with none is revoked.
   */
  async setRoles(actor: Principal, userId: string, roles: Role[], reason: string): Promise<AccessChange> {
    return this.evicting(userId, this.setRolesNow(actor, userId, roles, reason));
  }

  private async setRolesNow(actor: Principal, userId: string, roles: Role[], reason: string) {
    return this.orm.em.fork().transactional(async (tx) => {
      const user = await this.lock(tx, userId);
      const now = new Date();
      const before = user.roles;
      user.roles = [...new Set(roles)];
      const removed = before.filter((r) => !user.roles.includes(r));
      const sessions = removed.length > 0 ? await this.endSessions(tx, userId, now) : 0;
      let keysRevoked = 0;
      const keysReduced: string[] = [];
      for (const key of await tx.find(ApiKey, liveKey(userId, now))) {
        const kept = key.roles.filter((r) => user.roles.includes(r));
        if (kept.length === key.roles.length) continue;
        key.roles = kept;
        if (kept.length === 0) {
          key.revokedAt = now;
          keysRevoked++;
        } else keysReduced.push(key.id);
      }
      await this.audit.append(tx, {
        actor: actor.id,
        action: 'user.roles-changed',
        subjectType: 'user',
        subjectId: user.id,
        data: {
          email: user.email,
          before,
          after: user.roles,
          reason,
          sessionsEnded: sessions,
          apiKeysRevoked: keysRevoked,
          apiKeysReduced: keysReduced,
        },
      });
      return this.changed(tx, user, { sessions, apiKeys: keysRevoked });
    });
  }

  /** Disables the account: no login, and every session and API key of theirs ends now. */
  async disable(actor: Principal, userId: string, reason: string): Promise<AccessChange> {
    if (actor.userId === userId) {
      throw new AppError(
        'RULE_VIOLATION',
        'You cannot disable your own account; ask another administrator to do it',
      );
    }
    return this.evicting(userId, this.disableNow(actor, userId, reason));
  }

  private async disableNow(actor: Principal, userId: string, reason: string): Promise<AccessChange> {
    return this.orm.em.fork().transactional(async (tx) => {
      const user = await this.lock(tx, userId);
      if (user.disabled) throw new AppError('CONFLICT', `${user.displayName}'s account is already disabled`);
      const now = new Date();
      user.disabled = true;
      user.disabledAt = now;
      user.disabledReason = reason;
      const ended = {
        sessions: await this.endSessions(tx, userId, now),
        apiKeys: await tx.nativeUpdate(ApiKey, liveKey(userId, now), { revokedAt: now }),
      };
      await this.audit.append(tx, {
        actor: actor.id,
        action: 'user.disabled',
        subjectType: 'user',
        subjectId: user.id,
        data: { email: user.email, reason, sessionsEnded: ended.sessions, apiKeysRevoked: ended.apiKeys },
      });
      return this.changed(tx, user, ended);
    });
  }

  /** Lets the user log in again. Sessions and keys the disabling ended stay ended. */
  async enable(actor: Principal, userId: string, reason: string): Promise<AccessChange> {
    return this.orm.em.fork().transactional(async (tx) => {
      const user = await this.lock(tx, userId);
      if (!user.disabled) throw new AppError('CONFLICT', `${user.displayName}'s account is not disabled`);
      const was = { disabledAt: user.disabledAt?.toISOString() ?? null, disabledReason: user.disabledReason };
      user.disabled = false;
      user.disabledAt = null;
      user.disabledReason = null;
      await this.audit.append(tx, {
        actor: actor.id,
        action: 'user.enabled',
        subjectType: 'user',
        subjectId: user.id,
        data: { email: user.email, reason, ...was },
      });
      return this.changed(tx, user, { sessions: 0, apiKeys: 0 });
    });
  }

  private async lock(tx: EntityManager, userId: string): Promise<User> {
    const user = await tx.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!user) throw AppError.notFound('User', userId);
    return user;
  }

  private endSessions(tx: EntityManager, userId: string, now: Date): Promise<number> {
    return tx.nativeUpdate(Session, liveSession(userId, now), { revokedAt: now });
  }

  private async changed(tx: EntityManager, user: User, ended: Access): Promise<AccessChange> {
    await tx.flush();
    const now = new Date();
    const access = {
      sessions: await tx.count(Session, liveSession(user.id, now)),
      apiKeys: await tx.count(ApiKey, liveKey(user.id, now)),
    };
    return { user, access, ended };
  }
}
