/*
 * The chain state preparers read (dispatch/types.ts `ChainReads`), from storage: what the
 * signer's key is linked to, its authorizations, an instruction's legs, an asset's document
 * ids, the next asset id, whether a claim exists, and the chain's time.
 */
import type { ApiPromise } from '@polkadot/api';
import type { Polymesh } from '@polymeshassociation/polymesh-sdk';
import type { Address, Did } from '../../ledger.js';
import type { AuthorizationType, Claim } from '../../types.js';
import type { ChainReads, FoundAuthorization } from '../dispatch/types.js';
import { toChainScope } from '../mappers/claims.js';
import { toJson, type Json } from '../mappers/json.js';
import { fromChainLeg } from '../mappers/settlement.js';
import { assetIdToHex } from '../mappers/values.js';
import { toPortAddress } from '../blocks.js';

function rec(json: Json | undefined): Record<string, Json> {
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? json : {};
}

const PORT_AUTHORIZATIONS: readonly AuthorizationType[] = [
  'JoinIdentity',
  'BecomeAgent',
  'PortfolioCustody',
  'TransferAssetOwnership',
];

/** A sanitised `Authorization { authorization_data, authorized_by, expiry, auth_id, count }` → what preparers need. */
export function foundAuthorization(
  id: number,
  target: FoundAuthorization['target'],
  json: Json,
): FoundAuthorization | null {
  const a = rec(json);
  if (a.authorizationData === undefined) return null;
  const data = a.authorizationData;
  const variant = typeof data === 'string' ? data : Object.keys(rec(data))[0];
  const type = PORT_AUTHORIZATIONS.find((t) => t === variant) ?? 'Other';
  const expiry =
    a.expiry === null || a.expiry === undefined ? null : new Date(Number(a.expiry)).toISOString();
  const authorizedBy = typeof a.authorizedBy === 'string' ? a.authorizedBy : null;
  return { id, target, type, expiry, authorizedBy };
}

/** The claim's storage keys: `Claim1stKey { target, claim_type }`, `Claim2ndKey { issuer, scope }`. */
export function claimKeys(
  target: Did,
  issuer: Did,
  claim: Claim,
): [
  { target: Did; claimType: string | { Custom: number } },
  { issuer: Did; scope: ReturnType<typeof toChainScope> | null },
] {
  const claimType = claim.type === 'Custom' ? { Custom: claim.customClaimTypeId } : claim.type;
  const scope =
    claim.type === 'CustomerDueDiligence'
      ? null
      : claim.scope === undefined
        ? null
        : toChainScope(claim.scope);
  return [
    { target, claimType },
    { issuer, scope },
  ];
}

export function chainReads(sdk: Polymesh, api: ApiPromise, signer: Address): ChainReads {
  const q = api.query;
  const signerDid = async (): Promise<Did | null> => {
    const record = rec(toJson(await q.identity.keyRecords(signer)));
    const did = record.PrimaryKey ?? record.SecondaryKey;
    return typeof did === 'string' ? did : null;
  };
  return {
    signerDid,
    async authorization(authId) {
      const did = await signerDid();
      const targets: FoundAuthorization['target'][] = [{ Account: toPortAddress(signer) }];
      if (did) targets.push({ Identity: did });
      for (const target of targets) {
        const found = foundAuthorization(
          authId,
          target,
          toJson(await q.identity.authorizations(target, authId)),
        );
        if (found) return found;
      }
      if (did) {
        // Sent by the signer's DID: `AuthorizationsGiven(did, id)` names its target.
        const given = rec(toJson(await q.identity.authorizationsGiven(did, authId)));
        const target: FoundAuthorization['target'] | null =
          typeof given.Identity === 'string'
            ? { Identity: given.Identity }
            : typeof given.Account === 'string'
              ? { Account: given.Account }
              : null;
        if (target)
          return foundAuthorization(authId, target, toJson(await q.identity.authorizations(target, authId)));
      }
      return null;
    },
    async instructionLegs(id) {
      const entries = await q.settlement.instructionLegs.entries(id);
      return entries
        .map(([key, leg]) => ({ legId: Number(toJson(key.args[1])), leg: toJson(leg) }))
        .filter(({ leg }) => leg !== null)
        .map(({ legId, leg }) => ({ ...fromChainLeg(leg), id: legId }))
        .sort((a, b) => a.id - b.id);
    },
    async documentIds(assetId) {
      const keys = await q.asset.assetDocuments.keys(assetIdToHex(assetId));
      return keys.map((k) => Number(toJson(k.args[1]))).sort((a, b) => a - b);
    },
    async nextAssetId() {
      const account = await sdk.accountManagement.getAccount({ address: signer });
      return account.getNextAssetId();
    },
    async claimExists(target, claim) {
      const issuer = await signerDid();
      if (!issuer) return false;
      const [first, second] = claimKeys(target, issuer, claim);
      return toJson(await q.identity.claims(first, second)) !== null;
    },
    async now() {
      return new Date((await q.timestamp.now()).toNumber());
    },
  };
}
