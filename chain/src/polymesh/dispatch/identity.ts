import type { LedgerEvent } from '../../ledger.js';
import { LedgerError } from '../../errors.js';
import { toChainClaim } from '../mappers/claims.js';
import { toChainPermissions } from '../mappers/keys.js';
import { polkadotCrypto, polkadotUtil } from '../polkadot.js';
import { toOptionalMoment } from '../mappers/values.js';
import {
  authIdResult,
  authIds,
  eventData,
  idField,
  none,
  one,
  type DispatchContext,
  type FoundAuthorization,
  type PreparerTable,
} from './types.js';

/** The authorization the signer asks about, refused before sending when the chain would refuse it. */
async function authorization(ctx: DispatchContext, authId: number): Promise<FoundAuthorization> {
  const auth = await ctx.reads.authorization(authId);
  if (!auth) {
    // The chain's own words (DispatchError::Other("Authorization does not exist")).
    throw new LedgerError(
      'Other',
      `Authorization does not exist: no authorization ${authId} for ${ctx.signer}`,
    );
  }
  return auth;
}

const sameAccount = (a: string, b: string): boolean =>
  polkadotUtil.u8aEq(polkadotCrypto.decodeAddress(a), polkadotCrypto.decodeAddress(b));

/** Whether the authorization is addressed to the signing key or to its DID. */
function addressedToSigner(auth: FoundAuthorization, signer: string, did: string | null): boolean {
  return 'Account' in auth.target ? sameAccount(auth.target.Account, signer) : auth.target.Identity === did;
}

/**
 * The authorization the signer may accept, refused before sending where the chain would refuse
 * it. `join_identity_as_key` is checked first by the fee-payer logic (pallets/runtime/common/src/
 * fee_details.rs `is_auth_valid`: a JoinIdentity authorization of the signing account, not
 * expired, `now <= expiry`), which refuses the transaction itself with
 * `InvalidTransaction::Custom(3)` (`InvalidAuthorization`); an unlinked key can send no other
 * acceptance, so an authorization it cannot use is refused that way too. Every other acceptance
 * reaches dispatch, where `accept_auth_with` says `Other("Authorization does not exist")` or
 * `Other("Authorization expired")` (`expiry > now` needed).
 */
async function acceptable(ctx: DispatchContext, authId: number): Promise<FoundAuthorization> {
  const [auth, did, now] = await Promise.all([
    ctx.reads.authorization(authId),
    ctx.reads.signerDid(),
    ctx.reads.now(),
  ]);
  const mine = auth !== null && addressedToSigner(auth, ctx.signer, did);
  const expiry = auth?.expiry ? new Date(auth.expiry) : null;
  const invitation = mine && auth.type === 'JoinIdentity' && 'Account' in auth.target;
  if (invitation && expiry !== null && now > expiry)
    throw new LedgerError(
      'InvalidAuthorization',
      `Invitation ${authId} has expired: the transaction would be refused before dispatch`,
    );
  if (!invitation && did === null)
    throw new LedgerError(
      'InvalidAuthorization',
      `No valid invitation ${authId} for ${ctx.signer}: a key without an identity can only accept one`,
    );
  // The chain's own words (DispatchError::Other("Authorization does not exist")).
  if (!mine)
    throw new LedgerError(
      'Other',
      `Authorization does not exist: no authorization ${authId} for ${ctx.signer}`,
    );
  if (expiry !== null && expiry <= now)
    throw new LedgerError('Other', `Authorization expired: authorization ${authId}`);
  return auth;
}

export function didCreated(events: LedgerEvent[]): { did: string; authorizations: number[] } {
  return { did: String(eventData(events, 'identity', 'DidCreated').did), authorizations: authIds(events) };
}

export function customClaimTypeAdded(events: LedgerEvent[]): { id: number } {
  return { id: idField(eventData(events, 'identity', 'CustomClaimTypeAdded').id, 'custom claim type id') };
}

