/** POLYMESH.md §1: accounts, DIDs, keys, CDD, POLYX, admission, signatures and nonces. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerError, remarkHash } from '../../src/index.js';
import { DAY, feePaid, Harness, itClock, itEmbedded, units } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await Harness.create();
});
afterAll(async () => h.close());

describe('dev genesis', () => {
  it('has DID 0x01… as CDD provider with //Alice as a secondary key and 30M POLYX', async () => {
    expect(h.aliceDid).toBe(`0x01${'00'.repeat(31)}`);
    expect(await h.ledger.cddProviders()).toContain(h.aliceDid);
    expect(await h.ledger.hasValidCdd(h.aliceDid)).toBe(true);
    const id = await h.ledger.identity(h.aliceDid);
    const stash = await h.ledger.addSigner({ uri: '//Alice//stash' });
    expect(id?.primaryKey).toBe(stash);
    const bob = await h.ledger.addSigner({ uri: '//Bob' });
    expect(id?.secondaryKeys.map((k) => k.address)).toEqual(expect.arrayContaining([h.alice, bob]));
    expect(Number((await h.ledger.polyxBalance(bob)).free)).toBeGreaterThan(1_000_000);
  });
});

describe('identity.cddRegisterDid', () => {
  it('creates a DID with a CDD claim (DidCreated, ClaimAdded)', async () => {
    const acct = await h.account();
    const r = await h.submit(h.alice, {
      name: 'identity.cddRegisterDid',
      args: { targetAccount: acct, cddClaim: true },
    });
    expect(r.result.did).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await h.ledger.identityOf(acct)).toBe(r.result.did);
    expect(await h.ledger.hasValidCdd(r.result.did)).toBe(true);
    expect(r.events.map((e) => `${e.module}.${e.name}`)).toEqual(
      expect.arrayContaining(['identity.DidCreated', 'identity.ClaimAdded']),
    );
  });

  it('without CDD claim the identity exists but has no valid CDD', async () => {
    const p = await h.investor({ cdd: false });
    expect(await h.ledger.identity(p.did)).not.toBeNull();
    expect(await h.ledger.hasValidCdd(p.did)).toBe(false);
  });

  it('refuses a linked account (AlreadyLinked)', async () => {
    const p = await h.investor();
    await h.refuse(
      h.alice,
      { name: 'identity.cddRegisterDid', args: { targetAccount: p.address } },
      'AlreadyLinked',
    );
  });

  it('refuses a caller that is not a CDD provider (UnAuthorizedCddProvider)', async () => {
    const p = await h.investor();
    const acct = await h.account();
    await h.refuse(
      p.address,
      { name: 'identity.cddRegisterDid', args: { targetAccount: acct } },
      'UnAuthorizedCddProvider',
    );
  });

  itClock(
    'CDD with expiry is valid until the expiry, then the identity cannot transact (CddRequired)',
    async () => {
      const p = await h.investor({ expiry: await h.isoIn(2 * DAY), polyx: '10' });
      expect(await h.ledger.hasValidCdd(p.did)).toBe(true);
      await h.submit(p.address, { name: 'system.remark', args: { remark: 'before expiry' } });
      h.advance(3 * DAY);
      expect(await h.ledger.hasValidCdd(p.did)).toBe(false);
      await h.refuse(p.address, { name: 'system.remark', args: { remark: 'after expiry' } }, 'CddRequired');
    },
  );
});

describe('transaction admission', () => {
  it('an account without identity cannot transact (MissingIdentity)', async () => {
    const acct = await h.account();
    await h.refuse(acct, { name: 'system.remark', args: { remark: 'x' } }, 'MissingIdentity');
  });

  it('an identity without valid CDD cannot transact (CddRequired)', async () => {
    const p = await h.investor({ cdd: false });
    await h.refuse(p.address, { name: 'system.remark', args: { remark: 'x' } }, 'CddRequired');
  });

  it('system.remark anchors data and emits system.Remarked', async () => {
    const r = await h.submit(h.alice, { name: 'system.remark', args: { remark: 'merkle-root:abc' } });
    expect(r.result.hash).toBe(remarkHash('merkle-root:abc'));
    const remarked = r.events.find((e) => e.module === 'system' && e.name === 'Remarked');
    // A node's event carries the sender and the hash only: readers prove the text by hashing it.
    expect(remarked?.data).toMatchObject({ hash: remarkHash('merkle-root:abc') });
  });
});

describe('POLYX', () => {
  it('transfers to an identity with valid CDD; the sender also pays the fee', async () => {
    const p = await h.investor({ polyx: '0' });
    const before = await h.polyx(h.alice);
    const r = await h.submit(h.alice, { name: 'balances.transfer', args: { to: p.address, amount: '12.5' } });
    expect(await h.ledger.polyxBalance(p.address)).toEqual({ total: '12.5', locked: '0', free: '12.5' });
    expect(feePaid(r)).toBeGreaterThan(0n);
    expect(await h.polyx(h.alice)).toBe(before - units('12.5') - feePaid(r));
  });

  it('refuses a receiver without CDD (ReceiverCddMissing)', async () => {
    const acct = await h.account();
    await h.refuse(
      h.alice,
      { name: 'balances.transfer', args: { to: acct, amount: '1' } },
      'ReceiverCddMissing',
    );
    const noCdd = await h.investor({ cdd: false });
    await h.refuse(
      h.alice,
      { name: 'balances.transfer', args: { to: noCdd.address, amount: '1' } },
      'ReceiverCddMissing',
    );
  });

  it('refuses more than the balance (InsufficientBalance)', async () => {
    const p = await h.investor({ polyx: '1' });
    await h.refuse(
      p.address,
      { name: 'balances.transfer', args: { to: h.alice, amount: '2' } },
      'InsufficientBalance',
    );
  });

  it('refuses amounts with more than 6 decimals (ValidationError)', async () => {
    const p = await h.investor();
    await h.refuse(
      h.alice,
      { name: 'balances.transfer', args: { to: p.address, amount: '0.0000001' } },
      'ValidationError',
    );
  });
});

describe('secondary keys', () => {
  it('invite → accept by an account without identity → remove', async () => {
    const p = await h.investor();
    const key = await h.account();
    const inv = await h.submit(p.address, { name: 'identity.inviteAccount', args: { targetAccount: key } });
    const auths = await h.ledger.authorizations(key);
    expect(auths.map((a) => a.id)).toContain(inv.result.authId);
    await h.submit(key, { name: 'identity.acceptAuthorization', args: { authId: inv.result.authId } });
    expect(await h.ledger.identityOf(key)).toBe(p.did);
    // A secondary key pays its own fees.
    await h.fund(key, '1');
    await h.submit(key, { name: 'system.remark', args: { remark: 'as secondary key' } });
    await h.submit(p.address, { name: 'identity.removeSecondaryKeys', args: { accounts: [key] } });
    expect(await h.ledger.identityOf(key)).toBeNull();
  });

  it('a linked account can be invited but cannot join (AlreadyLinked)', async () => {
    const p = await h.investor();
    const other = await h.investor();
    // add_authorization does not look at the target; join_identity_as_key refuses a linked key.
    const inv = await h.submit(p.address, {
      name: 'identity.inviteAccount',
      args: { targetAccount: other.address },
    });
    await h.refuse(
      other.address,
      { name: 'identity.acceptAuthorization', args: { authId: inv.result.authId } },
      'AlreadyLinked',
    );
    expect(await h.ledger.identityOf(other.address)).toBe(other.did);
  });

  it('frozen secondary keys cannot transact until unfrozen', async () => {
    const p = await h.investor();
    const key = await h.account();
    const inv = await h.submit(p.address, { name: 'identity.inviteAccount', args: { targetAccount: key } });
    await h.submit(key, { name: 'identity.acceptAuthorization', args: { authId: inv.result.authId } });
    await h.fund(key, '1');
    await h.submit(p.address, { name: 'identity.freezeSecondaryKeys', args: {} });
    // Freezing again is no error on chain: it sets the flag and says so again.
    const again = await h.submit(p.address, { name: 'identity.freezeSecondaryKeys', args: {} });
    expect(again.events.some((e) => e.name === 'SecondaryKeysFrozen')).toBe(true);
    await h.refuse(key, { name: 'system.remark', args: { remark: 'x' } }, 'MissingIdentity');
    await h.submit(p.address, { name: 'identity.unfreezeSecondaryKeys', args: {} });
    await h.submit(key, { name: 'system.remark', args: { remark: 'x' } });
  });

  // Authorization errors are `DispatchError::Other` on chain (a node's client sees a bare Other).
  // BecomeAgent, accepted by a DID that pays its own fee, reaches dispatch; a JoinIdentity one
  // is checked by the fee-payer logic before dispatch (fees work, issue 12 item 1).
  it('an authorization addressed to someone else cannot be accepted: Other ("Authorization does not exist")', async () => {
    const issuer = await h.issuer();
    const assetId = await h.createAsset(issuer);
    const target = await h.investor();
    const intruder = await h.investor();
    const auth = await h.submit(issuer.address, {
      name: 'externalAgents.addAuthorization',
      args: { assetId, target: target.did, group: { type: 'Full' } },
    });
    const err = await h.refuse(
      intruder.address,
      { name: 'identity.acceptAuthorization', args: { authId: auth.result.authId } },
      'Other',
    );
    if (h.embedded) expect(err.message).toBe('Authorization does not exist');
    await h.refuse(
      intruder.address,
      { name: 'identity.removeAuthorization', args: { authId: 999_999 } },
      'Other',
    );
    await h.submit(target.address, {
      name: 'identity.acceptAuthorization',
      args: { authId: auth.result.authId },
    });
    expect((await h.ledger.agents(assetId)).map((a) => a.did)).toContain(target.did);
  });

  itClock('an expired authorization cannot be accepted: Other ("Authorization expired")', async () => {
    const issuer = await h.issuer();
    const assetId = await h.createAsset(issuer);
    const target = await h.investor();
    const auth = await h.submit(issuer.address, {
      name: 'externalAgents.addAuthorization',
      args: { assetId, target: target.did, group: { type: 'Full' }, expiry: await h.isoIn(DAY) },
    });
    h.advance(2 * DAY);
    const err = await h.refuse(
      target.address,
      { name: 'identity.acceptAuthorization', args: { authId: auth.result.authId } },
      'Other',
    );
    expect(err.message).toBe('Authorization expired');
    expect((await h.ledger.agents(assetId)).map((a) => a.did)).not.toContain(target.did);
  });
});

// Accepting a JoinIdentity invitation (`join_identity_as_key`) is checked before dispatch by the
// fee-payer logic (pallets/runtime/common/src/fee_details.rs `is_auth_valid`): the invitation must
// be the signing account's, not expired, and its inviter's primary key (the payer) must belong to
// an identity with valid CDD. A refusal there is `InvalidTransaction::Custom(3)` / `Custom(2)`.
describe('joining an identity as a key: the checks before dispatch', () => {
  itClock('an expired invitation is refused (InvalidAuthorization), for a linked key too', async () => {
    const p = await h.investor();
    const key = await h.account();
    const linked = await h.investor();
    const expiry = await h.isoIn(DAY);
    const inv = await h.submit(p.address, {
      name: 'identity.inviteAccount',
      args: { targetAccount: key, expiry },
    });
    const invLinked = await h.submit(p.address, {
      name: 'identity.inviteAccount',
      args: { targetAccount: linked.address, expiry },
    });
    h.advance(2 * DAY);
    const before = await h.polyx(p.address);
    await h.refuse(
      key,
      { name: 'identity.acceptAuthorization', args: { authId: inv.result.authId } },
      'InvalidAuthorization',
    );
    // A linked key is refused the same way (not AlreadyLinked, not Other: dispatch is never reached).
    await h.refuse(
      linked.address,
      { name: 'identity.acceptAuthorization', args: { authId: invLinked.result.authId } },
      'InvalidAuthorization',
    );
    expect(await h.ledger.identityOf(key)).toBeNull();
    // Refused before inclusion: the inviter paid nothing.
    expect(await h.polyx(p.address)).toBe(before);
  });

  it('an invitation addressed to another account is refused: InvalidAuthorization for a key without identity, Other for a linked one', async () => {
    const p = await h.investor();
    const invitee = await h.account();
    const intruder = await h.account();
    const linkedIntruder = await h.investor();
    const inv = await h.submit(p.address, {
      name: 'identity.inviteAccount',
      args: { targetAccount: invitee },
    });
    const authId = inv.result.authId;
    await h.refuse(
      intruder,
      { name: 'identity.acceptAuthorization', args: { authId } },
      'InvalidAuthorization',
    );
    const err = await h.refuse(
      linkedIntruder.address,
      { name: 'identity.acceptAuthorization', args: { authId } },
      'Other',
    );
    if (h.embedded) expect(err.message).toBe('Authorization does not exist');
    expect(await h.ledger.identityOf(intruder)).toBeNull();
    expect(await h.ledger.identityOf(linkedIntruder.address)).toBe(linkedIntruder.did);
    // The invitation is untouched: its own account still joins with it.
    await h.submit(invitee, { name: 'identity.acceptAuthorization', args: { authId } });
    expect(await h.ledger.identityOf(invitee)).toBe(p.did);
  });

  it('joining an identity whose CDD claim was revoked is refused (CddRequired: its primary key would pay)', async () => {
    const p = await h.investor();
    const key = await h.account();
    const inv = await h.submit(p.address, { name: 'identity.inviteAccount', args: { targetAccount: key } });
    await h.submit(h.alice, {
      name: 'identity.revokeClaim',
      args: { target: p.did, claim: { type: 'CustomerDueDiligence' } },
    });
    expect(await h.ledger.hasValidCdd(p.did)).toBe(false);
    await h.refuse(
      key,
      { name: 'identity.acceptAuthorization', args: { authId: inv.result.authId } },
      'CddRequired',
    );
    expect(await h.ledger.identityOf(key)).toBeNull();
  });

  itClock('joining an identity whose CDD claim has expired is refused (CddRequired)', async () => {
    const p = await h.investor({ expiry: await h.isoIn(2 * DAY) });
    const key = await h.account();
    const inv = await h.submit(p.address, { name: 'identity.inviteAccount', args: { targetAccount: key } });
    h.advance(3 * DAY);
    await h.refuse(
      key,
      { name: 'identity.acceptAuthorization', args: { authId: inv.result.authId } },
      'CddRequired',
    );
    expect(await h.ledger.identityOf(key)).toBeNull();
  });
});

describe('signatures, nonces and receipts', () => {
  itEmbedded('a transaction signed by the wrong key is refused (BadSignature)', async () => {
    const led = h.embedded!;
    const p = await h.investor({ polyx: '1' });
    const tx = led.signTransaction(
      { name: 'system.remark', args: { remark: 'genuine' } },
      { signer: p.address },
    );
    // Claim Alice signed it: the signature does not verify against Alice's public key.
    await expect(
      led.submitSigned({ ...tx, signer: h.alice, nonce: await h.ledger.nonce(h.alice) }),
    ).rejects.toMatchObject({
      code: 'BadSignature',
    });
    // Tampered call.
    await expect(
      led.submitSigned({ ...tx, call: { name: 'system.remark', args: { remark: 'forged' } } }),
    ).rejects.toMatchObject({ code: 'BadSignature' });
    const r = await led.submitSigned(tx);
    expect(r.signer).toBe(p.address);
  });

  it('a wrong nonce is refused (InvalidNonce) without consuming one', async () => {
    const n = await h.ledger.nonce(h.alice);
    await expect(
      h.ledger.submit({ name: 'system.remark', args: { remark: 'x' } }, { signer: h.alice, nonce: n + 5 }),
    ).rejects.toMatchObject({ code: 'InvalidNonce' });
    expect(await h.ledger.nonce(h.alice)).toBe(n);
    const r = await h.ledger.submit(
      { name: 'system.remark', args: { remark: 'x' } },
      { signer: h.alice, nonce: n },
    );
    expect(r.nonce).toBe(n);
    expect(await h.ledger.nonce(h.alice)).toBe(n + 1);
  });

  it('findTransaction finds successful and failed transactions by (signer, nonce)', async () => {
    const p = await h.investor({ polyx: '1' });
    const ok = await h.submit(p.address, { name: 'system.remark', args: { remark: 'ok' } });
    const found = await h.ledger.findTransaction(p.address, ok.nonce);
    expect(found).toMatchObject({
      status: 'success',
      receipt: { txHash: ok.txHash, blockNumber: ok.blockNumber },
    });
    const at = { fromBlock: ok.blockNumber, toBlock: ok.blockNumber };
    expect(await h.ledger.findTransaction(p.address, ok.nonce, at)).toMatchObject({ status: 'success' });
    expect(await h.ledger.findTransaction(p.address, ok.nonce, { toBlock: ok.blockNumber - 1 })).toBeNull();
    expect(await h.ledger.findTransaction(p.address, ok.nonce, { fromBlock: ok.blockNumber + 1 })).toBeNull();
    const nonce = await h.ledger.nonce(p.address);
    const failFee = h.embedded
      ? units(
          (
            await h.ledger.estimateFee(
              { name: 'balances.transfer', args: { to: h.alice, amount: '1000' } },
              p.address,
            )
          ).transactionFee,
        )
      : null;
    const err = await h.refuse(
      p.address,
      { name: 'balances.transfer', args: { to: h.alice, amount: '1000' } },
      'InsufficientBalance',
    );
    expect(err).toBeInstanceOf(LedgerError);
    // A failed dispatch is included: it consumed the nonce and reverted the state.
    expect(await h.ledger.nonce(p.address)).toBe(nonce + 1);
    expect(await h.ledger.findTransaction(p.address, nonce)).toMatchObject({
      status: 'failed',
      error: { code: 'InsufficientBalance' },
    });
    expect(await h.ledger.findTransaction(p.address, nonce + 1)).toBeNull();
    // Both paid their fee: the failed one too (exactly its estimate on the embedded ledger).
    const left = await h.polyx(p.address);
    expect(left).toBeLessThan(units('1') - feePaid(ok));
    if (failFee !== null) expect(left).toBe(units('1') - feePaid(ok) - failFee);
  });

  it('subscribeEvents replays history from a block, then streams live events in order', async () => {
    const p = await h.investor();
    const start = (await h.ledger.info()).blockHeight;
    const r = await h.submit(p.address, { name: 'system.remark', args: { remark: 'one' } });
    const seen: string[] = [];
    const unsub = await h.ledger.subscribeEvents(r.blockNumber, (e) => {
      if (e.module === 'system' && e.name === 'Remarked') seen.push(String(e.data['remark']));
    });
    await h.submit(p.address, { name: 'system.remark', args: { remark: 'two' } });
    unsub();
    await h.submit(p.address, { name: 'system.remark', args: { remark: 'three' } });
    expect(seen).toEqual(['one', 'two']);
    expect(r.blockNumber).toBeGreaterThan(start);
  });
});
