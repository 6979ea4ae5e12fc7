/**
 * Embedded-ledger benchmark (issue 3): with 5 compliance requirements and 2 transfer
 * restrictions over N identities (default 10,000), measures
 *   - settled transfers per second through the port (signed, verified, executed in blocks, each
 *     block fsynced to the block log before its receipt): one at a time, one sender with 256
 *     transactions in flight, and 16 senders with 16 in flight each,
 *   - canTransfer checks per second,
 *   - replay time of a block log of ≥100,000 transactions.
 * Everything goes through signed transactions; nothing writes to the ledger's state directly.
 * Options: --identities N --transfers N --checks N --replay-txs N
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedLedger } from '../../chain/src/embedded/index.js';
import type { Address, AssetId, Claim, Condition, Did, LedgerCall } from '../../chain/src/index.js';

const { values: opts } = parseArgs({
  options: {
    identities: { type: 'string', default: '10000' },
    transfers: { type: 'string', default: '5000' },
    checks: { type: 'string', default: '50000' },
    'replay-txs': { type: 'string', default: '100000' },
  },
});
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

async function main(): Promise<void> {
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
    // The single sender of 1b needs a unit per transfer.
    const solo = investors[0]!;
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
    const t3 = performance.now();
    ledger = await EmbeddedLedger.open({ dataDir: dir, clock: 'manual' });
    const replayMs = performance.now() - t3;
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

await main();
