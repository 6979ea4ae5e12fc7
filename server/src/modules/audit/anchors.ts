import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AppError } from '../../errors.js';
import { ChainOperation } from '../operations/entity.js';
import type { OperationService } from '../operations/service.js';
import type { AuditChainer } from './chainer.js';
import { AuditAnchor, AuditEntry, isChained, type ChainedEntry } from './entity.js';
import {
  MERKLE_VERSION,
  MerkleAccumulator,
  merkleProof,
  merkleRoot,
  type MerkleVersion,
  type ProofStep,
} from './merkle.js';
import type { AnchorChain, OnChain } from './onchain.js';
import { anchorRemark, entriesInWords, parseAnchorRemark } from './remark.js';
import { ChainCursor, GENESIS_HASH, type AuditService } from './service.js';

/** Entries read per query while an anchor's range is checked and hashed. */
const ANCHOR_CHUNK = 1000;
import type { AuditVerifier } from './verify.js';

export interface EntryProof {
  entry: ChainedEntry;
  anchor: AuditAnchor;
  /** Where the chain holds the anchor's remark, as the chain reported it just now. */
  onChain: OnChain;
  version: MerkleVersion;
  proof: ProofStep[];
}

/**
 * Anchors the audit trail on chain: a Merkle root over a run of entries goes out as a
 * `system.remark` through the outbox, in the same transaction that records the anchor. One
 * anchor is in flight at a time; a remark that fails marks its anchor `failed`, and the next
 * run anchors that range again before anything newer, so anchored ranges tile the trail.
 */
export class AuditAnchorService {
  constructor(
    private readonly orm: MikroORM,
    private readonly audit: AuditService,
    private readonly operations: OperationService,
    private readonly chain: AnchorChain,
    private readonly verifier: AuditVerifier,
    private readonly signer: () => string,
    /** Run before anchoring, so the range covers every entry committed before the request. */
    private readonly chainer?: AuditChainer,
  ) {
    operations.onFinal('audit_anchor', (tx, op) => this.recordOutcome(tx, op));
  }

  /** Null when nothing needs anchoring: no gap to fill and no entry since the last anchor. */
  async anchor(requestedBy: string): Promise<AuditAnchor | null> {
    await this.chainer?.chainNow();
    // Verified first, outside the transaction (it reads the chain): anchoring over deleted or
    // rewritten anchors would put the rewrite on chain as the record, after the genuine remarks,
    // where a search from the last anchor no longer sees them. Gaps are what anchoring fills.
    const check = await this.verifier.verify();
    const problem = check.problems.find((p) => p.kind !== 'coverage-gap');
    if (problem) {
      throw new AppError(
        'CONFLICT',
        `The audit trail does not verify, so it is not anchored: ${problem.message} See GET /audit/verify`,
      );
    }
    const em = this.orm.em.fork();
    const result = await em.transactional(async (tx) => {
      // One anchorer at a time, so runs never overlap.
      await tx
        .getConnection()
        .execute('select pg_advisory_xact_lock(7340212)', [], 'all', tx.getTransactionContext());
      const waiting = await tx.findOne(AuditAnchor, { status: 'pending' });
      if (waiting) {
        throw new AppError(
          'CONFLICT',
          `The anchor of ${entriesInWords(BigInt(waiting.fromSeq), BigInt(waiting.toSeq))} is still waiting for the chain; anchor again once its remark is final`,
        );
      }
      const range = await this.nextRange(tx);
      if (!range) return null;
      // Anchoring a damaged trail would put the damage on chain as if it were the record.
      const damaged = (seq: bigint | string) =>
        new AppError(
          'CONFLICT',
          `The audit trail is damaged at entry ${seq}, so it cannot be anchored; run GET /audit/verify`,
        );
      const before = range.from > 1n ? await tx.findOne(AuditEntry, { seq: String(range.from - 1n) }) : null;
      if (range.from > 1n && !before) throw damaged(range.from - 1n);
      // Streamed a chunk at a time: the chain checked and the root built without holding the range.
      const cursor = new ChainCursor(before?.hash ?? GENESIS_HASH, range.from);
      const root = new MerkleAccumulator(MERKLE_VERSION);
      let lastSeq = '';
      for (let after = range.from - 1n; ;) {
        const chunk = (
          await tx.find(
            AuditEntry,
            { seq: { $gt: String(after), $lte: String(range.to) } },
            { orderBy: { seq: 'asc' }, limit: ANCHOR_CHUNK, disableIdentityMap: true },
          )
        ).filter(isChained);
        for (const row of chunk) {
          cursor.next(row);
          if (cursor.broken) throw damaged(cursor.broken.expected ?? cursor.broken.seq);
          root.push(row.hash);
          lastSeq = row.seq;
        }
        if (chunk.length < ANCHOR_CHUNK) break;
        after = BigInt(lastSeq);
      }
      if (root.count === 0 || (range.reanchor && BigInt(root.count) !== range.to - range.from + 1n)) {
        throw damaged(range.from + BigInt(root.count));
      }
      const anchor = new AuditAnchor();
      anchor.id = randomUUID();
      anchor.fromSeq = String(range.from);
      anchor.toSeq = lastSeq;
      anchor.leafCount = root.count;
      anchor.version = MERKLE_VERSION;
      anchor.root = root.root();
      anchor.remark = anchorRemark({
        version: anchor.version,
        fromSeq: range.from,
        toSeq: BigInt(anchor.toSeq),
        root: anchor.root,
      });
      anchor.requestedBy = requestedBy;
      const op = await this.operations.record(tx, {
        idempotencyKey: `audit-anchor:${anchor.id}`,
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
        data: {
          fromSeq: anchor.fromSeq,
          toSeq: anchor.toSeq,
          root: anchor.root,
          version: anchor.version,
          operationId: op.id,
          reanchor: range.reanchor,
        },
      });
      return { anchor, op };
    });
    if (!result) return null;
    await this.operations.dispatch(result.op);
    return result.anchor;
  }

