import { describe, expect, it } from 'vitest';
import type { Claim } from '../../src/types.js';
import { toJson } from '../../src/polymesh/mappers/json.js';
import { claimKeys, foundAuthorization } from '../../src/polymesh/queries/chain-reads.js';
import { registry, strictEncode } from './support/registry.js';

const did = `0x${'11'.repeat(32)}`;
const issuer = `0x${'22'.repeat(32)}`;
const assetId = '67e55044-10b1-426f-9247-bb680e5fe0c8';

describe('the chain reads preparers rely on', () => {
  it('reads a stored Authorization: its kind and expiry', () => {
    const stored = registry.createType('Option<PolymeshPrimitivesAuthorization>', {
      authorizationData: { BecomeAgent: ['0x67e5504410b1426f9247bb680e5fe0c8', 'Full'] },
      authorizedBy: issuer,
      expiry: Date.UTC(2027, 0, 1),
      authId: 5,
      count: 50,
    });
    expect(foundAuthorization(5, { Identity: did }, toJson(stored))).toEqual({
      id: 5,
      target: { Identity: did },
      type: 'BecomeAgent',
      expiry: '2027-01-01T00:00:00.000Z',
      authorizedBy: issuer,
    });
    const join = registry.createType('PolymeshPrimitivesAuthorization', {
      authorizationData: { JoinIdentity: { asset: 'Whole', extrinsic: 'Whole', portfolio: 'Whole' } },
      authorizedBy: issuer,
      expiry: null,
      authId: 6,
      count: 50,
    });
    expect(
      foundAuthorization(6, { Account: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY' }, toJson(join)),
    ).toMatchObject({
      type: 'JoinIdentity',
      expiry: null,
    });
    const rotate = registry.createType('PolymeshPrimitivesAuthorization', {
      authorizationData: 'RotatePrimaryKey',
      authorizedBy: issuer,
      expiry: null,
      authId: 7,
      count: 50,
    });
    expect(foundAuthorization(7, { Identity: did }, toJson(rotate))?.type).toBe('Other');
    expect(
      foundAuthorization(
        8,
        { Identity: did },
        toJson(registry.createType('Option<PolymeshPrimitivesAuthorization>', null)),
      ),
    ).toBeNull();
  });

  it('builds the Claims storage keys the chain stores claims under', () => {
    const claims: Claim[] = [
      { type: 'Accredited', scope: { type: 'Asset', value: assetId } },
      { type: 'CustomerDueDiligence' },
      { type: 'Jurisdiction', code: 'Us', scope: { type: 'Identity', value: did } },
      { type: 'Custom', customClaimTypeId: 2 },
      { type: 'Custom', customClaimTypeId: 2, scope: { type: 'Custom', value: 'x' } },
    ];
    for (const claim of claims) {
      const [first, second] = claimKeys(did, issuer, claim);
      strictEncode('PalletIdentityClaim1stKey', first);
      strictEncode('PalletIdentityClaim2ndKey', second);
    }
    expect(claimKeys(did, issuer, claims[1]!)).toEqual([
      { target: did, claimType: 'CustomerDueDiligence' },
      { issuer, scope: null },
    ]);
    expect(claimKeys(did, issuer, claims[3]!)[0]).toEqual({ target: did, claimType: { Custom: 2 } });
  });
});
