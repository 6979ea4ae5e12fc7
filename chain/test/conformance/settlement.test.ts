/** POLYMESH.md §7: venues, instructions, affirmations, mediators, pre-approval, execution. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedLedger } from '../../src/embedded/index.js';
import { receiptMessage } from '../../src/index.js';
import type {
  AssetId,
  InstructionLeg,
  InstructionStatus,
  LedgerEvent,
  SignatureType,
  SettlementType,
} from '../../src/index.js';
import { DAY, Harness, ON_NODE, itClock, itEmbedded, type Party } from './harness.js';

let h: Harness;
let issuer: Party;
let buyer: Party;
let other: Party;
let assetId: AssetId;
let venueId: number;

beforeAll(async () => {
  h = await Harness.create();
  issuer = await h.issuer();
  buyer = await h.investor();
  other = await h.investor();
  assetId = await h.createAsset(issuer);
  await h.issue(issuer, assetId, '100000');
  venueId = (
    await h.submit(issuer.address, {
      name: 'settlement.createVenue',
      args: { details: 'Stoa ATS', type: 'Exchange' },
    })
  ).result.venueId;
});
afterAll(async () => h.close());

const leg = (
  amount: string,
  from: Party = issuer,
  to: Party = buyer,
  asset = assetId,
): Extract<InstructionLeg, { type: 'Fungible' }> => ({
  type: 'Fungible',
  from: { did: from.did },
  to: { did: to.did },
  assetId: asset,
  amount,
});
const SOA: SettlementType = { type: 'SettleOnAffirmation' };

async function add(
  legs: InstructionLeg[],
  extra: { settlementType?: SettlementType; mediators?: string[] } = {},
) {
  const r = await h.submit(issuer.address, {
    name: 'settlement.addInstruction',
    args: {
      venueId,
      settlementType: extra.settlementType ?? SOA,
      legs,
      ...(extra.mediators ? { mediators: extra.mediators } : {}),
    },
  });
  return r.result.instructionId;
}
const affirm = (p: Party, id: number) =>
  h.submit(p.address, { name: 'settlement.affirmInstruction', args: { id, portfolios: [{ did: p.did }] } });

/** Waits for the scheduler (immediate on the embedded ledger, a few blocks on a node). */
async function statusOf(id: number, until: (s: InstructionStatus) => boolean = (s) => s.type !== 'Pending') {
  for (let i = 0; i < (ON_NODE ? 60 : 1); i++) {
    const st = await h.ledger.instructionStatus(id);
    if (st && until(st)) return st;
    if (ON_NODE) await new Promise((r) => setTimeout(r, 1000));
  }
  return (await h.ledger.instructionStatus(id)) ?? undefined;
}
const balance = (p: Party, asset = assetId) => h.ledger.assetBalance(asset, p.did);
const locked = async (p: Party, asset = assetId) =>
  (await h.ledger.portfolioBalances({ did: p.did }, asset))[0]?.locked ?? '0';

async function eventsSince(block: number): Promise<LedgerEvent[]> {
  const out: LedgerEvent[] = [];
  const stop = await h.ledger.subscribeEvents(block, (e) => out.push(e));
  stop();
  return out;
}

