import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../../errors.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import type { AuditService } from '../audit/service.js';
import type { Mail, Mailer } from '../mail/mailer.js';
import { notify } from '../notifications/notify.js';
import { AccountToken, Session, User, type AccountTokenPurpose } from './entity.js';
import type { PrincipalCache } from './principal-cache.js';
import { hashPassword } from './service.js';

export const RESET_TTL_MS = 60 * 60_000;
export const VERIFICATION_TTL_MS = 24 * 60 * 60_000;
/** Reset links one account may be sent per hour; more requests are answered but not mailed. */
export const RESETS_PER_HOUR = 3;

/** What every sign-up answers, registered address or not. */
export const signUpAnswer = (email: string) =>
  `We have sent a message to ${email}. Open the link in it to finish creating your account; the link works for 24 hours.`;
/** What every reset request answers, registered address or not. */
export const RESET_ANSWER =
  'If an account uses that address, we have sent it a link to choose a new password. The link works once, within 1 hour.';

const INVALID_LINK = (what: string) =>
  new AppError(
    'BAD_REQUEST',
    `This ${what} link is not valid any more: it was already used, it expired, or it was copied incompletely. Ask for a new one.`,
  );

/**
 * What a person does with their account by e-mail: sign up (confirmed by a mailed link) and reset
 * a forgotten password. Neither tells the caller whether an address is registered: the answer is
 * the same, the same work is done before it, and mail is sent after the answer, so its timing
 * does not show either. Every request and outcome is audited.
 */
