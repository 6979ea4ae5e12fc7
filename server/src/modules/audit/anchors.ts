import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { OperationService } from '../operations/service.js';
import { AuditAnchor, AuditEntry } from './entity.js';
import { merkleProof, merkleRoot, type ProofStep } from './merkle.js';
import type { AuditService } from './service.js';

export const ANCHOR_REMARK_PREFIX = 'stoa:audit:v1';

/**
 * Anchors the audit trail on chain: a Merkle root over every entry since the last anchor goes
 * out as a `system.remark` through the outbox, in the same transaction that records the anchor.
 */
export class AuditAnchorService {
  constructor(
    private readonly orm: MikroORM,
    private readonly audit: AuditService,
    private readonly operations: OperationService,
    private readonly signer: () => string,
  ) {}

  /** Null when no entry was written since the last anchor. */
  async anchor(requestedBy: string): Promise<AuditAnchor | null> {
    const em = this.orm.em.fork();
    const result = await em.transactional(async (tx) => {
      // One anchorer at a time, so runs never overlap.
      await tx
        .getConnection()
        .execute('select pg_advisory_xact_lock(7340212)', [], 'all', tx.getTransactionContext());
      const recent = await tx.find(AuditAnchor, {}, { orderBy: { toSeq: 'desc' }, limit: 5 });
      const last = recent[0];
      const from = last ? BigInt(last.toSeq) + 1n : 1n;
      const entries = await tx.find(AuditEntry, { seq: { $gte: String(from) } }, { orderBy: { seq: 'asc' } });
      // Anchoring writes entries of its own (the anchor, its remark's outcome): those alone are
      // no reason for another anchor, or the timer would anchor its own bookkeeping forever.
      const ownOps = new Set(recent.map((a) => a.operationId));
      const news = entries.filter(
        (e) =>
          e.subjectType !== 'audit_anchor' &&
          !(e.subjectType === 'chain_operation' && ownOps.has(e.subjectId)),
      );
      if (news.length === 0) return null;
      const anchor = new AuditAnchor();
      anchor.id = randomUUID();
      anchor.fromSeq = String(from);
      anchor.toSeq = entries[entries.length - 1]!.seq;
      anchor.leafCount = entries.length;
      anchor.root = merkleRoot(entries.map((e) => e.hash));
      anchor.remark = `${ANCHOR_REMARK_PREFIX}:${anchor.fromSeq}-${anchor.toSeq}:${anchor.root}`;
      anchor.requestedBy = requestedBy;
      const op = await this.operations.record(tx, {
        idempotencyKey: `audit-anchor:${anchor.toSeq}`,
        call: { name: 'system.remark', args: { remark: anchor.remark } },
        signer: this.signer(),
        requestedBy,
        subject: { type: 'audit_anchor', id: anchor.id },
      });
      anchor.operationId = op.id;
      tx.persist(anchor);
      await this.audit.append(tx, {
        actor: requestedBy,
        action: 'audit.anchored',
        subjectType: 'audit_anchor',
        subjectId: anchor.id,
        data: { fromSeq: anchor.fromSeq, toSeq: anchor.toSeq, root: anchor.root, operationId: op.id },
      });
      return { anchor, op };
    });
    if (!result) return null;
    await this.operations.dispatch(result.op);
    return result.anchor;
  }

  /** The anchor covering entry `seq` and the Merkle path from the entry's hash to its root. */
  async proof(seq: string): Promise<{ anchor: AuditAnchor; entry: AuditEntry; proof: ProofStep[] } | null> {
    const em = this.orm.em.fork();
    const anchor = await em.findOne(
      AuditAnchor,
      { fromSeq: { $lte: seq }, toSeq: { $gte: seq } },
      { orderBy: { toSeq: 'asc' } },
    );
    if (!anchor) return null;
    const entries = await em.find(
      AuditEntry,
      { seq: { $gte: anchor.fromSeq, $lte: anchor.toSeq } },
      { orderBy: { seq: 'asc' } },
    );
    const index = entries.findIndex((e) => e.seq === seq);
    if (index < 0) return null;
    return {
      anchor,
      entry: entries[index]!,
      proof: merkleProof(
        entries.map((e) => e.hash),
        index,
      ),
    };
  }
}