describe('venues', () => {
  it('creates venues numbered from 1, owned by the creator', async () => {
    const v = await h.ledger.venue(venueId);
    expect(v).toMatchObject({ id: venueId, creator: issuer.did, type: 'Exchange', details: 'Stoa ATS' });
    expect((await h.ledger.venues(issuer.did)).map((x) => x.id)).toContain(venueId);
  });

  it('only the creator adds instructions at its venue (Unauthorized), and the venue must exist (InvalidVenue)', async () => {
    await h.refuse(
      other.address,
      {
        name: 'settlement.addInstruction',
        args: { venueId, settlementType: SOA, legs: [leg('1', other, buyer)] },
      },
      'Unauthorized',
    );
    await h.refuse(
      issuer.address,
      { name: 'settlement.addInstruction', args: { venueId: 9999, settlementType: SOA, legs: [leg('1')] } },
      'InvalidVenue',
    );
  });

  it('venue filtering: a venue not on the allow list is refused (UnauthorizedVenue); allowed or no venue passes', async () => {
    const a2 = await h.createAsset(issuer);
    await h.issue(issuer, a2, '10');
    await h.submit(issuer.address, {
      name: 'settlement.setVenueFiltering',
      args: { assetId: a2, enabled: true },
    });
    await h.refuse(
      issuer.address,
      {
        name: 'settlement.addInstruction',
        args: { venueId, settlementType: SOA, legs: [leg('1', issuer, buyer, a2)] },
      },
      'UnauthorizedVenue',
    );
    await h.submit(issuer.address, {
      name: 'settlement.addInstruction',
      args: { settlementType: SOA, legs: [leg('1', issuer, buyer, a2)] },
    });
    await h.submit(issuer.address, {
      name: 'settlement.allowVenues',
      args: { assetId: a2, venues: [venueId] },
    });
    expect(await h.ledger.venueFiltering(a2)).toEqual({ enabled: true, allowedVenues: [venueId] });
    await h.submit(issuer.address, {
      name: 'settlement.addInstruction',
      args: { venueId, settlementType: SOA, legs: [leg('1', issuer, buyer, a2)] },
    });
  });
});

describe('instruction creation', () => {
  const refuseLegs = (
    legs: InstructionLeg[],
    code: Parameters<Harness['refuse']>[2],
    extra: Record<string, unknown> = {},
  ) =>
    h.refuse(
      issuer.address,
      { name: 'settlement.addInstruction', args: { venueId, settlementType: SOA, legs, ...extra } },
      code,
    );

  it('refuses bad legs with Polymesh errors', async () => {
    await refuseLegs([leg('1', issuer, issuer)], 'SameSenderReceiver');
    await refuseLegs([leg('0')], 'ZeroAmount');
    await refuseLegs(
      [leg('1', issuer, buyer, '00000000-0000-8000-8000-000000000000')],
      'UnexpectedOFFChainAsset',
    );
    await refuseLegs(
      Array.from({ length: 11 }, () => leg('1')),
      'MaxNumberOfFungibleAssetsExceeded',
    );
    await refuseLegs([{ ...leg('1'), to: { did: buyer.did, number: 7 } }], 'PortfolioDoesNotExist');
    await refuseLegs([leg('1')], 'InstructionDatesInvalid', {
      tradeDate: '2030-01-02T00:00:00Z',
      valueDate: '2030-01-01T00:00:00Z',
    });
    await refuseLegs([leg('1')], 'SettleOnPastBlock', {
      settlementType: { type: 'SettleOnBlock', block: 1 },
    });
    await h.refuse(
      issuer.address,
      {
        name: 'settlement.addInstruction',
        args: {
          settlementType: SOA,
          legs: [{ type: 'OffChain', from: issuer.did, to: buyer.did, ticker: 'USDX', amount: '5' }],
        },
      },
      'OffChainAssetsMustHaveAVenue',
    );
  });

  it('accepts a memo, dates and an off-chain leg; the pending count covers portfolios and off-chain legs', async () => {
    const r = await h.submit(issuer.address, {
      name: 'settlement.addInstruction',
      args: {
        venueId,
        settlementType: SOA,
        tradeDate: '2030-01-01T00:00:00Z',
        valueDate: '2030-01-02T00:00:00Z',
        memo: 'trade 42',
        legs: [leg('1'), { type: 'OffChain', from: buyer.did, to: issuer.did, ticker: 'USDX', amount: '5' }],
      },
    });
    const d = await h.ledger.instruction(r.result.instructionId);
    expect(d).toMatchObject({
      venueId,
      memo: 'trade 42',
      status: { type: 'Pending' },
      pendingAffirmations: 3,
    });
    expect(d?.legs.map((l) => l.type)).toEqual(['Fungible', 'OffChain']);
    const created = r.events.find((e) => e.name === 'InstructionCreated');
    expect(created).toMatchObject({
      module: 'settlement',
      data: { instructionId: r.result.instructionId, memo: 'trade 42' },
    });
  });
});