  /**
   * The entry's Merkle path in the anchor that covers it — only an anchor the chain holds right
   * now, over entries that still hash to its root: a proof is never served as on chain otherwise.
   */
  async proof(seq: string): Promise<EntryProof> {
    const em = this.orm.em.fork();
    const anchor = await em.findOne(
      AuditAnchor,
      { status: 'on-chain', fromSeq: { $lte: seq }, toSeq: { $gte: seq } },
      { orderBy: { createdAt: 'desc' } },
    );
    if (!anchor) {
      const waiting = await em.findOne(AuditAnchor, {
        status: 'pending',
        fromSeq: { $lte: seq },
        toSeq: { $gte: seq },
      });
      if (waiting) {
        throw new AppError(
          'CONFLICT',
          `Entry ${seq} is in an anchor still waiting for the chain; ask again once its remark is final`,
        );
      }
      throw new AppError(
        'NOT_FOUND',
        `Audit entry ${seq} does not exist or is not anchored yet; anchor with POST /audit/anchors`,
      );
    }
    const op = await em.findOne(ChainOperation, { id: anchor.operationId });
    const onChain = await this.chain.confirm(anchor.remark, op ?? undefined);
    const claim = parseAnchorRemark(anchor.remark);
    const mismatch = (why: string) =>
      new AppError('CONFLICT', `The anchor covering entry ${seq} ${why}; run GET /audit/verify`);
    if (!onChain.ok) throw mismatch(`is not on chain as recorded: ${onChain.reason}`);
    if (!claim) throw mismatch('carries a remark that is not an audit anchor');
    // The range's hashes only (a proof needs every leaf), and the one entry asked about.
    const leaves = await em
      .getConnection()
      .execute<{ hash: string | null }[]>(
        'select hash from audit_entry where seq between ? and ? order by seq',
        [String(claim.fromSeq), String(claim.toSeq)],
      );
    const hashes = leaves.flatMap((l) => (l.hash === null ? [] : [l.hash]));
    const complete = BigInt(hashes.length) === claim.toSeq - claim.fromSeq + 1n;
    if (!complete || merkleRoot(hashes, claim.version) !== claim.root) {
      throw mismatch(`no longer matches its entries (block ${onChain.blockNumber})`);
    }
    const index = Number(BigInt(seq) - claim.fromSeq);
    const entry = await em.findOne(AuditEntry, { seq });
    if (!entry || !isChained(entry) || entry.hash !== hashes[index]) {
      throw mismatch(`no longer matches its entries (block ${onChain.blockNumber})`);
    }
    return {
      entry,
      anchor,
      onChain: { blockNumber: onChain.blockNumber, txHash: onChain.txHash },
      version: claim.version,
      proof: merkleProof(hashes, index, claim.version),
    };
  }

  /**
   * The first run of entries no live anchor covers: a gap left by a failed anchor (anchored again
   * as it was), else everything after the last anchor — unless all of that is the anchorer's own
   * bookkeeping (its entries and its remarks' outcomes), or the timer would anchor itself forever.
   */
  private async nextRange(
    tx: EntityManager,
  ): Promise<{ from: bigint; to: bigint; reanchor: boolean } | null> {
    const live = await tx.find(AuditAnchor, { status: 'on-chain' }, { orderBy: { fromSeq: 'asc' } });
    let from = 1n;
    for (const a of live) {
      if (BigInt(a.fromSeq) > from) return { from, to: BigInt(a.fromSeq) - 1n, reanchor: true };
      if (BigInt(a.toSeq) >= from) from = BigInt(a.toSeq) + 1n;
    }
    // Only chained rows have a position: rows still waiting for the appender join the next anchor.
    // The range ends at the head as it is now, whatever the appender chains while this runs.
    const [head] = await tx
      .getConnection()
      .execute<{ seq: string | null }[]>(
        'select max(seq)::text as seq from audit_entry',
        [],
        'all',
        tx.getTransactionContext(),
      );
    if (!head?.seq || BigInt(head.seq) < from) return null;
    const to = BigInt(head.seq);
    const recent = await tx.find(AuditAnchor, {}, { orderBy: { createdAt: 'desc' }, limit: 5 });
    const ownOps = recent.map((a) => a.operationId);
    const news = await tx.findOne(
      AuditEntry,
      {
        seq: { $gte: String(from), $lte: String(to) },
        subjectType: { $ne: 'audit_anchor' },
        $not: { subjectType: 'chain_operation', subjectId: { $in: ownOps } },
      },
      { disableIdentityMap: true },
    );
    return news ? { from, to, reanchor: false } : null;
  }

  /** The outbox's final hook for anchor remarks, inside the transaction recording the outcome. */
  private async recordOutcome(tx: EntityManager, op: ChainOperation): Promise<void> {
    const anchor = await tx.findOne(AuditAnchor, { id: op.subjectId! });
    if (!anchor || anchor.status !== 'pending') return;
    if (op.status === 'finalised') {
      anchor.status = 'on-chain';
      anchor.blockNumber = op.receipt?.blockNumber ?? null;
      anchor.txHash = op.receipt?.txHash ?? null;
      return;
    }
    anchor.status = 'failed';
    await this.audit.append(tx, {
      actor: 'system',
      action: 'audit.anchor-failed',
      subjectType: 'audit_anchor',
      subjectId: anchor.id,
      data: { fromSeq: anchor.fromSeq, toSeq: anchor.toSeq, operationId: op.id, errorCode: op.errorCode },
    });
  }
}
