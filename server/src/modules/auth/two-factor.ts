import { randomBytes } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import { AppError } from '../../errors.js';
import { sha256Hex } from '../../lib/crypto.js';
import type { AuditService } from '../audit/service.js';
import { totpContext } from '../keys/contexts.js';
import type { KeyRing } from '../keys/keyring.js';
import { notify } from '../notifications/notify.js';
import { Session, TwoFactor, User } from './entity.js';
import type { PrincipalCache } from './principal-cache.js';
import type { Role } from './roles.js';
import type { Principal } from './service.js';

export const TOTP_ISSUER = 'Stoa';
/** Codes one time step (30 s) either side of now are accepted, for clocks that drift a little. */
const EPOCH_TOLERANCE_SECONDS = 30;
export const RECOVERY_CODE_COUNT = 10;
// No 0/O, 1/I/L: recovery codes are read off paper and typed in.
const RECOVERY_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** True when the roles include any staff role: such users must set up two-factor sign-in. */
export function isStaff(roles: readonly Role[]): boolean {
  return roles.some((r) => r !== 'investor');
}

export function normaliseRecoveryCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

export type CodeCheck =
  | { ok: true; method: 'totp' | 'recovery-code'; recoveryCodesLeft: number }
  | { ok: false; reason: 'wrong' | 'replayed' | 'not-enrolled' };

/** The words a person reads when a code is refused. */
export function codeRefusal(reason: 'wrong' | 'replayed' | 'not-enrolled'): AppError {
  if (reason === 'replayed') {
    return new AppError(
      'UNAUTHENTICATED',
      'That code was already used. Wait for your authenticator app to show the next code, then enter it.',
    );
  }
  if (reason === 'not-enrolled') {
    return new AppError('CONFLICT', 'Two-factor sign-in is not set up for your account');
  }
  return new AppError(
    'UNAUTHENTICATED',
    'That code is not right. Enter the 6-digit code your authenticator app shows now, or one of your recovery codes.',
  );
}

export interface Enrolment {
  /** The secret in base32, for typing into an app by hand. */
  secret: string;
  /** otpauth:// URI, what the QR code holds. */
  uri: string;
  /** The QR code as an SVG data: URL. */
  qrCode: string;
}

/**
 * TOTP two-factor sign-in (RFC 6238, 6 digits, 30 s, SHA-1: what authenticator apps expect).
 * The secret is sealed with the key ring; each accepted code moves `lastTimeStep` on, so the
 * same code (or an older one) is never accepted twice. Recovery codes are stored as SHA-256:
 * they are random (50 bits), not chosen by people, so a slow hash adds nothing.
 */
export class TwoFactorService {
  constructor(
    private readonly orm: MikroORM,
    private readonly audit: AuditService,
    private readonly keys: () => KeyRing,
    private readonly principals?: PrincipalCache,
  ) {}

  async status(userId: string): Promise<{ enrolled: boolean; recoveryCodesLeft: number }> {
    const row = await this.orm.em.fork().findOne(TwoFactor, { userId, confirmedAt: { $ne: null } });
    return { enrolled: row !== null, recoveryCodesLeft: row?.recoveryCodes.length ?? 0 };
  }

