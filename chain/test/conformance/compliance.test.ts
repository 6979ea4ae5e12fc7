/** POLYMESH.md §5: compliance requirements and conditions, evaluated through canTransfer. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAIN_COUNTRY_CODES, type AssetId, type Claim, type Condition } from '../../src/index.js';
import { DAY, Harness, itClock, type Party } from './harness.js';

let h: Harness;
let issuer: Party;
let kyc: Party;
beforeAll(async () => {
  h = await Harness.create();
  issuer = await h.issuer();
  kyc = await h.investor();
});
afterAll(async () => h.close());

const kycClaim = (issuerDid: string): Claim => ({
  type: 'KnowYourCustomer',
  scope: { type: 'Identity', value: issuerDid },
});

async function setup(
  requirements: Condition[][],
): Promise<{ assetId: AssetId; check: (to: Party) => ReturnType<typeof h.ledger.canTransfer> }> {
  const assetId = await h.createAsset(issuer);
  await h.issue(issuer, assetId, '1000');
  await h.submit(issuer.address, {
    name: 'complianceManager.addDefaultTrustedClaimIssuer',
    args: { assetId, issuer: { identity: kyc.did, trustedFor: null } },
  });
  if (requirements.length)
    await h.submit(issuer.address, {
      name: 'complianceManager.replaceAssetCompliance',
      args: { assetId, requirements },
    });
  return {
    assetId,
    check: (to) =>
      h.ledger.canTransfer({ assetId, from: { did: issuer.did }, to: { did: to.did }, amount: '1' }),
  };
}

describe('conditions', () => {
  it('IsPresent on the receiver: passes with the claim, fails without (InvalidTransferComplianceFailure)', async () => {
    const { check } = await setup([[{ type: 'IsPresent', claim: kycClaim(issuer.did), target: 'Receiver' }]]);
    const ok = await h.investor();
    await h.claim(kyc, ok.did, kycClaim(issuer.did));
    const bad = await h.investor();
    expect((await check(ok)).result).toBe(true);
    const r = await check(bad);
    expect(r.result).toBe(false);
    expect(r.general).toEqual(['InvalidTransferComplianceFailure']);
    expect(r.compliance.requirements[0]?.conditions[0]?.complies).toBe(false);
  });

  it('a claim from an untrusted issuer does not count', async () => {
    const { check } = await setup([[{ type: 'IsPresent', claim: kycClaim(issuer.did), target: 'Receiver' }]]);
    const inv = await h.investor();
    const rogue = await h.investor();
    await h.claim(rogue, inv.did, kycClaim(issuer.did));
    expect((await check(inv)).result).toBe(false);
  });

  it('condition-level trusted issuers override the defaults; trustedFor filters claim types', async () => {
    const other = await h.investor();
    const { check } = await setup([
      [
        {
          type: 'IsPresent',
          claim: kycClaim(issuer.did),
          target: 'Receiver',
          trustedClaimIssuers: [{ identity: other.did, trustedFor: ['Accredited'] }],
        },
      ],
    ]);
    const inv = await h.investor();
    await h.claim(other, inv.did, kycClaim(issuer.did));
    await h.claim(kyc, inv.did, kycClaim(issuer.did));
    expect((await check(inv)).result).toBe(false);
  });

  it('IsAbsent (Blocked) fails once the blocked claim exists', async () => {
    const blocked: Claim = { type: 'Blocked', scope: { type: 'Identity', value: issuer.did } };
    const { check } = await setup([[{ type: 'IsAbsent', claim: blocked, target: 'Both' }]]);
    const inv = await h.investor();
    expect((await check(inv)).result).toBe(true);
    await h.claim(kyc, inv.did, blocked);
    expect((await check(inv)).result).toBe(false);
  });

  it('IsAnyOf / IsNoneOf over jurisdictions: the country must match exactly', async () => {
    const scope = { type: 'Identity', value: issuer.did } as const;
    const j = (code: string): Claim => ({ type: 'Jurisdiction', code, scope });
    const { check } = await setup([
      [
        { type: 'IsAnyOf', claims: [j('De'), j('Fr')], target: 'Receiver' },
        { type: 'IsNoneOf', claims: [j('Us')], target: 'Receiver' },
      ],
    ]);
    const de = await h.investor();
    await h.claim(kyc, de.did, j('De'));
    const us = await h.investor();
    await h.claim(kyc, us.did, j('Us'));
    expect((await check(de)).result).toBe(true);
    expect((await check(us)).result).toBe(false);
  });

  it('IsIdentity and IsExternalAgent', async () => {
    const special = await h.investor();
    const { check } = await setup([
      [
        { type: 'IsIdentity', identity: special.did, target: 'Receiver' },
        { type: 'IsExternalAgent', target: 'Sender' },
      ],
    ]);
    expect((await check(special)).result).toBe(true);
    expect((await check(await h.investor())).result).toBe(false);
  });

  it('two requirements where only one passes → compliant', async () => {
    const accredited: Claim = { type: 'Accredited', scope: { type: 'Identity', value: issuer.did } };
    const { check } = await setup([
      [{ type: 'IsPresent', claim: accredited, target: 'Receiver' }],
      [{ type: 'IsPresent', claim: kycClaim(issuer.did), target: 'Receiver' }],
    ]);
    const inv = await h.investor();
    await h.claim(kyc, inv.did, kycClaim(issuer.did));
    const r = await check(inv);
    expect(r.result).toBe(true);
    expect(r.compliance.requirements.map((x) => x.complies)).toEqual([false, true]);
    expect(r.compliance.complies).toBe(true);
  });

  itClock('an expired KYC claim → not compliant', async () => {
    const { check } = await setup([[{ type: 'IsPresent', claim: kycClaim(issuer.did), target: 'Receiver' }]]);
    const inv = await h.investor();
    await h.claim(kyc, inv.did, kycClaim(issuer.did), await h.isoIn(DAY));
    expect((await check(inv)).result).toBe(true);
    h.advance(2 * DAY);
    const r = await check(inv);
    expect(r.result).toBe(false);
    expect(r.general).toContain('InvalidTransferComplianceFailure');
  });

  it('paused compliance or no requirements → compliant', async () => {
    const { assetId, check } = await setup([
      [{ type: 'IsIdentity', identity: `0x${'77'.repeat(32)}`, target: 'Receiver' }],
    ]);
    const inv = await h.investor();
    expect((await check(inv)).result).toBe(false);
    await h.submit(issuer.address, { name: 'complianceManager.pauseAssetCompliance', args: { assetId } });
    expect((await check(inv)).compliance).toMatchObject({ paused: true, complies: true });
    await h.submit(issuer.address, { name: 'complianceManager.resumeAssetCompliance', args: { assetId } });
    expect((await check(inv)).result).toBe(false);
    await h.submit(issuer.address, { name: 'complianceManager.resetAssetCompliance', args: { assetId } });
    expect((await check(inv)).result).toBe(true);
  });
});

describe('requirement management', () => {
  it('add / change / remove with ids and events', async () => {
    const { assetId } = await setup([]);
    const cond: Condition = { type: 'IsPresent', claim: kycClaim(issuer.did), target: 'Receiver' };
    const a = await h.submit(issuer.address, {
      name: 'complianceManager.addComplianceRequirement',
      args: { assetId, conditions: [cond] },
    });
    const b = await h.submit(issuer.address, {
      name: 'complianceManager.addComplianceRequirement',
      args: { assetId, conditions: [{ ...cond, target: 'Sender' }] },
    });
    expect([a.result.id, b.result.id]).toEqual([1, 2]);
    expect(
      a.events.some((e) => e.module === 'complianceManager' && e.name === 'ComplianceRequirementCreated'),
    ).toBe(true);
    await h.submit(issuer.address, {
      name: 'complianceManager.changeComplianceRequirement',
      args: { assetId, id: 1, conditions: [{ ...cond, target: 'Both' }] },
    });
    await h.submit(issuer.address, {
      name: 'complianceManager.removeComplianceRequirement',
      args: { assetId, id: 2 },
    });
    await h.refuse(
      issuer.address,
      { name: 'complianceManager.removeComplianceRequirement', args: { assetId, id: 2 } },
      'InvalidComplianceRequirementId',
    );
    const c = await h.ledger.compliance(assetId);
    expect(c.requirements).toEqual([{ id: 1, conditions: [{ ...cond, target: 'Both' }] }]);
    const next = await h.submit(issuer.address, {
      name: 'complianceManager.addComplianceRequirement',
      args: { assetId, conditions: [cond] },
    });
    expect(next.result.id).toBe(2);
  });

  it('a replace numbers requirements by position from 0, as the SDK does; identical requirements are allowed', async () => {
    const { assetId } = await setup([]);
    const cond: Condition = { type: 'IsPresent', claim: kycClaim(issuer.did), target: 'Receiver' };
    const r = await h.submit(issuer.address, {
      name: 'complianceManager.replaceAssetCompliance',
      args: { assetId, requirements: [[cond], [cond], [{ ...cond, target: 'Sender' }]] },
    });
    // The chain has no duplicate-requirement check: only duplicate ids are refused, and positions never repeat.
    expect(r.result.ids).toEqual([0, 1, 2]);
    expect((await h.ledger.compliance(assetId)).requirements.map((x) => x.id)).toEqual([0, 1, 2]);
    const next = await h.submit(issuer.address, {
      name: 'complianceManager.addComplianceRequirement',
      args: { assetId, conditions: [cond] },
    });
    expect(next.result.id).toBe(3);
    await h.submit(issuer.address, {
      name: 'complianceManager.removeComplianceRequirement',
      args: { assetId, id: 0 },
    });
    await h.submit(issuer.address, {
      name: 'complianceManager.changeComplianceRequirement',
      args: { assetId, id: 1, conditions: [{ ...cond, target: 'Both' }] },
    });
    expect((await h.ledger.compliance(assetId)).requirements.map((x) => x.id)).toEqual([1, 2, 3]);
  });

  it("condition issuers trusted for repeated claim types are deduplicated silently, in the chain's claim-type order", async () => {
    const { assetId } = await setup([]);
    const cond: Condition = {
      type: 'IsPresent',
      claim: kycClaim(issuer.did),
      target: 'Receiver',
      trustedClaimIssuers: [
        { identity: kyc.did, trustedFor: ['KnowYourCustomer', 'Accredited', 'KnowYourCustomer'] },
      ],
    };
    await h.submit(issuer.address, {
      name: 'complianceManager.addComplianceRequirement',
      args: { assetId, conditions: [cond] },
    });
    const [req] = (await h.ledger.compliance(assetId)).requirements;
    expect(req?.conditions[0]?.trustedClaimIssuers).toEqual([
      { identity: kyc.did, trustedFor: ['Accredited', 'KnowYourCustomer'] },
    ]);
  });

  it('complexity limit 50 (ComplianceRequirementTooComplex)', async () => {
    const { assetId } = await setup([]);
    const countries = CHAIN_COUNTRY_CODES.slice(0, 25).map((c) => `${c[0]}${c.slice(1).toLowerCase()}`);
    const claims = countries.map((code): Claim => ({
      type: 'Jurisdiction',
      code,
      scope: { type: 'Identity', value: issuer.did },
    }));
    // 25 claims × 1 default issuer × 2 (Both) = 50: accepted.
    await h.submit(issuer.address, {
      name: 'complianceManager.addComplianceRequirement',
      args: { assetId, conditions: [{ type: 'IsAnyOf', claims, target: 'Both' }] },
    });
    await h.refuse(
      issuer.address,
      {
        name: 'complianceManager.addComplianceRequirement',
        args: { assetId, conditions: [{ type: 'IsIdentity', identity: issuer.did, target: 'Sender' }] },
      },
      'ComplianceRequirementTooComplex',
    );
    const extra = await h.investor();
    await h.refuse(
      issuer.address,
      {
        name: 'complianceManager.addDefaultTrustedClaimIssuer',
        args: { assetId, issuer: { identity: extra.did, trustedFor: null } },
      },
      'ComplianceRequirementTooComplex',
    );
  });

  it('only agents manage compliance (UnauthorizedAgent)', async () => {
    const { assetId } = await setup([]);
    const stranger = await h.investor();
    await h.refuse(
      stranger.address,
      { name: 'complianceManager.pauseAssetCompliance', args: { assetId } },
      'UnauthorizedAgent',
    );
  });
});
