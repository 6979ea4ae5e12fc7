import Type from 'typebox';
import type { EntryProof } from './anchors.js';
import type { AuditAnchor, AuditEntry } from './entity.js';
import { PROBLEM_KINDS } from './verify.js';

export const AuditEntryBody = Type.Object(
  {
    id: Type.String({ description: 'Insertion key: orders entries before they are chained' }),
    seq: Type.Union([Type.String(), Type.Null()], {
      description: 'Position in the hash chain, from 1; null while the entry is pending',
    }),
    pending: Type.Boolean({
      description:
        'Committed but not chained yet: the appender chains entries milliseconds after they commit',
    }),
    at: Type.String({ format: 'date-time' }),
    actor: Type.String(),
    actorName: Type.Optional(
      Type.String({ description: 'The actor as a person reads it: "Alice Reviewer (CDD reviewer)"' }),
    ),
    action: Type.String(),
    subjectType: Type.String(),
    subjectId: Type.String(),
    data: Type.Record(Type.String(), Type.Unknown()),
    prevHash: Type.Union([Type.String(), Type.Null()]),
    hash: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'AuditEntry' },
);

const Filters = Type.Object({
  action: Type.Optional(
    Type.String({ maxLength: 100, description: 'Exact action, or a prefix ending in "." (e.g. "kyc.")' }),
  ),
  actor: Type.Optional(Type.String({ maxLength: 100 })),
  subjectType: Type.Optional(Type.String({ maxLength: 50 })),
  subjectId: Type.Optional(Type.String({ maxLength: 100 })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
});

export const ListQuery = Type.Intersect([
  Filters,
  Type.Object({
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    offset: Type.Integer({ minimum: 0, default: 0 }),
  }),
]);

export const ExportQuery = Type.Intersect([
  Filters,
  Type.Object({ format: Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' }) }),
]);

export const AnchorBody = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    createdAt: Type.String({ format: 'date-time' }),
    fromSeq: Type.String(),
    toSeq: Type.String(),
    leafCount: Type.Integer(),
    version: Type.Integer({
      description:
        'Merkle rule: 2 = leaf H(0x00‖entry hash), node H(0x01‖left‖right), odd node carried up; 1 = legacy (no prefixes, odd node paired with itself)',
    }),
    root: Type.String({ description: "SHA-256 Merkle root over the entries' hashes (hex)" }),
    remark: Type.String({ description: 'The remark sent on chain' }),
    operationId: Type.String({ format: 'uuid', description: 'The chain operation carrying the remark' }),
    status: Type.Union([Type.Literal('pending'), Type.Literal('on-chain'), Type.Literal('failed')], {
      description: 'pending until the remark is final; a failed anchor is made again by the next anchor run',
    }),
    blockNumber: Type.Union([Type.Integer(), Type.Null()]),
    txHash: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'AuditAnchor' },
);

export const VerificationBody = Type.Object(
  {
    ok: Type.Boolean({ description: 'True when the hash chain and every anchor on chain agree' }),
    count: Type.Integer({ description: 'Entries in the trail (chained)' }),
    pending: Type.Integer({
      description: 'Entries committed but not chained yet, so not verified in this run',
    }),
    brokenAt: Type.Optional(Type.String({ description: 'First entry where the hash chain breaks' })),
    anchoredThrough: Type.String({
      description: 'Entries 1 to this one are covered by anchors the chain holds ("0": none)',
    }),
    unanchored: Type.Integer({ description: 'Entries after that, not yet protected by an anchor' }),
    anchors: Type.Object({ onChain: Type.Integer(), pending: Type.Integer(), failed: Type.Integer() }),
    scan: Type.Object(
      { fromBlock: Type.Integer(), toBlock: Type.Integer(), full: Type.Boolean() },
      { description: 'Blocks searched for anchors this database no longer has' },
    ),
    problems: Type.Array(
      Type.Object({
        kind: Type.Union(PROBLEM_KINDS.map((k) => Type.Literal(k))),
        message: Type.String({ description: 'What broke, in words' }),
        fromSeq: Type.Optional(Type.String()),
        toSeq: Type.Optional(Type.String()),
        block: Type.Optional(Type.Integer()),
      }),
    ),
  },
  { $id: 'AuditVerification' },
);

export const ProofBody = Type.Object({
  entry: Type.Ref('AuditEntry'),
  anchor: Type.Ref('AuditAnchor'),
  onChain: Type.Object(
    { blockNumber: Type.Integer(), txHash: Type.String() },
    { description: "Where the chain holds the anchor's remark, read from the chain for this answer" },
  ),
  version: Type.Integer({ description: 'Merkle rule of the proof (see AuditAnchor.version)' }),
  proof: Type.Array(
    Type.Object({
      hash: Type.String(),
      position: Type.Union([Type.Literal('left'), Type.Literal('right')]),
    }),
  ),
});

export function serialize(e: AuditEntry) {
  return {
    id: String(e.id),
    seq: e.seq === null ? null : String(e.seq),
    pending: e.seq === null,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    data: e.data,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

export function serializeAnchor(a: AuditAnchor) {
  return {
    id: a.id,
    createdAt: a.createdAt.toISOString(),
    fromSeq: String(a.fromSeq),
    toSeq: String(a.toSeq),
    leafCount: a.leafCount,
    version: a.version,
    root: a.root,
    remark: a.remark,
    operationId: a.operationId,
    status: a.status,
    blockNumber: a.blockNumber,
    txHash: a.txHash,
  };
}

export function serializeProof(p: EntryProof) {
  return {
    entry: serialize(p.entry),
    anchor: serializeAnchor(p.anchor),
    onChain: p.onChain,
    version: p.version,
    proof: p.proof,
  };
}
