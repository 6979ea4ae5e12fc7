import { join } from 'node:path';
import { createLedger, type Ledger, type LedgerEvent } from '@stoa/chain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../server/src/db/orm.js';
import { InvestorIdentity } from '../server/src/modules/identities/entity.js';
import { Subscription } from '../server/src/modules/offerings/entity.js';
import { ChainOperation } from '../server/src/modules/operations/entity.js';
import { Settlement } from '../server/src/modules/settlements/entity.js';
import { ADMIN_TOKEN, createTestEnv, type TestEnv } from '../server/test/helpers.js';
import { offeringWorld, signed, type Investor } from '../server/test/offering-helpers.js';
import { startServer, type ServerProcess } from './support/server-process.js';

const INVESTORS = 10;
const PER_PHASE = 50;
const SUBSCRIPTION = '10';

/** The two ways the platform runs: embedded defaults, and PostgreSQL + Redis where they are configured. */
const MODES = [
  { name: 'PGlite + inline jobs', services: false },
  ...(process.env.DATABASE_URL && process.env.REDIS_URL
    ? [{ name: 'PostgreSQL + BullMQ', services: true }]
    : []),
];

interface Sent {
  kind: 'subscription' | 'affirmation';
  investor: Investor;
  operationId: string;
  settlementId?: string;
}

