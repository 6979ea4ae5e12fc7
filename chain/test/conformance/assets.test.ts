/** POLYMESH.md §3: tickers, creation, identifiers, fees, issue/redeem, freeze, controller transfer, docs, metadata, agents. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bnToU8a, hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto';
import { DOCUMENT_NAME_MAX_BYTES, DOCUMENT_URI_MAX_BYTES } from '../../src/index.js';
import { DAY, feePaid, Harness, itClock, units, type Party } from './harness.js';

let h: Harness;
let issuer: Party;
beforeAll(async () => {
  h = await Harness.create();
  issuer = await h.issuer();
});
afterAll(async () => h.close());

const uniqueTicker = (() => {
  let n = 0;
  return (p = 'T') => `${p}${Date.now().toString(36).toUpperCase().slice(-6)}${n++}`.slice(0, 12);
})();

describe('tickers', () => {
  it('reserves a ticker for 60 days and charges 500 POLYX (plus the transaction fee)', async () => {
    const before = await h.polyx(issuer.address);
    const ticker = uniqueTicker();
    const r = await h.submit(issuer.address, { name: 'asset.registerUniqueTicker', args: { ticker } });
    const res = await h.ledger.tickerReservation(ticker);
    expect(res).toMatchObject({ ticker, owner: issuer.did, assetId: null });
    expect(Date.parse(r.result.expiry) - (await h.now())).toBeGreaterThan(59 * DAY);
    expect(before - (await h.polyx(issuer.address))).toBe(units('500') + feePaid(r));
    // Renewing one's own live reservation costs only the transaction fee.
    const again = await h.submit(issuer.address, { name: 'asset.registerUniqueTicker', args: { ticker } });
    expect(before - (await h.polyx(issuer.address))).toBe(units('500') + feePaid(r) + feePaid(again));
  });

  it('refuses bad tickers and tickers reserved by others', async () => {
    await h.refuse(
      issuer.address,
      { name: 'asset.registerUniqueTicker', args: { ticker: 'ABCDEFGHIJKLM' } },
      'TickerTooLong',
    );
    await h.refuse(
      issuer.address,
      { name: 'asset.registerUniqueTicker', args: { ticker: 'abc' } },
      'InvalidTickerCharacter',
    );
    // The genesis reserves all 170 codes of src/data/currency_symbols.json (not only the majors).
    for (const reserved of ['USD', 'HYD', 'POLYX', 'INR', 'BRL', 'ZWL']) {
      await h.refuse(
        issuer.address,
        { name: 'asset.registerUniqueTicker', args: { ticker: reserved } },
        'TickerAlreadyRegistered',
      );
    }
    const ticker = uniqueTicker();
    await h.submit(issuer.address, { name: 'asset.registerUniqueTicker', args: { ticker } });
    const other = await h.issuer();
    await h.refuse(
      other.address,
      { name: 'asset.registerUniqueTicker', args: { ticker } },
      'TickerAlreadyRegistered',
    );
  });

  itClock('an expired reservation can be taken by another identity', async () => {
    const ticker = uniqueTicker();
    await h.submit(issuer.address, { name: 'asset.registerUniqueTicker', args: { ticker } });
    h.advance(61 * DAY);
    const other = await h.issuer();
    await h.submit(other.address, { name: 'asset.registerUniqueTicker', args: { ticker } });
    expect((await h.ledger.tickerReservation(ticker))?.owner).toBe(other.did);
  });

  it('links a reserved ticker to an asset permanently', async () => {
    const ticker = uniqueTicker();
    await h.submit(issuer.address, { name: 'asset.registerUniqueTicker', args: { ticker } });
    const assetId = await h.createAsset(issuer);
    await h.submit(issuer.address, { name: 'asset.linkTickerToAssetId', args: { ticker, assetId } });
    expect(await h.ledger.assetIdOf(ticker)).toBe(assetId);
    expect((await h.ledger.asset(assetId))?.ticker).toBe(ticker);
    const other = await h.createAsset(issuer);
    await h.refuse(
      issuer.address,
      { name: 'asset.linkTickerToAssetId', args: { ticker, assetId: other } },
      'TickerIsAlreadyLinkedToAnAsset',
    );
  });
});

describe('ticker unlinking', () => {
  it('only the ticker owner unlinks, only from its asset (TickerNotRegisteredToCaller, TickerIsNotLinkedToTheAsset)', async () => {
    const ticker = uniqueTicker('UL');
    await h.submit(issuer.address, { name: 'asset.registerUniqueTicker', args: { ticker } });
    const assetId = await h.createAsset(issuer);
    const other = await h.createAsset(issuer);
    await h.submit(issuer.address, { name: 'asset.linkTickerToAssetId', args: { ticker, assetId } });
    // A Full agent of the asset who does not own the ticker may not unlink it.
    const agent = await h.investor();
    const auth = await h.submit(issuer.address, {
      name: 'externalAgents.addAuthorization',
      args: { assetId, target: agent.did, group: { type: 'Full' } },
    });
    await h.submit(agent.address, {
      name: 'identity.acceptAuthorization',
      args: { authId: auth.result.authId },
    });
    await h.refuse(
      agent.address,
      { name: 'asset.unlinkTickerFromAssetId', args: { ticker, assetId } },
      'TickerNotRegisteredToCaller',
    );
    await h.refuse(
      issuer.address,
      { name: 'asset.unlinkTickerFromAssetId', args: { ticker, assetId: other } },
      'TickerIsNotLinkedToTheAsset',
    );
    await h.refuse(
      issuer.address,
      { name: 'asset.unlinkTickerFromAssetId', args: { ticker: uniqueTicker('NO'), assetId } },
      'TickerRegistrationNotFound',
    );
    const r = await h.submit(issuer.address, {
      name: 'asset.unlinkTickerFromAssetId',
      args: { ticker, assetId },
    });
    expect(r.events.some((e) => e.name === 'TickerUnlinkedFromAsset')).toBe(true);
    expect(await h.ledger.tickerReservation(ticker)).toBeNull();
    expect((await h.ledger.asset(assetId))?.ticker).toBeNull();
  });

  it('linking an unregistered ticker is TickerRegistrationNotFound', async () => {
    const assetId = await h.createAsset(issuer);
    await h.refuse(
      issuer.address,
      { name: 'asset.linkTickerToAssetId', args: { ticker: uniqueTicker('NR'), assetId } },
      'TickerRegistrationNotFound',
    );
  });
});

describe('asset creation', () => {
  it('creates an asset with type, identifiers, funding round, ticker and documents', async () => {
    const ticker = uniqueTicker('ACME');
    const predicted = await h.ledger.nextAssetId(issuer.address);
    const r = await h.submit(issuer.address, {
      name: 'asset.createAsset',
      args: {
        name: 'Acme Corp Common',
        assetType: 'EquityCommon',
        divisible: false,
        ticker,
        fundingRound: 'Series A',
        identifiers: [
          { type: 'Isin', value: 'US0378331005' },
          { type: 'Cusip', value: '037833100' },
          { type: 'Lei', value: 'HWUPKR0MPOU8FGXBT394' },
          { type: 'Figi', value: 'BBG000B9XRY4' },
        ],
        documents: [
          {
            name: 'Prospectus',
            uri: 'https://example.com/p.pdf',
            contentHash: `0x${'ab'.repeat(32)}`,
            type: 'Prospectus',
          },
        ],
      },
    });
    expect(r.result.assetId).toBe(predicted);
    expect(r.result.assetId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const names = r.events.map((e) => `${e.module}.${e.name}`);
    expect(names).toEqual(
      expect.arrayContaining(['asset.AssetCreated', 'asset.TickerLinkedToAsset', 'asset.DocumentAdded']),
    );
    const d = await h.ledger.asset(r.result.assetId);
    expect(d).toMatchObject({
      name: 'Acme Corp Common',
      divisible: false,
      owner: issuer.did,
      totalSupply: '0',
      ticker,
      fundingRound: 'Series A',
    });
    expect(await h.ledger.agents(r.result.assetId)).toEqual([{ did: issuer.did, group: { type: 'Full' } }]);
    expect((await h.ledger.assetDocuments(r.result.assetId))[0]).toMatchObject({ id: 0, name: 'Prospectus' });
  });

  it('asset ids hash what the chain hashes: blake2_128("modlpy/pallet_asset", genesis hash, account, nonce as u64), as a UUIDv8', async () => {
    const creator = await h.issuer();
    const { genesisHash } = await h.ledger.info();
    const expected = (nonce: number): string => {
      const b = blake2AsU8a(
        u8aConcat(
          stringToU8a('modlpy/pallet_asset'),
          hexToU8a(genesisHash),
          decodeAddress(creator.address),
          bnToU8a(BigInt(nonce), { bitLength: 64, isLe: true }),
        ),
        128,
      );
      b[6] = (b[6]! & 0x0f) | 0x80;
      b[8] = (b[8]! & 0x3f) | 0x80;
      const x = u8aToHex(b, -1, false);
      return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
    };
    expect(await h.ledger.nextAssetId(creator.address)).toBe(expected(0));
    expect(await h.createAsset(creator)).toBe(expected(0));
    expect(await h.createAsset(creator)).toBe(expected(1));
  });

  it('accepts identifiers in lower case where the chain does (its byte values map a–z as A–Z)', async () => {
    const r = await h.submit(issuer.address, {
      name: 'asset.createAsset',
      args: {
        name: 'Lower case ids',
        assetType: 'Fund',
        divisible: true,
        identifiers: [
          { type: 'Isin', value: 'us0378331005' },
          { type: 'Cusip', value: '38259p508' },
          { type: 'Lei', value: 'hwupkr0mpou8fgxbt394' },
          { type: 'Figi', value: 'bbG000B9XRY4' },
        ],
      },
    });
    expect((await h.ledger.asset(r.result.assetId))?.identifiers.map((i) => i.value)).toEqual([
      'us0378331005',
      '38259p508',
      'hwupkr0mpou8fgxbt394',
      'bbG000B9XRY4',
    ]);
    // FIGI's third character is compared byte for byte: it must be an upper-case G.
    await h.refuse(
      issuer.address,
      {
        name: 'asset.createAsset',
        args: {
          name: 'x',
          assetType: 'Fund',
          divisible: true,
          identifiers: [{ type: 'Figi', value: 'BBg000B9XRY4' }],
        },
      },
      'InvalidAssetIdentifier',
    );
  });

  it.each([
    ['Isin', 'US0378331006'],
    ['Cusip', '037833101'],
    ['Cins', 'G0052B106'],
    ['Lei', 'HWUPKR0MPOU8FGXBT395'],
    ['Figi', 'BBG000B9XRY5'],
    ['Figi', 'BSG000B9XRY4'],
  ] as const)('refuses an invalid %s %s (InvalidAssetIdentifier)', async (type, value) => {
    await h.refuse(
      issuer.address,
      {
        name: 'asset.createAsset',
        args: { name: 'Bad', assetType: 'Fund', divisible: true, identifiers: [{ type, value }] },
      },
      'InvalidAssetIdentifier',
    );
  });

  it('refuses names over 128 bytes and unknown custom types', async () => {
    await h.refuse(
      issuer.address,
      { name: 'asset.createAsset', args: { name: 'x'.repeat(129), assetType: 'Fund', divisible: true } },
      'MaxLengthOfAssetNameExceeded',
    );
    await h.refuse(
      issuer.address,
      { name: 'asset.createAsset', args: { name: 'x', assetType: { custom: 9999 }, divisible: true } },
      'InvalidCustomAssetTypeId',
    );
    const t = await h.submit(issuer.address, {
      name: 'asset.registerCustomAssetType',
      args: { name: 'Carbon credit' },
    });
    await h.submit(issuer.address, {
      name: 'asset.createAsset',
      args: { name: 'x', assetType: { custom: t.result.id }, divisible: true },
    });
    // Registering a name again is no error on chain: the type is reused (CustomAssetTypeExists).
    const again = await h.submit(issuer.address, {
      name: 'asset.registerCustomAssetType',
      args: { name: 'Carbon credit' },
    });
    expect(again.result.id).toBe(t.result.id);
    expect(again.events.find((e) => e.module === 'asset')?.name).toBe('CustomAssetTypeExists');
  });

  it('charges 2,500 POLYX inside the call; short of it the call fails and only the transaction fee is kept (InsufficientAccountBalance)', async () => {
    const before = await h.polyx(issuer.address);
    const r = await h.submit(issuer.address, {
      name: 'asset.createAsset',
      args: { name: 'Stoa Fee Test', assetType: 'EquityCommon', divisible: true },
    });
    expect(before - (await h.polyx(issuer.address))).toBe(units('2500') + feePaid(r));
    const poor = await h.investor({ polyx: '2499' });
    const nonce = await h.ledger.nonce(poor.address);
    const err = await h.refuse(
      poor.address,
      { name: 'asset.createAsset', args: { name: 'x', assetType: 'Fund', divisible: true } },
      'InsufficientAccountBalance',
    );
    // Included: the nonce is used and the transaction fee paid; the protocol fee went back with the call.
    expect(err.included).toBe(true);
    expect(await h.ledger.nonce(poor.address)).toBe(nonce + 1);
    const left = await h.polyx(poor.address);
    expect(left).toBeLessThan(units('2499'));
    expect(left).toBeGreaterThan(units('2498'));
  });

  it('an identity without POLYX cannot even send it: refused before inclusion (InsufficientPolyx: InvalidTransaction::Payment)', async () => {
    const broke = await h.investor({ polyx: '0' });
    const nonce = await h.ledger.nonce(broke.address);
    const err = await h.refuse(
      broke.address,
      { name: 'asset.createAsset', args: { name: 'x', assetType: 'Fund', divisible: true } },
      'InsufficientPolyx',
    );
    expect(err.included).toBe(false);
    expect(await h.ledger.nonce(broke.address)).toBe(nonce);
  });
});

describe('issue, redeem, freeze, controller transfer', () => {
  it('issues into the default portfolio (AssetBalanceUpdated Issued) and redeems', async () => {
    const assetId = await h.createAsset(issuer);
    const r = await h.submit(issuer.address, { name: 'asset.issue', args: { assetId, amount: '1000.5' } });
    const ev = r.events.find((e) => e.name === 'AssetBalanceUpdated');
    expect(ev?.data).toMatchObject({
      assetId,
      amount: '1000.5',
      from: null,
      to: { did: issuer.did },
      reason: { type: 'Issued' },
    });
    expect((await h.ledger.asset(assetId))?.totalSupply).toBe('1000.5');
    await h.submit(issuer.address, { name: 'asset.redeem', args: { assetId, amount: '0.5' } });
    expect(await h.ledger.portfolioBalances({ did: issuer.did }, assetId)).toEqual([
      { assetId, total: '1000', locked: '0', free: '1000' },
    ]);
    expect(await h.ledger.holders(assetId)).toEqual([{ did: issuer.did, balance: '1000' }]);
    await h.refuse(
      issuer.address,
      { name: 'asset.redeem', args: { assetId, amount: '2000' } },
      'InsufficientPortfolioBalance',
    );
  });

  it('indivisible assets refuse fractional amounts (InvalidGranularity)', async () => {
    const assetId = await h.createAsset(issuer, { divisible: false });
    await h.refuse(
      issuer.address,
      { name: 'asset.issue', args: { assetId, amount: '1.5' } },
      'InvalidGranularity',
    );
    await h.issue(issuer, assetId, '2');
    await h.submit(issuer.address, { name: 'asset.makeDivisible', args: { assetId } });
    await h.issue(issuer, assetId, '1.5');
    await h.refuse(
      issuer.address,
      { name: 'asset.makeDivisible', args: { assetId } },
      'AssetAlreadyDivisible',
    );
  });

  it('refuses supply above 1e12 (TotalSupplyAboveLimit)', async () => {
    const assetId = await h.createAsset(issuer);
    await h.refuse(
      issuer.address,
      { name: 'asset.issue', args: { assetId, amount: '1000000000001' } },
      'TotalSupplyAboveLimit',
    );
  });

  it('only agents issue (UnauthorizedAgent)', async () => {
    const assetId = await h.createAsset(issuer);
    const stranger = await h.investor();
    await h.refuse(
      stranger.address,
      { name: 'asset.issue', args: { assetId, amount: '1' } },
      'UnauthorizedAgent',
    );
  });

  it('freeze / unfreeze (AlreadyFrozen, NotFrozen)', async () => {
    const assetId = await h.createAsset(issuer);
    const r = await h.submit(issuer.address, { name: 'asset.freeze', args: { assetId } });
    expect(r.events.some((e) => e.name === 'AssetFrozen')).toBe(true);
    await h.refuse(issuer.address, { name: 'asset.freeze', args: { assetId } }, 'AlreadyFrozen');
    await h.issue(issuer, assetId, '5'); // issuance is not blocked by a freeze
    await h.submit(issuer.address, { name: 'asset.unfreeze', args: { assetId } });
    await h.refuse(issuer.address, { name: 'asset.unfreeze', args: { assetId } }, 'NotFrozen');
  });

  it('controller transfer pulls into the agent’s default portfolio even when frozen or non-compliant', async () => {
    const assetId = await h.createAsset(issuer);
    const holder = await h.investor();
    await h.seedHolder(issuer, assetId, holder, '100');
    await h.submit(issuer.address, { name: 'asset.freeze', args: { assetId } });
    await h.submit(issuer.address, {
      name: 'complianceManager.addComplianceRequirement',
      args: {
        assetId,
        conditions: [{ type: 'IsIdentity', identity: `0x${'99'.repeat(32)}`, target: 'Receiver' }],
      },
    });
    const r = await h.submit(issuer.address, {
      name: 'asset.controllerTransfer',
      args: { assetId, amount: '40', from: { did: holder.did } },
    });
    expect(r.events.map((e) => e.name)).toEqual(
      expect.arrayContaining(['AssetBalanceUpdated', 'ControllerTransfer']),
    );
    expect(await h.ledger.assetBalance(assetId, holder.did)).toBe('60');
    expect(await h.ledger.assetBalance(assetId, issuer.did)).toBe('40');
    await h.refuse(
      issuer.address,
      { name: 'asset.controllerTransfer', args: { assetId, amount: '61', from: { did: holder.did } } },
      'InsufficientBalance',
    );
    await h.refuse(
      issuer.address,
      {
        name: 'asset.controllerTransfer',
        args: { assetId, amount: '1', from: { did: holder.did, number: 7 } },
      },
      'PortfolioDoesNotExist',
    );
  });
});

describe('documents and metadata', () => {
  it('setDocuments replaces the list; document ids come from a sequence and are never reused', async () => {
    const assetId = await h.createAsset(issuer);
    await h.submit(issuer.address, {
      name: 'asset.setDocuments',
      args: {
        assetId,
        documents: [
          { name: 'A', uri: 'https://a' },
          { name: 'B', uri: 'https://b' },
        ],
      },
    });
    await h.submit(issuer.address, {
      name: 'asset.setDocuments',
      args: { assetId, documents: [{ name: 'C', uri: 'https://c', filedAt: '2024-05-01T00:00:00.000Z' }] },
    });
    // A and B were 0 and 1; the chain's AssetDocumentsIdSequence goes on from 2.
    expect(await h.ledger.assetDocuments(assetId)).toEqual([
      { id: 2, name: 'C', uri: 'https://c', filedAt: '2024-05-01T00:00:00.000Z' },
    ]);
    const r = await h.submit(issuer.address, {
      name: 'asset.setDocuments',
      args: { assetId, documents: [{ name: 'D', uri: 'https://d' }] },
    });
    expect(r.events.filter((e) => e.module === 'asset').map((e) => [e.name, e.data['id']])).toEqual([
      ['DocumentRemoved', 2],
      ['DocumentAdded', 3],
    ]);
  });

  it('document names, URIs and types are bounded in bytes by the base pallet (TooLong)', async () => {
    const assetId = await h.createAsset(issuer);
    // 1,024 two-byte characters: exactly the limit, which the chain counts in bytes.
    const atLimit = 'é'.repeat(DOCUMENT_NAME_MAX_BYTES / 2);
    await h.submit(issuer.address, {
      name: 'asset.setDocuments',
      args: { assetId, documents: [{ name: atLimit, uri: 'https://a', type: 'prospectus' }] },
    });
    for (const doc of [
      { name: `${atLimit}x`, uri: 'https://a' },
      { name: 'A', uri: `https://${'a'.repeat(DOCUMENT_URI_MAX_BYTES)}` },
    ]) {
      await h.refuse(
        issuer.address,
        { name: 'asset.setDocuments', args: { assetId, documents: [doc] } },
        'TooLong',
      );
    }
  });

  it('local metadata keys, values and locks', async () => {
    const assetId = await h.createAsset(issuer);
    const k = await h.submit(issuer.address, {
      name: 'asset.registerAssetMetadataLocalType',
      args: { assetId, name: 'maturity', spec: { description: 'Maturity date' } },
    });
    expect(k.result.key).toEqual({ type: 'Local', id: 1 });
    await h.refuse(
      issuer.address,
      { name: 'asset.registerAssetMetadataLocalType', args: { assetId, name: 'maturity', spec: {} } },
      'AssetMetadataLocalKeyAlreadyExists',
    );
    await h.submit(issuer.address, {
      name: 'asset.setAssetMetadata',
      args: { assetId, key: k.result.key, value: '2030-01-01', details: { lockStatus: { type: 'Locked' } } },
    });
    await h.refuse(
      issuer.address,
      { name: 'asset.setAssetMetadata', args: { assetId, key: k.result.key, value: '2031-01-01' } },
      'AssetMetadataValueIsLocked',
    );
    await h.refuse(
      issuer.address,
      { name: 'asset.setAssetMetadata', args: { assetId, key: { type: 'Local', id: 9 }, value: 'x' } },
      'AssetMetadataKeyIsMissing',
    );
    await h.refuse(
      issuer.address,
      {
        name: 'asset.setAssetMetadata',
        args: { assetId, key: { type: 'Global', id: 1 }, value: 'x'.repeat(8193) },
      },
      'AssetMetadataValueMaxLengthExceeded',
    );
    const md = await h.ledger.assetMetadata(assetId);
    expect(md.find((m) => m.name === 'maturity')).toMatchObject({
      value: '2030-01-01',
      lockStatus: { type: 'Locked' },
    });
    expect(md.map((m) => m.name)).toEqual(expect.arrayContaining(['baseTokenUri', 'tokenUri']));
  });
});

describe('agents and permission groups', () => {
  it('invites an agent with a custom group that allows only issuing', async () => {
    const assetId = await h.createAsset(issuer);
    const g = await h.submit(issuer.address, {
      name: 'externalAgents.createGroup',
      args: { assetId, permissions: { type: 'Include', values: ['asset.issue'] } },
    });
    const agent = await h.investor();
    const auth = await h.submit(issuer.address, {
      name: 'externalAgents.addAuthorization',
      args: { assetId, target: agent.did, group: { type: 'Custom', id: g.result.groupId } },
    });
    await h.submit(agent.address, {
      name: 'identity.acceptAuthorization',
      args: { authId: auth.result.authId },
    });
    await h.submit(agent.address, { name: 'asset.issue', args: { assetId, amount: '10' } });
    await h.refuse(agent.address, { name: 'asset.freeze', args: { assetId } }, 'UnauthorizedAgent');
    await h.refuse(
      issuer.address,
      {
        name: 'externalAgents.addAuthorization',
        args: { assetId, target: agent.did, group: { type: 'Full' } },
      },
      'AlreadyAnAgent',
    );
    expect((await h.ledger.agents(assetId)).map((a) => a.did)).toContain(agent.did);
    await h.submit(issuer.address, {
      name: 'externalAgents.removeAgent',
      args: { assetId, agent: agent.did },
    });
    await h.refuse(
      agent.address,
      { name: 'asset.issue', args: { assetId, amount: '1' } },
      'UnauthorizedAgent',
    );
  });

  it('ExceptMeta agents cannot manage agents; the last Full agent cannot be removed', async () => {
    const assetId = await h.createAsset(issuer);
    const agent = await h.investor();
    const auth = await h.submit(issuer.address, {
      name: 'externalAgents.addAuthorization',
      args: { assetId, target: agent.did, group: { type: 'ExceptMeta' } },
    });
    await h.submit(agent.address, {
      name: 'identity.acceptAuthorization',
      args: { authId: auth.result.authId },
    });
    await h.submit(agent.address, { name: 'asset.freeze', args: { assetId } });
    await h.refuse(
      agent.address,
      { name: 'externalAgents.removeAgent', args: { assetId, agent: issuer.did } },
      'UnauthorizedAgent',
    );
    await h.refuse(
      issuer.address,
      { name: 'externalAgents.removeAgent', args: { assetId, agent: issuer.did } },
      'RemovingLastFullAgent',
    );
    await h.refuse(
      issuer.address,
      {
        name: 'externalAgents.addAuthorization',
        args: { assetId, target: agent.did, group: { type: 'Custom', id: 42 } },
      },
      'NoSuchAG',
    );
  });

  it('transfers ownership through an authorization', async () => {
    const assetId = await h.createAsset(issuer);
    const newOwner = await h.investor();
    const auth = await h.submit(issuer.address, {
      name: 'asset.transferOwnership',
      args: { assetId, target: newOwner.did },
    });
    await h.submit(newOwner.address, {
      name: 'identity.acceptAuthorization',
      args: { authId: auth.result.authId },
    });
    expect((await h.ledger.asset(assetId))?.owner).toBe(newOwner.did);
  });
});
