import { describe, expect, it } from 'vitest';
import type { CallName, LedgerCall } from '../../src/calls.js';
import { PREPARERS, prepare, SPEC_7_3, type DispatchContext } from '../../src/polymesh/dispatch/index.js';
import { EXAMPLES, reads, ALICE, DID_B } from './support/examples.js';
import { fakeTx, type CallLog } from './support/fake-tx.js';
import { isBuiltCall, strictEncode, type BuiltCall } from './support/registry.js';

const SPEC_7_0 = 7_000_000;

function context(specVersion: number, log: CallLog): DispatchContext {
  return { tx: fakeTx(specVersion, log), signer: ALICE, specVersion, reads };
}

const names = Object.keys(PREPARERS).sort() as CallName[];

describe('every port call builds chain calls the Polymesh type registry encodes', () => {
  it('has a preparer and examples for every call name', () => {
    expect(names.length).toBeGreaterThanOrEqual(109);
    for (const name of names) expect(EXAMPLES[name]?.length ?? 0, name).toBeGreaterThan(0);
  });

  for (const specVersion of [SPEC_7_0, SPEC_7_3]) {
    it.each(names)(`%s (spec ${specVersion})`, async (name) => {
      for (const args of EXAMPLES[name]) {
        const log: CallLog = [];
        const prepared = await prepare(context(specVersion, log), { name, args } as LedgerCall);
        expect(prepared.calls.length).toBeGreaterThan(0);
        for (const call of prepared.calls) {
          expect(isBuiltCall(call), `${name} returns the calls api.tx built`).toBe(true);
          expect(log).toContain(call);
        }
        // Every call built was checked and encoded against its declared types by the fake api.tx.
        for (const c of log)
          expect(c.section === 'utility' || c.encoded.length > 0, `${c.section}.${c.method}`).toBe(true);
      }
    });
  }
});

describe('the strict registry check refuses wrong shapes that polkadot.js would accept', () => {
  const did = `0x${'11'.repeat(32)}`;
  it('a misspelt or missing struct field', () => {
    expect(() => strictEncode('PolymeshPrimitivesIdentityIdPortfolioId', { did, knd: 'Default' })).toThrow(
      /struct fields/,
    );
    expect(() => strictEncode('PolymeshPrimitivesIdentityIdPortfolioId', { did })).toThrow(/struct fields/);
    expect(strictEncode('PolymeshPrimitivesIdentityIdPortfolioId', { did, kind: { User: 2 } }).length).toBe(
      41,
    );
  });
  it('an enum name in the wrong case or unknown', () => {
    expect(() => strictEncode('PolymeshPrimitivesAgentAgentGroup', 'PolymeshV1Caa')).toThrow(/not one of/);
    expect(() => strictEncode('PolymeshPrimitivesAssetAssetType', 'Reit')).toThrow(/not one of/);
    expect(() => strictEncode('PolymeshPrimitivesJurisdictionCountryCode', 'Us')).toThrow(/not one of/);
    expect(strictEncode('PolymeshPrimitivesAssetAssetType', 'REIT')).toEqual(Uint8Array.of(4));
  });
  it('an unpadded ticker, a short asset id, a non-boolean, an out-of-range integer', () => {
    expect(() => strictEncode('PolymeshPrimitivesTicker', 'ACME')).toThrow(/12 bytes/);
    expect(() => strictEncode('PolymeshPrimitivesAssetAssetId', '0x67e5504410b1426f')).toThrow(/16 bytes/);
    expect(() => strictEncode('bool', 'yes')).toThrow(/boolean/);
    expect(() => strictEncode('u8', 300)).toThrow(/does not fit/);
    expect(() => strictEncode('u128', '1.5')).toThrow(/unsigned integer/);
  });
  it('the fake api.tx refuses a wrong arity and an unknown call', () => {
    const tx = fakeTx(SPEC_7_0);
    const freeze = tx.asset.freeze as unknown as (...args: unknown[]) => unknown;
    expect(() => freeze('0x67e5504410b1426f9247bb680e5fe0c8', 1)).toThrow(/takes 1 arguments/);
    expect(() => (tx.asset as unknown as Record<string, () => void>).freezeAsset?.()).toThrow(
      /no call freezeAsset/,
    );
  });
});

describe('sto.invest follows the runtime: 7.0 signature below spec 7.3, the augmentation from 7.3', () => {
  const args = EXAMPLES['sto.invest'][0]!;
  it('7.0: invest(investment, funding, asset, id, amount, maxPrice, receipt)', async () => {
    const log: CallLog = [];
    await prepare(context(SPEC_7_0, log), { name: 'sto.invest', args });
    const [call] = log as [BuiltCall];
    expect(call.args).toEqual([
      { did: args.investmentPortfolio.did, kind: 'Default' },
      { did: args.fundingPortfolio.did, kind: { User: 1 } },
      '0x67e5504410b1426f9247bb680e5fe0c8',
      0,
      '20000000',
      '1750000',
      null,
    ]);
  });
  it('7.3+: invest(asset, id, investment, OnChain(funding), amount, maxPrice)', async () => {
    const log: CallLog = [];
    await prepare(context(SPEC_7_3, log), { name: 'sto.invest', args });
    const [call] = log as [BuiltCall];
    expect(call.args[3]).toEqual({ OnChain: { did: args.fundingPortfolio.did, kind: { User: 1 } } });
    expect(call.args).toHaveLength(6);
  });
});

describe('identity.acceptAuthorization refuses before sending what the chain refuses', () => {
  const accept = (authId: number, over: Partial<typeof reads> = {}) =>
    prepare(
      { tx: fakeTx(SPEC_7_0), signer: ALICE, specVersion: SPEC_7_0, reads: { ...reads, ...over } },
      { name: 'identity.acceptAuthorization', args: { authId } },
    );
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'sent',
      (err: unknown) => (err as { code?: string }).code,
    );
  const join = (expiry: string | null) => async (id: number) =>
    id === 1
      ? { id, target: { Account: ALICE }, type: 'JoinIdentity' as const, expiry, authorizedBy: DID_B }
      : null;
  const now = async () => new Date('2026-12-01T10:00:00.000Z');

  it('an expired invitation: refused by the fee-payer check (InvalidAuthorization), linked or not', async () => {
    const expired = join('2026-11-30T00:00:00.000Z');
    expect(await code(accept(1, { authorization: expired, now }))).toBe('InvalidAuthorization');
    expect(await code(accept(1, { authorization: expired, now, signerDid: async () => null }))).toBe(
      'InvalidAuthorization',
    );
    // At its expiry instant the pool admits it (`now <= expiry`) and dispatch says Other.
    expect(await code(accept(1, { authorization: join('2026-12-01T10:00:00.000Z'), now }))).toBe('Other');
    expect(await code(accept(1, { authorization: join('2026-12-02T00:00:00.000Z'), now }))).toBe('sent');
  });

  it('someone else’s authorization: InvalidAuthorization for a key without identity, else Other', async () => {
    expect(await code(accept(99, { signerDid: async () => null }))).toBe('InvalidAuthorization');
    expect(await code(accept(99))).toBe('Other');
    // Sent by the signer's own DID to another account: found, but not the signer's to accept.
    expect(await code(accept(5))).toBe('Other');
  });
});
