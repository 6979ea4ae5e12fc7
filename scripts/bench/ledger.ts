/**
 * Embedded-ledger benchmark (issue 3): with 5 compliance requirements and 2 transfer
 * restrictions over N identities (default 10,000), measures
 *   - settled transfers per second through the port (signed, verified, executed in blocks, each
 *     block fsynced to the block log before its receipt): one at a time, one sender with 256
 *     transactions in flight, and 16 senders with 16 in flight each,
 *   - canTransfer checks per second,
 *   - replay time of a block log of ≥100,000 transactions.
 * Everything goes through signed transactions; nothing writes to the ledger's state directly.
 * Then (issue 11) the storage figures, each in a fresh child process:
 *   - RSS after replaying a log of --replay-blocks blocks (default 160,000) from scratch, after a GC,
 *   - time to open a data folder of --restart-blocks blocks (default 150,000) with its snapshots
 *     as they are normally written (periodic and on close), and after a crash (the newest
 *     snapshot gone, so the tail since the one before is replayed).
 * The storage logs are settlements (one 1-leg instruction per block, executed in the next block,
 * like the dev chain), pre-signed and written to the block log directly so that building 160k
 * blocks takes seconds; the replay then checks every one of them.
 * Measured on this project's 2-core machine (load ~9 from other work), before → after the event
 * store and snapshots, one run right after the other: rssMbAfterReplay 556 → 286 MB (heap 369 →
 * 99 MB, the rest of it module state), restartSecAt150kBlocks 12.3 → 1.37 s, after a crash
 * (10,000-block tail) 12.0 → 1.56 s; a full replay (first open) is ~1.2× slower (it also writes
 * the event store).
 * Options: --identities N --transfers N --checks N --replay-txs N --replay-blocks N
 *   --restart-blocks N --storage-only --json <file> (merges the named figures into that file)
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { recordFigures } from './results.js';
import { EmbeddedLedger } from '../../chain/src/embedded/index.js';
import type { Address, AssetId, Claim, Condition, Did, LedgerCall } from '../../chain/src/index.js';

const { values: opts } = parseArgs({
  options: {
    identities: { type: 'string', default: '10000' },
    transfers: { type: 'string', default: '5000' },
    checks: { type: 'string', default: '50000' },
    'replay-txs': { type: 'string', default: '100000' },
    'replay-blocks': { type: 'string', default: '160000' },
    'restart-blocks': { type: 'string', default: '150000' },
    'storage-only': { type: 'boolean', default: false },
    json: { type: 'string' },
    child: { type: 'string' },
    dir: { type: 'string' },
  },
});
type Figures = Record<string, number>;
const N = Number(opts.identities);
const TRANSFERS = Number(opts.transfers);
const CHECKS = Number(opts.checks);
const REPLAY_TXS = Number(opts['replay-txs']);

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US');
function log(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

interface Investor {
  address: Address;
  did: Did;
}

async function main(figures: Figures): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'stoa-bench-'));
  const genesisTime = Date.parse('2026-01-01T00:00:00Z');
  let ledger = await EmbeddedLedger.open({ dataDir: dir, clock: 'manual', genesisTime });
  let txCount = 0;
  const submit = async <K extends LedgerCall>(call: K, signer: Address) => {
    txCount++;
    return ledger.submit(call, { signer });
  };

  try {
    log(`# Embedded ledger benchmark — ${N.toLocaleString('en-US')} identities, node ${process.version}`);
    const t0 = performance.now();
    const alice = await ledger.addSigner({ uri: '//Alice' });
    const issuer = (await ledger.identityOf(alice)) as Did;

    const created = await submit(
      {
        name: 'asset.createAsset',
        args: { name: 'Bench Equity', assetType: 'EquityCommon', divisible: true },
      },
      alice,
    );
    const assetId = (created.result as { assetId: AssetId }).assetId;
    const kyc = (did: Did): Claim => ({ type: 'KnowYourCustomer', scope: { type: 'Identity', value: did } });

    // Five requirements; the first four need claims nobody holds, so every check evaluates all five.
    const trusted = [{ identity: issuer, trustedFor: null }];
    const scope = { type: 'Identity' as const, value: issuer };
    const unmet = (type: 'Exempted' | 'Affiliate' | 'Accredited' | 'BuyLockup'): Condition[] => [
      { type: 'IsPresent', target: 'Receiver', claim: { type, scope }, trustedClaimIssuers: trusted },
      { type: 'IsPresent', target: 'Receiver', claim: kyc(issuer), trustedClaimIssuers: trusted },
    ];
    const requirements: Condition[][] = [
      unmet('Exempted'),
      unmet('Affiliate'),
      unmet('Accredited'),
      unmet('BuyLockup'),
      [
        { type: 'IsPresent', target: 'Both', claim: kyc(issuer), trustedClaimIssuers: trusted },
        {
          type: 'IsNoneOf',
          target: 'Receiver',
          claims: [
            { type: 'Jurisdiction', code: 'Kp', scope },
            { type: 'Jurisdiction', code: 'Ir', scope },
          ],
          trustedClaimIssuers: trusted,
        },
        { type: 'IsAbsent', target: 'Both', claim: { type: 'Blocked', scope }, trustedClaimIssuers: trusted },
      ],
    ];
    await submit(
      { name: 'complianceManager.replaceAssetCompliance', args: { assetId, requirements } },
      alice,
    );
    await submit(
      {
        name: 'statistics.setActiveAssetStats',
        args: { assetId, stats: [{ op: 'Count' }, { op: 'Balance' }] },
      },
      alice,
    );
    await submit(
      {
        name: 'statistics.setAssetTransferCompliance',
        args: {
          assetId,
          conditions: [
            { type: 'MaxInvestorCount', count: N + 10 },
            { type: 'MaxInvestorOwnership', percentage: '60' },
          ],
        },
      },
      alice,
    );
    await submit({ name: 'asset.issue', args: { assetId, amount: String(N * 1000) } }, alice);
    // The issuer holds everything at first: it must be KYC'd too to send.
    await submit({ name: 'identity.addClaim', args: { target: issuer, claim: kyc(issuer) } }, alice);

    log(`setting up ${N.toLocaleString('en-US')} identities (keys, DIDs, claims, pre-approval)…`);
    const investors: Investor[] = [];
    const countries = ['Us', 'De', 'Gb', 'Fr', 'Sg', 'Ch'];
    for (let i = 0; i < N; i++) {
      const address = await ledger.addSigner({ uri: `//Alice//bench//${i}` });
      const reg = await submit(
        { name: 'identity.cddRegisterDid', args: { targetAccount: address, cddClaim: true } },
        alice,
      );
      const did = (reg.result as { did: Did }).did;
      // Each investor pays its own transaction fees (Polymesh 7.0's fee model).
      await submit({ name: 'balances.transfer', args: { to: address, amount: '100' } }, alice);
      await submit({ name: 'identity.addClaim', args: { target: did, claim: kyc(issuer) } }, alice);
      await submit(
        {
          name: 'identity.addClaim',
          args: {
            target: did,
            claim: { type: 'Jurisdiction', code: countries[i % countries.length]!, scope },
          },
        },
        alice,
      );
      // Receivers pre-approve the asset, so one signature (the sender's) settles a transfer.
      await submit({ name: 'asset.preApproveAsset', args: { assetId } }, address);
      investors.push({ address, did });
      if ((i + 1) % 2000 === 0) log(`  ${i + 1} identities`);
    }
    // Distribute: 10 legs per instruction from the issuer.
    for (let i = 0; i < N; i += 10) {
      const legs = investors.slice(i, i + 10).map((inv) => ({
        type: 'Fungible' as const,
        from: { did: issuer },
        to: { did: inv.did },
        assetId,
        amount: '500',
      }));
      await submit(
        {
          name: 'settlement.addAndAffirmInstruction',
          args: { settlementType: { type: 'SettleOnAffirmation' }, legs, portfolios: [{ did: issuer }] },
        },
        alice,
      );
    }
    const holders = (await ledger.holders(assetId)).length;
    const setupMs = performance.now() - t0;
    log(
      `setup: ${txCount.toLocaleString('en-US')} transactions in ${(setupMs / 1000).toFixed(1)} s; ${holders} holders`,
    );
    log(
      `memory after setup: rss ${mb(process.memoryUsage().rss)}, heap ${mb(process.memoryUsage().heapUsed)}`,
    );

    // 1. Settled transfers: investor → investor, one instruction each, signed by the sender.
    const pick = (k: number) => investors[(k * 7919) % investors.length]!;
    const transfer = (from: Investor, to: Investor) =>
      submit(
        {
          name: 'settlement.addAndAffirmInstruction',
          args: {
            settlementType: { type: 'SettleOnAffirmation' },
            legs: [{ type: 'Fungible', from: { did: from.did }, to: { did: to.did }, assetId, amount: '1' }],
            portfolios: [{ did: from.did }],
          },
        },
        from.address,
      );
    /** Wall time, CPU of all threads and main-thread busy share of `fn`, with the machine's load. */
    const measured = async (n: number, fn: () => Promise<unknown>) => {
      const load = loadavg()[0]!;
      const cpu0 = process.cpuUsage();
      const elu0 = performance.eventLoopUtilization();
      const t = performance.now();
      await fn();
      const ms = performance.now() - t;
      const cpu = process.cpuUsage(cpu0);
      const elu = performance.eventLoopUtilization(elu0);
      return {
        ms,
        note:
          `  CPU ${Math.round((cpu.user + cpu.system) / n)} µs per transfer (all threads), main thread busy ` +
          `${Math.round(elu.utilization * 100)} %, load average ${load.toFixed(1)} on ${availableParallelism()} cores`,
      };
    };
    /** `count` sends with at most `window` in flight (nonces handed out by the ledger, in order). */
    const windowed = async (count: number, window: number, send: (k: number) => Promise<unknown>) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(window, count) }, async () => {
          while (next < count) await send(next++);
        }),
      );
    };
    // Worker threads start on the first burst; a server has them from its first minutes on.
    const threads = await ledger.startSignatureThreads();
    // The single sender of 1b needs a unit per transfer, and POLYX for its fees (< 1 each).
    const solo = investors[0]!;
    await submit({ name: 'balances.transfer', args: { to: solo.address, amount: String(TRANSFERS) } }, alice);
    await submit(
      {
        name: 'settlement.addAndAffirmInstruction',
        args: {
          settlementType: { type: 'SettleOnAffirmation' },
          legs: [
            {
              type: 'Fungible',
              from: { did: issuer },
              to: { did: solo.did },
              assetId,
              amount: String(TRANSFERS),
            },
          ],
          portfolios: [{ did: issuer }],
        },
      },
      alice,
    );
    const before = await ledger.info();
    let lastInstruction = 0;
    const oneRun = await measured(TRANSFERS, async () => {
      for (let k = 0; k < TRANSFERS; k++) {
        const r = await transfer(pick(k), pick(k + 1));
        lastInstruction = (r.result as { instructionId: number }).instructionId;
      }
    });
    const transferMs = oneRun.ms;
    figures['ledger.transfers1LegOneAtATimePerSec'] = Math.round((TRANSFERS / transferMs) * 1000);
    const after = await ledger.info();
    const sample = await ledger.instruction(lastInstruction);
    log(`\n## settled transfers (1 leg, 5 requirements, 2 restrictions, signed + verified)`);
    log(
      `one at a time (each receipt awaited before the next is sent): ${TRANSFERS.toLocaleString('en-US')} transfers in ${transferMs.toFixed(0)} ms → ${rate(TRANSFERS, transferMs)} transfers/s`,
    );
    log(oneRun.note);
    log(
      `  blocks produced: ${after.blockHeight - before.blockHeight}; last instruction: ${JSON.stringify(sample?.status ?? 'pruned')}`,
    );

    // 1b. One sender keeping WINDOW transactions in flight: the ledger hands out the nonces
    // (counting those in flight), checks signatures on its worker threads and applies in order.
    const WINDOW = 256;
    const soloRun = await measured(TRANSFERS, () =>
      windowed(TRANSFERS, WINDOW, (k) => transfer(solo, investors[1 + (k % (investors.length - 1))]!)),
    );
    const soloMs = soloRun.ms;
    figures['ledger.transfers1LegPerSec'] = Math.round((TRANSFERS / soloMs) * 1000);
    log(
      `1 sender, ${WINDOW} in flight (ledger.transfers1LegPerSec, 1-sender mode): ${rate(TRANSFERS, soloMs)} transfers/s` +
        ` (signature worker threads: ${threads})`,
    );
    log(soloRun.note);

    // 1c. Several senders at once, as the outbox with several signers, each with a window of
    // its own: blocks sealed while the block log syncs share the next sync (group commit).
    const SENDERS = 16;
    const PER_SENDER = 16;
    const manyRun = await measured(TRANSFERS, () =>
      Promise.all(
        Array.from({ length: SENDERS }, (_, lane) => {
          const from = investors[lane]!;
          const mine = Math.floor(TRANSFERS / SENDERS) + (lane < TRANSFERS % SENDERS ? 1 : 0);
          return windowed(mine, PER_SENDER, (k) =>
            transfer(from, investors[SENDERS + ((k * SENDERS + lane) % (investors.length - SENDERS))]!),
          );
        }),
      ),
    );
    const concurrentMs = manyRun.ms;
    figures['ledger.transfers16SendersPerSec'] = Math.round((TRANSFERS / concurrentMs) * 1000);
    log(
      `${SENDERS} senders, ${PER_SENDER} in flight each (ledger.transfers1LegPerSec, 16-sender mode): ${rate(TRANSFERS, concurrentMs)} transfers/s`,
    );
    log(manyRun.note);

    // 1d. Batched: a distributor sends 10-leg instructions (one signature per 10 transfers).
    const t1b = performance.now();
    const batches = Math.max(1, Math.floor(TRANSFERS / 10));
    for (let b = 0; b < batches; b++) {
      const legs = Array.from({ length: 10 }, (_, j) => ({
        type: 'Fungible' as const,
        from: { did: issuer },
        to: { did: pick(b * 10 + j).did },
        assetId,
        amount: '1',
      }));
      await submit(
        {
          name: 'settlement.addAndAffirmInstruction',
          args: { settlementType: { type: 'SettleOnAffirmation' }, legs, portfolios: [{ did: issuer }] },
        },
        alice,
      );
    }
    const batchMs = performance.now() - t1b;
    log(
      `${(batches * 10).toLocaleString('en-US')} transfers in 10-leg instructions: ${rate(batches * 10, batchMs)} transfers/s`,
    );

    // 2. canTransfer checks.
    const t2 = performance.now();
    let allowed = 0;
    for (let k = 0; k < CHECKS; k++) {
      const r = ledger.canTransferSync({
        assetId,
        from: { did: pick(k).did },
        to: { did: pick(k + 3).did },
        amount: '1',
      });
      if (r.result) allowed++;
    }
    const checkMs = performance.now() - t2;
    figures['ledger.canTransferPerSec'] = Math.round((CHECKS / checkMs) * 1000);
    log(`\n## canTransfer (full breakdown: general, 5 requirements, 2 restrictions)`);
    log(
      `${CHECKS.toLocaleString('en-US')} checks in ${checkMs.toFixed(0)} ms → ${rate(CHECKS, checkMs)} checks/s (${allowed} allowed)`,
    );

    // 3. Replay: grow the log to REPLAY_TXS transactions, then reopen.
    let k = TRANSFERS;
    while (txCount < REPLAY_TXS) {
      const from = pick(k);
      const to = pick(k + 1);
      k++;
      await submit(
        {
          name: 'settlement.addAndAffirmInstruction',
          args: {
            settlementType: { type: 'SettleOnAffirmation' },
            legs: [{ type: 'Fungible', from: { did: from.did }, to: { did: to.did }, assetId, amount: '1' }],
            portfolios: [{ did: from.did }],
          },
        },
        from.address,
      );
    }
    const head = await ledger.info();
    const balanceBefore = await ledger.assetBalance(assetId, investors[0]!.did);
    await ledger.close();
    const logSize = (await stat(join(dir, 'blocks.jsonl')).catch(() => null))?.size;
    // A full replay: without the snapshot written on close (and the event store it vouches for).
    for (const f of readdirSync(dir)) if (/^snapshot-\d+\.bin$|^events\.bin$/.test(f)) rmSync(join(dir, f));
    const t3 = performance.now();
    ledger = await EmbeddedLedger.open({ dataDir: dir, clock: 'manual' });
    const replayMs = performance.now() - t3;
    figures['ledger.replayTxPerSec'] = Math.round((txCount / replayMs) * 1000);
    const replayed = await ledger.info();
    const balanceAfter = await ledger.assetBalance(assetId, investors[0]!.did);
    log(`\n## replay`);
    log(
      `${txCount.toLocaleString('en-US')} transactions, ${head.blockHeight.toLocaleString('en-US')} blocks` +
        (logSize ? `, log ${mb(logSize)}` : '') +
        ` replayed in ${(replayMs / 1000).toFixed(1)} s (${rate(txCount, replayMs)} tx/s)`,
    );
    if (replayed.blockHeight !== head.blockHeight || balanceAfter !== balanceBefore) {
      throw new Error(
        `replay diverged: height ${replayed.blockHeight} vs ${head.blockHeight}, balance ${balanceAfter} vs ${balanceBefore}`,
      );
    }
    log(`state after replay matches (height ${replayed.blockHeight}, sample balance ${balanceAfter})`);
    log(
      `memory after replay: rss ${mb(process.memoryUsage().rss)}, heap ${mb(process.memoryUsage().heapUsed)}`,
    );
  } finally {
    await ledger.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ storage (issue 11)

const GENESIS = Date.parse('2026-01-01T00:00:00Z');
const THIS_FILE = fileURLToPath(import.meta.url);

/** In a child process: opens the folder, then reports what it took (JSON on stdout). */
async function child(mode: string, dir: string): Promise<void> {
  const t0 = performance.now();
  const ledger = await EmbeddedLedger.open({ dataDir: dir, clock: 'manual' });
  const openMs = performance.now() - t0;
  const info = await ledger.info();
  // Every settlement of the generated log must have executed: the last instruction too.
  const lastTx = await ledger.findTransaction(
    JSON.parse(readFileSync(join(dir, 'bench-last.json'), 'utf8')).signer as Address,
    JSON.parse(readFileSync(join(dir, 'bench-last.json'), 'utf8')).nonce as number,
  );
  let events = 0;
  if (mode === 'replay') {
    const unsub = await ledger.subscribeEvents(info.blockHeight - 99, () => events++);
    unsub();
  }
  // Collect, and let finalizers free what buffers the open let go of.
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const mem = process.memoryUsage();
  if (mode === 'open-no-close') {
    // A crash: no close, no snapshot at the head.
    process.stdout.write(
      `${JSON.stringify({ openMs, rss: mem.rss, heap: mem.heapUsed, height: info.blockHeight })}\n`,
    );
    process.exit(0);
  }
  await ledger.close();
  process.stdout.write(
    `${JSON.stringify({ openMs, rss: mem.rss, heap: mem.heapUsed, height: info.blockHeight, found: lastTx?.status ?? null, events })}\n`,
  );
}

function runChild(
  mode: string,
  dir: string,
): {
  openMs: number;
  rss: number;
  heap: number;
  height: number;
  found?: string | null;
} {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', THIS_FILE, '--child', mode, '--dir', dir],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (r.status !== 0) throw new Error(`child ${mode} failed (${r.status}): ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line);
}

/**
 * Builds a block log of `blocks` blocks: a small setup through the port, then pre-signed
 * 1-leg settlements appended to the log directly, each in a block of its own followed by the
 * block that executes it. Copies the log to `copyAt[i].dir` when it reaches `copyAt[i].blocks`.
 */
async function buildLog(
  dir: string,
  blocks: number,
  copyAt: { blocks: number; dir: string; name?: string }[],
): Promise<void> {
  const l = await EmbeddedLedger.open({
    dataDir: dir,
    clock: 'manual',
    genesisTime: GENESIS,
    snapshotEveryBlocks: 0,
  });
  const alice = await l.addSigner({ uri: '//Alice' });
  const issuer = (await l.identityOf(alice)) as Did;
  const created = await l.submit(
    {
      name: 'asset.createAsset',
      args: { name: 'Storage Bench', assetType: 'EquityCommon', divisible: true },
    },
    { signer: alice },
  );
  const assetId = (created.result as { assetId: AssetId }).assetId;
  const PEOPLE = 200;
  await l.submit(
    { name: 'asset.issue', args: { assetId, amount: String(PEOPLE * 1_000_000) } },
    { signer: alice },
  );
  const people: { address: Address; did: Did; nonce: number }[] = [];
  for (let i = 0; i < PEOPLE; i++) {
    const address = await l.addSigner({ uri: `//Alice//storage//${i}` });
    const reg = await l.submit(
      { name: 'identity.cddRegisterDid', args: { targetAccount: address, cddClaim: true } },
      { signer: alice },
    );
    // POLYX for its transaction fees (about 400 pre-signed settlements each at the default size).
    await l.submit({ name: 'balances.transfer', args: { to: address, amount: '1000' } }, { signer: alice });
    await l.submit({ name: 'asset.preApproveAsset', args: { assetId } }, { signer: address });
    people.push({ address, did: (reg.result as { did: Did }).did, nonce: 1 });
  }
  for (let i = 0; i < PEOPLE; i += 10) {
    const legs = people.slice(i, i + 10).map((p) => ({
      type: 'Fungible' as const,
      from: { did: issuer },
      to: { did: p.did },
      assetId,
      amount: '100000',
    }));
    await l.submit(
      {
        name: 'settlement.addAndAffirmInstruction',
        args: { settlementType: { type: 'SettleOnAffirmation' }, legs, portfolios: [{ did: issuer }] },
      },
      { signer: alice },
    );
  }
  const head = await l.info();
  const ts = Date.parse(head.time);
  await l.close();
  for (const f of readdirSync(dir)) if (f !== 'blocks.jsonl') rmSync(join(dir, f), { force: true });
  const logPath = join(dir, 'blocks.jsonl');
  let n = head.blockHeight;
  let chunk: string[] = [];
  let last = { signer: '', nonce: 0 };
  const pending = [...copyAt].sort((a, b) => a.blocks - b.blocks);
  const flush = () => {
    if (chunk.length > 0) appendFileSync(logPath, chunk.join(''));
    chunk = [];
  };
  for (let k = 0; n + 2 <= blocks; k++) {
    const from = people[(k * 7919) % PEOPLE]!;
    const to = people[(k * 7919 + 1) % PEOPLE]!;
    const tx = l.signTransaction(
      {
        name: 'settlement.addAndAffirmInstruction',
        args: {
          settlementType: { type: 'SettleOnAffirmation' },
          legs: [{ type: 'Fungible', from: { did: from.did }, to: { did: to.did }, assetId, amount: '1' }],
          portfolios: [{ did: from.did }],
        },
      },
      { signer: from.address, nonce: from.nonce },
    );
    last = { signer: from.address, nonce: from.nonce };
    from.nonce++;
    chunk.push(`${JSON.stringify({ t: 'block', n: n + 1, ts, txs: [tx] })}\n`);
    chunk.push(`${JSON.stringify({ t: 'block', n: n + 2, ts, txs: [] })}\n`);
    n += 2;
    if (chunk.length >= 20_000) flush();
    while (pending[0] && n >= pending[0].blocks) {
      flush();
      copyFileSync(logPath, join(pending[0].dir, pending[0].name ?? 'blocks.jsonl'));
      writeFileSync(join(pending[0].dir, 'bench-last.json'), JSON.stringify(last));
      pending.shift();
    }
  }
  flush();
  writeFileSync(join(dir, 'bench-last.json'), JSON.stringify(last));
}

async function storage(figures: Figures): Promise<void> {
  const replayBlocks = Number(opts['replay-blocks']);
  const restartBlocks = Math.min(Number(opts['restart-blocks']), replayBlocks);
  const big = await mkdtemp(join(tmpdir(), 'stoa-bench-replay-'));
  const mid = await mkdtemp(join(tmpdir(), 'stoa-bench-restart-'));
  const crash = await mkdtemp(join(tmpdir(), 'stoa-bench-crash-'));
  try {
    log(`\n## storage: ${replayBlocks.toLocaleString('en-US')}-block log (1-leg settlements, pre-signed)`);
    const tb = performance.now();
    // The crash folder: a snapshot 10,000 blocks before the restart height (as the periodic one
    // would be), then the log up to a few blocks short of the next one.
    await buildLog(big, replayBlocks, [
      { blocks: restartBlocks, dir: mid },
      { blocks: restartBlocks - 10_000, dir: crash },
      { blocks: restartBlocks - 3, dir: crash, name: 'blocks-longer.jsonl' },
    ]);
    const logSize = (await stat(join(big, 'blocks.jsonl'))).size;
    log(`built in ${((performance.now() - tb) / 1000).toFixed(1)} s, log ${mb(logSize)}`);

    const replay = runChild('replay', big);
    if (replay.found !== 'success') throw new Error(`the last settlement of the log is ${replay.found}`);
    figures['ledger.rssMbAfterReplay'] = Math.round(replay.rss / 1024 / 1024);
    log(
      `replay of ${replay.height.toLocaleString('en-US')} blocks from scratch in a fresh process: ${(replay.openMs / 1000).toFixed(1)} s; ` +
        `after it and a GC: rss ${mb(replay.rss)}, heap ${mb(replay.heap)}`,
    );

    // As a server uses it: the first open replays everything and leaves a snapshot at its head,
    // the next ones start from the newest snapshot.
    const first = runChild('open', mid);
    const again = runChild('open', mid);
    figures['ledger.restartSecAt150kBlocks'] = Number((again.openMs / 1000).toFixed(2));
    log(
      `restart at ${again.height.toLocaleString('en-US')} blocks: first open ${(first.openMs / 1000).toFixed(1)} s, ` +
        `next open ${(again.openMs / 1000).toFixed(2)} s`,
    );
    // A crash right before the next periodic snapshot: the tail since the last one is replayed.
    const base = runChild('open', crash);
    renameSync(join(crash, 'blocks-longer.jsonl'), join(crash, 'blocks.jsonl'));
    const crashed = runChild('open-no-close', crash);
    figures['ledger.restartSecAt150kBlocksAfterCrash'] = Number((crashed.openMs / 1000).toFixed(2));
    log(
      `restart at ${crashed.height.toLocaleString('en-US')} blocks after a crash (snapshot at ${base.height.toLocaleString('en-US')}, tail replayed): ${(crashed.openMs / 1000).toFixed(2)} s`,
    );
  } finally {
    // STOA_BENCH_KEEP=1 keeps the folders (to profile an open by hand).
    if (process.env['STOA_BENCH_KEEP'] === '1') log(`kept: ${big} ${mid} ${crash}`);
    else for (const d of [big, mid, crash]) await rm(d, { recursive: true, force: true });
  }
}

if (opts.child !== undefined) {
  await child(opts.child, opts.dir as string);
} else {
  const figures: Figures = {};
  if (!opts['storage-only']) await main(figures);
  await storage(figures);
  if (opts.json !== undefined) {
    await recordFigures(opts.json, figures, {
      bench: 'ledger',
      database: 'none',
      options: { ...opts, json: undefined },
    });
    log(`\nfigures merged into ${opts.json}: ${JSON.stringify(figures)}`);
  }
}