describe('affirmation and SettleOnAffirmation', () => {
  it('affirming locks the sender amount; the last affirmation executes the instruction in the next block', async () => {
    const before = await balance(buyer);
    const id = await add([leg('10')]);
    await affirm(issuer, id);
    expect(await locked(issuer)).toBe('10');
    const r = await affirm(buyer, id);
    const status = await statusOf(id);
    expect(status).toEqual({ type: 'Success', block: r.blockNumber + 1 });
    expect(Number(await balance(buyer))).toBe(Number(before) + 10);
    expect(await locked(issuer)).toBe('0');
    const names = (await eventsSince(r.blockNumber + 1))
      .filter((e) => e.block === r.blockNumber + 1)
      .map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['AssetBalanceUpdated', 'InstructionExecuted']));
    const moved = (await eventsSince(r.blockNumber + 1)).find((e) => e.name === 'AssetBalanceUpdated');
    expect(moved?.data).toMatchObject({ reason: { type: 'Transferred', instructionId: id } });
    // Executed instructions are pruned: details, legs and affirmations go, the status stays.
    expect(await h.ledger.instruction(id)).toBeNull();
    expect((await h.ledger.instructionsOf(buyer.did)).map((i) => i.id)).not.toContain(id);
    await h.refuse(
      buyer.address,
      { name: 'settlement.withdrawAffirmation', args: { id, portfolios: [{ did: buyer.did }] } },
      'UnexpectedAffirmationStatus',
    );
    await h.refuse(
      buyer.address,
      { name: 'settlement.rejectInstruction', args: { id, portfolio: { did: buyer.did } } },
      'CallerIsNotAParty',
    );
    expect(await h.ledger.instructionStatus(99_999)).toBeNull();
  });

  it('refuses a second affirmation, a non-custodian, and a lock above the free balance', async () => {
    const id = await add([leg('5')]);
    await affirm(issuer, id);
    await h.refuse(
      issuer.address,
      { name: 'settlement.affirmInstruction', args: { id, portfolios: [{ did: issuer.did }] } },
      'UnexpectedAffirmationStatus',
    );
    await h.refuse(
      other.address,
      { name: 'settlement.affirmInstruction', args: { id, portfolios: [{ did: buyer.did }] } },
      'UnauthorizedCustodian',
    );
    const big = await add([leg('1', buyer, issuer)]);
    const free = Number(await balance(buyer));
    const tooBig = await add([leg(String(free + 1), buyer, issuer)]);
    await h.refuse(
      buyer.address,
      { name: 'settlement.affirmInstruction', args: { id: tooBig, portfolios: [{ did: buyer.did }] } },
      'InsufficientPortfolioBalance',
    );
    await affirm(buyer, big);
  });

  it('withdrawing an affirmation unlocks; withdrawing twice is refused', async () => {
    const id = await add([leg('7')]);
    const lockedBefore = Number(await locked(issuer));
    await affirm(issuer, id);
    expect(Number(await locked(issuer))).toBe(lockedBefore + 7);
    const r = await h.submit(issuer.address, {
      name: 'settlement.withdrawAffirmation',
      args: { id, portfolios: [{ did: issuer.did }] },
    });
    expect(r.events.some((e) => e.name === 'AffirmationWithdrawn')).toBe(true);
    expect(Number(await locked(issuer))).toBe(lockedBefore);
    await h.refuse(
      issuer.address,
      { name: 'settlement.withdrawAffirmation', args: { id, portfolios: [{ did: issuer.did }] } },
      'UnexpectedAffirmationStatus',
    );
  });

  it('rejection by a party unlocks and ends the instruction; outsiders are refused', async () => {
    const id = await add([leg('3')]);
    const lockedBefore = Number(await locked(issuer));
    await affirm(issuer, id);
    await h.refuse(
      other.address,
      { name: 'settlement.rejectInstruction', args: { id, portfolio: { did: other.did } } },
      'CallerIsNotAParty',
    );
    const r = await h.submit(buyer.address, {
      name: 'settlement.rejectInstruction',
      args: { id, portfolio: { did: buyer.did } },
    });
    expect(r.events.some((e) => e.name === 'InstructionRejected')).toBe(true);
    expect(await h.ledger.instructionStatus(id)).toEqual({ type: 'Rejected', block: r.blockNumber });
    // Rejection prunes the instruction: its details are gone, its status stays.
    expect(await h.ledger.instruction(id)).toBeNull();
    expect((await h.ledger.instructionsOf(buyer.did)).map((i) => i.id)).not.toContain(id);
    expect(Number(await locked(issuer))).toBe(lockedBefore);
    await h.refuse(
      buyer.address,
      { name: 'settlement.affirmInstruction', args: { id, portfolios: [{ did: buyer.did }] } },
      'UnexpectedAffirmationStatus',
    );
    await h.refuse(
      buyer.address,
      { name: 'settlement.affirmInstruction', args: { id: 99999, portfolios: [{ did: buyer.did }] } },
      'UnknownInstruction',
    );
  });
});

