import { remarkHash } from '@stoa/chain';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ChainOperation } from '../operations/entity.js';
import { AuditAnchor, AuditEntry, isChained, type ChainedEntry } from './entity.js';
import { MerkleAccumulator } from './merkle.js';
import type { AnchorChain } from './onchain.js';
import { entriesInWords, parseAnchorRemark, type AnchorClaim } from './remark.js';
import { ChainCursor } from './service.js';

export const PROBLEM_KINDS = [
  'entry-altered',
  'entries-missing',
  'root-mismatch',
  'anchor-not-on-chain',
  'anchor-missing',
  'coverage-gap',
] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface Problem {
  kind: ProblemKind;
  /** What broke, in words an auditor reads. */
  message: string;
  fromSeq?: string;
  toSeq?: string;
  block?: number;
}

export interface Verification {
  ok: boolean;
  /** Entries in the trail (chained). */
  count: number;
  /** Entries committed but not chained yet (the appender lags commits by milliseconds). */
  pending: number;
  /** The first entry where the hash chain breaks. */
  brokenAt?: string;
  /** Entries 1..anchoredThrough are covered by anchors the chain holds ("0" when none). */
  anchoredThrough: string;
  /** Entries after that: protected by the hash chain only until the next anchor. */
  unanchored: number;
  anchors: { onChain: number; pending: number; failed: number };
  /** The blocks searched for anchors the database no longer knows about. */
  scan: { fromBlock: number; toBlock: number; full: boolean };
  problems: Problem[];
}

interface Proven extends AnchorClaim {
  block: number;
}

export interface VerifierOptions {
  /** Entries read per query (keyset pagination on `seq`): memory is bounded by this, not the trail. */
  chunkSize?: number;
  /** Called with each chunk's row count (tests check the bound). */
  onChunk?: (rows: number) => void;
}

/** An anchored range being re-hashed while the entries stream past. */
interface RangeCheck extends Proven {
  acc: MerkleAccumulator;
  /** Where its finding goes in the problem list, so the order reads as before. */
  slot: number;
}

/**
 * Verifies the trail against itself and against the chain. The hash chain catches an edited or
 * removed row; the anchors catch what the hash chain cannot — a rewrite with every later hash
 * recomputed, deleted tail rows, truncation — because their roots are on chain, where a database
 * writer cannot reach. Each anchor is read back from the chain and its range re-hashed; the blocks
 * since the last anchor (or all of them, `full`) are searched for platform remarks that no anchor
 * accounts for, so deleting anchor rows along with entries is caught too.
 *
 * Entries are read in chunks of `chunkSize` by keyset pagination and never held together: the run
 * keeps the running hash, and per anchored range a Merkle accumulator (O(log n) nodes). Rows the
 * appender has not chained yet are not part of the trail verified; `pending` counts them.
 */
export class AuditVerifier {
  private readonly chunkSize: number;

  constructor(
    private readonly orm: MikroORM,
    private readonly chain: AnchorChain,
    private readonly opts: VerifierOptions = {},
  ) {
    this.chunkSize = opts.chunkSize ?? 1000;
  }