export const identity = {
  /**
   * `cdd_register_did(target, secondary_keys)` or, with a CDD claim, `cdd_register_did_with_cdd`
   * (default CDD id, optional expiry). Secondary keys get JoinIdentity authorizations with full
   * permissions. A specific `cddId` needs the new DID first: refused here.
   */
  'identity.cddRegisterDid': async (ctx, { targetAccount, secondaryKeys, cddClaim, cddId, expiry }) => {
    if (cddId !== undefined) {
      throw new LedgerError(
        'Unsupported',
        'A CDD claim with a specific cddId: register, then identity.addClaim',
      );
    }
    const keys = (secondaryKeys ?? []).map((key) => ({ key, permissions: toChainPermissions({}) }));
    const call = cddClaim
      ? ctx.tx.identity.cddRegisterDidWithCdd(targetAccount, keys, toOptionalMoment(expiry))
      : ctx.tx.identity.cddRegisterDid(targetAccount, keys);
    return one(call, didCreated);
  },
  'identity.addClaim': async (ctx, { target, claim, expiry }) =>
    one(ctx.tx.identity.addClaim(target, toChainClaim(claim), toOptionalMoment(expiry)), none),
  /** `add_claim` over an existing claim of the signer's (`ClaimDoesNotExist` otherwise, like SDK `editClaims`). */
  'identity.editClaim': async (ctx, { target, claim, expiry }) => {
    if (!(await ctx.reads.claimExists(target, claim))) {
      throw new LedgerError(
        'ClaimDoesNotExist',
        `No ${claim.type} claim of the signer's on ${target}`,
        'identity',
      );
    }
    return one(ctx.tx.identity.addClaim(target, toChainClaim(claim), toOptionalMoment(expiry)), none);
  },
  'identity.revokeClaim': async (ctx, { target, claim }) =>
    one(ctx.tx.identity.revokeClaim(target, toChainClaim(claim)), none),
  'identity.registerCustomClaimType': async (ctx, { name }) =>
    one(ctx.tx.identity.registerCustomClaimType(name), customClaimTypeAdded),
  /** `add_authorization(Account(target), JoinIdentity(permissions), expiry)`. */
  'identity.inviteAccount': async (ctx, { targetAccount, permissions, expiry }) =>
    one(
      ctx.tx.identity.addAuthorization(
        { Account: targetAccount },
        { JoinIdentity: toChainPermissions(permissions ?? {}) },
        toOptionalMoment(expiry),
      ),
      authIdResult,
    ),
  /** The accepting extrinsic of the authorization's kind (Polymesh has no generic accept). */
  'identity.acceptAuthorization': async (ctx, { authId }) => {
    const auth = await acceptable(ctx, authId);
    const tx = ctx.tx;
    const otherError = 'Other' as const;
    switch (auth.type) {
      case 'JoinIdentity':
        return one(tx.identity.joinIdentityAsKey(authId), none, { otherError });
      case 'BecomeAgent':
        return one(tx.externalAgents.acceptBecomeAgent(authId), none, { otherError });
      case 'PortfolioCustody':
        return one(tx.portfolio.acceptPortfolioCustody(authId), none, { otherError });
      case 'TransferAssetOwnership':
        return one(tx.asset.acceptAssetOwnershipTransfer(authId), none, { otherError });
      case 'Other':
        throw new LedgerError('Unsupported', `Authorization ${authId} is of a kind the port does not accept`);
    }
  },
  /** `remove_authorization(target, id, false)`: the issuer withdraws it or the target rejects it. */
  'identity.removeAuthorization': async (ctx, { authId }) => {
    const auth = await authorization(ctx, authId);
    return one(ctx.tx.identity.removeAuthorization(auth.target, authId, false), none, {
      otherError: 'Other',
    });
  },
  'identity.removeSecondaryKeys': async (ctx, { accounts }) =>
    one(ctx.tx.identity.removeSecondaryKeys(accounts), none),
  'identity.setSecondaryKeyPermissions': async (ctx, { account, permissions }) =>
    one(ctx.tx.identity.setSecondaryKeyPermissions(account, toChainPermissions(permissions)), none),
  'identity.freezeSecondaryKeys': async (ctx) => one(ctx.tx.identity.freezeSecondaryKeys(), none),
  'identity.unfreezeSecondaryKeys': async (ctx) => one(ctx.tx.identity.unfreezeSecondaryKeys(), none),
  'identity.leaveIdentityAsKey': async (ctx) => one(ctx.tx.identity.leaveIdentityAsKey(), none),
} satisfies PreparerTable<'identity'>;