describe('execution failure (compliance) as Polymesh records it', () => {
  let asset: AssetId;
  let id: number;
  beforeAll(async () => {
    asset = await h.createAsset(issuer);
    await h.issue(issuer, asset, '1000');
    await h.submit(issuer.address, {
      name: 'complianceManager.addComplianceRequirement',
      args: {
        assetId: asset,
        conditions: [
          {
            type: 'IsPresent',
            target: 'Receiver',
            claim: { type: 'KnowYourCustomer', scope: { type: 'Asset', value: asset } },
            trustedClaimIssuers: [{ identity: issuer.did, trustedFor: null }],
          },
        ],
      },
    });
    id = await add([leg('100', issuer, buyer, asset)]);
    await affirm(issuer, id);
    await affirm(buyer, id);
  });

  it('a scheduled run that fails sets Failed, emits LegFailedExecution, InstructionFailed and FailedToExecuteInstruction, and keeps balances, locks and affirmations (a Failed instruction is not pruned)', async () => {
    expect(await statusOf(id)).toEqual({ type: 'Failed' });
    expect(await balance(buyer, asset)).toBe('0');
    expect(await balance(issuer, asset)).toBe('1000');
    expect(await locked(issuer, asset)).toBe('100');
    const d = await h.ledger.instruction(id);
    expect(d?.affirmations.map((a) => a.status)).toEqual(['Affirmed', 'Affirmed']);
    expect(d?.pendingAffirmations).toBe(0);
    const events = await eventsSince(0);
    const failed = events.find(
      (e) => e.name === 'FailedToExecuteInstruction' && e.data['instructionId'] === id,
    );
    expect(failed?.data['error']).toBe('FailedToReleaseLockOrTransferAssets');
    const mine = events.filter((e) => e.module === 'settlement' && e.data['instructionId'] === id);
    expect(mine.find((e) => e.name === 'LegFailedExecution')?.data).toMatchObject({ legId: 0 });
    // v7.0.0 deposits InstructionFailed right after LegFailedExecution, then the scheduler's
    // FailedToExecuteInstruction.
    expect(mine.map((e) => e.name).slice(-3)).toEqual([
      'LegFailedExecution',
      'InstructionFailed',
      'FailedToExecuteInstruction',
    ]);
  });

  it('a failed manual execution is refused and changes nothing; after the fix it settles', async () => {
    await h.refuse(
      buyer.address,
      { name: 'settlement.executeManualInstruction', args: { id, portfolio: { did: buyer.did } } },
      'FailedToReleaseLockOrTransferAssets',
    );
    expect((await h.ledger.instruction(id))?.status).toEqual({ type: 'Failed' });
    expect(await locked(issuer, asset)).toBe('100');
    await h.claim(issuer, buyer.did, { type: 'KnowYourCustomer', scope: { type: 'Asset', value: asset } });
    await h.refuse(
      other.address,
      { name: 'settlement.executeManualInstruction', args: { id } },
      'Unauthorized',
    );
    const r = await h.submit(buyer.address, {
      name: 'settlement.executeManualInstruction',
      args: { id, portfolio: { did: buyer.did } },
    });
    expect(r.events.map((e) => e.name)).toEqual(
      expect.arrayContaining(['InstructionExecuted', 'SettlementManuallyExecuted']),
    );
    expect(await balance(buyer, asset)).toBe('100');
    expect(await locked(issuer, asset)).toBe('0');
  });
});