  async verify(opts: { full?: boolean } = {}): Promise<Verification> {
    // Chain height first, then anchors, then entries: everything a later read sees was recorded
    // before, so a run racing a new anchor never mistakes it for a deleted one.
    const head = await this.chain.finalizedHeight();
    const em = this.orm.em.fork();
    const anchors = await em.find(AuditAnchor, {}, { orderBy: { createdAt: 'asc' } });
    const remarkOps = await em.find(ChainOperation, { kind: 'system.remark' });
    const ops = new Map(remarkOps.map((o) => [o.id, o]));

    // Findings in the order they are reported; a range's finding is known only once its entries
    // have streamed past, so it holds a slot until then. Slot 0: the hash chain's break.
    const slots: (Problem | null)[] = [null];
    const proven: Proven[] = [];
    const ranges: RangeCheck[] = [];
    const provenRemarks = new Set<string>();
    const checkRange = (claim: AnchorClaim, block: number) => {
      proven.push({ ...claim, block });
      ranges.push({ ...claim, block, acc: new MerkleAccumulator(claim.version), slot: slots.length });
      slots.push(null);
    };

    for (const a of anchors.filter((x) => x.status === 'on-chain')) {
      const confirmed = await this.chain.confirm(a.remark, ops.get(a.operationId));
      const claim = parseAnchorRemark(a.remark);
      const words = entriesInWords(BigInt(a.fromSeq), BigInt(a.toSeq));
      if (!confirmed.ok || !claim) {
        slots.push({
          kind: 'anchor-not-on-chain',
          message: `The anchor of ${words} is recorded as on chain, but ${confirmed.ok ? 'its remark is not an audit anchor' : confirmed.reason}.`,
          fromSeq: a.fromSeq,
          toSeq: a.toSeq,
        });
        continue;
      }
      provenRemarks.add(remarkHash(a.remark));
      checkRange(claim, confirmed.blockNumber);
    }

    // Search from the last anchor of the unbroken run from entry 1: anything after a gap may be
    // the chain's record of what was deleted, so it is searched too.
    const full = opts.full ?? false;
    let fromBlock = 0;
    let run = 0n;
    for (const p of byFirstEntry(proven)) {
      if (p.fromSeq > run + 1n) break;
      if (p.toSeq > run) run = p.toSeq;
      fromBlock = Math.max(fromBlock, p.block);
    }
    if (full) fromBlock = 0;
    const known = new Map<string, string>();
    for (const text of [...anchors.map((a) => a.remark), ...remarkOps.map(remarkText)]) {
      if (text !== null) known.set(remarkHash(text), text);
    }
    for (const r of await this.chain.platformRemarks(fromBlock, head)) {
      if (provenRemarks.has(r.hash)) continue;
      const text = known.get(r.hash);
      if (text === undefined) {
        slots.push({
          kind: 'anchor-missing',
          message: `The platform's account sent a remark in block ${r.block} that this database has no record of: an anchor or its operation was deleted.`,
          block: r.block,
        });
        continue;
      }
      const claim = parseAnchorRemark(text);
      if (!claim) continue;
      provenRemarks.add(r.hash);
      if (!anchors.some((a) => a.remark === text)) {
        slots.push({
          kind: 'anchor-missing',
          message: `The chain holds an anchor of ${entriesInWords(claim.fromSeq, claim.toSeq)} (block ${r.block}) that this database no longer has: its record was deleted.`,
          fromSeq: String(claim.fromSeq),
          toSeq: String(claim.toSeq),
          block: r.block,
        });
      }
      // On chain whatever the row says (its outcome may not be recorded yet): its range must hold.
      checkRange(claim, r.block);
    }

    let through = 0n;
    for (const p of byFirstEntry(proven)) {
      if (p.fromSeq > through + 1n) {
        const failed = anchors.some(
          (a) =>
            a.status === 'failed' && BigInt(a.fromSeq) <= through + 1n && BigInt(a.toSeq) >= p.fromSeq - 1n,
        );
        slots.push({
          kind: 'coverage-gap',
          message: `No anchor on chain covers ${entriesInWords(through + 1n, p.fromSeq - 1n)}, which lie between anchored ranges: ${failed ? 'their anchor failed and has not been made again (anchor the trail to fix it)' : 'an anchor record was deleted'}.`,
          fromSeq: String(through + 1n),
          toSeq: String(p.fromSeq - 1n),
        });
      }
      if (p.toSeq > through) through = p.toSeq;
    }

    // The entries, streamed: the hash chain, and each anchored range's leaves recomputed from the
    // rows' content (an anchor vouches for what rows say, not for the hash column beside them).
    const cursor = new ChainCursor();
    const waiting = byFirstEntry(ranges) as RangeCheck[];
    let next = 0;
    let active: RangeCheck[] = [];
    let count = 0;
    let unanchored = 0;
    let lastSeq = 0n;
    let after: string | null = null;
    for (;;) {
      const chunk: ChainedEntry[] = (
        await this.orm.em
          .fork()
          .find(AuditEntry, after === null ? { seq: { $ne: null } } : { seq: { $gt: after } }, {
            orderBy: { seq: 'asc' },
            limit: this.chunkSize,
          })
      ).filter(isChained);
      this.opts.onChunk?.(chunk.length);
      for (const row of chunk) {
        const seq = BigInt(row.seq);
        const leaf = cursor.next(row);
        count += 1;
        lastSeq = seq;
        if (seq > through) unanchored += 1;
        while (next < waiting.length && waiting[next]!.fromSeq <= seq) active.push(waiting[next++]!);
        // Ranges this row is past are complete: their findings are settled and their state dropped.
        if (active.some((r) => r.toSeq < seq)) {
          active.filter((r) => r.toSeq < seq).forEach(settle);
          active = active.filter((r) => r.toSeq >= seq);
        }
        for (const r of active) r.acc.push(leaf);
      }
      if (chunk.length < this.chunkSize) break;
      after = chunk[chunk.length - 1]!.seq;
    }
    for (const r of [...active, ...waiting.slice(next)]) settle(r);
    const pending = await em.count(AuditEntry, { seq: null });

    function settle(r: RangeCheck): void {
      const words = entriesInWords(r.fromSeq, r.toSeq);
      const where = { fromSeq: String(r.fromSeq), toSeq: String(r.toSeq), block: r.block };
      const absent = Number(r.toSeq - r.fromSeq + 1n) - r.acc.count;
      if (absent > 0) {
        const tail =
          count === 0
            ? `The trail is empty, but the anchor in block ${r.block} covers ${words}: they were deleted.`
            : `The trail ends at entry ${lastSeq}, but the anchor in block ${r.block} covers ${words}: the last entries were deleted.`;
        slots[r.slot] = {
          kind: 'entries-missing',
          message:
            lastSeq < r.toSeq
              ? tail
              : `The anchor in block ${r.block} covers ${words}, but ${absent} of them are gone from the trail.`,
          ...where,
        };
      } else if (r.acc.root() !== r.root) {
        slots[r.slot] = {
          kind: 'root-mismatch',
          message: `The anchor in block ${r.block} no longer matches ${words}: at least one of them was rewritten.`,
          ...where,
        };
      }
    }

    const broken = cursor.broken;
    if (broken?.cause === 'missing') {
      const from = BigInt(broken.expected!);
      const to = BigInt(broken.seq) - 1n;
      slots[0] = {
        kind: 'entries-missing',
        message: `The trail ${from === 1n ? 'starts at' : `skips from entry ${from - 1n} to`} entry ${broken.seq}: ${entriesInWords(from, to)} ${from === to ? 'was' : 'were'} removed.`,
        fromSeq: broken.expected,
        toSeq: String(to),
      };
    } else if (broken) {
      slots[0] = {
        kind: 'entry-altered',
        message: `Entry ${broken.seq} does not match its hash: it, or the entry before it, was changed after it was written.`,
        fromSeq: broken.seq,
      };
    }

    const problems = slots.filter((p): p is Problem => p !== null);
    const countOf = (st: AuditAnchor['status']) => anchors.filter((a) => a.status === st).length;
    return {
      ok: problems.length === 0,
      count,
      pending,
      ...(broken && { brokenAt: broken.seq }),
      anchoredThrough: String(through),
      unanchored,
      anchors: { onChain: countOf('on-chain'), pending: countOf('pending'), failed: countOf('failed') },
      scan: { fromBlock, toBlock: head, full },
      problems,
    };
  }
}

const byFirstEntry = <T extends Proven>(ps: readonly T[]): T[] =>
  [...ps].sort((x, y) => (x.fromSeq < y.fromSeq ? -1 : x.fromSeq > y.fromSeq ? 1 : 0));

function remarkText(op: ChainOperation): string | null {
  const remark = (op.call.args as { remark?: unknown }).remark;
  return typeof remark === 'string' ? remark : null;
}
