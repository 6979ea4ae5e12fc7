import type { Schemas } from '../api/client';

export type Verification = Schemas['AuditVerification'];

export interface VerificationSummary {
  variant: 'success' | 'danger';
  title: string;
  /** What still holds, one sentence each. */
  intact: string[];
  /** What broke, one sentence each, from the server's findings. */
  broken: string[];
}

const count = (n: number) => new Intl.NumberFormat('en-US').format(n);
const entries = (n: number) => `${count(n)} ${n === 1 ? 'entry' : 'entries'}`;

/** A verify answer in words for the audit view: what is intact, what broke and where. */
export function summariseVerification(v: Verification): VerificationSummary {
  const intact: string[] = [];
  const through = Number(v.anchoredThrough);
  if (v.brokenAt === undefined) {
    intact.push(`The hash chain links all ${entries(v.count)}.`);
  }
  if (v.ok) {
    if (through > 0) {
      intact.push(
        `Entries 1–${count(through)} match the Merkle roots anchored on chain, so they cannot have been rewritten or removed.`,
      );
    }
    if (v.unanchored > 0) {
      intact.push(
        through > 0
          ? `The last ${entries(v.unanchored)} are not anchored yet: only the hash chain protects them until the next anchor.`
          : `No entry is anchored on chain yet: only the hash chain protects the trail until the first anchor.`,
      );
    }
    if (v.anchors.pending > 0) {
      intact.push(
        `${v.anchors.pending === 1 ? 'One anchor is' : `${count(v.anchors.pending)} anchors are`} waiting for the chain.`,
      );
    }
  }
  const searched = v.scan.full
    ? 'the whole chain was searched for anchors this database no longer has'
    : `blocks ${count(v.scan.fromBlock)}–${count(v.scan.toBlock)} were searched for anchors this database no longer has`;
  return {
    variant: v.ok ? 'success' : 'danger',
    title: v.ok
      ? `The audit trail is intact (${entries(v.count)}; ${searched}).`
      : `The audit trail does not verify: ${v.problems.length === 1 ? 'one problem' : `${count(v.problems.length)} problems`} found.`,
    intact,
    broken: v.problems.map((p) => p.message),
  };
}
