/**
 * Worker thread of the embedded ledger's verifier (verifier.ts): checks signatures and signs
 * with the keys the ledger handed it, a batch of jobs per message, answering in job order.
 */
import { parentPort } from 'node:worker_threads';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import type { Address } from '../ledger.js';
import { runSignatureJob, type SignatureJob, type SignatureResult, type SigningKey } from './signing.js';

export type ToWorker = { t: 'keys'; keys: SigningKey[] } | { t: 'jobs'; id: number; jobs: SignatureJob[] };

export type FromWorker = { t: 'ready' } | { t: 'done'; id: number; results: SignatureResult[] };

const port = parentPort;
if (port) {
  const keys = new Map<Address, SigningKey>();
  const keyOf = (a: Address) => keys.get(a);
  port.on('message', (m: ToWorker) => {
    if (m.t === 'keys') {
      for (const k of m.keys) keys.set(k.address, k);
      return;
    }
    const results = m.jobs.map((job) => runSignatureJob(job, keyOf));
    const reply: FromWorker = { t: 'done', id: m.id, results };
    port.postMessage(reply);
  });
  // blake2 and SS58 decoding run on WebAssembly once it is loaded (JavaScript until then).
  await cryptoWaitReady();
  const ready: FromWorker = { t: 'ready' };
  port.postMessage(ready);
}