describe('settlement types', () => {
  it('SettleOnBlock(b) executes at block b; affirming after b is refused', async () => {
    const info = await h.ledger.info();
    const b = info.blockHeight + 6;
    const id = await add([leg('2')], { settlementType: { type: 'SettleOnBlock', block: b } });
    await h.refuse(
      buyer.address,
      { name: 'settlement.executeManualInstruction', args: { id, portfolio: { did: buyer.did } } },
      'InstructionSettleBlockNotReached',
    );
    await affirm(issuer, id);
    await affirm(buyer, id);
    expect((await h.ledger.instruction(id))?.status.type).toBe('Pending');
    while ((await h.ledger.info()).blockHeight < b) {
      await h.submit(issuer.address, { name: 'system.remark', args: { remark: 'tick' } });
    }
    expect(await statusOf(id)).toEqual({ type: 'Success', block: b });
    const late = await add([leg('2')], {
      settlementType: { type: 'SettleOnBlock', block: (await h.ledger.info()).blockHeight + 2 },
    });
    await h.submit(issuer.address, { name: 'system.remark', args: { remark: 'tick' } });
    await h.submit(issuer.address, { name: 'system.remark', args: { remark: 'tick' } });
    await h.refuse(
      issuer.address,
      { name: 'settlement.affirmInstruction', args: { id: late, portfolios: [{ did: issuer.did }] } },
      'InstructionSettleBlockPassed',
    );
  });

  it('SettleManual waits for a manual execution by a party or the venue creator', async () => {
    const id = await add([leg('4')], { settlementType: { type: 'SettleManual', block: 0 } });
    await affirm(issuer, id);
    await affirm(buyer, id);
    await h.submit(issuer.address, { name: 'system.remark', args: { remark: 'tick' } });
    expect((await h.ledger.instruction(id))?.status.type).toBe('Pending');
    await h.submit(issuer.address, { name: 'settlement.executeManualInstruction', args: { id } });
    expect((await h.ledger.instructionStatus(id))?.type).toBe('Success');
  });

  it('executing with affirmations missing is refused (NotAllAffirmationsHaveBeenReceived)', async () => {
    const id = await add([leg('4')], { settlementType: { type: 'SettleManual', block: 0 } });
    await affirm(issuer, id);
    await h.refuse(
      issuer.address,
      { name: 'settlement.executeManualInstruction', args: { id } },
      'NotAllAffirmationsHaveBeenReceived',
    );
  });
});

