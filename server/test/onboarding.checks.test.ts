import { describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { accreditationFlags, ageOn, assertAdult } from '../src/modules/onboarding/checks.js';
import { individual } from './onboarding-helpers.js';

describe('onboarding checks', () => {
  it('counts whole years to the birthday', () => {
    const today = new Date('2026-12-01T10:00:00Z');
    expect(ageOn('2008-12-01', today)).toBe(18);
    expect(ageOn('2008-12-02', today)).toBe(17);
    expect(ageOn('2008-11-30', today)).toBe(18);
    expect(ageOn('1980-02-29', today)).toBe(46);
  });

  it('refuses applicants under 18 and dates of birth in the future, at the field', () => {
    const today = new Date('2026-12-01T10:00:00Z');
    const input = individual('Young');
    input.individual.dateOfBirth = '2008-12-02';
    expect(() => assertAdult(input, today)).toThrow(AppError);
    try {
      assertAdult(input, today);
    } catch (e) {
      expect((e as AppError).details?.fields).toEqual([
        { field: '/body/individual/dateOfBirth', message: 'You must be at least 18 years old to apply' },
      ]);
    }
    input.individual.dateOfBirth = '2027-01-01';
    expect(() => assertAdult(input, today)).toThrow(/in the future/);
    input.individual.dateOfBirth = '2008-12-01';
    expect(() => assertAdult(input, today)).not.toThrow();
  });

  it('flags accreditation claims the stated financials do not support', () => {
    const base = { investorType: 'accredited' };
    expect(
      accreditationFlags({
        ...base,
        accreditationMethod: 'income',
        financials: { annualIncome: '199999.99', netWorth: '5000000' },
      }),
    ).toEqual([
      {
        code: 'accreditation-income-below-threshold',
        message:
          'Claims accreditation by income but states an annual income of $199,999.99, below the $200,000 threshold',
      },
    ]);
    expect(
      accreditationFlags({
        ...base,
        accreditationMethod: 'income',
        financials: { annualIncome: '200000', netWorth: '0' },
      }),
    ).toEqual([]);
    expect(
      accreditationFlags({
        ...base,
        accreditationMethod: 'net-worth',
        financials: { annualIncome: '900000', netWorth: '999999' },
      }).map((f) => f.code),
    ).toEqual(['accreditation-net-worth-below-threshold']);
    expect(accreditationFlags({ ...base, accreditationMethod: 'income' })[0]!.message).toBe(
      'Claims accreditation by income but states no income',
    );
    expect(accreditationFlags({ ...base }).map((f) => f.code)).toEqual(['accredited-without-method']);
    expect(
      accreditationFlags({ investorType: 'retail', accreditationMethod: 'professional-licence' }),
    ).toEqual([]);
  });
});
