/**
 * The POLYX custodial investors need for their transaction fees: a grant at attestation, a
 * top-up before an operation the account could not pay for (awaited) or that would leave it low
 * (in the background), and the cost of an operation shown before it is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../src/config.js';
import { InvestorIdentity } from '../src/modules/identities/entity.js';
import { ChainOperation } from '../src/modules/operations/entity.js';
import { FUNDING_SUBJECT } from '../src/modules/polyx/funding.js';
import { fromUnits, toUnits } from '../src/lib/units.js';
import { createTestEnv, type TestEnv } from './helpers.js';
import { offeringWorld, signed, type Investor } from './offering-helpers.js';

type World = Awaited<ReturnType<typeof offeringWorld>>;

describe('POLYX for custodial investors', () => {
  let env: TestEnv;
  let w: World;
  let usd: { id: string; chainId: string };
  let equity: { id: string; chainId: string };

  const em = () => env.db.orm.em.fork();
  const accountOf = async (inv: Investor) =>
    (await em().findOneOrFail(InvestorIdentity, { id: inv.identityId })).account;
  const polyx = async (address: string) => toUnits((await env.ledger.polyxBalance(address)).free);
  const topUps = async (account: string) =>
    em().find(
      ChainOperation,
      { subjectType: FUNDING_SUBJECT, subjectId: account },
      { orderBy: { createdAt: 'asc' } },
    );
  /** Spends the custodial account's POLYX down to `left` (the platform signs with its key). */
  async function drainTo(inv: Investor, left: string) {
    const account = await accountOf(inv);
    const fee = toUnits(
      (
        await env.ledger.estimateFee(
          { name: 'balances.transfer', args: { to: w.operator, amount: '1' } },
          account,
        )
      ).transactionFee,
    );
    const amount = (await polyx(account)) - toUnits(left) - fee;
    const op = await w.app.services.operations.submit({
      idempotencyKey: `drain-${inv.identityId}-${Date.now()}`,
      call: { name: 'balances.transfer', args: { to: w.operator, amount: fromUnits(amount) } },
      signer: account,
      requestedBy: 'test',
    });
    await w.queue.drain();
    expect((await em().findOneOrFail(ChainOperation, { id: op.id })).status).toBe('finalised');
    expect(await polyx(account)).toBe(toUnits(left));
    return account;
  }

  beforeAll(async () => {
    env = await createTestEnv();
    w = await offeringWorld(env);
    usd = await w.createAsset({ name: 'Stoa USD', assetType: 'StableCoin', divisible: true });
    await w.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000000' });
    equity = await w.createAsset({ name: 'Fee Equity', assetType: 'EquityCommon', divisible: true });
    await w.ok('POST', `/assets/${equity.id}/issue`, { amount: '100000' });
  }, 180_000);
  afterAll(async () => env.close());

  it('attestation sends the new account INVESTOR_POLYX_GRANT with its registration', async () => {
    const inv = await w.onboard('Granted', 'US', true);
    const account = await accountOf(inv);
    expect(await polyx(account)).toBe(toUnits(env.config.polyx.grant));
    const ops = await em().find(
      ChainOperation,
      { kind: { $in: ['identity.cddRegisterDid', 'balances.transfer'] } },
      { orderBy: { createdAt: 'asc' } },
    );
    const mine = ops.filter((o) => JSON.stringify(o.call).includes(account));
    expect(mine.map((o) => o.kind)).toEqual(['identity.cddRegisterDid', 'balances.transfer']);
    const [register, grant] = mine as [ChainOperation, ChainOperation];
    // Same signer, same attestation, the grant sent right after the registration.
    expect(grant.subjectId).toBe(register.subjectId);
    expect(grant.signer).toBe(register.signer);
    const order = (o: ChainOperation) => o.nonce! * 100_000 + o.batchIndex;
    expect(order(grant)).toBeGreaterThan(order(register));
    expect(grant.call).toMatchObject({ args: { to: account, amount: env.config.polyx.grant } });
  });

  it('an affirmation the account cannot pay for is preceded by a top-up and settles (never refused for fees)', async () => {
    const inv = await w.onboard('Drained', 'US', true);
    const account = await drainTo(inv, '1');
    const s = await w.instruct(inv, equity.id, '25');
    const r = await w.call('POST', `/settlements/${s.id}/affirm`, { identityId: inv.identityId });
    expect(r.status).toBe(202);
    await w.queue.drain();
    const [topUp] = await topUps(account);
    expect(topUp).toMatchObject({ status: 'finalised', kind: 'balances.transfer', signer: w.operator });
    const affirm = await em().findOneOrFail(ChainOperation, { id: r.body.id });
    expect(affirm.status).toBe('finalised');
    // The top-up was final before the affirmation was even recorded.
    expect(topUp!.finalisedAt!.getTime()).toBeLessThanOrEqual(affirm.createdAt.getTime());
    expect(await env.ledger.assetBalance(equity.chainId, inv.did)).toBe('25');
    // The top-up covered the affirmation's cost too: the account is at INVESTOR_POLYX_TOP_UP_TO
    // after it (exactly, as the embedded ledger's estimates are its charges).
    expect(await polyx(account)).toBe(toUnits(env.config.polyx.topUpTo));
    expect(await em().count(ChainOperation, { errorCode: 'InsufficientPolyx' })).toBe(0);
  });

  it('an operation that would leave the account below INVESTOR_POLYX_TOP_UP_BELOW tops it up in the background', async () => {
    const inv = await w.onboard('Lowish', 'DE', false);
    const account = await drainTo(inv, '9');
    const s = await w.instruct(inv, equity.id, '5');
    await w.ok('POST', `/settlements/${s.id}/affirm`, { identityId: inv.identityId });
    const ups = await topUps(account);
    expect(ups).toHaveLength(1);
    expect(ups[0]!.status).toBe('finalised');
    expect(await polyx(account)).toBeGreaterThan(toUnits(env.config.polyx.topUpBelow));
    // A healthy account is left alone.
    const t = await w.instruct(inv, equity.id, '5');
    await w.ok('POST', `/settlements/${t.id}/affirm`, { identityId: inv.identityId });
    expect(await topUps(account)).toHaveLength(1);
  });

  it('a subscription from a drained account is funded first and settles', async () => {
    const inv = await w.onboard('Subscriber', 'US', true);
    await w.fund(inv, usd.id, '1000');
    const offering = await w.launch(equity.id, usd.id, {
      name: 'Fee offering',
      tiers: [{ amount: '1000', price: '1' }],
      minInvestment: '1',
    });
    const account = await drainTo(inv, '0.5');
    const r = await w.call(
      'POST',
      `/offerings/${offering}/subscriptions`,
      { amount: '10', agreement: signed(inv) },
      inv.headers,
    );
    expect(r.status).toBe(202);
    await w.queue.drain();
    expect((await topUps(account)).map((o) => o.status)).toEqual(['finalised']);
    const invest = await em().findOneOrFail(ChainOperation, { kind: 'sto.invest', signer: account });
    expect(invest.status).toBe('finalised');
  });

  it('without the platform funding it, an unfunded account is refused before inclusion (InsufficientPolyx: InvalidTransaction::Payment), as on chain', async () => {
    const inv = await w.onboard('Unfunded', 'US', true);
    const account = await drainTo(inv, '0');
    const op = await w.app.services.operations.submit({
      idempotencyKey: `unfunded-${inv.identityId}`,
      call: { name: 'system.remark', args: { remark: 'no fee' } },
      signer: account,
      requestedBy: 'test',
    });
    await w.queue.drain();
    expect(await em().findOneOrFail(ChainOperation, { id: op.id })).toMatchObject({
      status: 'failed',
      errorCode: 'InsufficientPolyx',
      nonce: null,
    });
  });

  it('shows what creating and issuing an asset costs before it is sent, and charges exactly that', async () => {
    const create = await w.call('POST', '/assets/fee-estimate', {
      name: 'Priced Equity',
      assetType: 'EquityCommon',
      divisible: true,
    });
    expect(create.status).toBe(200);
    expect(create.body).toMatchObject({
      signer: w.operator,
      payer: w.operator,
      protocolFee: '2500',
      affordable: true,
    });
    expect(toUnits(create.body.total)).toBe(toUnits(create.body.transactionFee) + toUnits('2500'));
    const issue = await w.call('POST', `/assets/${equity.id}/issue/fee-estimate`, { amount: '10' });
    expect(issue.status).toBe(200);
    expect(issue.body.protocolFee).toBe('0');
    const before = await polyx(w.operator);
    await w.ok('POST', `/assets/${equity.id}/issue`, { amount: '10' });
    expect(before - (await polyx(w.operator))).toBe(toUnits(issue.body.total));
    // Nothing was recorded by the estimates.
    expect(await em().count(ChainOperation, { call: { args: { name: 'Priced Equity' } } })).toBe(0);
    const bad = await w.call('POST', `/assets/${equity.id}/issue/fee-estimate`, { amount: '-1' });
    expect(bad.status).toBe(400);
  });
});

describe('INVESTOR_POLYX_* configuration', () => {
  const base = { NODE_ENV: 'test', ADMIN_TOKEN: 'x'.repeat(24) };
  it('defaults: 50 granted, topped up to 50 below 10', () => {
    expect(loadConfig(base).polyx).toEqual({ grant: '50', topUpBelow: '10', topUpTo: '50' });
  });
  it('takes amounts with up to 6 decimals and refuses a top-up target below the threshold', () => {
    expect(
      loadConfig({
        ...base,
        INVESTOR_POLYX_GRANT: '12.5',
        INVESTOR_POLYX_TOP_UP_BELOW: '1',
        INVESTOR_POLYX_TOP_UP_TO: '2',
      }).polyx,
    ).toEqual({ grant: '12.5', topUpBelow: '1', topUpTo: '2' });
    expect(() => loadConfig({ ...base, INVESTOR_POLYX_GRANT: '1.1234567' })).toThrow(ConfigError);
    expect(() =>
      loadConfig({ ...base, INVESTOR_POLYX_TOP_UP_BELOW: '20', INVESTOR_POLYX_TOP_UP_TO: '10' }),
    ).toThrow(/INVESTOR_POLYX_TOP_UP_TO/);
  });
});
