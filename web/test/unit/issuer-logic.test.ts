import { describe, expect, it } from 'vitest';
import { assetBody, emptyDraft, stepOfField, stepProblems } from '../../src/issuer/assetWizard';
import {
  capTable,
  chartRows,
  holdingsFromSubscriptions,
  subscriptionRecords,
} from '../../src/issuer/capTable';
import { offeringBody, offeringProblems, emptyOffering } from '../../src/issuer/offeringForm';
import { buildRules, diffLines, draftFrom } from '../../src/issuer/rules';

describe('asset wizard', () => {
  it('checks each step with messages keyed like the server', () => {
    const d = emptyDraft();
    expect(stepProblems('basics', d)).toEqual({
      '/body/name': 'Give the asset a name',
      '/body/assetType': 'Choose the type of security',
    });
    d.identifiers.push({ type: 'Isin', value: 'US0378331006' });
    expect(stepProblems('identifiers', d)).toEqual({
      '/body/identifiers/0/value': 'check digit does not match (Luhn)',
    });
    expect(stepOfField('/body/identifiers/0/value')).toBe('identifiers');
    expect(stepOfField('/body/name')).toBe('basics');
  });

  it('builds the API body with normalised identifiers and no empty optionals', () => {
    const d = { ...emptyDraft(), name: ' Acme ', assetType: 'EquityCommon' as const };
    d.identifiers.push({ type: 'Isin', value: 'us0378 331005' });
    expect(assetBody(d)).toEqual({
      name: 'Acme',
      assetType: 'EquityCommon',
      divisible: false,
      identifiers: [{ type: 'Isin', value: 'US0378331005' }],
    });
  });
});

describe('rules', () => {
  it('parses parameters and reports problems per field', () => {
    const built = buildRules([
      { name: 'reg-d-506c', values: {} },
      { name: 'max-holders', values: { count: '99' } },
      { name: 'country-block', values: { countries: 'kp, ir' } },
      { name: 'lockup', values: {} },
    ]);
    expect(built.templates.slice(0, 3)).toEqual([
      { template: 'reg-d-506c' },
      { template: 'max-holders', count: 99 },
      { template: 'country-block', countries: ['KP', 'IR'] },
    ]);
    expect(built.problems).toEqual({ '3/holdingPeriodDays': 'required' });
  });

  it('round-trips an applied template into an editable draft', () => {
    expect(draftFrom({ template: 'country-allow', countries: ['US', 'DE'] })).toEqual({
      name: 'country-allow',
      values: { countries: 'US, DE' },
    });
    expect(draftFrom({ template: 'unknown' })).toBeNull();
  });

  it('reads an audit diff as lines', () => {
    expect(
      diffLines({
        added: [{ template: 'reg-s' }],
        removed: [],
        changed: [
          { from: { template: 'max-holders', count: 99 }, to: { template: 'max-holders', count: 2000 } },
        ],
      }),
    ).toEqual([
      { kind: 'added', label: 'Reg S', detail: '' },
      { kind: 'changed', label: 'Maximum holders', detail: 'count: 99 → count: 2000' },
    ]);
  });
});

describe('cap table', () => {
  const entries = [
    { subjectId: 'o1', data: { subscriptionId: 's1', identityId: 'alice', amount: '100' } },
    { subjectId: 'o1', data: { subscriptionId: 's2', identityId: 'bob', amount: '300' } },
    { subjectId: 'o1', data: { subscriptionId: 's3', identityId: 'alice', amount: '50' } },
    { subjectId: 'o1', data: { bad: true } },
  ];

  it('counts settled subscriptions only and gives the issuer the rest', () => {
    const records = subscriptionRecords(entries);
    expect(records).toHaveLength(3);
    const holdings = holdingsFromSubscriptions(records, new Set(['s1', 's2']), '2000', (id) => id);
    const rows = capTable(holdings, '2000');
    expect(rows.map((r) => [r.label, r.amount, r.percent])).toEqual([
      ['Issuer (treasury and unsold)', '1600', 80],
      ['bob', '300', 15],
      ['alice', '100', 5],
    ]);
  });

  it('folds small holders into "others" for the chart', () => {
    const rows = capTable(
      Array.from({ length: 10 }, (_, i) => ({ key: `h${i}`, label: `H${i}`, amount: String(10 - i) })),
      '55',
    );
    const chart = chartRows(rows, 4);
    expect(chart).toHaveLength(4);
    expect(chart[3]).toMatchObject({ key: 'others', label: '7 others', amount: '28' });
  });
});

describe('offering form', () => {
  it('checks terms before sending and builds the body', () => {
    const d = emptyOffering(new Date('2030-01-01T00:00:00Z'));
    expect(Object.keys(offeringProblems(d))).toEqual([
      '/body/name',
      '/body/paymentAssetId',
      '/body/tiers/0/amount',
      '/body/tiers/0/price',
      '/body/minInvestment',
    ]);
    Object.assign(d, {
      name: 'Series A',
      paymentAssetId: 'usd',
      minInvestment: '10',
      eligibleClasses: ['accredited'],
    });
    d.tiers = [{ amount: '1000', price: '1' }];
    expect(offeringProblems(d)).toEqual({});
    expect(offeringBody(d)).toMatchObject({
      name: 'Series A',
      tiers: [{ amount: '1000', price: '1' }],
      eligibleClasses: ['accredited'],
    });
    expect(offeringBody(d)).not.toHaveProperty('softCap');
  });
});
