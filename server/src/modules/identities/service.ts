import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Ledger, SignerKey } from '@stoa/chain';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../../errors.js';
import type { JobQueue } from '../../jobs/queue.js';
import type { AuditService } from '../audit/service.js';
import type { KeyRing } from '../keys/keyring.js';
import { claimExpiring, standingLost } from '../notifications/events.js';
import { IdentityClaimRecord, InvestorIdentity } from './entity.js';

export const EXPIRY_SCAN_JOB = 'identities.expiry-scan';
const DAY = 86_400_000;

export interface ScanResult {
  notified: number;
  expired: number;
  lapsedIdentities: number;
}

/** Identities: the account ↔ DID ↔ investor mapping, standing, claim expiry, custodial keys. */
export class IdentityService {
  constructor(
    private readonly orm: MikroORM,
    private readonly audit: AuditService,
    private readonly ledger: Ledger,
    private readonly queue: JobQueue,
    private readonly keys: KeyRing,
    private readonly noticeDays: number,
    private readonly log: FastifyBaseLogger,
  ) {
    queue.register<{ at: string }>(EXPIRY_SCAN_JOB, async (d) => void (await this.scan(new Date(d.at))), {
      attempts: 3,
      backoffMs: 5000,
      concurrency: 1,
    });
  }

  /** Queues one scan per time bucket: repeated triggers within the bucket do not pile up. */
  async scheduleScan(now = new Date(), bucketMs = 3600_000): Promise<void> {
    const bucket = Math.floor(now.getTime() / bucketMs);
    await this.queue.enqueue(EXPIRY_SCAN_JOB, { at: now.toISOString() }, { jobId: `expiry-scan-${bucket}` });
  }

  /**
   * Claims expiring within the notice period → one notification each (never repeated);
   * claims past their expiry → expired, and their investors → not in good standing.
   */
  async scan(now: Date): Promise<ScanResult> {
    const horizon = new Date(now.getTime() + this.noticeDays * DAY);
    const result: ScanResult = { notified: 0, expired: 0, lapsedIdentities: 0 };
    await this.orm.em.fork().transactional(async (tx) => {
      const due = await tx.find(IdentityClaimRecord, { status: 'active', expiresAt: { $lte: horizon } });
      const lapsed = new Map<string, string[]>();
      for (const rec of due) {
        const identity = await tx.findOneOrFail(InvestorIdentity, { id: rec.identityId });
        if (rec.expiresAt! <= now) {
          rec.status = 'expired';
          result.expired++;
          lapsed.set(identity.id, [...(lapsed.get(identity.id) ?? []), rec.claimKey]);
          await this.audit.append(tx, {
            actor: 'system',
            action: 'claim.expired',
            subjectType: 'identity',
            subjectId: identity.id,
            data: { claimKey: rec.claimKey, expiresAt: rec.expiresAt!.toISOString(), did: identity.did },
          });
        } else if (!rec.notifiedAt) {
          rec.notifiedAt = now;
          result.notified++;
          const n = await claimExpiring(tx, identity, rec);
          await this.audit.append(tx, {
            actor: 'system',
            action: 'claim.expiring-notified',
            subjectType: 'identity',
            subjectId: identity.id,
            data: {
              claimKey: rec.claimKey,
              expiresAt: rec.expiresAt!.toISOString(),
              notificationId: n?.id ?? null,
            },
          });
        }
      }
      for (const [identityId, keys] of lapsed) {
        const identity = await tx.findOneOrFail(InvestorIdentity, { id: identityId });
        if (identity.standing !== 'good') continue;
        identity.standing = 'not-in-good-standing';
        identity.standingReason = `Claims expired: ${keys.join(', ')}`;
        result.lapsedIdentities++;
        await standingLost(tx, identity, now, keys);
        await this.audit.append(tx, {
          actor: 'system',
          action: 'identity.standing-changed',
          subjectType: 'identity',
          subjectId: identity.id,
          data: { from: 'good', to: identity.standing, reason: identity.standingReason },
        });
      }
    });
    if (result.expired || result.notified) this.log.info(result, 'claim expiry scan');
    return result;
  }

  /**
   * The account the platform signs with for a custodial investor. Nothing is unlocked here:
   * the outbox loads the key when it submits (`custodialKey`), whichever process does it.
   * Inside a transaction pass its `em`: a second connection would wait on it (PGlite).
   */
  async custodialSigner(identityId: string, em: EntityManager = this.orm.em.fork()): Promise<string> {
    const identity = await em.findOne(InvestorIdentity, { id: identityId });
    if (!identity) throw AppError.notFound('Identity', identityId);
    if (!identity.custodial) {
      throw new AppError(
        'RULE_VIOLATION',
        'This investor holds their own key; the platform cannot sign for them',
      );
    }
    return identity.account;
  }

  /** The key source of custodial accounts for the outbox: the sealed mnemonic, opened. */
  async custodialKey(address: string): Promise<SignerKey | null> {
    const identity = await this.orm.em
      .fork()
      .findOne(InvestorIdentity, { account: address, custodial: true }, { populate: ['keySealed'] });
    if (!identity?.keySealed) return null;
    return { mnemonic: await this.keys.openMnemonic(identity) };
  }
}