describe('mediators', () => {
  it('an instruction mediator must affirm before execution; others cannot', async () => {
    const id = await add([leg('1')], { mediators: [other.did] });
    expect((await h.ledger.instruction(id))?.pendingAffirmations).toBe(3);
    await affirm(issuer, id);
    await affirm(buyer, id);
    expect((await h.ledger.instruction(id))?.status.type).toBe('Pending');
    await h.refuse(
      buyer.address,
      { name: 'settlement.affirmInstructionAsMediator', args: { id } },
      'CallerIsNotAMediator',
    );
    await h.refuse(
      other.address,
      { name: 'settlement.affirmInstructionAsMediator', args: { id, expiry: '2000-01-01T00:00:00Z' } },
      'InvalidExpiryDate',
    );
    await h.submit(other.address, { name: 'settlement.affirmInstructionAsMediator', args: { id } });
    expect((await statusOf(id))?.type).toBe('Success');
  });

  itClock('an expired mediator affirmation blocks execution (MediatorAffirmationExpired)', async () => {
    const id = await add([leg('1')], {
      mediators: [other.did],
      settlementType: { type: 'SettleManual', block: 0 },
    });
    await affirm(issuer, id);
    await affirm(buyer, id);
    await h.submit(other.address, {
      name: 'settlement.affirmInstructionAsMediator',
      args: { id, expiry: await h.isoIn(DAY) },
    });
    h.advance(2 * DAY);
    await h.refuse(
      issuer.address,
      { name: 'settlement.executeManualInstruction', args: { id } },
      'MediatorAffirmationExpired',
    );
    await h.submit(other.address, { name: 'settlement.rejectInstructionAsMediator', args: { id } });
    expect((await h.ledger.instructionStatus(id))?.type).toBe('Rejected');
  });

  it('mandatory asset mediators join every instruction of the asset (≤4)', async () => {
    const a = await h.createAsset(issuer);
    await h.issue(issuer, a, '10');
    await h.submit(issuer.address, {
      name: 'asset.addMandatoryMediators',
      args: { assetId: a, mediators: [other.did] },
    });
    expect(await h.ledger.mandatoryMediators(a)).toEqual([other.did]);
    const id = await add([leg('1', issuer, buyer, a)]);
    expect((await h.ledger.instruction(id))?.mediators.map((m) => m.did)).toEqual([other.did]);
    const extra = await Promise.all([1, 2, 3, 4].map(() => h.investor({ cdd: false })));
    await h.refuse(
      issuer.address,
      { name: 'asset.addMandatoryMediators', args: { assetId: a, mediators: extra.map((p) => p.did) } },
      'NumberOfAssetMediatorsExceeded',
    );
  });
});

describe('pre-approval', () => {
  it('a DID that pre-approved the asset is affirmed automatically as receiver', async () => {
    const a = await h.createAsset(issuer);
    await h.issue(issuer, a, '10');
    await h.submit(buyer.address, { name: 'asset.preApproveAsset', args: { assetId: a } });
    const r = await h.submit(issuer.address, {
      name: 'settlement.addAndAffirmInstruction',
      args: {
        venueId,
        settlementType: SOA,
        legs: [leg('2', issuer, buyer, a)],
        portfolios: [{ did: issuer.did }],
      },
    });
    expect(r.events.some((e) => e.name === 'InstructionAutomaticallyAffirmed')).toBe(true);
    expect((await statusOf(r.result.instructionId))?.type).toBe('Success');
    expect(await balance(buyer, a)).toBe('2');
  });

  it('pre-approval is per asset, never for the sender, and ends with its removal', async () => {
    const a = await h.createAsset(issuer);
    const b = await h.createAsset(issuer);
    await h.issue(issuer, a, '10');
    await h.issue(issuer, b, '10');
    await h.submit(other.address, { name: 'asset.preApproveAsset', args: { assetId: a } });
    // Pre-approved asset: only the sender's affirmation is still missing.
    const inA = await add([leg('1', issuer, other, a)]);
    expect((await h.ledger.instruction(inA))?.pendingAffirmations).toBe(1);
    // Another asset still needs the receiver.
    const inB = await add([leg('1', issuer, other, b)]);
    expect((await h.ledger.instruction(inB))?.pendingAffirmations).toBe(2);
    await h.submit(other.address, { name: 'asset.removeAssetPreApproval', args: { assetId: a } });
    const after = await add([leg('1', issuer, other, a)]);
    expect((await h.ledger.instruction(after))?.pendingAffirmations).toBe(2);
  });

  it('a pre-approved portfolio is affirmed automatically; without it the receiver must affirm', async () => {
    const a = await h.createAsset(issuer);
    await h.issue(issuer, a, '10');
    const plain = await add([leg('1', issuer, other, a)]);
    expect((await h.ledger.instruction(plain))?.pendingAffirmations).toBe(2);
    await h.submit(other.address, {
      name: 'portfolio.preApprovePortfolio',
      args: { assetId: a, portfolio: { did: other.did } },
    });
    await h.refuse(
      buyer.address,
      { name: 'portfolio.preApprovePortfolio', args: { assetId: a, portfolio: { did: other.did } } },
      'UnauthorizedCustodian',
    );
    const id = await add([leg('1', issuer, other, a)]);
    expect((await h.ledger.instruction(id))?.pendingAffirmations).toBe(1);
  });
});

