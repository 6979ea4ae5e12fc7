import { describe, expect, it } from 'vitest';
import { compileRules } from '../src/modules/compliance/compiler.js';
import { present, type CheckAudience, type CheckReport } from '../src/modules/compliance/policy.js';
import { generalFinding, restrictionFinding, type Finding } from '../src/modules/compliance/reasons.js';

const CDD = `0x${'01'.padEnd(64, '0')}`;
const compiled = compileRules(
  [
    { template: 'reg-d-506c' },
    { template: 'max-holders', count: 99 },
    { template: 'max-ownership', percentage: '25' },
  ],
  { claimIssuer: CDD },
);

const standing: Finding = {
  rule: 'investor standing',
  about: ['receiver'],
  holdings: false,
  say: ({ receiver: s }) =>
    `${s.name} ${s.is} not in good standing (OFAC SDN match); renew ${s.their} verification first`,
};
const senderBalance = generalFinding('InsufficientBalance')!;
const ownership = restrictionFinding({ type: 'MaxInvestorOwnership', percentage: '25' });
// As compiled from "max 99 holders": the chain's count keeps one place for the issuer.
const holderCap = restrictionFinding({ type: 'MaxInvestorCount', count: 100 });

const report = (findings: Finding[]): CheckReport => ({ findings, compiled });
const receiver: CheckAudience = { kind: 'party', sides: new Set(['receiver']) };
const sender: CheckAudience = { kind: 'party', sides: new Set(['sender']) };

describe('who hears what of a pre-trade check', () => {
  it('tells staff every finding about both parties, in the third person', () => {
    const answer = present(report([senderBalance, standing, ownership]), { kind: 'staff' });
    expect(answer).toEqual({
      allowed: false,
      reasons: [
        { rule: 'balance', message: 'the sender does not hold enough tokens' },
        {
          rule: 'investor standing',
          message: 'the receiver is not in good standing (OFAC SDN match); renew their verification first',
        },
        { rule: 'maximum ownership', message: 'the receiver would own more than 25% of the supply' },
      ],
      withheld: [],
    });
  });

  it("tells a receiving investor their own reasons as 'you' and nothing of the sender's balance", () => {
    const answer = present(report([senderBalance, standing, ownership, holderCap]), receiver);
    expect(answer.reasons).toEqual([
      {
        rule: 'investor standing',
        message: 'you are not in good standing (OFAC SDN match); renew your verification first',
      },
      { rule: 'maximum ownership', message: 'you would own more than 25% of the supply' },
    ]);
    expect(answer.withheld).toEqual([
      'whether the sender holds enough free tokens',
      'the limit of 99 holders',
    ]);
  });

  it("tells a sending investor only that the receiver is not eligible, never the receiver's label", () => {
    const answer = present(report([standing]), sender);
    expect(answer).toEqual({
      allowed: false,
      reasons: [{ rule: 'other party', message: 'the receiver is not eligible to receive this asset' }],
      withheld: ['the limit of 99 holders', 'the limit of 25% of the supply per holder'],
    });
  });

  it('answers an investor the same whether or not a check on the other party’s holdings failed', () => {
    expect(present(report([senderBalance, holderCap]), receiver)).toEqual(present(report([]), receiver));
    expect(present(report([ownership, holderCap]), sender)).toEqual(present(report([]), sender));
    // Their own balance is theirs to hear.
    expect(present(report([senderBalance]), sender).reasons).toEqual([
      { rule: 'balance', message: 'you do not hold enough tokens' },
    ]);
  });
});
