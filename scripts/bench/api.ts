/**
 * API bench (issue 11): the pre-trade check route against `/health`, on one server, interleaved.
 * Seeds through the API: an equity asset with Reg D 506(c), Reg S, a holder cap and an
 * ownership cap, issued and held by some investors; a few hundred investors onboarded and
 * attested; a compliance officer's API key. Then alternates short autocannon rounds of
 * `POST /assets/:id/transfer-checks` (with the API key, senders and receivers varied) and of
 * `GET /health`, so machine noise hits both, and reports
 *   api.checkPerSec, api.healthPerSec   requests answered per second over all rounds
 *   api.checkToHealthRatio              the two divided (target ≥ 0.5)
 *   api.checkP99Ms, api.healthP99Ms     the median over rounds of each round's p99 latency
 *                                       (target: check ≤ 2× health)
 *   api.floorPerSec, api.floorP99Ms,    the same for `GET /kyc/config`, a public route that reads
 *   api.checkToFloorRatio               no database: what a request costs at least. `/health`
 *                                       is no floor: it runs four queries, one a count over every
 *                                       chain operation of the platform.
 * On PostgreSQL when DATABASE_URL is set (a scratch database), else PGlite; embedded ledger.
 * Options: --investors N (300) --holders N (30) --rounds N (6) --seconds S (5 per round)
 *          --connections N (16) --quick (60 investors, 4 rounds of 3 s) --json [file]
 *          --cpu-prof (a .cpuprofile of the server during the check rounds, under ./profiles)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { onboardInvestor, pool, staffWithKey } from './investors.js';
import { benchArgv, jsonTarget, median, recordFigures } from './results.js';
import { allFinal, client, startBenchServer } from './server.js';

const { values: opts } = parseArgs({
  args: benchArgv(),
  options: {
    investors: { type: 'string' },
    holders: { type: 'string', default: '30' },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    connections: { type: 'string', default: '16' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const N = Number(opts.investors ?? (opts.quick ? '60' : '300'));
const HOLDERS = Math.min(N, Number(opts.holders));
const ROUNDS = Number(opts.rounds ?? (opts.quick ? '4' : '6'));
const SECONDS = Number(opts.seconds ?? (opts.quick ? '3' : '5'));
const CONNECTIONS = Number(opts.connections);
const log = (m: string) => process.stdout.write(`${m}\n`);

const server = await startBenchServer({ KYC_SANDBOX_DELAY_MS: '20' });
try {
  const call = client(server.url);
  const admin = { headers: server.admin };
  log(
    `# API bench — ${server.database}, ${N} investors, ${ROUNDS} rounds × ${SECONDS} s each, ${CONNECTIONS} connections`,
  );
  const t0 = Date.now();
  const reviewer = await staffWithKey(server, 'cdd@bench.example', ['cdd-provider']);
  const officer = await staffWithKey(server, 'officer@bench.example', ['compliance-officer']);
  const investors = await pool(N, 16, (i) => onboardInvestor(server, reviewer.key, i, 'a'));
  const created = await call<{ asset: { id: string } }>('POST', '/assets', {
    ...admin,
    body: { name: 'Bench Common', assetType: 'EquityCommon', divisible: false },
  });
  const assetId = created.body.asset.id;
  await allFinal(server);
  await call('POST', `/assets/${assetId}/issue`, { ...admin, body: { amount: '10000000' } });
  await call('PUT', `/assets/${assetId}/rules`, {
    ...admin,
    body: {
      templates: [
        { template: 'reg-d-506c' },
        { template: 'reg-s' },
        { template: 'max-holders', count: 2000 },
        { template: 'max-ownership', percentage: '25' },
      ],
    },
  });
  await allFinal(server);
  const operatorDid = await server.app.infra.ledger.identityOf(server.app.services.operatorAddress());
  // The DIDs exist once the attestations' operations are final.
  for (const inv of investors) {
    inv.did = (await call<{ did: string }>('GET', `/identities/${inv.identityId}`, admin)).body.did;
  }
  const holders = investors.slice(0, HOLDERS);
  await pool(holders.length, 8, async (i) => {
    const inv = holders[i]!;
    const s = await call<{ id: string }>('POST', '/settlements', {
      ...admin,
      body: {
        settlementType: { type: 'SettleOnAffirmation' },
        legs: [
          { type: 'Fungible', from: { did: operatorDid }, to: { did: inv.did }, assetId, amount: '1000' },
        ],
      },
    });
    await allFinal(server);
    await call('POST', `/settlements/${s.body.id}/affirm`, {
      ...admin,
      body: { identityId: inv.identityId },
    });
  });
  await allFinal(server);
  log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${N} investors, ${HOLDERS} holding the asset`);

  // Holder → investor checks, every one allowed by the rules, different pairs in turn.
  const requests = Array.from({ length: 64 }, (_, k) => ({
    method: 'POST' as const,
    path: `/assets/${assetId}/transfer-checks`,
    headers: { ...officer.key, 'content-type': 'application/json' },
    body: JSON.stringify({
      from: { did: holders[k % holders.length]!.did },
      to: { did: investors[(k * 7 + 1) % investors.length]!.did },
      amount: String(1 + (k % 10)),
    }),
  }));
  const sample = await call<{ allowed: boolean; reasons: unknown[] }>('POST', requests[0]!.path, {
    headers: officer.key,
    body: JSON.parse(requests[0]!.body) as object,
  });
  log(`a sample check: ${JSON.stringify(sample.body)}`);

  type Kind = 'check' | 'health' | 'floor';
  const targets: Record<
    Kind,
    { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string }[]
  > = {
    check: requests,
    health: [{ method: 'GET', path: '/health' }],
    floor: [{ method: 'GET', path: '/kyc/config' }],
  };
  const run = async (kind: Kind) => {
    const r = await autocannon({
      url: server.url,
      connections: CONNECTIONS,
      duration: SECONDS,
      workers: 1,
      requests: targets[kind],
    });
    if (r.non2xx || r.errors || r.timeouts)
      throw new Error(`${kind}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
    return { total: r.requests.total, seconds: r.duration, p99: r.latency.p99 };
  };
  // Warm-up: JIT, caches, connection pools.
  for (const kind of ['health', 'check', 'floor'] as const) await run(kind);
  const profile = opts['cpu-prof'] ? new Session() : undefined;
  if (profile) {
    profile.connect();
    await profile.post('Profiler.enable');
  }
  const rounds: Record<Kind, { total: number; seconds: number; p99: number }[]> = {
    check: [],
    health: [],
    floor: [],
  };
  const orders: Kind[][] = [
    ['check', 'health', 'floor'],
    ['health', 'floor', 'check'],
    ['floor', 'check', 'health'],
  ];
  for (let k = 0; k < ROUNDS; k++) {
    const order = orders[k % orders.length]!;
    for (const kind of order) {
      if (profile && kind === 'check') await profile.post('Profiler.start');
      const r = await run(kind);
      if (profile && kind === 'check') {
        const { profile: p } = await profile.post('Profiler.stop');
        await mkdir('profiles', { recursive: true });
        await writeFile(`profiles/api-check-${k}.cpuprofile`, JSON.stringify(p));
      }
      rounds[kind].push(r);
      log(`  round ${k + 1} ${kind}: ${Math.round(r.total / r.seconds)} req/s, p99 ${r.p99} ms`);
    }
  }
  const perSec = (xs: { total: number; seconds: number }[]) =>
    xs.reduce((s, x) => s + x.total, 0) / xs.reduce((s, x) => s + x.seconds, 0);
  const checkPerSec = perSec(rounds.check);
  const healthPerSec = perSec(rounds.health);
  const floorPerSec = perSec(rounds.floor);
  const figures = {
    'api.checkPerSec': Math.round(checkPerSec),
    'api.healthPerSec': Math.round(healthPerSec),
    'api.checkToHealthRatio': Math.round((checkPerSec / healthPerSec) * 100) / 100,
    'api.checkP99Ms': median(rounds.check.map((r) => r.p99)),
    'api.healthP99Ms': median(rounds.health.map((r) => r.p99)),
    'api.floorPerSec': Math.round(floorPerSec),
    'api.checkToFloorRatio': Math.round((checkPerSec / floorPerSec) * 100) / 100,
    'api.floorP99Ms': median(rounds.floor.map((r) => r.p99)),
  };
  log(
    `check ${figures['api.checkPerSec']} req/s (p99 ${figures['api.checkP99Ms']} ms), health ${figures['api.healthPerSec']} req/s ` +
      `(p99 ${figures['api.healthP99Ms']} ms): ratio ${figures['api.checkToHealthRatio']} (target ≥ 0.5), ` +
      `p99 ${(figures['api.checkP99Ms'] / figures['api.healthP99Ms']).toFixed(2)}× (target ≤ 2)`,
  );
  log(
    `floor (GET /kyc/config, no database) ${figures['api.floorPerSec']} req/s (p99 ${figures['api.floorP99Ms']} ms): ` +
      `check/floor ${figures['api.checkToFloorRatio']}`,
  );
  const file = jsonTarget(opts.json);
  if (file) {
    await recordFigures(file, figures, {
      bench: 'api',
      database: server.database,
      options: {
        investors: N,
        holders: HOLDERS,
        rounds: ROUNDS,
        seconds: SECONDS,
        connections: CONNECTIONS,
        quick: opts.quick,
      },
    });
    log(`recorded in ${file}`);
  }
} finally {
  await server.close();
}