describe.each(MODES)('killing the server while investors’ writes are queued ($name)', ({ services }) => {
  let env: TestEnv;
  let investors: Investor[];
  let offeringId: string;
  let equityChainId: string;
  let usdChainId: string;
  /** Instructions from the operator to each investor, waiting for the investor's affirmation. */
  let waiting: { settlementId: string; investor: Investor }[];
  let server: ServerProcess | undefined;
  const sent: Sent[] = [];

  const serverEnv = (): Record<string, string> => ({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATA_DIR: env.dir,
    ADMIN_TOKEN,
    // Blocks every 150 ms: transactions wait in the pending block, where a kill can catch them.
    LEDGER_BLOCK_TIME_MS: '150',
    OUTBOX_SWEEP_INTERVAL_MS: '1000',
    ...(services
      ? { DATABASE_URL: env.databaseUrl!, REDIS_URL: process.env.REDIS_URL!, QUEUE_PREFIX: env.queuePrefix }
      : {}),
  });

  const api = async (
    path: string,
    init: { method?: string; body?: object; headers?: Record<string, string> } = {},
  ) => {
    const res = await fetch(`${server!.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.headers ?? { authorization: `Bearer ${ADMIN_TOKEN}` }),
      },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** Statuses of the given operations, read through the API. */
  const statuses = async (ids: string[]): Promise<Map<string, string>> => {
    const { body } = await api('/operations?limit=200');
    const items = body.items as { id: string; status: string }[];
    const out = new Map<string, string>();
    for (const op of items) if (ids.includes(op.id)) out.set(op.id, op.status);
    return out;
  };

  beforeAll(async () => {
    env = await createTestEnv({ persistentLedger: true, embeddedDatabase: !services });
    const world = await offeringWorld(env);
    investors = [];
    for (let i = 0; i < INVESTORS; i++) investors.push(await world.onboard(`Restart${i}`, 'DE', false));
    const usd = await world.createAsset({ name: 'Stoa USD', assetType: 'StableCoin', divisible: true });
    await world.ok('POST', `/assets/${usd.id}/issue`, { amount: '1000000' });
    for (const inv of investors) await world.fund(inv, usd.id, '10000');
    const equity = await world.createAsset({
      name: 'Restart Co',
      assetType: 'EquityCommon',
      divisible: false,
    });
    await world.ok('POST', `/assets/${equity.id}/issue`, { amount: '1000' });
    offeringId = await world.launch(equity.id, usd.id, {
      name: 'Restart round',
      tiers: [{ amount: '100000', price: '1' }],
      minInvestment: '1',
    });
    waiting = [];
    for (let i = 0; i < 2 * PER_PHASE; i++) {
      const investor = investors[i % INVESTORS]!;
      const s = await world.instruct(investor, equity.id, '1');
      waiting.push({ settlementId: s.id as string, investor });
    }
    equityChainId = equity.chainId;
    usdChainId = usd.chainId;
    // The setup's own processes let go of the data: from here on only the server process has it.
    await env.release();
    server = await startServer(serverEnv());
  }, 600_000);

  afterAll(async () => {
    await server?.kill('SIGKILL');
    await env?.close();
  });

  async function phase(signal: 'SIGKILL' | 'SIGTERM', offset: number): Promise<void> {
    const requests: Promise<Sent>[] = [];
    for (let i = 0; i < PER_PHASE; i++) {
      const investor = investors[i % INVESTORS]!;
      requests.push(
        api(`/offerings/${offeringId}/subscriptions`, {
          method: 'POST',
          body: { amount: SUBSCRIPTION, agreement: signed(investor) },
          headers: investor.headers,
        }).then((r) => {
          expect(r.status, JSON.stringify(r.body)).toBe(202);
          return { kind: 'subscription', investor, operationId: (r.body.operation as { id: string }).id };
        }),
      );
      const w = waiting[offset + i]!;
      requests.push(
        api(`/settlements/${w.settlementId}/affirm`, {
          method: 'POST',
          body: {},
          headers: w.investor.headers,
        }).then((r) => {
          expect(r.status, JSON.stringify(r.body)).toBe(202);
          return {
            kind: 'affirmation',
            investor: w.investor,
            operationId: r.body.id as string,
            settlementId: w.settlementId,
          };
        }),
      );
    }
    const these = await Promise.all(requests);
    sent.push(...these);
    const ids = these.map((s) => s.operationId);

    // Wait until the work is under way, then stop the server in the middle of it.
    let done: number;
    for (;;) {
      done = [...(await statuses(ids)).values()].filter((s) => s === 'finalised').length;
      if (done >= 5) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const ended = await server!.kill(signal);
    if (signal === 'SIGTERM') expect(ended.code, server!.output()).toBe(0);
    else expect(ended.signal).toBe('SIGKILL');
    expect(done, 'the server was stopped before the work was done').toBeLessThan(ids.length);

    server = await startServer(serverEnv());
    const deadline = Date.now() + 240_000;
    for (;;) {
      const now = await statuses(ids);
      const open = ids.filter((id) => now.get(id) !== 'finalised' && now.get(id) !== 'failed');
      if (open.length === 0) {
        expect(ids.filter((id) => now.get(id) === 'failed')).toEqual([]);
        break;
      }
      if (Date.now() > deadline) throw new Error(`${open.length} operations still open\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it(
    'kill -9 with 50 subscriptions and 50 affirmations queued: after restart each is applied once',
    { timeout: 600_000 },
    async () => {
      await phase('SIGKILL', 0);
    },
  );

  it(
    'graceful stop with 50 subscriptions and 50 affirmations queued: after restart each is applied once',
    { timeout: 600_000 },
    async () => {
      await phase('SIGTERM', PER_PHASE);
    },
  );

  it(
    'the chain and the database agree: every write exactly once, balances reconcile',
    { timeout: 300_000 },
    async () => {
      expect(sent).toHaveLength(4 * PER_PHASE);
      await server!.kill('SIGTERM');
      server = undefined;
      let ledger: Ledger | undefined;
      let db: Database | undefined;
      try {
        ledger = await createLedger({ dataDir: join(env.dir, 'ledger'), signers: env.config.signers });
        db = await openDatabase({ databaseUrl: env.databaseUrl, dataDir: env.dir });
        const em = db.orm.em.fork();
        const failed = await em.find(ChainOperation, { status: 'failed' });
        expect(failed.map((o) => `${o.kind}: ${o.errorCode} ${o.errorMessage}`)).toEqual([]);
        expect(await em.count(ChainOperation, { status: { $nin: ['finalised', 'failed'] } })).toBe(0);

        const events: LedgerEvent[] = [];
        (await ledger.subscribeEvents(0, (e) => events.push(e)))();
        const invested = events.filter((e) => e.module === 'sto' && e.name === 'Invested');
        expect(invested).toHaveLength(2 * PER_PHASE);
        const subs = await em.find(Subscription, { offeringId });
        expect(subs).toHaveLength(2 * PER_PHASE);
        expect(subs.filter((s) => s.status !== 'settled')).toEqual([]);

        const settlements = await em.find(Settlement, { id: { $in: waiting.map((w) => w.settlementId) } });
        for (const s of settlements) {
          const executed = events.filter(
            (e) =>
              e.module === 'settlement' &&
              e.name === 'InstructionExecuted' &&
              String(e.data.instructionId) === String(s.instructionId),
          );
          expect(executed, `instruction ${s.instructionId}`).toHaveLength(1);
        }

        for (const inv of investors) {
          const identity = await em.findOneOrFail(InvestorIdentity, { id: inv.identityId });
          // Exactly once, counted where it cannot be faked: every nonce the account used is one
          // finalised operation of the platform, and every such operation used one nonce.
          const ops = await em.count(ChainOperation, { signer: identity.account, status: 'finalised' });
          expect(await ledger.nonce(identity.account)).toBe(ops);
          const mine = sent.filter((s) => s.investor.identityId === inv.identityId);
          const bought = mine.filter((s) => s.kind === 'subscription').length * Number(SUBSCRIPTION);
          const received = mine.filter((s) => s.kind === 'affirmation').length;
          expect(await ledger.assetBalance(equityChainId, inv.did)).toBe(String(bought + received));
          expect(await ledger.assetBalance(usdChainId, inv.did)).toBe(String(10000 - bought));
        }
      } finally {
        await db?.close();
        await ledger?.close();
      }
    },
  );
});
