import { describe, expect, it } from 'vitest';
import { assetBody, emptyDraft, stepOfField, stepProblems } from '../../src/issuer/assetWizard';
import {
  asOfOptions,
  holderLabel,
  holdersOverTime,
  ownershipChart,
  totalPercent,
} from '../../src/issuer/capTable';
import { offeringBody, offeringProblems, emptyOffering } from '../../src/issuer/offeringForm';
import { buildRules, draftFrom, historyLines } from '../../src/issuer/rules';

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

  it('applies the chain’s limits in words: length as the chain counts it, reserved tickers', () => {
    const d = { ...emptyDraft(), assetType: 'Fund' as const, ticker: 'USD' };
    d.name = 'é'.repeat(65);
    d.documents.push({
      name: 'Prospectus',
      uri: `https://${'a'.repeat(2048)}`,
      contentHash: `0x${'a'.repeat(64)}`,
      type: '',
    });
    expect(stepProblems('basics', d)).toEqual({
      '/body/name':
        'At most 128 characters, where accented letters and symbols count as 2 to 4 (this counts as 130)',
      '/body/ticker': 'USD is a currency code reserved on chain; choose another',
    });
    expect(stepProblems('documents', d)).toEqual({
      '/body/documents/0/uri': 'At most 2048 characters (this has 2056)',
    });
    d.name = 'n'.repeat(128);
    d.ticker = 'HKD';
    expect(stepProblems('basics', d)).toEqual({});
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

  it('takes only countries on the chain’s list', () => {
    const built = buildRules([
      { name: 'country-cap', values: { country: 'XX', maxHolders: '5' } },
      { name: 'country-allow', values: { countries: 'US, ZZ' } },
    ]);
    expect(built.problems).toEqual({
      '0/country': 'Pick a country from the list.',
      '1/countries': 'Pick one or more countries from the list.',
    });
  });

  it('round-trips an applied template into an editable draft', () => {
    expect(draftFrom({ template: 'country-allow', countries: ['US', 'DE'] })).toEqual({
      name: 'country-allow',
      values: { countries: 'US, DE' },
    });
    expect(draftFrom({ template: 'unknown' })).toBeNull();
  });

  it('reads a rule-history diff as lines', () => {
    expect(
      historyLines({
        added: ['Reg S: …'],
        removed: [],
        changed: [{ from: 'At most 99 holders', to: 'At most 2000 holders' }],
      }),
    ).toEqual([
      { kind: 'added', label: 'Reg S: …' },
      { kind: 'changed', label: 'At most 99 holders → At most 2000 holders' },
    ]);
  });
});

describe('cap table', () => {
  const row = (
    did: string,
    kind: 'issuer' | 'investor' | 'unknown',
    name: string,
    balance: string,
    pct: string,
  ) => ({
    did,
    kind,
    name,
    investorType: (kind === 'issuer' ? 'issuer' : 'retail') as 'issuer' | 'retail',
    jurisdiction: null,
    balance,
    ownershipPercent: pct,
  });

  it('names holders for people, the issuer as such, never by identifier', () => {
    expect(holderLabel(row('0xissuer', 'issuer', 'Acme Holdings', '1600', '80.00'))).toBe(
      'Acme Holdings (issuer: unsold and treasury)',
    );
    expect(holderLabel(row('0xbob', 'investor', 'Bob Baker', '300', '15.00'))).toBe('Bob Baker');
    expect(holderLabel(row('0xabcdef', 'unknown', 'Unknown holder', '100', '5.00'))).toBe('Unknown holder');
  });

  it('folds small holders into "N others" for the chart, their shares summed exactly', () => {
    const pcts = ['33.34', '16.67', '16.67', '11.11', '11.11', '11.10'];
    const rows = pcts.map((p, i) => row(`0x${i}`, 'investor', `H${i}`, String(10 - i), p));
    const chart = ownershipChart(rows, 4);
    expect(chart.map((c) => c.label)).toEqual(['H0', 'H1', 'H2', '3 others']);
    expect(chart[3]!.percent).toBe(33.32);
    expect(totalPercent(rows)).toBe('100.00');
    expect(ownershipChart(rows.slice(0, 3), 4)).toHaveLength(3);
  });

  it('shows holders at each checkpoint oldest first, relative to the most, with the count in words', () => {
    const c = (id: number, holderCount: number) => ({
      id,
      at: '2026-12-01T12:00:00.000Z',
      totalSupply: '100',
      holderCount,
      top10Percent: '100.00',
    });
    const items = holdersOverTime([c(2, 4), c(1, 1)]);
    expect(items.map((i) => [i.key, i.percent, i.valueText])).toEqual([
      ['1', 25, '1 holder'],
      ['2', 100, '4 holders'],
    ]);
    expect(asOfOptions([c(1, 1), c(2, 4)]).map((o) => o.value)).toEqual(['now', '2', '1']);
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
    d.tiers = [{ amount: '10.5', price: '1' }];
    expect(offeringProblems(d, false)).toEqual({
      '/body/tiers/0/amount': 'This asset has whole tokens only; enter a whole number',
    });
    d.tiers = [{ amount: '0', price: '0.000' }];
    expect(offeringProblems(d)).toEqual({
      '/body/tiers/0/amount': 'Enter an amount above 0',
      '/body/tiers/0/price': 'Price per token, above 0',
    });
    d.tiers = [{ amount: '1000', price: '1' }];
    expect(offeringBody(d)).toMatchObject({
      name: 'Series A',
      tiers: [{ amount: '1000', price: '1' }],
      eligibleClasses: ['accredited'],
    });
    expect(offeringBody(d)).not.toHaveProperty('softCap');
  });
});