  /** A new secret, waiting for the user to confirm it with a code (replaces an unconfirmed one). */
  async begin(actor: Principal): Promise<Enrolment> {
    const userId = mustBeUser(actor);
    const secret = generateSecret();
    const uri = await this.orm.em.fork().transactional(async (tx) => {
      const user = await tx.findOneOrFail(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const existing = await tx.findOne(TwoFactor, { userId });
      if (existing?.confirmedAt) {
        throw new AppError(
          'CONFLICT',
          'Two-factor sign-in is already set up. To use another device, turn it off first and set it up again.',
        );
      }
      const row = existing ?? new TwoFactor();
      row.userId = userId;
      row.secretSealed = await this.keys().seal(tx, 'profile', Buffer.from(secret), totpContext(userId));
      row.lastTimeStep = null;
      row.recoveryCodes = [];
      tx.persist(row);
      await this.audit.append(tx, {
        actor: actor.id,
        action: 'auth.two-factor-enrolment-started',
        subjectType: 'user',
        subjectId: userId,
        data: {},
      });
      return generateURI({ issuer: TOTP_ISSUER, label: user.email, secret });
    });
    const qrCode = await QRCode.toDataURL(uri, { type: 'image/png', margin: 1, width: 240 });
    return { secret, uri, qrCode };
  }

  /** Confirms enrolment with a code from the app; returns the recovery codes (shown once). */
  async confirm(actor: Principal, code: string): Promise<string[]> {
    const userId = mustBeUser(actor);
    const outcome = await this.orm.em.fork().transactional(async (tx) => {
      const row = await tx.findOne(TwoFactor, { userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) {
        throw new AppError('CONFLICT', 'Start setting up two-factor sign-in first: no secret is waiting');
      }
      if (row.confirmedAt) throw new AppError('CONFLICT', 'Two-factor sign-in is already set up');
      const step = await this.totpStep(row, code, tx);
      if (step === null) {
        await this.audit.append(tx, {
          actor: actor.id,
          action: 'auth.two-factor-code-refused',
          subjectType: 'user',
          subjectId: userId,
          data: { during: 'enrolment', reason: 'wrong' },
        });
        return null;
      }
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
      row.confirmedAt = new Date();
      row.lastTimeStep = step;
      row.recoveryCodes = codes.map((c) => sha256Hex(normaliseRecoveryCode(c)));
      await this.audit.append(tx, {
        actor: actor.id,
        action: 'auth.two-factor-enrolled',
        subjectType: 'user',
        subjectId: userId,
        data: { method: 'totp', recoveryCodes: codes.length },
      });
      await notify(tx, {
        userId,
        kind: 'account.two-factor-enabled',
        message: 'Two-factor sign-in is on: signing in now asks for a code from your authenticator app.',
        link: '/account/two-factor',
        dedupeKey: `two-factor-enabled:${row.id}:${row.confirmedAt.getTime()}`,
      });
      return codes;
    });
    this.principals?.evictUser(userId);
    if (!outcome) {
      throw new AppError(
        'VALIDATION_FAILED',
        'That code is not right. Enter the 6-digit code your authenticator app shows for Stoa now.',
      );
    }
    return outcome;
  }

  /** Turns two-factor sign-in off; needs a current code or a recovery code. */
  async disable(actor: Principal, code: string): Promise<void> {
    const userId = mustBeUser(actor);
    const check = await this.orm.em.fork().transactional(async (tx) => {
      const result = await this.check(tx, userId, code, actor.id);
      if (result.ok) {
        await tx.nativeDelete(TwoFactor, { userId });
        await this.audit.append(tx, {
          actor: actor.id,
          action: 'auth.two-factor-disabled',
          subjectType: 'user',
          subjectId: userId,
          data: { confirmedWith: result.method },
        });
        await notify(tx, {
          userId,
          kind: 'account.two-factor-disabled',
          message: 'Two-factor sign-in is off for your account: only your password protects it now.',
          link: '/account/two-factor',
          dedupeKey: `two-factor-disabled:${userId}:${Date.now()}`,
        });
      }
      return result;
    });
    this.principals?.evictUser(userId);
    if (!check.ok) throw codeRefusal(check.reason);
  }

  /**
   * An administrator removes a user's two-factor sign-in (a lost phone and no recovery codes).
   * The user's sessions end; staff set it up again at their next sign-in.
   */
  async reset(actor: Principal, userId: string, reason: string): Promise<{ sessionsEnded: number }> {
    if (actor.userId === userId) {
      throw new AppError(
        'RULE_VIOLATION',
        'You cannot reset your own two-factor sign-in; turn it off with a code, or ask another administrator',
      );
    }
    const outcome = await this.orm.em.fork().transactional(async (tx) => {
      const user = await tx.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!user) throw AppError.notFound('User', userId);
      const removed = await tx.nativeDelete(TwoFactor, { userId, confirmedAt: { $ne: null } });
      if (removed === 0) {
        throw new AppError('CONFLICT', `${user.displayName} has no two-factor sign-in to reset`);
      }
      const now = new Date();
      const sessionsEnded = await tx.nativeUpdate(
        Session,
        { userId, revokedAt: null, expiresAt: { $gt: now } },
        { revokedAt: now },
      );
      await this.audit.append(tx, {
        actor: actor.id,
        action: 'auth.two-factor-reset',
        subjectType: 'user',
        subjectId: userId,
        data: { email: user.email, reason, sessionsEnded },
      });
      await notify(tx, {
        userId,
        kind: 'account.two-factor-reset',
        message:
          'An administrator removed two-factor sign-in from your account. Set it up again on your new phone.',
        link: '/account/two-factor',
        dedupeKey: `two-factor-reset:${userId}:${now.getTime()}`,
      });
      return { sessionsEnded };
    });
    this.principals?.evictUser(userId);
    return outcome;
  }

  /**
   * Checks a code (TOTP or recovery) for an enrolled user inside the caller's transaction, under
   * the row lock, and records its use. Refusals are audited here; the caller decides what to say.
   */
  async check(tx: EntityManager, userId: string, code: string, actor: string): Promise<CodeCheck> {
    const row = await tx.findOne(
      TwoFactor,
      { userId, confirmedAt: { $ne: null } },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (!row) return { ok: false, reason: 'not-enrolled' };
    const trimmed = code.replace(/\s/g, '');
    let result: CodeCheck;
    if (/^[0-9]{6}$/.test(trimmed)) {
      const step = await this.totpStep(row, trimmed, tx);
      if (step === null) result = { ok: false, reason: 'wrong' };
      else if (row.lastTimeStep !== null && step <= row.lastTimeStep)
        result = { ok: false, reason: 'replayed' };
      else {
        row.lastTimeStep = step;
        result = { ok: true, method: 'totp', recoveryCodesLeft: row.recoveryCodes.length };
      }
    } else {
      const digest = sha256Hex(normaliseRecoveryCode(trimmed));
      if (row.recoveryCodes.includes(digest)) {
        row.recoveryCodes = row.recoveryCodes.filter((c) => c !== digest);
        result = { ok: true, method: 'recovery-code', recoveryCodesLeft: row.recoveryCodes.length };
        await this.audit.append(tx, {
          actor,
          action: 'auth.recovery-code-used',
          subjectType: 'user',
          subjectId: userId,
          data: { recoveryCodesLeft: row.recoveryCodes.length },
        });
      } else result = { ok: false, reason: 'wrong' };
    }
    if (!result.ok) {
      await this.audit.append(tx, {
        actor,
        action: 'auth.two-factor-code-refused',
        subjectType: 'user',
        subjectId: userId,
        data: { reason: result.reason },
      });
    }
    return result;
  }

  /** The time step the code belongs to, or null when it is not a code of this secret now. */
  private async totpStep(row: TwoFactor, code: string, em: EntityManager): Promise<number | null> {
    const token = code.replace(/\s/g, '');
    if (!/^[0-9]{6}$/.test(token)) return null;
    const secret = (
      await this.keys().open('profile', row.secretSealed, totpContext(row.userId), em)
    ).toString();
    const result = await verify({ strategy: 'totp', secret, token, epochTolerance: EPOCH_TOLERANCE_SECONDS });
    // TOTP results carry their time step (HOTP ones, the other half of the union, do not).
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  }
}

function mustBeUser(actor: Principal): string {
  if (actor.kind !== 'user' || !actor.userId) {
    throw new AppError('FORBIDDEN', 'Two-factor sign-in belongs to a user; sign in as the user to change it');
  }
  return actor.userId;
}
