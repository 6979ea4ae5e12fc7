import { AppError } from '../../errors.js';
import { toCents } from './regcf.js';
import type { ApplicationInputT } from './schemas.js';

export const MINIMUM_AGE = 18;
/** SEC Rule 501(a): $200,000 income (individual), $1,000,000 net worth excluding the home. */
export const ACCREDITED_INCOME_USD = '200000';
export const ACCREDITED_NET_WORTH_USD = '1000000';

/** Whole years between a `YYYY-MM-DD` date of birth and `today` (UTC calendar dates). */
export function ageOn(dateOfBirth: string, today: Date): number {
  const [y, m, d] = dateOfBirth.split('-').map(Number) as [number, number, number];
  let age = today.getUTCFullYear() - y;
  const beforeBirthday =
    today.getUTCMonth() + 1 < m || (today.getUTCMonth() + 1 === m && today.getUTCDate() < d);
  if (beforeBirthday) age -= 1;
  return age;
}

/** Refuses an individual applicant under 18 (or born in the future), in words. */
export function assertAdult(input: ApplicationInputT, today = new Date()): void {
  const dob = input.individual?.dateOfBirth;
  if (!dob) return;
  const field = '/body/individual/dateOfBirth';
  const age = ageOn(dob, today);
  if (Number.isNaN(age) || new Date(`${dob}T00:00:00Z`) > today) {
    throw new AppError('VALIDATION_FAILED', 'The date of birth is in the future; check it', {
      fields: [{ field, message: 'is in the future; enter your date of birth' }],
    });
  }
  if (age < MINIMUM_AGE) {
    throw new AppError(
      'VALIDATION_FAILED',
      `You must be at least ${MINIMUM_AGE} years old to open an investor account`,
      { fields: [{ field, message: `You must be at least ${MINIMUM_AGE} years old to apply` }] },
    );
  }
}

export interface ReviewFlag {
  code:
    | 'accreditation-income-below-threshold'
    | 'accreditation-net-worth-below-threshold'
    | 'accredited-without-method';
  /** What the reviewer reads. */
  message: string;
}

/** `$1,234` or `$1,234.50`, exact (integer cents). */
function usd(v: string): string {
  const cents = toCents(v);
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const rest = abs % 100n;
  return `${sign}$${whole}${rest ? `.${rest.toString().padStart(2, '0')}` : ''}`;
}
const below = (v: string, threshold: string) => toCents(v) < toCents(threshold);

/**
 * Inconsistencies between the accreditation claimed and the financials stated, for the reviewer
 * to look at (they do not block anything: evidence may still prove accreditation).
 */
export function accreditationFlags(input: {
  investorType: string;
  accreditationMethod?: string | null;
  financials?: { annualIncome: string; netWorth: string };
}): ReviewFlag[] {
  const flags: ReviewFlag[] = [];
  const f = input.financials;
  if (input.accreditationMethod === 'income') {
    if (!f || below(f.annualIncome, ACCREDITED_INCOME_USD)) {
      flags.push({
        code: 'accreditation-income-below-threshold',
        message: f
          ? `Claims accreditation by income but states an annual income of ${usd(f.annualIncome)}, below the ${usd(ACCREDITED_INCOME_USD)} threshold`
          : 'Claims accreditation by income but states no income',
      });
    }
  } else if (input.accreditationMethod === 'net-worth') {
    if (!f || below(f.netWorth, ACCREDITED_NET_WORTH_USD)) {
      flags.push({
        code: 'accreditation-net-worth-below-threshold',
        message: f
          ? `Claims accreditation by net worth but states a net worth of ${usd(f.netWorth)}, below the ${usd(ACCREDITED_NET_WORTH_USD)} threshold`
          : 'Claims accreditation by net worth but states no net worth',
      });
    }
  }
  if (input.investorType === 'accredited' && !input.accreditationMethod) {
    flags.push({
      code: 'accredited-without-method',
      message: 'Says they are an accredited investor but names no way of showing it',
    });
  }
  return flags;
}
