import type { Claim, Condition, Did, IdentityClaim, Ledger, TrustedClaimIssuer } from '@stoa/chain';
import type { CompiledRules } from './compiler.js';
import { conditionReason, thirdPerson } from './reasons.js';

/** A current holder who would fail the new rules as a receiver, with why, in words. */
export interface OutOfCompliance {
  did: Did;
  name: string;
  balance: string;
  reasons: string[];
}

const sameScope = (a: Claim, b: Claim) =>
  JSON.stringify('scope' in a ? (a.scope ?? null) : null) ===
  JSON.stringify('scope' in b ? (b.scope ?? null) : null);

function claimMatches(wanted: Claim, held: Claim): boolean {
  if (wanted.type !== held.type) return false;
  // A CDD condition with the default id is met by any CDD claim (POLYMESH.md).
  if (wanted.type === 'CustomerDueDiligence') return true;
  if (wanted.type === 'Jurisdiction' && held.type === 'Jurisdiction' && wanted.code !== held.code)
    return false;
  if (
    wanted.type === 'Custom' &&
    held.type === 'Custom' &&
    wanted.customClaimTypeId !== held.customClaimTypeId
  )
    return false;
  return sameScope(wanted, held);
}

/** Whether a trusted issuer holds an unexpired claim equal to `wanted` on the identity. */
function found(
  wanted: Claim,
  claims: readonly IdentityClaim[],
  trusted: readonly TrustedClaimIssuer[],
  now: number,
) {
  return claims.some(
    (c) =>
      (c.expiry === null || Date.parse(c.expiry) > now) &&
      trusted.some(
        (t) => t.identity === c.issuer && (t.trustedFor === null || t.trustedFor.includes(wanted.type)),
      ) &&
      claimMatches(wanted, c.claim),
  );
}

/** A condition as it applies to a holder taking the receiver's place; sender conditions pass. */
function holds(
  c: Condition,
  did: Did,
  claims: readonly IdentityClaim[],
  trusted: readonly TrustedClaimIssuer[],
  now: number,
): boolean {
  if (c.target === 'Sender') return true;
  const issuers = c.trustedClaimIssuers?.length ? c.trustedClaimIssuers : trusted;
  switch (c.type) {
    case 'IsPresent':
      return found(c.claim, claims, issuers, now);
    case 'IsAbsent':
      return !found(c.claim, claims, issuers, now);
    case 'IsAnyOf':
      return c.claims.some((x) => found(x, claims, issuers, now));
    case 'IsNoneOf':
      return !c.claims.some((x) => found(x, claims, issuers, now));
    case 'IsIdentity':
      return c.identity === did;
    case 'IsExternalAgent':
      return false;
  }
}

/**
 * The current holders (the issuer aside) whom `rules` would no longer let receive the asset, as
 * the chain will judge them: a holder complies when some requirement has every receiver-side
 * condition met by their claims now. Each failing holder gets the reasons of the requirement
 * that applies to them, in words ("Bob Buyer is not accredited …").
 */
export async function holdersOutOfCompliance(
  ledger: Ledger,
  rules: CompiledRules,
  holders: readonly { did: Did; name: string; balance: string }[],
): Promise<OutOfCompliance[]> {
  if (rules.requirements.length === 0) return [];
  const now = Date.parse((await ledger.info()).time);
  const out: OutOfCompliance[] = [];
  for (const h of holders) {
    const claims = await ledger.claims(h.did);
    const failing = rules.requirements.map((r) =>
      r.conditions.filter((c) => !holds(c, h.did, claims, rules.trustedIssuers, now)),
    );
    if (failing.some((f) => f.length === 0)) continue;
    // The requirement that fails by the fewest conditions is the one meant for this holder.
    const closest = failing.reduce((a, b) => (b.length < a.length ? b : a));
    const parties = { sender: thirdPerson('the issuer'), receiver: thirdPerson(h.name) };
    out.push({
      did: h.did,
      name: h.name,
      balance: h.balance,
      reasons: [...new Set(closest.map((c) => conditionReason(c, parties)))],
    });
  }
  return out;
}
