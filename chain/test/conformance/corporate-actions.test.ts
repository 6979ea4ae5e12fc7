/** POLYMESH.md §10: checkpoints, schedules, corporate actions, distributions and ballots. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEDULES_MAX_COMPLEXITY, type AssetId, type CallArgs } from '../../src/index.js';
import { DAY, Harness, itClock, itEmbedded, type Party } from './harness.js';

let h: Harness;
let issuer: Party;
let holder: Party;
let outsider: Party;
let assetId: AssetId;
let currency: AssetId;
let cp: number;

beforeAll(async () => {
  h = await Harness.create();
  issuer = await h.issuer();
  holder = await h.investor();
  outsider = await h.investor();
  assetId = await h.createAsset(issuer, { name: 'Dividend Equity' });
  currency = await h.createAsset(issuer, { name: 'Stable USD' });
  await h.issue(issuer, assetId, '900');
  await h.issue(issuer, currency, '100000');
  await h.seedHolder(issuer, assetId, holder, '100');
  cp = (await h.submit(issuer.address, { name: 'checkpoint.createCheckpoint', args: { assetId } })).result
    .checkpointId;
  // After the checkpoint the holder's balance changes: benefits and votes must use 100, not 150.
  await h.seedHolder(issuer, assetId, holder, '50');
});
afterAll(async () => h.close());

const initiate = (over: Partial<CallArgs<'corporateAction.initiateCorporateAction'>> = {}) =>
  h.submit(issuer.address, {
    name: 'corporateAction.initiateCorporateAction',
    args: {
      assetId,
      kind: 'PredictableBenefit',
      declDate: '2024-12-31T00:00:00Z',
      recordDate: { type: 'Existing', checkpointId: cp },
      details: 'FY dividend',
      ...over,
    },
  });

describe('checkpoints', () => {
  it('records supply and time; balances at the checkpoint ignore later changes', async () => {
    const [c] = await h.ledger.checkpoints(assetId);
    expect(c).toMatchObject({ id: cp, totalSupply: '1000' });
    expect(await h.ledger.assetBalance(assetId, holder.did)).toBe('150');
    expect(await h.ledger.balanceAtCheckpoint(assetId, cp, holder.did)).toBe('100');
    expect(await h.ledger.balanceAtCheckpoint(assetId, cp, issuer.did)).toBe('900');
    expect(await h.ledger.checkpointBalances(assetId, cp)).toEqual(
      [
        { did: holder.did, balance: '100' },
        { did: issuer.did, balance: '900' },
      ].sort((a, b) => (a.did < b.did ? -1 : 1)),
    );
    expect(await h.ledger.balanceAtCheckpoint(assetId, 99, holder.did)).toBeNull();
    await h.refuse(
      holder.address,
      { name: 'checkpoint.createCheckpoint', args: { assetId } },
      'UnauthorizedAgent',
    );
  });

  it('schedules need future points (ScheduleIsEmpty, ScheduleHasExpiredCheckpoints)', async () => {
    await h.refuse(
      issuer.address,
      { name: 'checkpoint.createSchedule', args: { assetId, points: [] } },
      'ScheduleIsEmpty',
    );
    await h.refuse(
      issuer.address,
      { name: 'checkpoint.createSchedule', args: { assetId, points: ['2000-01-01T00:00:00Z'] } },
      'ScheduleHasExpiredCheckpoints',
    );
    const many = Array.from({ length: SCHEDULES_MAX_COMPLEXITY + 1 }, (_, i) =>
      new Date(Date.parse('2999-01-01T00:00:00Z') + i * DAY).toISOString(),
    );
    await h.refuse(
      issuer.address,
      { name: 'checkpoint.createSchedule', args: { assetId, points: many } },
      'SchedulesOverMaxComplexity',
    );
  });

  itClock(
    'a due schedule point becomes a checkpoint on the next issue, with the supply before it; a finished schedule is gone (NoSuchSchedule)',
    async () => {
      const at = await h.isoIn(DAY);
      const later = await h.isoIn(3 * DAY);
      const s = (
        await h.submit(issuer.address, {
          name: 'checkpoint.createSchedule',
          args: { assetId, points: [at, later] },
        })
      ).result.scheduleId;
      h.advance(2 * DAY);
      const before = (await h.ledger.checkpoints(assetId)).length;
      await h.issue(issuer, assetId, '10');
      const list = await h.ledger.checkpoints(assetId);
      expect(list.length).toBe(before + 1);
      expect(list[list.length - 1]).toMatchObject({ at, totalSupply: '1050' });
      const [sch] = (await h.ledger.checkpointSchedules(assetId)).filter((x) => x.id === s);
      expect(sch).toMatchObject({ pending: [later], checkpoints: [list[list.length - 1]?.id] });
      h.advance(2 * DAY);
      await h.issue(issuer, assetId, '1');
      // ScheduledCheckpoints drops a finished schedule: it is no longer listed or usable.
      expect((await h.ledger.checkpointSchedules(assetId)).some((x) => x.id === s)).toBe(false);
      await h.refuse(
        issuer.address,
        { name: 'checkpoint.removeSchedule', args: { assetId, scheduleId: s } },
        'NoSuchSchedule',
      );
      await h.refuse(
        issuer.address,
        {
          name: 'corporateAction.initiateCorporateAction',
          args: {
            assetId,
            kind: 'Other',
            declDate: '2024-12-31T00:00:00Z',
            details: '',
            recordDate: { type: 'ExistingSchedule', scheduleId: s },
          },
        },
        'NoSuchSchedule',
      );
    },
  );

  itEmbedded("a schedule point at the chain's current time is allowed (every point ≥ now)", async () => {
    const now = await h.isoIn(0);
    const r = await h.submit(issuer.address, {
      name: 'checkpoint.createSchedule',
      args: { assetId, points: [now] },
    });
    expect(
      (await h.ledger.checkpointSchedules(assetId)).find((x) => x.id === r.result.scheduleId)?.pending,
    ).toEqual([now]);
    await h.refuse(
      issuer.address,
      {
        name: 'checkpoint.createSchedule',
        args: { assetId, points: [new Date(Date.parse(now) - 1).toISOString()] },
      },
      'ScheduleHasExpiredCheckpoints',
    );
    await h.submit(issuer.address, {
      name: 'checkpoint.removeSchedule',
      args: { assetId, scheduleId: r.result.scheduleId },
    });
  });

  it(`schedules: at most ${SCHEDULES_MAX_COMPLEXITY} pending points per asset, the dev chain's SchedulesMaxComplexity`, async () => {
    const other = await h.createAsset(issuer, { name: 'Schedule limits' });
    const points = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) =>
        new Date(Date.parse('2999-01-01T00:00:00Z') + (from + i) * DAY).toISOString(),
      );
    const a = await h.submit(issuer.address, {
      name: 'checkpoint.createSchedule',
      args: { assetId: other, points: points(SCHEDULES_MAX_COMPLEXITY - 1, 0) },
    });
    await h.refuse(
      issuer.address,
      { name: 'checkpoint.createSchedule', args: { assetId: other, points: points(2, 100) } },
      'SchedulesOverMaxComplexity',
    );
    await h.submit(issuer.address, {
      name: 'checkpoint.createSchedule',
      args: { assetId: other, points: points(1, 100) },
    });
    await h.submit(issuer.address, {
      name: 'checkpoint.removeSchedule',
      args: { assetId: other, scheduleId: a.result.scheduleId },
    });
  });
});

describe('corporate actions', () => {
  it('refuses future declarations, unknown checkpoints, declarations after the record date and duplicate taxes', async () => {
    await initiate({ declDate: '2999-01-01T00:00:00Z' }).then(
      () => expect.fail('accepted'),
      (e: { code: string }) => expect(e.code).toBe('DeclDateInFuture'),
    );
    await h.refuse(
      issuer.address,
      {
        name: 'corporateAction.initiateCorporateAction',
        args: {
          assetId,
          kind: 'Other',
          declDate: '2024-12-31T00:00:00Z',
          details: '',
          recordDate: { type: 'Existing', checkpointId: 77 },
        },
      },
      'NoSuchCheckpointId',
    );
    const cpTime = (await h.ledger.checkpoints(assetId))[0]?.at as string;
    await h.refuse(
      issuer.address,
      {
        name: 'corporateAction.initiateCorporateAction',
        args: {
          assetId,
          kind: 'Other',
          declDate: new Date(Date.parse(cpTime) + 1).toISOString(),
          details: '',
          recordDate: { type: 'Existing', checkpointId: cp },
        },
      },
      'DeclDateAfterRecordDate',
    );
    await h.refuse(
      issuer.address,
      {
        name: 'corporateAction.initiateCorporateAction',
        args: {
          assetId,
          kind: 'Other',
          declDate: '2024-12-31T00:00:00Z',
          details: '',
          withholdingTax: [
            { did: holder.did, tax: '1' },
            { did: holder.did, tax: '2' },
          ],
        },
      },
      'DuplicateDidTax',
    );
  });

  it('copies the asset defaults (targets, withholding tax) when omitted; ids per asset from 0', async () => {
    await h.submit(issuer.address, {
      name: 'corporateAction.setDefaultWithholdingTax',
      args: { assetId, tax: '15' },
    });
    await h.submit(issuer.address, {
      name: 'corporateAction.setDefaultTargets',
      args: { assetId, targets: { identities: [outsider.did], treatment: 'Exclude' } },
    });
    const r = await initiate();
    const ca = await h.ledger.corporateAction(assetId, r.result.caId);
    expect(ca).toMatchObject({
      defaultWithholdingTax: '15',
      targets: { identities: [outsider.did], treatment: 'Exclude' },
      recordDate: { checkpoint: { type: 'Existing', checkpointId: cp } },
    });
    expect((await h.ledger.corporateActions(assetId))[0]?.caId).toBe(0);
    expect(r.events.some((e) => e.module === 'corporateAction' && e.name === 'CAInitiated')).toBe(true);
  });
});

describe('capital distribution', () => {
  itClock('a dividend with 15% withholding pays the net amount from the checkpoint balance', async () => {
    const caId = (await initiate()).result.caId;
    const paymentAt = await h.isoIn(DAY);
    const expiresAt = await h.isoIn(10 * DAY);
    const dist = { assetId, caId, currency, perShare: '2', amount: '1000', paymentAt, expiresAt };
    await h.submit(issuer.address, { name: 'capitalDistribution.distribute', args: dist });
    expect((await h.ledger.portfolioBalances({ did: issuer.did }, currency))[0]?.locked).toBe('1000');
    await h.refuse(issuer.address, { name: 'capitalDistribution.distribute', args: dist }, 'AlreadyExists');
    await h.refuse(
      holder.address,
      { name: 'capitalDistribution.claim', args: { assetId, caId } },
      'CannotClaimBeforeStart',
    );
    h.advance(DAY);
    const r = await h.submit(holder.address, { name: 'capitalDistribution.claim', args: { assetId, caId } });
    // balance at the checkpoint 100 × 2 = 200; 15% withheld = 30; net 170.
    expect(r.result).toEqual({ benefit: '200', tax: '30', gain: '170' });
    expect(await h.ledger.assetBalance(currency, holder.did)).toBe('170');
    const ev = r.events.find((e) => e.module === 'capitalDistribution' && e.name === 'BenefitClaimed');
    expect(ev?.data).toMatchObject({ holder: holder.did, benefit: '200', tax: '15' });
    expect(await h.ledger.distributionPaid(assetId, caId, holder.did)).toBe(true);
    expect((await h.ledger.distribution(assetId, caId))?.remaining).toBe('800');
    await h.refuse(
      holder.address,
      { name: 'capitalDistribution.claim', args: { assetId, caId } },
      'HolderAlreadyPaid',
    );
    await h.refuse(
      issuer.address,
      { name: 'capitalDistribution.pushBenefit', args: { assetId, caId, holder: outsider.did } },
      'NotTargetedByCA',
    );
    await h.refuse(
      issuer.address,
      { name: 'capitalDistribution.removeDistribution', args: { assetId, caId } },
      'DistributionStarted',
    );
    await h.refuse(
      issuer.address,
      { name: 'capitalDistribution.reclaim', args: { assetId, caId } },
      'NotExpired',
    );
    h.advance(10 * DAY);
    await h.refuse(
      issuer.address,
      { name: 'capitalDistribution.claim', args: { assetId, caId } },
      'CannotClaimAfterExpiry',
    );
    const rec = await h.submit(issuer.address, {
      name: 'capitalDistribution.reclaim',
      args: { assetId, caId },
    });
    expect(rec.events.find((e) => e.name === 'Reclaimed')?.data).toMatchObject({ amount: '800' });
    expect((await h.ledger.portfolioBalances({ did: issuer.did }, currency))[0]?.locked).toBe('0');
    await h.refuse(
      issuer.address,
      { name: 'capitalDistribution.reclaim', args: { assetId, caId } },
      'AlreadyReclaimed',
    );
  });

  itClock(
    'push_benefit by an agent with a per-DID tax override; removal before payment unlocks',
    async () => {
      const caId = (await initiate({ withholdingTax: [{ did: holder.did, tax: '0' }] })).result.caId;
      const paymentAt = await h.isoIn(DAY);
      await h.submit(issuer.address, {
        name: 'capitalDistribution.distribute',
        args: { assetId, caId, currency, perShare: '0.5', amount: '100', paymentAt },
      });
      h.advance(DAY);
      const r = await h.submit(issuer.address, {
        name: 'capitalDistribution.pushBenefit',
        args: { assetId, caId, holder: holder.did },
      });
      expect(r.result).toEqual({ benefit: '50', tax: '0', gain: '50' });
      const other = (await initiate()).result.caId;
      await h.submit(issuer.address, {
        name: 'capitalDistribution.distribute',
        args: { assetId, caId: other, currency, perShare: '1', amount: '10', paymentAt: await h.isoIn(DAY) },
      });
      await h.submit(issuer.address, {
        name: 'capitalDistribution.removeDistribution',
        args: { assetId, caId: other },
      });
      expect(await h.ledger.distribution(assetId, other)).toBeNull();
    },
  );

  it('refuses non-benefit CAs, zero amounts and an expiry before payment', async () => {
    const notice = (await initiate({ kind: 'IssuerNotice' })).result.caId;
    const base = { assetId, currency, perShare: '1', amount: '10', paymentAt: '2999-01-01T00:00:00Z' };
    await h.refuse(
      issuer.address,
      { name: 'capitalDistribution.distribute', args: { ...base, caId: notice } },
      'CANotBenefit',
    );
    const caId = (await initiate()).result.caId;
    await h.refuse(
      issuer.address,
      { name: 'capitalDistribution.distribute', args: { ...base, caId, amount: '0' } },
      'DistributionAmountIsZero',
    );
    await h.refuse(
      issuer.address,
      { name: 'capitalDistribution.distribute', args: { ...base, caId, expiresAt: '2998-01-01T00:00:00Z' } },
      'ExpiryBeforePayment',
    );
    const noDate = (await initiate({ recordDate: undefined })).result.caId;
    await h.refuse(
      issuer.address,
      { name: 'capitalDistribution.distribute', args: { ...base, caId: noDate } },
      'NoRecordDate',
    );
  });
});

describe('ballots', () => {
  const meta = {
    title: 'AGM 2025',
    motions: [
      { title: 'Approve accounts', infoLink: 'https://example.com/1', choices: ['Yes', 'No'] },
      { title: 'Elect board', infoLink: 'https://example.com/2', choices: ['A', 'B', 'C'] },
    ],
  };
  let caId: number;
  beforeAll(async () => {
    caId = (await initiate({ kind: 'IssuerNotice', details: 'AGM' })).result.caId;
  });

  it('attaches only to IssuerNotice CAs, with start ≤ end', async () => {
    const benefit = (await initiate()).result.caId;
    const start = await h.isoIn(0);
    const end = await h.isoIn(7 * DAY);
    await h.refuse(
      issuer.address,
      { name: 'corporateBallot.attachBallot', args: { assetId, caId: benefit, start, end, meta, rcv: true } },
      'CANotNotice',
    );
    await h.refuse(
      issuer.address,
      {
        name: 'corporateBallot.attachBallot',
        args: { assetId, caId, start: end, end: start, meta, rcv: true },
      },
      'StartAfterEnd',
    );
    const r = await h.submit(issuer.address, {
      name: 'corporateBallot.attachBallot',
      args: { assetId, caId, start, end, meta, rcv: true },
    });
    expect(r.events.some((e) => e.module === 'corporateBallot' && e.name === 'Created')).toBe(true);
  });

  it('votes need one entry per choice and at most the checkpoint balance per motion', async () => {
    const vote = (votes: CallArgs<'corporateBallot.vote'>['votes']) => ({
      name: 'corporateBallot.vote' as const,
      args: { assetId, caId, votes },
    });
    await h.refuse(holder.address, vote([{ power: '1' }]), 'WrongVoteCount');
    // 150 held now, 100 at the record date.
    await h.refuse(
      holder.address,
      vote([{ power: '101' }, { power: '0' }, { power: '0' }, { power: '0' }, { power: '0' }]),
      'InsufficientVotes',
    );
    await h.refuse(
      holder.address,
      vote([{ power: '60' }, { power: '50' }, { power: '0' }, { power: '0' }, { power: '0' }]),
      'InsufficientVotes',
    );
    await h.refuse(
      holder.address,
      vote([{ power: '1', fallback: 0 }, { power: '0' }, { power: '0' }, { power: '0' }, { power: '0' }]),
      'RCVSelfCycle',
    );
    await h.refuse(
      holder.address,
      vote([{ power: '1' }, { power: '0' }, { power: '0', fallback: 5 }, { power: '0' }, { power: '0' }]),
      'NoSuchRCVFallback',
    );
    await h.refuse(
      outsider.address,
      vote([{ power: '0' }, { power: '0' }, { power: '0' }, { power: '0' }, { power: '0' }]),
      'NotTargetedByCA',
    );
    const r = await h.submit(
      holder.address,
      vote([{ power: '100' }, { power: '0' }, { power: '40' }, { power: '60', fallback: 0 }, { power: '0' }]),
    );
    expect(r.events.some((e) => e.module === 'corporateBallot' && e.name === 'VoteCast')).toBe(true);
    expect((await h.ledger.ballot(assetId, caId))?.results).toEqual(['100', '0', '40', '60', '0']);
    await h.submit(
      holder.address,
      vote([{ power: '30' }, { power: '70' }, { power: '100' }, { power: '0' }, { power: '0' }]),
    );
    expect((await h.ledger.ballot(assetId, caId))?.results).toEqual(['30', '70', '100', '0', '0']);
    expect(await h.ledger.ballotVotes(assetId, caId, holder.did)).toHaveLength(5);
  });

  it('a ballot without RCV refuses fallbacks (RCVNotAllowed)', async () => {
    const ca = (await initiate({ kind: 'IssuerNotice' })).result.caId;
    await h.submit(issuer.address, {
      name: 'corporateBallot.attachBallot',
      args: { assetId, caId: ca, start: await h.isoIn(0), end: await h.isoIn(DAY), meta, rcv: false },
    });
    await h.refuse(
      holder.address,
      {
        name: 'corporateBallot.vote',
        args: {
          assetId,
          caId: ca,
          votes: [
            { power: '1', fallback: 1 },
            { power: '0' },
            { power: '0' },
            { power: '0' },
            { power: '0' },
          ],
        },
      },
      'RCVNotAllowed',
    );
    await h.refuse(
      issuer.address,
      { name: 'corporateBallot.changeRcv', args: { assetId, caId: ca, rcv: true } },
      'VotingAlreadyStarted',
    );
  });

  itClock('voting outside the range is refused', async () => {
    const ca = (await initiate({ kind: 'IssuerNotice' })).result.caId;
    await h.submit(issuer.address, {
      name: 'corporateBallot.attachBallot',
      args: { assetId, caId: ca, start: await h.isoIn(DAY), end: await h.isoIn(2 * DAY), meta, rcv: false },
    });
    const votes = [{ power: '1' }, { power: '0' }, { power: '0' }, { power: '0' }, { power: '0' }];
    await h.refuse(
      holder.address,
      { name: 'corporateBallot.vote', args: { assetId, caId: ca, votes } },
      'VotingNotStarted',
    );
    h.advance(3 * DAY);
    await h.refuse(
      holder.address,
      { name: 'corporateBallot.vote', args: { assetId, caId: ca, votes } },
      'VotingAlreadyEnded',
    );
  });
});

describe('corporate-action lifecycle (remove_ca, change_record_date, link_ca_doc, change_meta)', () => {
  const meta = {
    title: 'EGM',
    motions: [{ title: 'Approve merger', infoLink: 'https://example.com/m', choices: ['Yes', 'No'] }],
  };
  const names = (events: { module: string; name: string }[]) =>
    events
      .filter((e) => e.module.startsWith('corporate') || e.module === 'capitalDistribution')
      .map((e) => `${e.module}.${e.name}`);

  it('link_ca_doc replaces the linked documents; unknown CA or document ids are refused', async () => {
    await h.submit(issuer.address, {
      name: 'asset.setDocuments',
      args: {
        assetId,
        documents: [
          { name: 'Notice', uri: 'https://n' },
          { name: 'Terms', uri: 'https://t' },
        ],
      },
    });
    const [a, b] = (await h.ledger.assetDocuments(assetId)).map((d) => d.id) as [number, number];
    const caId = (await initiate({ kind: 'Other' })).result.caId;
    const r = await h.submit(issuer.address, {
      name: 'corporateAction.linkCaDoc',
      args: { assetId, caId, documents: [a, b] },
    });
    expect(r.events.find((e) => e.name === 'CALinkedToDoc')?.data).toMatchObject({ caId, documents: [a, b] });
    expect((await h.ledger.corporateAction(assetId, caId))?.documents).toEqual([a, b]);
    await h.submit(issuer.address, {
      name: 'corporateAction.linkCaDoc',
      args: { assetId, caId, documents: [b] },
    });
    expect((await h.ledger.corporateAction(assetId, caId))?.documents).toEqual([b]);
    await h.refuse(
      issuer.address,
      { name: 'corporateAction.linkCaDoc', args: { assetId, caId, documents: [b + 100] } },
      'NoSuchDoc',
    );
    await h.refuse(
      issuer.address,
      { name: 'corporateAction.linkCaDoc', args: { assetId, caId: 9_999, documents: [] } },
      'NoSuchCA',
    );
    await h.refuse(
      holder.address,
      { name: 'corporateAction.linkCaDoc', args: { assetId, caId, documents: [] } },
      'UnauthorizedAgent',
    );
  });

  it('remove_ca removes the CA, its ballot and its links; a later lookup is NoSuchCA', async () => {
    const caId = (await initiate({ kind: 'IssuerNotice' })).result.caId;
    await h.submit(issuer.address, {
      name: 'corporateBallot.attachBallot',
      args: { assetId, caId, start: '2999-01-01T00:00:00Z', end: '2999-01-02T00:00:00Z', meta, rcv: false },
    });
    const r = await h.submit(issuer.address, { name: 'corporateAction.removeCa', args: { assetId, caId } });
    expect(names(r.events)).toEqual(['corporateBallot.Removed', 'corporateAction.CARemoved']);
    expect(await h.ledger.corporateAction(assetId, caId)).toBeNull();
    expect(await h.ledger.ballot(assetId, caId)).toBeNull();
    await h.refuse(issuer.address, { name: 'corporateAction.removeCa', args: { assetId, caId } }, 'NoSuchCA');
    // Ids are not reused.
    expect((await initiate({ kind: 'Other' })).result.caId).toBeGreaterThan(caId);
  });

  it('remove_ca of a distribution before payment unlocks the amount and frees its schedule', async () => {
    const before = (await h.ledger.portfolioBalances({ did: issuer.did }, currency))[0]?.locked;
    const caId = (await initiate({ recordDate: { type: 'Scheduled', at: '2998-06-01T00:00:00Z' } })).result
      .caId;
    const rd = (await h.ledger.corporateAction(assetId, caId))?.recordDate?.checkpoint;
    const scheduleId = rd?.type === 'Scheduled' ? rd.scheduleId : -1;
    await h.submit(issuer.address, {
      name: 'capitalDistribution.distribute',
      args: { assetId, caId, currency, perShare: '1', amount: '25', paymentAt: '2999-01-01T00:00:00Z' },
    });
    const sched = async () => (await h.ledger.checkpointSchedules(assetId)).find((s) => s.id === scheduleId);
    expect((await sched())?.removable).toBe(false);
    const r = await h.submit(issuer.address, { name: 'corporateAction.removeCa', args: { assetId, caId } });
    expect(names(r.events)).toEqual(['capitalDistribution.Removed', 'corporateAction.CARemoved']);
    expect(await h.ledger.distribution(assetId, caId)).toBeNull();
    expect((await h.ledger.portfolioBalances({ did: issuer.did }, currency))[0]?.locked).toBe(before);
    expect((await sched())?.removable).toBe(true);
  });

  itClock(
    'remove_ca refuses once voting or payment has started (VotingAlreadyStarted, DistributionStarted)',
    async () => {
      const notice = (await initiate({ kind: 'IssuerNotice' })).result.caId;
      await h.submit(issuer.address, {
        name: 'corporateBallot.attachBallot',
        args: {
          assetId,
          caId: notice,
          start: await h.isoIn(DAY),
          end: await h.isoIn(3 * DAY),
          meta,
          rcv: false,
        },
      });
      const benefit = (await initiate()).result.caId;
      await h.submit(issuer.address, {
        name: 'capitalDistribution.distribute',
        args: { assetId, caId: benefit, currency, perShare: '1', amount: '5', paymentAt: await h.isoIn(DAY) },
      });
      h.advance(2 * DAY);
      await h.refuse(
        issuer.address,
        { name: 'corporateAction.removeCa', args: { assetId, caId: notice } },
        'VotingAlreadyStarted',
      );
      await h.refuse(
        issuer.address,
        { name: 'corporateAction.removeCa', args: { assetId, caId: benefit } },
        'DistributionStarted',
      );
      expect(await h.ledger.corporateAction(assetId, notice)).not.toBeNull();
      expect(await h.ledger.distribution(assetId, benefit)).not.toBeNull();
    },
  );

  it('change_record_date moves the record date; with a ballot it must stay before the start', async () => {
    const caId = (await initiate({ kind: 'IssuerNotice', recordDate: undefined })).result.caId;
    const r = await h.submit(issuer.address, {
      name: 'corporateAction.changeRecordDate',
      args: { assetId, caId, recordDate: { type: 'Existing', checkpointId: cp } },
    });
    const changed = r.events.find((e) => e.name === 'RecordDateChanged');
    expect(changed?.data).toMatchObject({ caId });
    expect((await h.ledger.corporateAction(assetId, caId))?.recordDate?.checkpoint).toEqual({
      type: 'Existing',
      checkpointId: cp,
    });
    await h.submit(issuer.address, {
      name: 'corporateBallot.attachBallot',
      args: { assetId, caId, start: '2998-01-01T00:00:00Z', end: '2998-01-02T00:00:00Z', meta, rcv: false },
    });
    await h.refuse(
      issuer.address,
      {
        name: 'corporateAction.changeRecordDate',
        args: { assetId, caId, recordDate: { type: 'Scheduled', at: '2998-06-01T00:00:00Z' } },
      },
      'RecordDateAfterStart',
    );
    await h.refuse(
      issuer.address,
      { name: 'corporateAction.changeRecordDate', args: { assetId, caId, recordDate: null } },
      'NoRecordDate',
    );
    await h.refuse(
      issuer.address,
      {
        name: 'corporateAction.changeRecordDate',
        args: { assetId, caId, recordDate: { type: 'ExistingSchedule', scheduleId: 9_999 } },
      },
      'NoSuchSchedule',
    );
    // A refused change leaves the CA as it was.
    expect((await h.ledger.corporateAction(assetId, caId))?.recordDate?.checkpoint).toEqual({
      type: 'Existing',
      checkpointId: cp,
    });
    await h.submit(issuer.address, {
      name: 'corporateAction.changeRecordDate',
      args: { assetId, caId, recordDate: { type: 'Scheduled', at: '2997-06-01T00:00:00Z' } },
    });
    expect((await h.ledger.corporateAction(assetId, caId))?.recordDate?.date).toBe(
      '2997-06-01T00:00:00.000Z',
    );
  });

  it('change_record_date does not check the declaration date again; replacing a scheduled date frees its schedule', async () => {
    const declDate = await h.isoIn(0);
    const cpAt = (await h.ledger.checkpoints(assetId)).find((c) => c.id === cp)?.at as string;
    expect(Date.parse(cpAt)).toBeLessThan(Date.parse(declDate));
    const existing = { type: 'Existing', checkpointId: cp } as const;
    // At initiation a record date before the declaration is refused…
    await h.refuse(
      issuer.address,
      {
        name: 'corporateAction.initiateCorporateAction',
        args: { assetId, kind: 'PredictableBenefit', declDate, recordDate: existing, details: '' },
      },
      'DeclDateAfterRecordDate',
    );
    const caId = (await initiate({ declDate, recordDate: { type: 'Scheduled', at: '2998-06-01T00:00:00Z' } }))
      .result.caId;
    const rd = (await h.ledger.corporateAction(assetId, caId))?.recordDate?.checkpoint;
    const first = rd?.type === 'Scheduled' ? rd.scheduleId : -1;
    // …but change_record_date takes it.
    await h.submit(issuer.address, {
      name: 'corporateAction.changeRecordDate',
      args: { assetId, caId, recordDate: existing },
    });
    expect((await h.ledger.corporateAction(assetId, caId))?.recordDate?.checkpoint).toEqual(existing);
    expect((await h.ledger.checkpointSchedules(assetId)).find((s) => s.id === first)?.removable).toBe(true);
  });

  itClock(
    'change_meta replaces the motions before voting starts (NoSuchBallot, VotingAlreadyStarted, TooLong)',
    async () => {
      const caId = (await initiate({ kind: 'IssuerNotice' })).result.caId;
      const next = {
        title: 'EGM (amended)',
        motions: [
          { title: 'Approve merger', infoLink: 'https://example.com/m', choices: ['Yes', 'No', 'Abstain'] },
        ],
      };
      await h.refuse(
        issuer.address,
        { name: 'corporateBallot.changeMeta', args: { assetId, caId, meta: next } },
        'NoSuchBallot',
      );
      await h.submit(issuer.address, {
        name: 'corporateBallot.attachBallot',
        args: { assetId, caId, start: await h.isoIn(DAY), end: await h.isoIn(3 * DAY), meta, rcv: false },
      });
      const r = await h.submit(issuer.address, {
        name: 'corporateBallot.changeMeta',
        args: { assetId, caId, meta: next },
      });
      expect(r.events.find((e) => e.name === 'MetaChanged')?.data).toMatchObject({ caId, meta: next });
      expect((await h.ledger.ballot(assetId, caId))?.meta).toEqual(next);
      await h.refuse(
        issuer.address,
        {
          name: 'corporateBallot.changeMeta',
          args: { assetId, caId, meta: { ...next, title: 'x'.repeat(2049) } },
        },
        'TooLong',
      );
      h.advance(2 * DAY);
      // Three choices now: a vote needs three entries.
      await h.submit(holder.address, {
        name: 'corporateBallot.vote',
        args: { assetId, caId, votes: [{ power: '10' }, { power: '0' }, { power: '5' }] },
      });
      await h.refuse(
        issuer.address,
        { name: 'corporateBallot.changeMeta', args: { assetId, caId, meta } },
        'VotingAlreadyStarted',
      );
    },
  );
});
