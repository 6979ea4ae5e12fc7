/**
 * Trading bench (issue 13): order entry on the built-in ATS through the HTTP API, as investors
 * place orders in the portal — each order runs the pre-trade check (chain compliance and the
 * off-chain rules), reserves tokens or money under row locks and matches against the book in
 * the same transaction; every match records its settlement (instruction, two affirmations,
 * execution) through the outbox.
 * Seeds through the API: investors onboarded and attested, an equity under Reg D 506(c), half
 * the investors holding it (sellers), the other half with stablecoin deposited (buyers).
 * Then `--orders` orders (sells and buys crossing at one price, so about every other order
 * matches) from `--concurrency` investors at once, and reports
 *   trading.ordersPerSec         orders answered per second (pre-trade check, reservation, matching)
 *   trading.orderP99Ms           99th percentile latency of one order
 *   trading.matchesPerSec        trades matched per second of order entry
 *   trading.settledTradesPerSec  trades settled on chain per second, from the first order until
 *                                every trade is final
 * On PostgreSQL when DATABASE_URL is set (a scratch database), else PGlite; embedded ledger.
 * Options: --investors N (40) --orders N (400) --concurrency N (8) --quick (16 investors,
 *          120 orders) --json [file]
 */
import { parseArgs } from 'node:util';
import { onboardInvestor, pool, staffWithKey } from './investors.js';
import { benchArgv, jsonTarget, recordFigures } from './results.js';
import { allFinal, client, startBenchServer } from './server.js';

const { values: opts } = parseArgs({
  args: benchArgv(),
  options: {
    investors: { type: 'string' },
    orders: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const N = Math.max(4, Number(opts.investors ?? (opts.quick ? '16' : '40')));
const ORDERS = Number(opts.orders ?? (opts.quick ? '120' : '400'));
const CONCURRENCY = Number(opts.concurrency);
const log = (m: string) => process.stdout.write(`${m}\n`);

const server = await startBenchServer({ KYC_SANDBOX_DELAY_MS: '20', STABLECOIN_AT_START: 'true' });
try {
  const call = client(server.url);
  const admin = { headers: server.admin };
  log(`# Trading bench — ${server.database}, ${N} investors, ${ORDERS} orders, ${CONCURRENCY} at once`);
  const t0 = Date.now();
  const reviewer = await staffWithKey(server, 'cdd@bench.example', ['cdd-provider']);
  const treasurer = await staffWithKey(server, 'treasury@bench.example', ['treasury']);
  const investors = await pool(N, 8, (i) => onboardInvestor(server, reviewer.key, i, 't'));
  const created = await call<{ asset: { id: string } }>('POST', '/assets', {
    ...admin,
    body: { name: 'Bench Trading Common', ticker: 'BTC1', assetType: 'EquityCommon', divisible: false },
  });
  const assetId = created.body.asset.id;
  await allFinal(server);
  await call('PUT', `/assets/${assetId}/rules`, {
    ...admin,
    body: { templates: [{ template: 'reg-d-506c' }] },
  });
  await call('POST', `/assets/${assetId}/issue`, { ...admin, body: { amount: '10000000' } });
  await allFinal(server);
  const operatorDid = await server.app.infra.ledger.identityOf(server.app.services.operatorAddress());
  for (const inv of investors)
    inv.did = (await call<{ did: string }>('GET', `/identities/${inv.identityId}`, admin)).body.did;
  const sellers = investors.slice(0, Math.floor(N / 2));
  const buyers = investors.slice(Math.floor(N / 2));
  await pool(sellers.length, 4, async (i) => {
    const inv = sellers[i]!;
    const s = await call<{ id: string }>('POST', '/settlements', {
      ...admin,
      body: {
        settlementType: { type: 'SettleOnAffirmation' },
        legs: [
          { type: 'Fungible', from: { did: operatorDid }, to: { did: inv.did }, assetId, amount: '100000' },
        ],
      },
    });
    await allFinal(server);
    await call('POST', `/settlements/${s.body.id}/affirm`, {
      ...admin,
      body: { identityId: inv.identityId },
    });
  });
  await pool(buyers.length, 4, async (i) => {
    const inv = buyers[i]!;
    const me = await call<{ instructions: { reference: string } }>('GET', '/treasury/me', {
      headers: { cookie: inv.cookie },
    });
    await call('POST', '/treasury/deposits', {
      headers: treasurer.key,
      body: { reference: me.body.instructions.reference, amount: '1000000', bankTxId: `BENCH-${i}` },
    });
  });
  await allFinal(server);
  log(
    `seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${sellers.length} sellers, ${buyers.length} buyers`,
  );

  // Sells at 10 and buys at 10, interleaved: each buy meets a resting sell of another investor.
  const latencies: number[] = [];
  let matches = 0;
  let refused = 0;
  const start = Date.now();
  await pool(ORDERS, CONCURRENCY, async (k) => {
    const sell = k % 2 === 0;
    const who = sell ? sellers[(k / 2) % sellers.length]! : buyers[((k - 1) / 2) % buyers.length]!;
    const t = performance.now();
    const r = await call<{ trades: unknown[] }>('POST', `/assets/${assetId}/orders`, {
      headers: { cookie: who.cookie, 'idempotency-key': `bench-order-${k}` },
      body: { side: sell ? 'sell' : 'buy', price: '10', quantity: String(1 + (k % 5)), consent: true },
      expect: [201, 409, 422],
    });
    latencies.push(performance.now() - t);
    if (r.status !== 201) {
      refused += 1;
      if (refused <= 3) log(`refused (${r.status}): ${JSON.stringify(r.body)}`);
      return;
    }
    matches += r.body.trades.length;
  });
  const entrySeconds = (Date.now() - start) / 1000;
  await allFinal(server);
  const settledSeconds = (Date.now() - start) / 1000;
  const trades = await server.app.infra.db.orm.em
    .fork()
    .getConnection()
    .execute<{ status: string; n: string }[]>(
      `select status, count(*)::text as n from trading_trade group by status`,
    );
  const settled = Number(trades.find((t) => t.status === 'settled')?.n ?? '0');
  latencies.sort((a, b) => a - b);
  const figures = {
    'trading.ordersPerSec': Number(((ORDERS - refused) / entrySeconds).toFixed(2)),
    'trading.orderP99Ms': Number(latencies[Math.floor(latencies.length * 0.99)]!.toFixed(1)),
    'trading.matchesPerSec': Number((matches / entrySeconds).toFixed(2)),
    'trading.settledTradesPerSec': Number((settled / settledSeconds).toFixed(2)),
  };
  log(
    `${ORDERS - refused} orders in ${entrySeconds.toFixed(1)} s (${refused} refused), ${matches} matches; ` +
      `${settled} trades settled by ${settledSeconds.toFixed(1)} s (${JSON.stringify(trades)})`,
  );
  for (const [k, v] of Object.entries(figures)) log(`${k} = ${v}`);
  if (refused > 0) throw new Error(`${refused} orders were refused; the bench measures accepted orders only`);
  const file = jsonTarget(opts.json);
  if (file)
    await recordFigures(file, figures, {
      bench: 'trading',
      database: server.database,
      options: { investors: N, orders: ORDERS, concurrency: CONCURRENCY, quick: opts.quick },
    });
} finally {
  await server.close();
}
