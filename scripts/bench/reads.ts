/**
 * Reads bench (issue 11): reads that must answer in the same time however big the platform is,
 * each measured at 100 and at 100,000 platform rows. A small real world is built through the
 * API (investors onboarded, a stablecoin, an equity asset, a live offering, funding settlements,
 * a subscription), then the platform is grown with SQL copies of those real rows in the bench's
 * scratch database: settlements between other parties, other investors' subscriptions to the
 * same offering (mostly settled, some failed or refunded), other investor identities.
 *   reads.instructionsMsAt100 / At100k   GET /identities/me/instructions (the investor's own)
 *   reads.offeringMsAt100 / At100k       GET /offerings/:id (the investor's view with its totals)
 *                                        + POST /offerings/:id/subscriptions/check (dry run)
 *   reads.capTableMsAt100 / At100k       GET /assets/:id/holders?limit=50 (directory of 100k)
 * Each figure is the median of --samples requests (after a warm-up), one at a time; the figure at
 * 100 is the mean of its measure before growing and after shrinking back (the copies deleted).
 * On PostgreSQL when DATABASE_URL is set (a scratch database), else PGlite; embedded ledger.
 * Options: --rows N (100000) --samples N (200) --quick (20,000 rows, 100 samples) --json [file]
 */
import { parseArgs } from 'node:util';
import { onboardInvestor, staffWithKey } from './investors.js';
import { benchArgv, jsonTarget, median, recordFigures } from './results.js';
import { allFinal, client, startBenchServer, type BenchServer } from './server.js';

