/**
 * `join_identity` as dispatch sees it, on a ledger without transaction fees (a block log started
 * before fees, genesis version 1): with no fee there is no fee-payer check (fee_details.rs runs
 * only for a fee above 0), so what the conformance suite sees refused before dispatch reaches the
 * identity pallet and is refused there, in `join_identity`'s order (pallets/identity/src/keys.rs).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedLedger } from '../../src/embedded/index.js';
import {
  LedgerError,
  type Address,
  type Did,
  type LedgerCall,
  type LedgerErrorCode,
} from '../../src/index.js';

const GENESIS = Date.parse('2025-01-01T00:00:00Z');
const DAY = 86_400_000;

describe('join_identity without fees (dispatch checks)', () => {
  let dir: string;
  let ledger: EmbeddedLedger;
  let alice: Address;
  let n = 0;

  const submit = (signer: Address, call: LedgerCall) => ledger.submit(call, { signer });
  const refused = async (signer: Address, call: LedgerCall): Promise<[LedgerErrorCode, string]> => {
    try {
      await submit(signer, call);
    } catch (err) {
      if (LedgerError.is(err)) return [err.code, err.message];
      throw err;
    }
    throw new Error(`${call.name} was not refused`);
  };
  const account = () => ledger.addSigner({ uri: `//join-identity/${(n += 1)}` });
  async function identity(expiry?: string): Promise<{ address: Address; did: Did }> {
    const address = await account();
    const r = await submit(alice, {
      name: 'identity.cddRegisterDid',
      args: { targetAccount: address, cddClaim: true, ...(expiry ? { expiry } : {}) },
    });
    return { address, did: (r.result as { did: Did }).did };
  }
  const invite = async (from: Address, targetAccount: Address, expiry?: string) =>
    (
      (
        await submit(from, {
          name: 'identity.inviteAccount',
          args: { targetAccount, ...(expiry ? { expiry } : {}) },
        })
      ).result as { authId: number }
    ).authId;
  const accept = (authId: number): LedgerCall => ({ name: 'identity.acceptAuthorization', args: { authId } });
  const iso = (ms: number) => new Date(ms).toISOString();
  const now = async () => Date.parse((await ledger.info()).time);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stoa-join-'));
    writeFileSync(
      join(dir, 'blocks.jsonl'),
      `${JSON.stringify({ t: 'genesis', version: 1, time: GENESIS, clock: 'manual' })}\n`,
    );
    ledger = await EmbeddedLedger.open({ dataDir: dir, clock: 'manual', genesisTime: GENESIS });
    alice = await ledger.addSigner({ uri: '//Alice' });
  });
  afterAll(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs without fees: a transaction pays nothing', async () => {
    const before = (await ledger.polyxBalance(alice)).free;
    await submit(alice, { name: 'system.remark', args: { remark: 'free' } });
    expect((await ledger.polyxBalance(alice)).free).toBe(before);
  });

  it('an inviting identity whose CDD has expired: TargetHasNoCdd, the key stays unlinked', async () => {
    const p = await identity(iso((await now()) + 2 * DAY));
    const key = await account();
    const authId = await invite(p.address, key);
    ledger.advanceTime(3 * DAY);
    expect(await ledger.hasValidCdd(p.did)).toBe(false);
    expect((await refused(key, accept(authId)))[0]).toBe('TargetHasNoCdd');
    expect(await ledger.identityOf(key)).toBeNull();
  });

  it('a linked key is AlreadyLinked before the inviter’s CDD is looked at', async () => {
    const p = await identity(iso((await now()) + 2 * DAY));
    const other = await identity();
    const authId = await invite(p.address, other.address);
    ledger.advanceTime(3 * DAY);
    expect((await refused(other.address, accept(authId)))[0]).toBe('AlreadyLinked');
  });

  it('an expired invitation reaches dispatch: Other ("Authorization expired")', async () => {
    const p = await identity();
    const key = await account();
    const authId = await invite(p.address, key, iso((await now()) + DAY));
    ledger.advanceTime(2 * DAY);
    expect(await refused(key, accept(authId))).toEqual(['Other', 'Authorization expired']);
  });
});
