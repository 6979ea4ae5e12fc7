import type { TransferBreakdown } from '@stoa/chain';
import { describe, expect, it } from 'vitest';
import { identifierProblem } from '@stoa/chain';
import { explainBreakdown } from '../src/modules/compliance/checks.js';
import { compileRules, RuleCompileError } from '../src/modules/compliance/compiler.js';
import { conditionReason, restrictionReason, tell, YOU } from '../src/modules/compliance/reasons.js';
import { diffRules } from '../src/modules/compliance/service.js';

const CDD = `0x${'01'.padEnd(64, '0')}`;
const scope = { type: 'Identity' as const, value: CDD };

describe('rule compiler', () => {
  it('compiles Reg D for US OR Reg S for non-US with a 99-holder cap into two requirements, a stat and a restriction', () => {
    const c = compileRules(
      [{ template: 'reg-d-506c' }, { template: 'reg-s' }, { template: 'max-holders', count: 99 }],
      { claimIssuer: CDD },
    );
    expect(c.requirements.map((r) => [r.label, r.audience])).toEqual([
      ['Reg D 506(c)', 'us'],
      ['Reg S', 'non-us'],
    ]);
    expect(c.requirements[0]!.conditions).toEqual([
      { type: 'IsPresent', claim: { type: 'KnowYourCustomer', scope }, target: 'Receiver' },
      { type: 'IsPresent', claim: { type: 'Accredited', scope }, target: 'Receiver' },
      { type: 'IsAbsent', claim: { type: 'Blocked', scope }, target: 'Receiver' },
    ]);
    expect(c.requirements[1]!.conditions[1]).toEqual({
      type: 'IsAbsent',
      claim: { type: 'Jurisdiction', code: 'Us', scope },
      target: 'Receiver',
    });
    expect(c.stats).toEqual([{ op: 'Count' }]);
    // The chain counts the issuer's inventory as a holder: one place above the 99 investors.
    expect(c.restrictions).toEqual([{ type: 'MaxInvestorCount', count: 100 }]);
    expect(c.offChain.maxInvestors).toBe(99);
    expect(c.trustedIssuers[0]!.identity).toBe(CDD);
    expect(c.summary[2]).toBe('At most 99 holders');
  });

  it('adds global conditions (lock-up, country lists, affiliates) to every path and caps as stats', () => {
    const c = compileRules(
      [
        { template: 'reg-cf' },
        { template: 'lockup', holdingPeriodDays: 365 },
        { template: 'country-block', countries: ['KP', 'IR'] },
        { template: 'exclude-affiliates' },
        { template: 'max-ownership', percentage: '10' },
        { template: 'country-cap', country: 'US', maxHolders: 35 },
      ],
      { claimIssuer: CDD },
    );
    expect(c.requirements).toHaveLength(1);
    expect(c.requirements[0]!.conditions.map((x) => x.type)).toEqual([
      'IsAbsent',
      'IsNoneOf',
      'IsAbsent',
      'IsPresent',
      'IsAbsent',
    ]);
    expect(c.requirements[0]!.conditions[0]).toMatchObject({
      target: 'Sender',
      claim: { type: 'SellLockup' },
    });
    expect(c.offChain).toEqual({
      regCf: true,
      lockupDays: 365,
      maxInvestors: null,
      affiliateVolumePercent: null,
    });
    expect(c.stats).toEqual([
      { op: 'Balance' },
      { op: 'Count', claimIssuer: { claimType: 'Jurisdiction', issuer: CDD } },
    ]);
    expect(c.restrictions[1]).toEqual({
      type: 'ClaimCount',
      claim: { type: 'Jurisdiction', countryCode: 'Us' },
      issuer: CDD,
      min: 0,
      max: 35,
    });
  });

  it('scopes the lock-up to the asset when its chain id is known, with the affiliates’ volume off chain', () => {
    const asset = '0f4e6a1c-7f2b-8c3d-9e4f-5a6b7c8d9e0f';
    const c = compileRules(
      [
        { template: 'reg-d-506c' },
        { template: 'lockup', holdingPeriodDays: 180, affiliateVolumePercent: '1' },
      ],
      { claimIssuer: CDD, assetChainId: asset },
    );
    expect(c.requirements[0]!.conditions[0]).toEqual({
      type: 'IsAbsent',
      claim: { type: 'SellLockup', scope: { type: 'Asset', value: asset } },
      target: 'Sender',
    });
    // Every other claim keeps the CDD provider's scope.
    expect(c.requirements[0]!.conditions[1]).toMatchObject({ claim: { type: 'KnowYourCustomer', scope } });
    expect(c.offChain).toMatchObject({ lockupDays: 180, affiliateVolumePercent: '1' });
    expect(c.summary[1]).toBe(
      'Lock-up: holders may not sell what they acquire for 180 days; affiliates may sell at most 1% of the supply in any 3 months',
    );
  });

  it('refuses duplicates and rule sets beyond Polymesh limits', () => {
    expect(() => compileRules([{ template: 'reg-s' }, { template: 'reg-s' }], { claimIssuer: CDD })).toThrow(
      RuleCompileError,
    );
    const many = ['AA', 'AB', 'AC', 'AD', 'AE'].map((country) => ({
      template: 'country-cap' as const,
      country,
      maxHolders: 1,
    }));
    expect(() => compileRules(many, { claimIssuer: CDD })).toThrow(/4 per asset/);
    const countries = Array.from({ length: 20 }, (_, i) => `A${String.fromCharCode(65 + i)}`);
    expect(() =>
      compileRules(
        [
          { template: 'reg-d-506c' },
          { template: 'reg-s' },
          { template: 'reg-cf' },
          { template: 'country-allow', countries },
        ],
        { claimIssuer: CDD },
      ),
    ).toThrow(/complexity/);
  });

  it('diffs rule sets by template', () => {
    const d = diffRules(
      [{ template: 'reg-s' }, { template: 'max-holders', count: 99 }],
      [{ template: 'reg-s', distributionCompliancePeriodDays: 40 }, { template: 'reg-d-506c' }],
    );
    expect(d.added).toEqual([{ template: 'reg-d-506c' }]);
    expect(d.removed).toEqual([{ template: 'max-holders', count: 99 }]);
    expect(d.changed).toHaveLength(1);
  });
});

