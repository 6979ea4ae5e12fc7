import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditService } from '../audit/service.js';
import { ChainOperation } from '../operations/entity.js';
import { Attestation, IdentityClaimRecord, InvestorIdentity } from '../identities/entity.js';
import { claimsIssued } from '../notifications/events.js';
import type { PlannedClaim } from './claims.js';
import type { CddService } from './service.js';

/**
 * Reacts to the outcome of each attestation operation (an outbox `onFinal` hook, inside the
 * transaction that records the outcome): a registered DID triggers the claims (its POLYX grant
 * was recorded with the registration); each claim operation updates its record; when none is left open, the attestation
 * completes and the investor is in good standing (or fails, recording why).
 */
export function attestationFollowUp(cdd: CddService, audit: AuditService) {
  return async (tx: EntityManager, op: ChainOperation): Promise<ChainOperation[]> => {
    const att = await tx.findOne(Attestation, { id: op.subjectId! });
    if (!att) return [];
    const identity = await tx.findOneOrFail(InvestorIdentity, { id: att.identityId });
    const rec = await tx.findOne(IdentityClaimRecord, { operationId: op.id });
    const next: ChainOperation[] = [];

    if (op.status === 'failed') {
      if (rec) rec.status = rec.status === 'revoking' ? 'active' : 'failed';
      att.status = 'failed';
      att.error = `${op.kind}: ${op.errorCode ?? 'failed'} — ${op.errorMessage ?? ''}`.slice(0, 2000);
      await audit.append(tx, {
        actor: 'system',
        action: `cdd.${att.kind}-failed`,
        subjectType: 'identity',
        subjectId: identity.id,
        data: { attestationId: att.id, operationId: op.id, kind: op.kind, errorCode: op.errorCode },
      });
      return [];
    }

    if (op.kind === 'identity.cddRegisterDid') {
      identity.did = (op.result as { did: string }).did;
      if (rec) rec.status = 'active';
      await audit.append(tx, {
        actor: 'system',
        action: 'identity.registered',
        subjectType: 'identity',
        subjectId: identity.id,
        data: { did: identity.did, account: identity.account, userId: identity.userId },
      });
      next.push(...(await cdd.addClaims(tx, att, identity, (att.plan.claims ?? []) as PlannedClaim[])));
    } else if (rec) {
      rec.status = op.kind === 'identity.revokeClaim' ? 'revoked' : 'active';
    }

    if (att.status === 'in-progress' && next.length === 0) {
      const open = await tx.count(ChainOperation, {
        subjectType: 'attestation',
        subjectId: att.id,
        id: { $ne: op.id },
        status: { $nin: ['finalised', 'failed'] },
      });
      if (open === 0) {
        att.status = 'completed';
        if (att.kind === 'attest') {
          identity.standing = 'good';
          identity.standingReason = null;
        }
        if (att.kind === 'attest') await claimsIssued(tx, identity, att.id);
        await audit.append(tx, {
          actor: 'system',
          action: `cdd.${att.kind}-completed`,
          subjectType: 'identity',
          subjectId: identity.id,
          data: { attestationId: att.id, did: identity.did, standing: identity.standing },
        });
      }
    }
    return next;
  };
}