const { values: opts } = parseArgs({
  args: benchArgv(),
  options: {
    rows: { type: 'string' },
    samples: { type: 'string' },
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const BIG = Number(opts.rows ?? (opts.quick ? '20000' : '100000'));
const SAMPLES = Number(opts.samples ?? (opts.quick ? '100' : '200'));
const log = (m: string) => process.stdout.write(`${m}\n`);

const count = async (server: BenchServer, table: string, where = 'true') =>
  Number(
    (await server.sql<{ n: string }>(`select count(*)::text as n from "${table}" where ${where}`))[0]!.n,
  );

/**
 * Copies of one real row, `n` of them, in one INSERT … SELECT: `set` gives SQL expressions for
 * some columns (`g` is the copy's number, 1…n); the id and every other column of a unique index
 * get fresh values (a new uuid, the text with `-copy-<g>` appended), the rest stays as it was.
 * Copy numbers continue from the table's row count.
 */
async function copyRow(
  server: BenchServer,
  table: string,
  id: string,
  n: number,
  set: Record<string, string> = {},
): Promise<void> {
  if (n <= 0) return;
  // Copy numbers continue after the rows already there, so a second growth makes new values.
  const start = (await count(server, table)) + 1;
  const columns = await server.sql<{ name: string; type: string }>(
    `select column_name as name, data_type as type from information_schema.columns
      where table_schema = current_schema() and table_name = ? order by ordinal_position`,
    [table],
  );
  const unique = new Set(
    (
      await server.sql<{ name: string }>(
        `select a.attname as name from pg_index i
           join pg_class c on c.oid = i.indrelid
           join pg_attribute a on a.attrelid = c.oid and a.attnum = any(i.indkey)
          where c.relname = ? and i.indisunique and c.relnamespace = current_schema()::regnamespace`,
        [table],
      )
    ).map((r) => r.name),
  );
  const exprs = columns.map(({ name, type }) => {
    const col = `"${name}"`;
    if (set[name]) return set[name];
    if (name === 'id') return 'gen_random_uuid()';
    if (unique.has(name)) {
      if (type === 'uuid') return 'gen_random_uuid()';
      if (type === 'integer' || type === 'bigint') return `${col} + 1000000 + g`;
      return `${col} || '-copy-' || g`;
    }
    return col;
  });
  await server.sql(
    `insert into "${table}" (${columns.map((c) => `"${c.name}"`).join(', ')})
     select ${exprs.join(', ')} from "${table}", generate_series(${start}, ${start + n - 1}) as g where "${table}".id = ?`,
    [id],
  );
}

const server = await startBenchServer({ KYC_SANDBOX_DELAY_MS: '20' });
try {
  const call = client(server.url);
  const admin = { headers: server.admin };
  log(
    `# Reads bench — ${server.database}, 100 and ${BIG.toLocaleString('en-US')} platform rows, ${SAMPLES} samples`,
  );
  const reviewer = await staffWithKey(server, 'cdd@bench.example', ['cdd-provider']);
  const issuerStaff = await staffWithKey(server, 'issuer@bench.example', ['issuer-admin']);
  const alice = await onboardInvestor(server, reviewer.key, 0, 'r');
  const bob = await onboardInvestor(server, reviewer.key, 1, 'r');
  await allFinal(server);
  for (const inv of [alice, bob])
    inv.did = (await call<{ did: string }>('GET', `/identities/${inv.identityId}`, admin)).body.did;
  const operatorDid = (await server.app.infra.ledger.identityOf(server.app.services.operatorAddress()))!;

  const asset = async (body: object) => {
    const r = await call<{ asset: { id: string } }>('POST', '/assets', { ...admin, body });
    await allFinal(server);
    return r.body.asset.id;
  };
  const usd = await asset({ name: 'Bench USD', assetType: 'StableCoin', divisible: true });
  await call('POST', `/assets/${usd}/issue`, { ...admin, body: { amount: '100000000' } });
  const equity = await asset({ name: 'Bench Growth', assetType: 'EquityCommon', divisible: false });
  await call('POST', `/assets/${equity}/issue`, { ...admin, body: { amount: '1000000' } });
  await allFinal(server);
  const settle = async (to: { did: string | null; identityId: string }, assetId: string, amount: string) => {
    const s = await call<{ id: string }>('POST', '/settlements', {
      ...admin,
      body: {
        settlementType: { type: 'SettleOnAffirmation' },
        legs: [{ type: 'Fungible', from: { did: operatorDid }, to: { did: to.did }, assetId, amount }],
      },
    });
    await allFinal(server);
    await call('POST', `/settlements/${s.body.id}/affirm`, { ...admin, body: { identityId: to.identityId } });
    await allFinal(server);
    return s.body.id;
  };
  const settlementId = await settle(alice, usd, '100000');
  await settle(bob, usd, '100000');
  await settle(alice, equity, '100');
  const offering = await call<{ id: string }>('POST', `/assets/${equity}/offerings`, {
    headers: issuerStaff.bearer,
    body: {
      name: 'Bench Series A',
      paymentAssetId: usd,
      tiers: [{ amount: '500000', price: '1' }],
      minInvestment: '1',
      end: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    },
  });
  const offeringId = offering.body.id;
  await call('POST', `/offerings/${offeringId}/launch`, { headers: issuerStaff.bearer });
  await allFinal(server);
  const alicePage = { headers: { cookie: alice.cookie } };
  await call('POST', `/offerings/${offeringId}/subscriptions`, {
    headers: { cookie: bob.cookie },
    body: { amount: '10', agreement: { fullName: 'Bench Investor1', consent: true, documents: [] } },
  });
  await allFinal(server);
  const subscriptionId = (
    await server.sql<{ id: string }>(`select id from subscription where offering_id = ? limit 1`, [
      offeringId,
    ])
  )[0]!.id;
  log(`real world built: 2 investors, 2 assets, 1 live offering, 1 subscription, 3 settlements`);

  const reads = {
    instructions: () => call('GET', '/identities/me/instructions?limit=20', alicePage),
    offering: async () => {
      await call('GET', `/offerings/${offeringId}`, alicePage);
      await call('POST', `/offerings/${offeringId}/subscriptions/check`, {
        ...alicePage,
        body: { amount: '5' },
      });
    },
    capTable: () => call('GET', `/assets/${equity}/holders?limit=50`, admin),
  };
  const measure = async () => {
    const out: Record<string, number> = {};
    for (const [name, read] of Object.entries(reads)) {
      for (let k = 0; k < 30; k++) await read();
      const times: number[] = [];
      for (let k = 0; k < SAMPLES; k++) {
        const t = performance.now();
        await read();
        times.push(performance.now() - t);
      }
      out[name] = Math.round(median(times) * 100) / 100;
    }
    return out;
  };

  /** Grows the platform to `rows` settlements, subscriptions of the offering and investor identities. */
  const grow = async (rows: number) => {
    const t = Date.now();
    const others = `'5x' || lpad(to_hex(g), 64, '0')`;
    // Settlements between other parties (the operator and DIDs the investor never meets).
    await copyRow(server, 'settlement', settlementId, rows - (await count(server, 'settlement')), {
      legs: `replace(legs::text, '${alice.did}', ${others})::json`,
      parties: `array[${others}, '${operatorDid}']`,
    });
    // Other investors' subscriptions to the same offering: 90% settled, the rest failed or refunded.
    await copyRow(server, 'subscription', subscriptionId, rows - (await count(server, 'subscription')), {
      identity_id: 'gen_random_uuid()',
      did: others,
      status: `case when g % 10 = 3 then 'failed' when g % 10 = 7 then 'refunded' else 'settled' end`,
      amount: `'1'`,
      cost: `'1'`,
      operation_id: 'null',
    });
    await copyRow(
      server,
      'investor_identity',
      alice.identityId,
      rows - (await count(server, 'investor_identity')),
      {
        did: others,
      },
    );
    await server.sql(`analyze`);
    log(
      `  platform at ${rows.toLocaleString('en-US')} rows (settlements ${await count(server, 'settlement')}, ` +
        `subscriptions ${await count(server, 'subscription')}, identities ${await count(server, 'investor_identity')}) in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
  };

  const TABLES = ['settlement', 'subscription', 'investor_identity'];
  /** Back to the rows of the 100 level: the copies made since are deleted (the trigger follows). */
  const shrink = async (keep: Map<string, string[]>) => {
    const t = Date.now();
    for (const table of TABLES)
      await server.sql(`delete from "${table}" where id <> all(?::uuid[])`, [
        `{${keep.get(table)!.join(',')}}`,
      ]);
    await server.sql(`vacuum analyze`);
    log(`  back to 100 rows in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };

  // 100 → 100k → 100 again: the figure at 100 is the mean of both, so a change of the machine's
  // load during the run weighs on both sides of the pair.
  await grow(100);
  const keep = new Map<string, string[]>();
  for (const table of TABLES)
    keep.set(
      table,
      (await server.sql<{ id: string }>(`select id from "${table}"`)).map((r) => r.id),
    );
  const before = await measure();
  log(`at 100: ${JSON.stringify(before)} (ms, median)`);
  await grow(BIG);
  const big = await measure();
  log(`at ${BIG.toLocaleString('en-US')}: ${JSON.stringify(big)} (ms, median)`);
  await shrink(keep);
  const after = await measure();
  log(`at 100 again: ${JSON.stringify(after)} (ms, median)`);
  const small = Object.fromEntries(
    Object.keys(before).map((k) => [k, Math.round(((before[k]! + after[k]!) / 2) * 100) / 100]),
  );
  const suffix = BIG === 100_000 ? '100k' : `${Math.round(BIG / 1000)}k`;
  const figures: Record<string, number> = {
    'reads.instructionsMsAt100': small.instructions!,
    [`reads.instructionsMsAt${suffix}`]: big.instructions!,
    'reads.offeringMsAt100': small.offering!,
    [`reads.offeringMsAt${suffix}`]: big.offering!,
    'reads.capTableMsAt100': small.capTable!,
    [`reads.capTableMsAt${suffix}`]: big.capTable!,
  };
  for (const name of Object.keys(reads))
    log(`${name}: ${small[name]} ms → ${big[name]} ms (${(big[name]! / small[name]!).toFixed(2)}×)`);
  const file = jsonTarget(opts.json);
  if (file) {
    await recordFigures(file, figures, {
      bench: 'reads',
      database: server.database,
      options: { rows: BIG, samples: SAMPLES, quick: opts.quick },
    });
    log(`recorded in ${file}`);
  }
} finally {
  await server.close();
}
