/**
 * Transaction fees (POLYMESH-FACTS.md §1): every signed transaction pays base + length + weight
 * fee, withdrawn at the declared weight before dispatch and corrected to the weight used after,
 * also when the dispatch fails; a payer that cannot pay is refused before inclusion (`InsufficientPolyx`: the chain's `InvalidTransaction::Payment`).
 * Fee deltas are exact on the embedded ledger (its estimate is the fee it charges); on a node
 * they are read from `transactionPayment.TransactionFeePaid` and compared as "more than nothing"
 * and "at least the protocol fee".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetId, LedgerCall, Receipt } from '../../src/index.js';
import { feePaid, Harness, INVESTOR_POLYX, itEmbedded, units, type Party } from './harness.js';

let h: Harness;
let issuer: Party;
let assetId: AssetId;

beforeAll(async () => {
  h = await Harness.create();
  issuer = await h.issuer();
  assetId = await h.createAsset(issuer);
  await h.issue(issuer, assetId, '100000');
});
afterAll(async () => h.close());

const remark = (text: string) => ({ name: 'system.remark', args: { remark: text } }) as const;
const feeEvent = (r: Receipt) =>
  r.events.find((e) => e.module === 'transactionPayment' && e.name === 'TransactionFeePaid');

/** An instruction from the issuer to `to`, affirmed by the issuer; `to` still has to affirm. */
async function pendingDelivery(to: Party, amount = '10'): Promise<number> {
  const r = await h.submit(issuer.address, {
    name: 'settlement.addAndAffirmInstruction',
    args: {
      settlementType: { type: 'SettleOnAffirmation' },
      legs: [{ type: 'Fungible', from: { did: issuer.did }, to: { did: to.did }, assetId, amount }],
      portfolios: [{ did: issuer.did }],
    },
  });
  return r.result.instructionId;
}

