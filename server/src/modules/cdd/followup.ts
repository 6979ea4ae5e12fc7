import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditService } from '../audit/service.js';
import type { ChainOperation } from '../operations/entity.js';
import { Attestation, IdentityClaimRecord, InvestorIdentity } from '../identities/entity.js';
import { claimsIssuedMany } from '../notifications/events.js';
import type { PlannedClaim } from './claims.js';
import type { CddService } from './service.js';

/**
 * Reacts to the outcomes of attestation operations (a set-wise outbox hook, inside the
 * transaction that records them): a registered DID triggers the claims (its POLYX grant was
 * recorded with the registration); each claim operation updates its record; when none of an attestation's operations is left
 * open, it completes and the investor is in good standing (or it fails, recording why).
 *
 * Attestations are independent of each other, so the outcomes of many are handled together:
 * their attestations, identities and claim records read in one query each, the follow-up
 * operations recorded together, the still-open operations counted per attestation in one query.
 */
export function attestationFollowUp(cdd: CddService, audit: AuditService) {
  return async (tx: EntityManager, ops: ChainOperation[]): Promise<ChainOperation[]> => {
    // Locked, in id order: one attestation's operations may be recorded by different signers'
    // transactions at once (the operator's lanes); whichever comes second waits here and then
    // sees the first's outcomes, so "none left open" is decided once.
    const atts = await tx.find(
      Attestation,
      { id: { $in: [...new Set(ops.map((o) => o.subjectId!))] } },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
    );
    const attById = new Map(atts.map((a) => [a.id, a]));
    const identities = await tx.find(InvestorIdentity, {
      id: { $in: [...new Set(atts.map((a) => a.identityId))] },
    });
    const identityById = new Map(identities.map((i) => [i.id, i]));
    const recs = await tx.find(IdentityClaimRecord, { operationId: { $in: ops.map((o) => o.id) } });
    const recByOp = new Map(recs.map((r) => [r.operationId!, r]));
    /** Attestations that got follow-up operations in this round: not complete yet. */
    const continued = new Set<string>();
    const claimsToAdd: { att: Attestation; identity: InvestorIdentity; claims: PlannedClaim[] }[] = [];

    for (const op of ops) {
      const att = attById.get(op.subjectId!);
      if (!att) continue;
      const identity = identityById.get(att.identityId)!;
      const rec = recByOp.get(op.id);
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
        continue;
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
        const claims = (att.plan.claims ?? []) as PlannedClaim[];
        if (claims.length > 0) {
          claimsToAdd.push({ att, identity, claims });
          continued.add(att.id);
        }
      } else if (rec) {
        rec.status = op.kind === 'identity.revokeClaim' ? 'revoked' : 'active';
      }
    }

    const next = await cdd.addClaimsFor(tx, claimsToAdd);

    // Every outcome of this round is recorded already, so "open" counts only later operations.
    const candidates = atts.filter((a) => a.status === 'in-progress' && !continued.has(a.id));
    if (candidates.length > 0) {
      const rows = await tx.getConnection().execute<{ subject_id: string }[]>(
        `select distinct subject_id from chain_operation
            where subject_type = 'attestation' and subject_id = any(?::text[])
              and status not in ('finalised', 'failed')`,
        [`{${candidates.map((a) => a.id).join(',')}}`],
        'all',
        tx.getTransactionContext(),
      );
      const stillOpen = new Set(rows.map((r) => r.subject_id));
      const completed = candidates.filter((a) => !stillOpen.has(a.id));
      for (const att of completed) {
        const identity = identityById.get(att.identityId)!;
        att.status = 'completed';
        if (att.kind === 'attest') {
          identity.standing = 'good';
          identity.standingReason = null;
        }
        await audit.append(tx, {
          actor: 'system',
          action: `cdd.${att.kind}-completed`,
          subjectType: 'identity',
          subjectId: identity.id,
          data: { attestationId: att.id, did: identity.did, standing: identity.standing },
        });
      }
      await claimsIssuedMany(
        tx,
        completed
          .filter((a) => a.kind === 'attest')
          .map((a) => ({ identity: identityById.get(a.identityId)!, attestationId: a.id })),
      );
    }
    return next;
  };
}