export class AccountLinks {
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly orm: MikroORM,
    private readonly audit: AuditService,
    private readonly mailer: () => Mailer,
    private readonly publicUrl: string,
    private readonly log: FastifyBaseLogger,
    private readonly principals?: PrincipalCache,
  ) {}

  async register(input: { email: string; password: string; displayName: string }, ip: string): Promise<void> {
    const email = input.email.trim().toLowerCase();
    const passwordHash = await hashPassword(input.password);
    const mail = await this.orm.em.fork().transactional(async (tx): Promise<Mail> => {
      let user = await tx.findOne(User, { email }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (user?.emailVerifiedAt) {
        await this.audit.append(tx, {
          actor: 'anonymous',
          action: 'auth.sign-up-for-existing-account',
          subjectType: 'user',
          subjectId: user.id,
          data: { email, ip },
        });
        return {
          to: email,
          subject: 'Someone tried to sign up with your address',
          text:
            `Hello ${user.displayName},\n\nsomeone (perhaps you) tried to create a Stoa account with ${email}. ` +
            'You already have an account, so nothing was created and nothing changed.\n\n' +
            `To sign in: ${this.publicUrl}/login\n` +
            `Forgot your password? Choose a new one: ${this.publicUrl}/forgot-password\n\n` +
            'If it was not you, you can ignore this message.\n',
        };
      }
      if (!user) {
        user = new User();
        user.email = email;
        user.displayName = input.displayName;
        user.passwordHash = passwordHash;
        user.roles = ['investor'];
        tx.persist(user);
        await this.audit.append(tx, {
          actor: 'anonymous',
          action: 'user.created',
          subjectType: 'user',
          subjectId: user.id,
          data: { email, roles: user.roles, awaiting: 'e-mail confirmation', ip },
        });
      }
      const token = this.issue(tx, 'email-verification', user.id, VERIFICATION_TTL_MS, ip);
      // The password of this sign-up travels with its link: whoever signed up first with someone
      // else's address never gets to hold the account once its owner confirms.
      token.row.passwordHash = passwordHash;
      token.row.displayName = input.displayName;
      await this.audit.append(tx, {
        actor: 'anonymous',
        action: 'auth.email-confirmation-sent',
        subjectType: 'user',
        subjectId: user.id,
        data: { email, tokenId: token.row.id, expiresAt: token.row.expiresAt.toISOString(), ip },
      });
      return {
        to: email,
        subject: 'Confirm your e-mail address for Stoa',
        text:
          `Hello ${input.displayName},\n\nto finish creating your Stoa account, open this link:\n\n` +
          `${this.publicUrl}/verify-email#token=${token.secret}\n\n` +
          'The link works once, for 24 hours. If you did not sign up, ignore this message: no account is ' +
          'opened without it.\n',
      };
    });
    this.send(mail);
  }

  /** Confirms the address with the mailed link; the account then holds that sign-up's password. */
  async verifyEmail(secret: string, ip: string): Promise<User> {
    return this.orm.em.fork().transactional(async (tx) => {
      const token = await this.redeem(tx, 'email-verification', secret);
      if (!token) throw INVALID_LINK('confirmation');
      const user = await tx.findOneOrFail(
        User,
        { id: token.userId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const now = new Date();
      if (token.passwordHash) user.passwordHash = token.passwordHash;
      if (token.displayName) user.displayName = token.displayName;
      user.emailVerifiedAt = now;
      await this.retire(tx, user.id, 'email-verification', now);
      await this.audit.append(tx, {
        actor: `user:${user.id}`,
        action: 'auth.email-verified',
        subjectType: 'user',
        subjectId: user.id,
        data: { email: user.email, tokenId: token.id, ip },
      });
      return user;
    });
  }

  async requestReset(emailInput: string, ip: string): Promise<void> {
    const email = emailInput.trim().toLowerCase();
    const mail = await this.orm.em.fork().transactional(async (tx): Promise<Mail | null> => {
      const user = await tx.findOne(User, { email }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const hourAgo = new Date(Date.now() - 60 * 60_000);
      const recent = user
        ? await tx.count(AccountToken, {
            userId: user.id,
            purpose: 'password-reset',
            createdAt: { $gt: hourAgo },
          })
        : 0;
      const refused = !user
        ? 'unknown-address'
        : user.disabled
          ? 'disabled'
          : recent >= RESETS_PER_HOUR
            ? 'too-many'
            : null;
      if (refused || !user) {
        await this.audit.append(tx, {
          actor: 'anonymous',
          action: 'auth.password-reset-not-sent',
          subjectType: 'user',
          subjectId: user?.id ?? email.slice(0, 100),
          data: { email, ip, reason: refused },
        });
        return null;
      }
      const token = this.issue(tx, 'password-reset', user.id, RESET_TTL_MS, ip);
      await this.audit.append(tx, {
        actor: 'anonymous',
        action: 'auth.password-reset-requested',
        subjectType: 'user',
        subjectId: user.id,
        data: { email, ip, tokenId: token.row.id, expiresAt: token.row.expiresAt.toISOString() },
      });
      return {
        to: email,
        subject: 'Choose a new password for Stoa',
        text:
          `Hello ${user.displayName},\n\nsomeone (perhaps you) asked to reset the password of your Stoa account. ` +
          `To choose a new password, open this link:\n\n${this.publicUrl}/reset-password#token=${token.secret}\n\n` +
          'The link works once, within 1 hour. Choosing a new password signs you out everywhere.\n' +
          'If you did not ask for this, ignore this message: your password stays as it is.\n',
      };
    });
    if (mail) this.send(mail);
  }

  /** Sets the new password with a reset link; every session of the user ends. */
  async resetPassword(secret: string, password: string, ip: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    const user = await this.orm.em.fork().transactional(async (tx) => {
      const token = await this.redeem(tx, 'password-reset', secret);
      if (!token) throw INVALID_LINK('password reset');
      const u = await tx.findOneOrFail(User, { id: token.userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const now = new Date();
      u.passwordHash = passwordHash;
      // The link reached the mailbox: the address is the holder's.
      u.emailVerifiedAt ??= now;
      await this.retire(tx, u.id, 'password-reset', now);
      await this.retire(tx, u.id, 'login-challenge', now);
      const sessionsEnded = await tx.nativeUpdate(
        Session,
        { userId: u.id, revokedAt: null, expiresAt: { $gt: now } },
        { revokedAt: now },
      );
      await this.audit.append(tx, {
        actor: `user:${u.id}`,
        action: 'auth.password-reset',
        subjectType: 'user',
        subjectId: u.id,
        data: { email: u.email, tokenId: token.id, sessionsEnded, ip },
      });
      await notify(tx, {
        userId: u.id,
        kind: 'account.password-changed',
        message:
          'Your password was changed with a reset link, and you were signed out everywhere. ' +
          'If this was not you, choose a new password now and tell the platform operator.',
        link: '/forgot-password',
        dedupeKey: `password-reset:${token.id}`,
      });
      return u;
    });
    this.principals?.evictUser(user.id);
    this.send({
      to: user.email,
      subject: 'Your Stoa password was changed',
      text:
        `Hello ${user.displayName},\n\nthe password of your Stoa account was just changed with a reset link, ` +
        'and every place you were signed in was signed out.\n\n' +
        `If this was not you, choose a new password now: ${this.publicUrl}/forgot-password\n`,
    });
  }

  /** Waits for mail still being handed to the mailer (on close, and in tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.sending]);
  }

  private issue(tx: EntityManager, purpose: AccountTokenPurpose, userId: string, ttlMs: number, ip: string) {
    const secret = randomToken(32);
    const row = new AccountToken();
    row.purpose = purpose;
    row.tokenHash = sha256Hex(secret);
    row.userId = userId;
    row.expiresAt = new Date(Date.now() + ttlMs);
    row.ip = ip.slice(0, 64);
    tx.persist(row);
    return { secret, row };
  }

  /** The live token for `secret`, marked used, under its row lock; null when there is none. */
  private async redeem(tx: EntityManager, purpose: AccountTokenPurpose, secret: string) {
    if (secret.length < 20 || secret.length > 200) return null;
    const token = await tx.findOne(
      AccountToken,
      { tokenHash: sha256Hex(secret), purpose },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (!token || token.usedAt || token.expiresAt <= new Date()) return null;
    token.usedAt = new Date();
    return token;
  }

  /** Every other open token of this purpose stops working (one reset ends all reset links). */
  private retire(tx: EntityManager, userId: string, purpose: AccountTokenPurpose, now: Date) {
    return tx.nativeUpdate(AccountToken, { userId, purpose, usedAt: null }, { usedAt: now });
  }

  private send(mail: Mail): void {
    const p = this.mailer()
      .send(mail)
      .catch((err: unknown) => this.log.error({ err, subject: mail.subject }, 'mail not sent'))
      .finally(() => this.sending.delete(p));
    this.sending.add(p);
  }
}
