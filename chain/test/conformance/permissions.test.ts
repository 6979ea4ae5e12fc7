/**
 * Secondary-key permissions as the permissions pallet enforces them (POLYMESH-FACTS.md §2): the
 * extrinsic permission is checked before the call does anything (`UnauthorizedCaller`), each
 * inner call of a batch on its own; asset and portfolio permissions where the pallets check them
 * (`SecondaryKeyNotAuthorizedForAsset`, `SecondaryKeyNotAuthorizedForPortfolio`); frozen keys are
 * refused before inclusion; primary-key-only calls refuse other keys (`KeyNotAllowed`);
 * invitations come from any key permitted to add authorizations. A refusal inside the call is a
 * failed dispatch: included, fee paid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetId, Claim } from '../../src/index.js';
import { Harness, itEmbedded, type Party } from './harness.js';

let h: Harness;
let owner: Party;
let assetA: AssetId;
let assetB: AssetId;

beforeAll(async () => {
  h = await Harness.create();
  owner = await h.issuer();
  assetA = await h.createAsset(owner);
  assetB = await h.createAsset(owner);
});
afterAll(async () => h.close());

const remark = (text: string) => ({ name: 'system.remark', args: { remark: text } }) as const;
const kyc = (p: Party): Claim => ({ type: 'KnowYourCustomer', scope: { type: 'Identity', value: p.did } });

describe('extrinsic permissions', () => {
  it('a key may call only the extrinsics it was given; others fail in dispatch (UnauthorizedCaller), fee paid', async () => {
    const key = await h.secondaryKey(owner, { extrinsics: ['asset.issue'] });
    await h.submit(key, { name: 'asset.issue', args: { assetId: assetA, amount: '5' } });
    const target = await h.investor();
    const nonce = await h.ledger.nonce(key);
    const before = await h.polyx(key);
    const err = await h.refuse(
      key,
      { name: 'identity.addClaim', args: { target: target.did, claim: kyc(target) } },
      'UnauthorizedCaller',
    );
    expect(err.included).toBe(true);
    expect(await h.ledger.nonce(key)).toBe(nonce + 1);
    expect(await h.polyx(key)).toBeLessThan(before);
    expect(await h.ledger.claims(target.did, { claimType: 'KnowYourCustomer' })).toEqual([]);
  });

  it('a pallet name permits every extrinsic of that pallet', async () => {
    const key = await h.secondaryKey(owner, { extrinsics: ['identity'] });
    const target = await h.investor();
    await h.submit(key, { name: 'identity.addClaim', args: { target: target.did, claim: kyc(target) } });
    expect(await h.ledger.claims(target.did, { claimType: 'KnowYourCustomer' })).toHaveLength(1);
    await h.refuse(
      key,
      { name: 'asset.issue', args: { assetId: assetA, amount: '1' } },
      'UnauthorizedCaller',
    );
  });

  it('calls the chain does not check need no permission (system.remark, balances.transfer)', async () => {
    const key = await h.secondaryKey(owner, { extrinsics: ['asset.issue'] });
    await h.submit(key, remark('unchecked'));
    await h.submit(key, { name: 'balances.transfer', args: { to: owner.address, amount: '1' } });
  });

  it('full permissions (omitted) allow everything, as the dev genesis keys have', async () => {
    const key = await h.secondaryKey(owner);
    await h.submit(key, { name: 'asset.issue', args: { assetId: assetB, amount: '1' } });
    const bob = await h.ledger.addSigner({ uri: '//Bob' });
    const target = await h.investor();
    await h.submit(bob, { name: 'identity.addClaim', args: { target: target.did, claim: kyc(target) } });
  });

  it('each inner call of a batch is checked on its own; the batch itself needs no permission', async () => {
    const key = await h.secondaryKey(owner, { extrinsics: ['asset.issue'] });
    const target = await h.investor();
    const r = await h.submit(key, {
      name: 'utility.forceBatch',
      args: {
        calls: [
          { name: 'asset.issue', args: { assetId: assetA, amount: '2' } },
          { name: 'identity.addClaim', args: { target: target.did, claim: kyc(target) } },
        ],
      },
    });
    expect(r.result.items).toEqual([
      { ok: true, result: null },
      { ok: false, error: { code: 'UnauthorizedCaller', message: expect.any(String) } },
    ]);
  });

  it('permissions changed by the primary key apply from the next call', async () => {
    const key = await h.secondaryKey(owner, { extrinsics: ['system.remark'] });
    await h.refuse(
      key,
      { name: 'asset.issue', args: { assetId: assetA, amount: '1' } },
      'UnauthorizedCaller',
    );
    await h.submit(owner.address, {
      name: 'identity.setSecondaryKeyPermissions',
      args: { account: key, permissions: { extrinsics: ['asset'] } },
    });
    const info = await h.ledger.identity(owner.did);
    expect(info?.secondaryKeys.find((k) => k.address === key)?.permissions.extrinsics).toEqual(['asset']);
    await h.submit(key, { name: 'asset.issue', args: { assetId: assetA, amount: '1' } });
  });
});

describe('asset and portfolio permissions', () => {
  it('a key limited to asset A may not act on asset B (SecondaryKeyNotAuthorizedForAsset)', async () => {
    const key = await h.secondaryKey(owner, { assets: [assetA] });
    await h.submit(key, { name: 'asset.issue', args: { assetId: assetA, amount: '3' } });
    await h.refuse(
      key,
      { name: 'asset.issue', args: { assetId: assetB, amount: '3' } },
      'SecondaryKeyNotAuthorizedForAsset',
    );
    await h.refuse(
      key,
      { name: 'asset.freeze', args: { assetId: assetB } },
      'SecondaryKeyNotAuthorizedForAsset',
    );
  });

  it('the asset permission comes before the agent check; a non-agent primary key gets UnauthorizedAgent', async () => {
    const stranger = await h.investor();
    const key = await h.secondaryKey(stranger, { assets: [assetA] });
    await h.refuse(
      key,
      { name: 'asset.issue', args: { assetId: assetB, amount: '1' } },
      'SecondaryKeyNotAuthorizedForAsset',
    );
    await h.refuse(key, { name: 'asset.issue', args: { assetId: assetA, amount: '1' } }, 'UnauthorizedAgent');
  });

  it('a key limited to a user portfolio may not use the default one (SecondaryKeyNotAuthorizedForPortfolio)', async () => {
    const pf = await h.submit(owner.address, {
      name: 'portfolio.createPortfolio',
      args: { name: `keys ${Date.now()}` },
    });
    const number = pf.result.number;
    const key = await h.secondaryKey(owner, { portfolios: [{ did: owner.did, number }] });
    await h.submit(key, { name: 'asset.issue', args: { assetId: assetA, amount: '4', portfolio: number } });
    await h.refuse(
      key,
      { name: 'asset.issue', args: { assetId: assetA, amount: '4' } },
      'SecondaryKeyNotAuthorizedForPortfolio',
    );
    // Custody is the owner's, the key's permission is not: moving out of the default portfolio fails.
    await h.refuse(
      key,
      {
        name: 'portfolio.movePortfolioFunds',
        args: {
          from: { did: owner.did },
          to: { did: owner.did, number },
          items: [{ assetId: assetA, amount: '1' }],
        },
      },
      'SecondaryKeyNotAuthorizedForPortfolio',
    );
    await h.submit(key, {
      name: 'portfolio.movePortfolioFunds',
      args: {
        from: { did: owner.did, number },
        to: { did: owner.did },
        items: [{ assetId: assetA, amount: '1' }],
      },
    });
  });
});

describe('frozen keys and primary-key-only calls', () => {
  it('frozen secondary keys are refused before inclusion (MissingIdentity); the primary key is not', async () => {
    const p = await h.investor();
    const key = await h.secondaryKey(p);
    await h.submit(p.address, { name: 'identity.freezeSecondaryKeys', args: {} });
    const nonce = await h.ledger.nonce(key);
    const err = await h.refuse(key, remark('frozen'), 'MissingIdentity');
    expect(err.included).toBe(false);
    expect(await h.ledger.nonce(key)).toBe(nonce);
    expect((await h.ledger.identity(p.did))?.secondaryKeysFrozen).toBe(true);
    await h.submit(p.address, remark('primary keys are never frozen'));
    await h.submit(p.address, { name: 'identity.unfreezeSecondaryKeys', args: {} });
    await h.submit(key, remark('thawed'));
  });

  it('only the primary key freezes, removes keys or sets permissions (KeyNotAllowed)', async () => {
    const p = await h.investor();
    const key = await h.secondaryKey(p);
    const other = await h.secondaryKey(p);
    await h.refuse(key, { name: 'identity.freezeSecondaryKeys', args: {} }, 'KeyNotAllowed');
    await h.refuse(
      key,
      { name: 'identity.removeSecondaryKeys', args: { accounts: [other] } },
      'KeyNotAllowed',
    );
    await h.refuse(
      key,
      {
        name: 'identity.setSecondaryKeyPermissions',
        args: { account: other, permissions: { extrinsics: [] } },
      },
      'KeyNotAllowed',
    );
    await h.submit(p.address, { name: 'identity.removeSecondaryKeys', args: { accounts: [other] } });
    expect(await h.ledger.identityOf(other)).toBeNull();
  });
});

describe('invitations', () => {
  it('any key permitted to add authorizations invites; the invited key joins the same identity', async () => {
    const p = await h.investor();
    const inviter = await h.secondaryKey(p, { extrinsics: ['identity.addAuthorization'] });
    const joiner = await h.account();
    const inv = await h.submit(inviter, {
      name: 'identity.inviteAccount',
      args: { targetAccount: joiner, permissions: { extrinsics: ['system.remark'] } },
    });
    await h.submit(joiner, { name: 'identity.acceptAuthorization', args: { authId: inv.result.authId } });
    expect(await h.ledger.identityOf(joiner)).toBe(p.did);
    const keys = (await h.ledger.identity(p.did))?.secondaryKeys ?? [];
    expect(keys.find((k) => k.address === joiner)?.permissions).toMatchObject({
      extrinsics: ['system.remark'],
    });
  });

  it('a key without that permission cannot invite (UnauthorizedCaller)', async () => {
    const p = await h.investor();
    const key = await h.secondaryKey(p, { extrinsics: ['system.remark'] });
    await h.refuse(
      key,
      { name: 'identity.inviteAccount', args: { targetAccount: await h.account() } },
      'UnauthorizedCaller',
    );
  });

  itEmbedded('permissions beyond the chain’s limits are refused (TooLong)', async () => {
    const p = await h.investor();
    const pallets = Array.from({ length: 81 }, (_, i) => `pallet${i}`);
    await h.refuse(
      p.address,
      {
        name: 'identity.inviteAccount',
        args: { targetAccount: await h.account(), permissions: { extrinsics: pallets } },
      },
      'TooLong',
    );
    await h.refuse(
      p.address,
      {
        name: 'identity.inviteAccount',
        args: { targetAccount: await h.account(), permissions: { extrinsics: [`asset.${'x'.repeat(61)}`] } },
      },
      'TooLong',
    );
  });
});