describe('transaction fees', () => {
  it('every signed transaction pays base + length + weight fee, named in TransactionFeePaid', async () => {
    const p = await h.investor();
    const before = await h.polyx(p.address);
    const call = remark('hello');
    const estimate = h.embedded ? await h.ledger.estimateFee(call, p.address) : null;
    const r = await h.submit(p.address, call);
    expect(feeEvent(r)?.data).toMatchObject({ who: p.address });
    expect(feePaid(r)).toBeGreaterThan(0n);
    expect(await h.polyx(p.address)).toBe(before - feePaid(r));
    // The events come in the chain's order: the call's, the fee, then the outcome.
    expect(r.events.map((e) => `${e.module}.${e.name}`).slice(-2)).toEqual([
      'transactionPayment.TransactionFeePaid',
      'system.ExtrinsicSuccess',
    ]);
    if (estimate) {
      // 29,999 base (0.03 POLYX at ExtrinsicBaseWeight) + 100 × 113 bytes + 724 for the remark's
      // 15,680,021 weight: Polymesh 7.0's constants.
      expect(estimate).toEqual({
        payer: p.address,
        transactionFee: '0.042023',
        withdrawnFee: '0.042023',
        protocolFee: '0',
        total: '0.042023',
        required: '0.042023',
        weight: '15680021',
        length: 113,
      });
      expect(feePaid(r)).toBe(units(estimate.total));
    }
  });

  it('a failed dispatch is included and pays its fee', async () => {
    const p = await h.investor();
    const before = await h.polyx(p.address);
    const call = { name: 'asset.freeze', args: { assetId } } as const;
    const estimate = h.embedded ? await h.ledger.estimateFee(call, p.address) : null;
    const nonce = await h.ledger.nonce(p.address);
    const err = await h.refuse(p.address, call, 'UnauthorizedAgent');
    expect(err.included).toBe(true);
    expect(await h.ledger.nonce(p.address)).toBe(nonce + 1);
    const after = await h.polyx(p.address);
    expect(after).toBeLessThan(before);
    if (estimate) expect(before - after).toBe(units(estimate.withdrawnFee));
  });

  it('an account that cannot pay the fee is refused before inclusion (InsufficientPolyx: InvalidTransaction::Payment): nonce and state untouched', async () => {
    const p = await h.investor({ polyx: '0' });
    const nonce = await h.ledger.nonce(p.address);
    const err = await h.refuse(p.address, remark('unfunded'), 'InsufficientPolyx');
    expect(err.included).toBe(false);
    expect(await h.ledger.nonce(p.address)).toBe(nonce);
    expect(await h.polyx(p.address)).toBe(0n);
  });

  it("an unfunded investor's affirmation fails on the embedded ledger as on chain; funded, it settles", async () => {
    const investor = await h.investor({ polyx: '0' });
    const id = await pendingDelivery(investor);
    const affirm: LedgerCall<'settlement.affirmInstruction'> = {
      name: 'settlement.affirmInstruction',
      args: { id, portfolios: [{ did: investor.did }] },
    };
    const nonce = await h.ledger.nonce(investor.address);
    await h.refuse(investor.address, affirm, 'InsufficientPolyx');
    expect(await h.ledger.nonce(investor.address)).toBe(nonce);
    const pending = await h.ledger.instruction(id);
    expect(pending?.status.type).toBe('Pending');
    expect(pending?.affirmations.find((a) => a.portfolio.did === investor.did)?.status).toBe('Pending');

    if (h.embedded) {
      // `affirm_instruction` declares the weight of 10 fungible and 100 NFT legs: ~5.59 POLYX is
      // withdrawn up front, although the affirmation of one received leg costs ~0.1 POLYX.
      const estimate = await h.ledger.estimateFee(affirm, investor.address);
      expect(units(estimate.withdrawnFee)).toBeGreaterThan(units('5.5'));
      expect(units(estimate.transactionFee)).toBeLessThan(units('0.2'));
      await h.fund(investor.address, '1');
      await h.refuse(investor.address, affirm, 'InsufficientPolyx');
      await h.fund(investor.address, '9');
    } else {
      await h.fund(investor.address, '10');
    }
    const before = await h.polyx(investor.address);
    const estimate = h.embedded ? await h.ledger.estimateFee(affirm, investor.address) : null;
    const r = await h.submit(investor.address, affirm);
    // Refunded down to the weight used: far less than what was withdrawn.
    expect(await h.polyx(investor.address)).toBe(before - feePaid(r));
    if (estimate) {
      expect(feePaid(r)).toBe(units(estimate.transactionFee));
      expect(feePaid(r)).toBeLessThan(units(estimate.withdrawnFee));
    }
    expect(await h.ledger.assetBalance(assetId, investor.did)).toBe('10');
  });

  it('a batch pays one transaction fee for all its calls', async () => {
    const p = await h.investor();
    const calls = [remark('one'), remark('two'), remark('three')];
    const single = h.embedded ? await h.ledger.estimateFee(calls[0]!, p.address) : null;
    const estimate = h.embedded
      ? await h.ledger.estimateFee({ name: 'utility.forceBatch', args: { calls } }, p.address)
      : null;
    const before = await h.polyx(p.address);
    const r = await h.submit(p.address, { name: 'utility.forceBatch', args: { calls } });
    expect(r.events.filter((e) => e.name === 'TransactionFeePaid')).toHaveLength(1);
    expect(await h.polyx(p.address)).toBe(before - feePaid(r));
    if (estimate && single) {
      expect(feePaid(r)).toBe(units(estimate.transactionFee));
      // One base fee instead of three.
      expect(feePaid(r)).toBeLessThan(3n * units(single.transactionFee));
    }
  });

  it('protocol fees are charged per inner call of a batch, on top of the one transaction fee', async () => {
    const p = await h.investor({ polyx: '1100' });
    const tag = `FEE${Date.now() % 100000}`;
    const before = await h.polyx(p.address);
    const r = await h.submit(p.address, {
      name: 'utility.forceBatch',
      args: {
        calls: [
          { name: 'asset.registerUniqueTicker', args: { ticker: `${tag}A` } },
          { name: 'asset.registerUniqueTicker', args: { ticker: `${tag}B` } },
          { name: 'asset.freeze', args: { assetId } },
        ],
      },
    });
    expect(r.result.items.map((i) => i.ok)).toEqual([true, true, false]);
    // Two registrations at 500 POLYX each; the failed freeze charged nothing of its own.
    expect(before - (await h.polyx(p.address))).toBe(units('1000') + feePaid(r));
  });

  it('accepting an invitation to join an identity is paid by the inviting identity’s primary key', async () => {
    const p = await h.investor();
    const key = await h.account();
    const inv = await h.submit(p.address, { name: 'identity.inviteAccount', args: { targetAccount: key } });
    const before = await h.polyx(p.address);
    const r = await h.submit(key, {
      name: 'identity.acceptAuthorization',
      args: { authId: inv.result.authId },
    });
    expect(feeEvent(r)?.data).toMatchObject({ who: p.address });
    expect(await h.polyx(p.address)).toBe(before - feePaid(r));
    expect(await h.polyx(key)).toBe(0n);
  });

  itEmbedded('an unlinked key without a valid invitation is refused (InvalidAuthorization)', async () => {
    const key = await h.account();
    await h.refuse(
      key,
      { name: 'identity.acceptAuthorization', args: { authId: 999_999 } },
      'InvalidAuthorization',
    );
    await h.refuse(key, remark('no identity'), 'MissingIdentity');
  });

  it('new identities start with 0 POLYX; the dev genesis keys with 30,000,000', async () => {
    const p = await h.investor({ polyx: '0' });
    expect(await h.ledger.polyxBalance(p.address)).toEqual({ total: '0', locked: '0', free: '0' });
    const stash = await h.ledger.addSigner({ uri: '//Alice//stash' });
    const dave = await h.ledger.addSigner({ uri: '//Dave' });
    expect(await h.polyx(stash)).toBe(units('30000000'));
    expect(await h.polyx(dave)).toBe(units('30000000'));
  });

  itEmbedded(
    'estimateFee tells the protocol fee and what the payer needs; the charge matches it',
    async () => {
      const p = await h.investor({ polyx: '3000' });
      const call = {
        name: 'asset.createAsset',
        args: { name: 'Estimated', assetType: 'EquityCommon', divisible: true },
      } as const;
      const e = await h.ledger.estimateFee(call, p.address);
      expect(e.payer).toBe(p.address);
      expect(e.protocolFee).toBe('2500');
      expect(units(e.total)).toBe(units(e.transactionFee) + units('2500'));
      expect(units(e.required)).toBe(units(e.withdrawnFee) + units('2500'));
      const before = await h.polyx(p.address);
      const r = await h.submit(p.address, call);
      expect(before - (await h.polyx(p.address))).toBe(units(e.total));
      expect(feePaid(r)).toBe(units(e.transactionFee));
      // Admission refusals come back from the estimate as they would from a submission.
      await expect(h.ledger.estimateFee(call, await h.account())).rejects.toMatchObject({
        code: 'MissingIdentity',
      });
    },
  );

  it(`the harness funds investors with ${INVESTOR_POLYX} POLYX, as a node case must`, async () => {
    const p = await h.investor();
    expect(await h.polyx(p.address)).toBe(units(INVESTOR_POLYX));
  });
});
