/** POLYMESH.md §2: claims, scopes, expiry, custom claim types, trusted issuers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Claim, TrustedClaimIssuer } from '../../src/index.js';
import { DAY, Harness, itClock, type Party } from './harness.js';

let h: Harness;
let issuer: Party;
let kycProvider: Party;
beforeAll(async () => {
  h = await Harness.create();
  issuer = await h.issuer();
  kycProvider = await h.investor();
});
afterAll(async () => h.close());

describe('claims', () => {
  it('adds a scoped claim (identity.ClaimAdded) and lists it', async () => {
    const inv = await h.investor();
    const claim: Claim = { type: 'KnowYourCustomer', scope: { type: 'Identity', value: issuer.did } };
    const r = await h.submit(kycProvider.address, {
      name: 'identity.addClaim',
      args: { target: inv.did, claim },
    });
    expect(r.events.some((e) => e.module === 'identity' && e.name === 'ClaimAdded')).toBe(true);
    const claims = await h.ledger.claims(inv.did, { claimType: 'KnowYourCustomer' });
    expect(claims).toHaveLength(1);
    expect(claims[0]).toMatchObject({ issuer: kycProvider.did, target: inv.did, claim, expiry: null });
    expect((await h.ledger.issuedClaims(kycProvider.did)).some((c) => c.target === inv.did)).toBe(true);
  });

  itClock('re-adding the same claim overwrites payload and expiry but keeps the issuance date', async () => {
    const inv = await h.investor();
    const scope = { type: 'Identity', value: issuer.did } as const;
    await h.claim(kycProvider, inv.did, { type: 'Jurisdiction', code: 'Us', scope });
    const [first] = await h.ledger.claims(inv.did, { claimType: 'Jurisdiction' });
    h.advance(DAY);
    await h.claim(kycProvider, inv.did, { type: 'Jurisdiction', code: 'De', scope }, await h.isoIn(10 * DAY));
    const all = await h.ledger.claims(inv.did, { claimType: 'Jurisdiction' });
    expect(all).toHaveLength(1);
    expect(all[0]?.claim).toMatchObject({ code: 'De' });
    expect(all[0]?.issuedAt).toBe(first?.issuedAt);
    expect(all[0]?.lastUpdatedAt).not.toBe(first?.issuedAt);
    expect(all[0]?.expiry).not.toBeNull();
  });

  it("jurisdictions are the chain's closed CountryCode list (e.g. AN yes, XK no)", async () => {
    const inv = await h.investor();
    const scope = { type: 'Identity', value: issuer.did } as const;
    await h.claim(kycProvider, inv.did, { type: 'Jurisdiction', code: 'An', scope });
    for (const code of ['Xk', 'Aa', 'Eu', 'US', 'us']) {
      await h.refuse(
        kycProvider.address,
        {
          name: 'identity.addClaim',
          args: { target: inv.did, claim: { type: 'Jurisdiction', code, scope } },
        },
        'ValidationError',
      );
    }
    expect((await h.ledger.claims(inv.did, { claimType: 'Jurisdiction' })).map((c) => c.claim)).toEqual([
      { type: 'Jurisdiction', code: 'An', scope },
    ]);
  });

  it('a different scope is a different claim', async () => {
    const inv = await h.investor();
    await h.claim(kycProvider, inv.did, {
      type: 'Accredited',
      scope: { type: 'Identity', value: issuer.did },
    });
    await h.claim(kycProvider, inv.did, { type: 'Accredited', scope: { type: 'Custom', value: 'reg-d' } });
    expect(await h.ledger.claims(inv.did, { claimType: 'Accredited' })).toHaveLength(2);
  });

  it('refuses a target that does not exist (DidMustAlreadyExist)', async () => {
    await h.refuse(
      kycProvider.address,
      {
        name: 'identity.addClaim',
        args: {
          target: `0x${'ab'.repeat(32)}`,
          claim: { type: 'Blocked', scope: { type: 'Identity', value: issuer.did } },
        },
      },
      'DidMustAlreadyExist',
    );
  });

  it('CDD claims only from CDD providers (UnAuthorizedCddProvider)', async () => {
    const inv = await h.investor({ cdd: false });
    await h.refuse(
      kycProvider.address,
      { name: 'identity.addClaim', args: { target: inv.did, claim: { type: 'CustomerDueDiligence' } } },
      'UnAuthorizedCddProvider',
    );
    await h.claim(h.alice, inv.did, { type: 'CustomerDueDiligence' });
    expect(await h.ledger.hasValidCdd(inv.did)).toBe(true);
  });

  it('custom scopes longer than 32 bytes are refused (CustomScopeTooLong)', async () => {
    const inv = await h.investor();
    await h.refuse(
      kycProvider.address,
      {
        name: 'identity.addClaim',
        args: {
          target: inv.did,
          claim: { type: 'Affiliate', scope: { type: 'Custom', value: 'x'.repeat(33) } },
        },
      },
      'CustomScopeTooLong',
    );
  });

  it('only the issuer revokes (ClaimDoesNotExist otherwise); revocation emits ClaimRevoked', async () => {
    const inv = await h.investor();
    const claim: Claim = { type: 'SellLockup', scope: { type: 'Identity', value: issuer.did } };
    await h.claim(kycProvider, inv.did, claim);
    await h.refuse(
      issuer.address,
      { name: 'identity.revokeClaim', args: { target: inv.did, claim } },
      'ClaimDoesNotExist',
    );
    const r = await h.submit(kycProvider.address, {
      name: 'identity.revokeClaim',
      args: { target: inv.did, claim },
    });
    expect(r.events.some((e) => e.name === 'ClaimRevoked')).toBe(true);
    expect(await h.ledger.claims(inv.did, { claimType: 'SellLockup' })).toHaveLength(0);
  });

  it('editClaim needs an existing claim (ClaimDoesNotExist)', async () => {
    const inv = await h.investor();
    const claim: Claim = { type: 'Exempted', scope: { type: 'Identity', value: issuer.did } };
    await h.refuse(
      kycProvider.address,
      { name: 'identity.editClaim', args: { target: inv.did, claim } },
      'ClaimDoesNotExist',
    );
    await h.claim(kycProvider, inv.did, claim);
    await h.submit(kycProvider.address, {
      name: 'identity.editClaim',
      args: { target: inv.did, claim, expiry: '2999-01-01T00:00:00.000Z' },
    });
    expect((await h.ledger.claims(inv.did, { claimType: 'Exempted' }))[0]?.expiry).toBe(
      '2999-01-01T00:00:00.000Z',
    );
  });

  itClock('expired claims are not listed unless asked', async () => {
    const inv = await h.investor();
    await h.claim(
      kycProvider,
      inv.did,
      { type: 'BuyLockup', scope: { type: 'Identity', value: issuer.did } },
      await h.isoIn(DAY),
    );
    expect(await h.ledger.claims(inv.did, { claimType: 'BuyLockup' })).toHaveLength(1);
    h.advance(2 * DAY);
    expect(await h.ledger.claims(inv.did, { claimType: 'BuyLockup' })).toHaveLength(0);
    expect(await h.ledger.claims(inv.did, { claimType: 'BuyLockup', includeExpired: true })).toHaveLength(1);
  });
});

describe('custom claim types', () => {
  it('registers a type once (CustomClaimTypeAlreadyExists) and claims of it', async () => {
    const name = `QualifiedPurchaser-${Date.now()}`;
    const r = await h.submit(issuer.address, { name: 'identity.registerCustomClaimType', args: { name } });
    expect((await h.ledger.customClaimTypes()).find((t) => t.name === name)?.id).toBe(r.result.id);
    await h.refuse(
      issuer.address,
      { name: 'identity.registerCustomClaimType', args: { name } },
      'CustomClaimTypeAlreadyExists',
    );
    const inv = await h.investor();
    await h.claim(kycProvider, inv.did, {
      type: 'Custom',
      customClaimTypeId: r.result.id,
      scope: { type: 'Identity', value: issuer.did },
    });
    expect(await h.ledger.claims(inv.did, { claimType: 'Custom' })).toHaveLength(1);
  });

  it('claims of an unknown custom type are refused (CustomClaimTypeDoesNotExist)', async () => {
    const inv = await h.investor();
    await h.refuse(
      kycProvider.address,
      {
        name: 'identity.addClaim',
        args: { target: inv.did, claim: { type: 'Custom', customClaimTypeId: 999_999 } },
      },
      'CustomClaimTypeDoesNotExist',
    );
  });
});

describe('trusted claim issuers per asset', () => {
  it('adds, lists and removes default trusted issuers: an identical entry is IncorrectOperationOnTrustedIssuer, an unknown DID DidNotExist', async () => {
    const assetId = await h.createAsset(issuer);
    const add = (trustedFor: TrustedClaimIssuer['trustedFor'], identity = kycProvider.did) => ({
      name: 'complianceManager.addDefaultTrustedClaimIssuer' as const,
      args: { assetId, issuer: { identity, trustedFor } },
    });
    await h.submit(issuer.address, add(['KnowYourCustomer', 'Accredited']));
    expect(await h.ledger.trustedClaimIssuers(assetId)).toEqual([
      { identity: kycProvider.did, trustedFor: ['KnowYourCustomer', 'Accredited'] },
    ]);
    await h.refuse(
      issuer.address,
      add(['KnowYourCustomer', 'Accredited']),
      'IncorrectOperationOnTrustedIssuer',
    );
    // The chain compares whole entries: the same issuer trusted for other types is a second entry.
    await h.submit(issuer.address, add(null));
    expect(await h.ledger.trustedClaimIssuers(assetId)).toEqual([
      { identity: kycProvider.did, trustedFor: ['KnowYourCustomer', 'Accredited'] },
      { identity: kycProvider.did, trustedFor: null },
    ]);
    await h.refuse(issuer.address, add(null, `0x${'cd'.repeat(32)}`), 'DidNotExist');
    // Removal takes every entry of the issuer.
    await h.submit(issuer.address, {
      name: 'complianceManager.removeDefaultTrustedClaimIssuer',
      args: { assetId, issuer: kycProvider.did },
    });
    expect(await h.ledger.trustedClaimIssuers(assetId)).toEqual([]);
  });
});
