/** POLYMESH.md §8: the transfer checks, their order, and the canTransfer breakdown. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSFER_ERRORS, type AssetId } from '../../src/index.js';
import { Harness, type Party } from './harness.js';

let h: Harness;
let issuer: Party;
let holder: Party;
let assetId: AssetId;
beforeAll(async () => {
  h = await Harness.create();
  issuer = await h.issuer();
  holder = await h.investor();
  assetId = await h.createAsset(issuer, { divisible: false });
  await h.issue(issuer, assetId, '1000');
});
afterAll(async () => h.close());

const can = (
  from: { did: string; number?: number },
  to: { did: string; number?: number },
  amount: string,
  asset = assetId,
) => h.ledger.canTransfer({ assetId: asset, from, to, amount });

describe('canTransfer', () => {
  it('a valid transfer passes with an empty breakdown', async () => {
    const r = await can({ did: issuer.did }, { did: holder.did }, '10');
    expect(r).toEqual({
      general: [],
      compliance: { paused: false, requirements: [], complies: true },
      restrictions: [],
      result: true,
    });
  });

  it('NoSuchAsset', async () => {
    const r = await can(
      { did: issuer.did },
      { did: holder.did },
      '1',
      '00000000-0000-8000-8000-000000000000',
    );
    expect(r.general).toEqual(['NoSuchAsset']);
  });

  it('InsufficientBalance (DID balance)', async () => {
    expect((await can({ did: issuer.did }, { did: holder.did }, '1001')).general).toContain(
      'InsufficientBalance',
    );
  });

  it('InvalidTransferSenderIdMatchesReceiverId', async () => {
    const n = (await h.submit(issuer.address, { name: 'portfolio.createPortfolio', args: { name: 'Own' } }))
      .result.number;
    expect((await can({ did: issuer.did }, { did: issuer.did, number: n }, '1')).general).toEqual([
      'InvalidTransferSenderIdMatchesReceiverId',
    ]);
  });

  it('PortfolioDoesNotExist', async () => {
    expect((await can({ did: issuer.did }, { did: holder.did, number: 5 }, '1')).general).toEqual([
      'PortfolioDoesNotExist',
    ]);
  });

  it('InvalidGranularity: indivisible asset with 1.5 units', async () => {
    expect((await can({ did: issuer.did }, { did: holder.did }, '1.5')).general).toEqual([
      'InvalidGranularity',
    ]);
  });

  it('InsufficientPortfolioBalance: the DID has enough, the portfolio does not', async () => {
    const n = (
      await h.submit(issuer.address, { name: 'portfolio.createPortfolio', args: { name: 'Reserve' } })
    ).result.number;
    await h.submit(issuer.address, {
      name: 'portfolio.movePortfolioFunds',
      args: {
        from: { did: issuer.did },
        to: { did: issuer.did, number: n },
        items: [{ assetId, amount: '600' }],
      },
    });
    expect((await can({ did: issuer.did }, { did: holder.did }, '500')).general).toEqual([
      'InsufficientPortfolioBalance',
    ]);
    expect((await can({ did: issuer.did, number: n }, { did: holder.did }, '500')).result).toBe(true);
    await h.submit(issuer.address, {
      name: 'portfolio.movePortfolioFunds',
      args: {
        from: { did: issuer.did, number: n },
        to: { did: issuer.did },
        items: [{ assetId, amount: '600' }],
      },
    });
  });

  it('InvalidTransferInvalidReceiverCDD: receiver identity without valid CDD', async () => {
    const noCdd = await h.investor({ cdd: false });
    expect((await can({ did: issuer.did }, { did: noCdd.did }, '1')).general).toEqual([
      'InvalidTransferInvalidReceiverCDD',
    ]);
  });

  it('InvalidTransferInvalidSenderCDD: sender whose CDD claim was revoked', async () => {
    const s = await h.investor();
    await h.seedHolder(issuer, assetId, s, '5');
    await h.submit(h.alice, {
      name: 'identity.revokeClaim',
      args: { target: s.did, claim: { type: 'CustomerDueDiligence' } },
    });
    expect((await can({ did: s.did }, { did: holder.did }, '1')).general).toEqual([
      'InvalidTransferInvalidSenderCDD',
    ]);
  });

  it('InvalidTransferFrozenAsset, and several failures are reported in Polymesh’s order', async () => {
    const frozen = await h.createAsset(issuer);
    await h.issue(issuer, frozen, '10');
    await h.submit(issuer.address, { name: 'asset.freeze', args: { assetId: frozen } });
    expect((await can({ did: issuer.did }, { did: holder.did }, '1', frozen)).general).toEqual([
      'InvalidTransferFrozenAsset',
    ]);
    await h.submit(issuer.address, {
      name: 'complianceManager.addComplianceRequirement',
      args: {
        assetId: frozen,
        conditions: [{ type: 'IsIdentity', identity: `0x${'12'.repeat(32)}`, target: 'Receiver' }],
      },
    });
    const noCdd = await h.investor({ cdd: false });
    const r = await can({ did: issuer.did }, { did: noCdd.did }, '11', frozen);
    expect(r.general).toEqual([
      'InsufficientBalance',
      'InsufficientPortfolioBalance',
      'InvalidTransferFrozenAsset',
      'InvalidTransferInvalidReceiverCDD',
      'InvalidTransferComplianceFailure',
    ]);
    const order = r.general.map((e) => TRANSFER_ERRORS.indexOf(e));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(r.result).toBe(false);
  });

  it('controller transfer applies steps 1–8 only and refuses with the first failure', async () => {
    await h.seedHolder(issuer, assetId, holder, '3');
    await h.refuse(
      issuer.address,
      { name: 'asset.controllerTransfer', args: { assetId, amount: '1.5', from: { did: holder.did } } },
      'InvalidGranularity',
    );
    await h.refuse(
      issuer.address,
      { name: 'asset.controllerTransfer', args: { assetId, amount: '1', from: { did: issuer.did } } },
      'InvalidTransferSenderIdMatchesReceiverId',
    );
  });
});
