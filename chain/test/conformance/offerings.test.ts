/** POLYMESH.md §9: offerings (sto) — launch, tiers, invest, freeze, window, stop, status. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetId, CallArgs, PriceTier } from '../../src/index.js';
import { DAY, Harness, itClock, type Party } from './harness.js';

let h: Harness;
let issuer: Party;
let buyer: Party;
let assetId: AssetId;
let currency: AssetId;
let stoVenue: number;

beforeAll(async () => {
  h = await Harness.create();
  issuer = await h.issuer();
  buyer = await h.investor();
  assetId = await h.createAsset(issuer, { name: 'Offered Equity' });
  currency = await h.createAsset(issuer, { name: 'Stable USD' });
  await h.issue(issuer, assetId, '10000');
  await h.seedHolder(issuer, currency, buyer, '100000');
  stoVenue = (
    await h.submit(issuer.address, {
      name: 'settlement.createVenue',
      args: { details: 'primary', type: 'Sto' },
    })
  ).result.venueId;
});
afterAll(async () => h.close());

const launchArgs = (
  over: Partial<CallArgs<'sto.createFundraiser'>> = {},
): CallArgs<'sto.createFundraiser'> => ({
  offeringPortfolio: { did: issuer.did },
  assetId,
  raisingPortfolio: { did: issuer.did },
  raisingAssetId: currency,
  tiers: [
    { total: '100', price: '1' },
    { total: '100', price: '2' },
  ],
  venueId: stoVenue,
  minimumInvestment: '10',
  name: 'Series A',
  ...over,
});
const launch = async (over: Partial<CallArgs<'sto.createFundraiser'>> = {}) =>
  (await h.submit(issuer.address, { name: 'sto.createFundraiser', args: launchArgs(over) })).result
    .fundraiserId;
const invest = (fundraiserId: number, purchaseAmount: string, maxPrice?: string) => ({
  name: 'sto.invest' as const,
  args: {
    investmentPortfolio: { did: buyer.did },
    fundingPortfolio: { did: buyer.did },
    assetId,
    fundraiserId,
    purchaseAmount,
    ...(maxPrice ? { maxPrice } : {}),
  },
});
const lockedOffering = async () =>
  (await h.ledger.portfolioBalances({ did: issuer.did }, assetId))[0]?.locked;

describe('launch', () => {
  it('refuses a venue that is not the signer’s Sto venue, bad tiers, a bad window and non-agents', async () => {
    const exchange = (
      await h.submit(issuer.address, {
        name: 'settlement.createVenue',
        args: { details: 'x', type: 'Exchange' },
      })
    ).result.venueId;
    await h.refuse(
      issuer.address,
      { name: 'sto.createFundraiser', args: launchArgs({ venueId: exchange }) },
      'InvalidVenue',
    );
    await h.refuse(
      issuer.address,
      { name: 'sto.createFundraiser', args: launchArgs({ tiers: [] }) },
      'InvalidPriceTiers',
    );
    const eleven: PriceTier[] = Array.from({ length: 11 }, () => ({ total: '1', price: '1' }));
    await h.refuse(
      issuer.address,
      { name: 'sto.createFundraiser', args: launchArgs({ tiers: eleven }) },
      'InvalidPriceTiers',
    );
    await h.refuse(
      issuer.address,
      { name: 'sto.createFundraiser', args: launchArgs({ tiers: [{ total: '0', price: '1' }] }) },
      'InvalidPriceTiers',
    );
    await h.refuse(
      issuer.address,
      {
        name: 'sto.createFundraiser',
        args: launchArgs({ start: '2031-01-02T00:00:00Z', end: '2031-01-01T00:00:00Z' }),
      },
      'InvalidOfferingWindow',
    );
    await h.refuse(buyer.address, { name: 'sto.createFundraiser', args: launchArgs() }, 'UnauthorizedAgent');
  });

  it('locks the sum of the tiers and starts Live', async () => {
    const before = Number((await lockedOffering()) ?? 0);
    const id = await launch();
    expect(Number(await lockedOffering())).toBe(before + 200);
    const f = await h.ledger.fundraiser(assetId, id);
    expect(f).toMatchObject({
      totalAmount: '200',
      totalRemaining: '200',
      status: { sale: 'Live', timing: 'Started', balance: 'Available' },
    });
  });
});

describe('invest', () => {
  let id: number;
  beforeAll(async () => {
    id = await launch();
  });

  it('fills tiers in order and settles both legs atomically (cost = Σ take × price)', async () => {
    const r = await h.submit(buyer.address, invest(id, '150'));
    expect(r.result.cost).toBe('200');
    expect(await h.ledger.assetBalance(assetId, buyer.did)).toBe('150');
    expect(await h.ledger.assetBalance(currency, buyer.did)).toBe('99800');
    const invested = r.events.find((e) => e.module === 'sto' && e.name === 'Invested');
    expect(invested?.data).toMatchObject({ offeringAmount: '150', raisingAmount: '200' });
    const f = await h.ledger.fundraiser(assetId, id);
    expect(f?.tiers.map((t) => t.remaining)).toEqual(['0', '50']);
    expect((await h.ledger.instructionStatus(r.result.instructionId))?.type).toBe('Success');
  });

  it('MaxPriceExceeded when the blended price is above maxPrice; at the price it passes', async () => {
    await h.refuse(buyer.address, invest(id, '10', '1.5'), 'MaxPriceExceeded');
    await h.submit(buyer.address, invest(id, '10', '2'));
  });

  it('InsufficientTokensRemaining and InvestmentAmountTooLow', async () => {
    await h.refuse(buyer.address, invest(id, '41'), 'InsufficientTokensRemaining');
    await h.refuse(buyer.address, invest(id, '1'), 'InvestmentAmountTooLow');
  });

  it('a frozen offering refuses investments (FundraiserNotLive) until unfrozen', async () => {
    await h.submit(issuer.address, { name: 'sto.freezeFundraiser', args: { assetId, fundraiserId: id } });
    expect((await h.ledger.fundraiser(assetId, id))?.status.sale).toBe('Frozen');
    await h.refuse(buyer.address, invest(id, '10'), 'FundraiserNotLive');
    await h.submit(issuer.address, { name: 'sto.unfreezeFundraiser', args: { assetId, fundraiserId: id } });
    await h.submit(buyer.address, invest(id, '10'));
  });

  it('a §8 failure (frozen asset) refuses the investment and changes nothing', async () => {
    const other = await h.investor({ cdd: false });
    await h.refuse(
      buyer.address,
      { ...invest(id, '10'), args: { ...invest(id, '10').args, investmentPortfolio: { did: other.did } } },
      'UnauthorizedCustodian',
    );
    const before = await h.ledger.assetBalance(assetId, buyer.did);
    await h.submit(issuer.address, { name: 'asset.freeze', args: { assetId } });
    await h.refuse(buyer.address, invest(id, '10'), 'FailedToReleaseLockOrTransferAssets');
    await h.submit(issuer.address, { name: 'asset.unfreeze', args: { assetId } });
    expect(await h.ledger.assetBalance(assetId, buyer.did)).toBe(before);
    expect((await h.ledger.fundraiser(assetId, id))?.totalRemaining).toBe('30');
  });

  it('stop closes early and unlocks the rest; a closed offering refuses changes', async () => {
    const before = Number(await lockedOffering());
    const late = await launch({ end: '2999-01-01T00:00:00Z' });
    expect(Number(await lockedOffering())).toBe(before + 200);
    await h.submit(issuer.address, { name: 'sto.stop', args: { assetId, fundraiserId: late } });
    expect(Number(await lockedOffering())).toBe(before);
    expect((await h.ledger.fundraiser(assetId, late))?.status).toMatchObject({
      sale: 'ClosedEarly',
      balance: 'Residual',
    });
    await h.refuse(
      issuer.address,
      { name: 'sto.stop', args: { assetId, fundraiserId: late } },
      'FundraiserClosed',
    );
    await h.refuse(
      issuer.address,
      { name: 'sto.freezeFundraiser', args: { assetId, fundraiserId: late } },
      'FundraiserClosed',
    );
    await h.refuse(buyer.address, invest(late, '10'), 'FundraiserNotLive');
    await h.refuse(
      issuer.address,
      { name: 'sto.stop', args: { assetId, fundraiserId: 999 } },
      'FundraiserNotFound',
    );
  });
});

describe('offering window', () => {
  itClock(
    'investing outside start–end is refused (FundraiserExpired); the window can move until it ends',
    async () => {
      const start = await h.isoIn(DAY);
      const end = await h.isoIn(3 * DAY);
      const id = await launch({ start, end });
      expect((await h.ledger.fundraiser(assetId, id))?.status.timing).toBe('NotStarted');
      await h.refuse(buyer.address, invest(id, '10'), 'FundraiserExpired');
      await h.submit(issuer.address, {
        name: 'sto.modifyFundraiserWindow',
        args: { assetId, fundraiserId: id, start: await h.isoIn(0), end },
      });
      await h.submit(buyer.address, invest(id, '10'));
      h.advance(4 * DAY);
      expect((await h.ledger.fundraiser(assetId, id))?.status).toMatchObject({
        timing: 'Expired',
        balance: 'Residual',
      });
      await h.refuse(buyer.address, invest(id, '10'), 'FundraiserExpired');
      await h.refuse(
        issuer.address,
        {
          name: 'sto.modifyFundraiserWindow',
          args: { assetId, fundraiserId: id, start: await h.isoIn(0), end: await h.isoIn(DAY) },
        },
        'FundraiserExpired',
      );
      await h.submit(issuer.address, { name: 'sto.stop', args: { assetId, fundraiserId: id } });
      expect((await h.ledger.fundraiser(assetId, id))?.status.sale).toBe('Closed');
    },
  );

  it('lists the offerings of an asset by id from 0', async () => {
    const list = await h.ledger.fundraisers(assetId);
    expect(list[0]?.id).toBe(0);
    expect(list.map((f) => f.id)).toEqual(list.map((_, i) => i));
  });
});