describe('scheduled executions and the block log', () => {
  itEmbedded('blocks produced for scheduled executions replay to the same state and events', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stoa-settlement-'));
    try {
      const open = () =>
        EmbeddedLedger.open({ dataDir, clock: 'manual', genesisTime: Date.parse('2025-01-01T00:00:00Z') });
      const a = await open();
      const alice = await a.addSigner({ uri: '//Alice' });
      const reg = async (uri: string) => {
        const address = await a.addSigner({ uri });
        const r = await a.submit(
          { name: 'identity.cddRegisterDid', args: { targetAccount: address, cddClaim: true } },
          { signer: alice },
        );
        return { address, did: r.result.did };
      };
      const seller = await reg('//replay-seller');
      const buyer2 = await reg('//replay-buyer');
      await a.submit(
        { name: 'balances.transfer', args: { to: seller.address, amount: '5000' } },
        { signer: alice },
      );
      await a.submit(
        { name: 'balances.transfer', args: { to: buyer2.address, amount: '10' } },
        { signer: alice },
      );
      const asset = (
        await a.submit(
          { name: 'asset.createAsset', args: { name: 'Replayed', assetType: 'Fund', divisible: true } },
          { signer: seller.address },
        )
      ).result.assetId;
      await a.submit(
        { name: 'asset.issue', args: { assetId: asset, amount: '10' } },
        { signer: seller.address },
      );
      await a.submit({ name: 'asset.preApproveAsset', args: { assetId: asset } }, { signer: buyer2.address });
      const r = await a.submit(
        {
          name: 'settlement.addAndAffirmInstruction',
          args: {
            settlementType: { type: 'SettleOnAffirmation' },
            legs: [
              {
                type: 'Fungible',
                from: { did: seller.did },
                to: { did: buyer2.did },
                assetId: asset,
                amount: '4',
              },
            ],
            portfolios: [{ did: seller.did }],
          },
        },
        { signer: seller.address },
      );
      const status = await a.instructionStatus(r.result.instructionId);
      expect(status).toEqual({ type: 'Success', block: r.blockNumber + 1 });
      const events: unknown[] = [];
      (await a.subscribeEvents(0, (e) => events.push(e)))();
      const height = (await a.info()).blockHeight;
      await a.close();

      const b = await open();
      expect((await b.info()).blockHeight).toBe(height);
      expect(await b.assetBalance(asset, buyer2.did)).toBe('4');
      expect(await b.instructionStatus(r.result.instructionId)).toEqual(status);
      const replayed: unknown[] = [];
      (await b.subscribeEvents(0, (e) => replayed.push(e)))();
      expect(replayed).toEqual(events);
      await b.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('off-chain legs and receipts', () => {
  it('an off-chain leg is affirmed with a venue signer’s receipt; bad receipts are refused', async () => {
    const pair = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//stoa-receipt-signer');
    const stranger = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//stoa-stranger');
    await h.submit(issuer.address, {
      name: 'settlement.updateVenueSigners',
      args: { venueId, signers: [pair.address], add: true },
    });
    await h.refuse(
      issuer.address,
      { name: 'settlement.updateVenueSigners', args: { venueId, signers: [pair.address], add: true } },
      'SignerAlreadyExists',
    );
    const offLeg: InstructionLeg = {
      type: 'OffChain',
      from: buyer.did,
      to: issuer.did,
      ticker: 'USDX',
      amount: '25',
    };
    const id = await add([leg('1'), offLeg]);
    await affirm(issuer, id);
    await affirm(buyer, id);
    expect((await h.ledger.instruction(id))?.pendingAffirmations).toBe(1);
    const msg = (uid: number, legId = 1) =>
      receiptMessage({
        uid,
        instructionId: id,
        legId,
        from: buyer.did,
        to: issuer.did,
        ticker: 'USDX',
        amount: '25',
      });
    const receipt = (uid: number, signer = pair, legId = 1) => ({
      uid,
      legId,
      signer: signer.address,
      signature: { type: 'Sr25519' as SignatureType, value: u8aToHex(signer.sign(msg(uid, legId))) },
    });
    const withReceipts = (receipts: ReturnType<typeof receipt>[]) => ({
      name: 'settlement.affirmWithReceipts' as const,
      args: { id, receipts },
    });
    await h.refuse(issuer.address, withReceipts([receipt(1, stranger)]), 'UnauthorizedSigner');
    await h.refuse(
      issuer.address,
      withReceipts([{ ...receipt(1), signature: receipt(2).signature }]),
      'InvalidSignature',
    );
    await h.refuse(issuer.address, withReceipts([receipt(1, pair, 0)]), 'ReceiptForInvalidLegType');
    // The chain verifies the SCALE-encoded Receipt itself: a signature over `<Bytes>…</Bytes>`
    // (what signRaw produces, and what the SDK's note asks for) does not verify.
    const wrapped = u8aConcat(stringToU8a('<Bytes>'), msg(1), stringToU8a('</Bytes>'));
    await h.refuse(
      issuer.address,
      withReceipts([{ ...receipt(1), signature: { type: 'Sr25519', value: u8aToHex(pair.sign(wrapped)) } }]),
      'InvalidSignature',
    );
    // The MultiSignature names its key type: an sr25519 signature sent as Ed25519 does not verify.
    await h.refuse(
      issuer.address,
      withReceipts([{ ...receipt(1), signature: { ...receipt(1).signature, type: 'Ed25519' } }]),
      'InvalidSignature',
    );
    await h.submit(issuer.address, withReceipts([receipt(1)]));
    expect((await statusOf(id))?.type).toBe('Success');
    const again = await add([leg('1'), offLeg]);
    await h.refuse(
      issuer.address,
      { name: 'settlement.affirmWithReceipts', args: { id: again, receipts: [receipt(1)] } },
      'ReceiptAlreadyClaimed',
    );
  });

  it.each(['ed25519', 'ecdsa'] as const)(
    'a %s venue signer’s receipt verifies as its MultiSignature type',
    async (kind) => {
      const pair = new Keyring({ type: kind, ss58Format: 42 }).addFromUri(`//stoa-${kind}-receipt-signer`);
      const type = kind === 'ed25519' ? 'Ed25519' : 'Ecdsa';
      await h.submit(issuer.address, {
        name: 'settlement.updateVenueSigners',
        args: { venueId, signers: [pair.address], add: true },
      });
      const offLeg: InstructionLeg = {
        type: 'OffChain',
        from: buyer.did,
        to: issuer.did,
        ticker: 'EURX',
        amount: '3',
      };
      const id = await add([offLeg]);
      const message = receiptMessage({
        uid: 7,
        instructionId: id,
        legId: 0,
        from: buyer.did,
        to: issuer.did,
        ticker: 'EURX',
        amount: '3',
      });
      const signature = { type, value: u8aToHex(pair.sign(message)) } as const;
      await h.refuse(
        issuer.address,
        {
          name: 'settlement.affirmWithReceipts',
          args: {
            id,
            receipts: [
              { uid: 7, legId: 0, signer: pair.address, signature: { ...signature, type: 'Sr25519' } },
            ],
          },
        },
        kind === 'ecdsa' ? 'ValidationError' : 'InvalidSignature',
      );
      await h.submit(issuer.address, {
        name: 'settlement.affirmWithReceipts',
        args: { id, receipts: [{ uid: 7, legId: 0, signer: pair.address, signature }] },
      });
      expect((await statusOf(id))?.type).toBe('Success');
    },
  );
});
