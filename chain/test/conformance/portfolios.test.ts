/** POLYMESH.md §4: portfolios, fund moves, custody, locked/free balances. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetId } from '../../src/index.js';
import { Harness, type Party } from './harness.js';

let h: Harness;
let issuer: Party;
let assetId: AssetId;
beforeAll(async () => {
  h = await Harness.create();
  issuer = await h.issuer();
  assetId = await h.createAsset(issuer, { divisible: false });
  await h.issue(issuer, assetId, '1000');
});
afterAll(async () => h.close());

describe('portfolios', () => {
  it('creates numbered portfolios with unique names', async () => {
    const p = await h.investor();
    const a = await h.submit(p.address, { name: 'portfolio.createPortfolio', args: { name: 'Trading' } });
    const b = await h.submit(p.address, { name: 'portfolio.createPortfolio', args: { name: 'Savings' } });
    expect([a.result.number, b.result.number]).toEqual([1, 2]);
    await h.refuse(
      p.address,
      { name: 'portfolio.createPortfolio', args: { name: 'Trading' } },
      'PortfolioNameAlreadyInUse',
    );
    await h.submit(p.address, { name: 'portfolio.deletePortfolio', args: { number: 1 } });
    const c = await h.submit(p.address, { name: 'portfolio.createPortfolio', args: { name: 'Other' } });
    expect(c.result.number).toBe(3); // numbers are never reused
    expect((await h.ledger.portfolios(p.did)).map((x) => x.number)).toEqual([0, 2, 3]);
    // `delete_portfolio` takes a user portfolio number: 0 names none (the chain has no
    // "cannot delete the default portfolio" error).
    await h.refuse(
      p.address,
      { name: 'portfolio.deletePortfolio', args: { number: 0 } },
      'PortfolioDoesNotExist',
    );
    await h.refuse(
      p.address,
      { name: 'portfolio.deletePortfolio', args: { number: 1 } },
      'PortfolioDoesNotExist',
    );
    expect((await h.ledger.portfolios(p.did)).map((x) => x.number)).toEqual([0, 2, 3]);
  });

  it('moves funds between own portfolios (FundsMovedBetweenPortfolios) and keeps the DID total', async () => {
    const r0 = await h.submit(issuer.address, {
      name: 'portfolio.createPortfolio',
      args: { name: `Treasury-${Date.now()}` },
    });
    const n = r0.result.number;
    const r = await h.submit(issuer.address, {
      name: 'portfolio.movePortfolioFunds',
      args: {
        from: { did: issuer.did },
        to: { did: issuer.did, number: n },
        items: [{ assetId, amount: '300', memo: 'treasury' }],
      },
    });
    expect(r.events.some((e) => e.name === 'FundsMovedBetweenPortfolios')).toBe(true);
    expect(await h.ledger.portfolioBalances({ did: issuer.did, number: n })).toEqual([
      { assetId, total: '300', locked: '0', free: '300' },
    ]);
    expect(await h.ledger.assetBalance(assetId, issuer.did)).toBe('1000');
    await h.refuse(
      issuer.address,
      { name: 'portfolio.deletePortfolio', args: { number: n } },
      'PortfolioNotEmpty',
    );
    await h.submit(issuer.address, {
      name: 'portfolio.movePortfolioFunds',
      args: {
        from: { did: issuer.did, number: n },
        to: { did: issuer.did },
        items: [{ assetId, amount: '300' }],
      },
    });
  });

  it('refuses invalid moves with Polymesh’s errors', async () => {
    const other = await h.investor();
    const mv = (from: object, to: object, amount: string, extra: object[] = []) => ({
      name: 'portfolio.movePortfolioFunds' as const,
      args: {
        from: from as { did: string },
        to: to as { did: string },
        items: [{ assetId, amount }, ...(extra as { assetId: string; amount: string }[])],
      },
    });
    await h.refuse(
      issuer.address,
      mv({ did: issuer.did }, { did: other.did }, '1'),
      'DifferentIdentityPortfolios',
    );
    await h.refuse(
      issuer.address,
      mv({ did: issuer.did }, { did: issuer.did }, '1'),
      'DestinationIsSamePortfolio',
    );
    await h.refuse(
      issuer.address,
      mv({ did: issuer.did }, { did: issuer.did, number: 999 }, '1'),
      'PortfolioDoesNotExist',
    );
    const n = (
      await h.submit(issuer.address, { name: 'portfolio.createPortfolio', args: { name: `X-${Date.now()}` } })
    ).result.number;
    await h.refuse(
      issuer.address,
      mv({ did: issuer.did }, { did: issuer.did, number: n }, '0'),
      'EmptyTransfer',
    );
    await h.refuse(
      issuer.address,
      mv({ did: issuer.did }, { did: issuer.did, number: n }, '5000'),
      'InsufficientPortfolioBalance',
    );
    await h.refuse(
      issuer.address,
      mv({ did: issuer.did }, { did: issuer.did, number: n }, '1.5'),
      'InvalidGranularity',
    );
    await h.refuse(
      issuer.address,
      mv({ did: issuer.did }, { did: issuer.did, number: n }, '1', [{ assetId, amount: '1' }]),
      'NoDuplicateAssetsAllowed',
    );
    await h.refuse(
      other.address,
      mv({ did: issuer.did }, { did: issuer.did, number: n }, '1'),
      'UnauthorizedCustodian',
    );
  });

  it('custody: the owner grants custody, the custodian moves funds, the owner no longer can, the custodian quits', async () => {
    const owner = await h.investor();
    const custodian = await h.investor();
    await h.seedHolder(issuer, assetId, owner, '10');
    const n = (
      await h.submit(owner.address, { name: 'portfolio.createPortfolio', args: { name: 'Custodied' } })
    ).result.number;
    const auth = await h.submit(owner.address, {
      name: 'portfolio.setCustodian',
      args: { portfolio: { did: owner.did }, target: custodian.did },
    });
    await h.submit(custodian.address, {
      name: 'identity.acceptAuthorization',
      args: { authId: auth.result.authId },
    });
    expect((await h.ledger.portfolios(owner.did))[0]?.custodian).toBe(custodian.did);
    const move = {
      name: 'portfolio.movePortfolioFunds' as const,
      args: {
        from: { did: owner.did },
        to: { did: owner.did, number: n },
        items: [{ assetId, amount: '1' }],
      },
    };
    await h.refuse(owner.address, move, 'UnauthorizedCustodian');
    await h.submit(custodian.address, move);
    await h.submit(custodian.address, {
      name: 'portfolio.quitPortfolioCustody',
      args: { portfolio: { did: owner.did } },
    });
    await h.submit(owner.address, move);
    expect(await h.ledger.portfolioBalances({ did: owner.did, number: n })).toEqual([
      { assetId, total: '2', locked: '0', free: '2' },
    ]);
  });
});
