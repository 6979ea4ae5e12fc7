import { describe, expect, it } from 'vitest';
import { apportionPercentages } from '../src/lib/apportion.js';

const sum = (xs: string[]) => xs.reduce((s, x) => s + BigInt(x.replace('.', '')), 0n);

describe('apportionPercentages (largest remainder)', () => {
  it('three equal holders: 33.34 + 33.33 + 33.33, the extra step to the first in order', () => {
    expect(apportionPercentages([1n, 1n, 1n])).toEqual(['33.34', '33.33', '33.33']);
  });

  it('gives the leftover steps to the largest remainders, not to the largest holders', () => {
    // Exact: 66.6666…, 16.6666…, 16.6666… → floors 66.66, 16.66, 16.66 (99.98); two steps left.
    expect(apportionPercentages([4n, 1n, 1n])).toEqual(['66.67', '16.67', '16.66']);
    // Exact: 99.0099…, 0.9900… → 99.00 + 0.99 = 99.99; the step goes to the larger remainder.
    expect(apportionPercentages([100n, 1n])).toEqual(['99.01', '0.99']);
  });

  it('keeps exact shares exact', () => {
    expect(apportionPercentages([1n, 1n, 2n])).toEqual(['25.00', '25.00', '50.00']);
    expect(apportionPercentages([5n])).toEqual(['100.00']);
  });

  it('always sums to exactly 100 for many awkward holdings', () => {
    let seed = 7n;
    for (let run = 0; run < 200; run++) {
      const parts = Array.from({ length: 1 + (run % 37) }, () => {
        seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
        return (seed % 1_000_000_007n) + 1n;
      });
      const out = apportionPercentages(parts);
      expect(sum(out)).toBe(10_000n);
      // Every share is within one step of its exact value.
      const whole = parts.reduce((s, p) => s + p, 0n);
      parts.forEach((p, i) => {
        const steps = BigInt(out[i]!.replace('.', ''));
        const exactTimesWhole = p * 10_000n;
        expect(steps * whole <= exactTimesWhole + whole && steps * whole + whole > exactTimesWhole).toBe(
          true,
        );
      });
    }
  });

  it('other precisions, and nothing held', () => {
    expect(apportionPercentages([1n, 2n], 4)).toEqual(['33.3333', '66.6667']);
    expect(apportionPercentages([1n, 1n, 1n], 0)).toEqual(['34', '33', '33']);
    expect(apportionPercentages([0n, 0n])).toEqual(['0.00', '0.00']);
    expect(apportionPercentages([])).toEqual([]);
  });
});