describe('plain-language reasons', () => {
  const compiled = compileRules(
    [{ template: 'reg-d-506c' }, { template: 'reg-s' }, { template: 'max-holders', count: 99 }],
    { claimIssuer: CDD },
  );
  const breakdown = (accredited: boolean, us: boolean, capHit: boolean): TransferBreakdown => ({
    general: ['InvalidTransferComplianceFailure'],
    compliance: {
      paused: false,
      complies: false,
      requirements: compiled.requirements.map((r, i) => ({
        id: i + 1,
        complies: false,
        conditions: r.conditions.map((condition) => ({
          condition,
          complies: !(
            (condition.type === 'IsPresent' && condition.claim.type === 'Accredited' && !accredited) ||
            (condition.type === 'IsAbsent' && condition.claim.type === 'Jurisdiction' && us)
          ),
        })),
      })),
    },
    restrictions: capHit ? [{ restriction: { type: 'MaxInvestorCount', count: 100 }, result: false }] : [],
    result: false,
  });

  it('tells a US investor only what the US path needs', () => {
    const reasons = tell(explainBreakdown(breakdown(false, true, false), compiled, true));
    expect(reasons).toEqual([
      {
        rule: 'Reg D 506(c)',
        message: 'the receiver is not accredited (no valid accreditation from a trusted verifier)',
      },
    ]);
  });

  it('explains holder caps, country rules and general errors', () => {
    const reasons = tell(
      explainBreakdown(
        {
          ...breakdown(true, false, true),
          general: ['InvalidTransferFrozenAsset', 'InvalidTransferStatisticsFailure'],
        },
        compiled,
        false,
      ),
    );
    expect(reasons.map((r) => r.rule)).toEqual(['frozen', 'maximum holders']);
    expect(reasons.map((r) => r.message)).toEqual([
      'transfers of the asset are frozen',
      'the asset already has its maximum of 99 holders; a new holder cannot be added',
    ]);
    expect(
      conditionReason({
        type: 'IsNoneOf',
        claims: [{ type: 'Jurisdiction', code: 'Kp', scope }],
        target: 'Receiver',
      }),
    ).toBe('the receiver is resident in a blocked country (North Korea)');
    expect(restrictionReason({ type: 'MaxInvestorOwnership', percentage: '10' })).toBe(
      'the receiver would own more than 10% of the supply',
    );
  });

  it('speaks to an investor about themselves in the second person', () => {
    const parties = { sender: YOU, receiver: YOU };
    expect(
      conditionReason(
        { type: 'IsPresent', claim: { type: 'KnowYourCustomer', scope }, target: 'Receiver' },
        parties,
      ),
    ).toBe('you have not passed KYC (no valid KYC claim from a trusted provider)');
    expect(
      conditionReason({ type: 'IsAbsent', claim: { type: 'SellLockup', scope }, target: 'Sender' }, parties),
    ).toBe('you are still in a lock-up period and may not sell yet');
    const [balance] = tell(
      explainBreakdown(
        { ...breakdown(true, false, false), general: ['InsufficientBalance'] },
        compiled,
        false,
      ),
      parties,
    );
    expect(balance).toEqual({ rule: 'balance', message: 'you do not hold enough tokens' });
  });
});

describe('security identifiers', () => {
  it('validates checksums of ISIN, CUSIP, LEI and FIGI', () => {
    expect(identifierProblem('Isin', 'US0378331005')).toBeNull();
    expect(identifierProblem('Isin', 'US0378331006')).toMatch(/check digit/);
    expect(identifierProblem('Cusip', '037833100')).toBeNull();
    expect(identifierProblem('Cusip', '037833101')).toMatch(/check digit/);
    expect(identifierProblem('Lei', '5493001KJTIIGC8Y1R12')).toBeNull();
    expect(identifierProblem('Lei', '5493001KJTIIGC8Y1R13')).toMatch(/check digits/);
    expect(identifierProblem('Figi', 'BBG000BLNNH6')).toBeNull();
    expect(identifierProblem('Figi', 'BSG000BLNNH6')).toMatch(/prefix/);
  });
});
