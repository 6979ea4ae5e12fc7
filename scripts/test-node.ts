/**
 * `npm run test:node`: the port conformance suite against a real Polymesh node through the SDK
 * adapter (POLYMESH_NODE_URL, e.g. ws://127.0.0.1:9944 from docker-compose's 7.3 dev node).
 * Cases that need the embedded ledger (its clock, exact fee deltas, embedded-only shapes) are
 * declared with `itEmbedded` / `itClock` in chain/test/conformance/harness.ts and skip there.
 * Refuses to run without a node URL, so it never passes by testing the embedded ledger instead.
 */
import { spawnSync } from 'node:child_process';

const url = process.env.POLYMESH_NODE_URL;
if (!url || !/^wss?:\/\//.test(url)) {
  process.stderr.write(
    'test:node needs POLYMESH_NODE_URL set to a Polymesh node websocket (ws:// or wss://), e.g. ws://127.0.0.1:9944\n',
  );
  process.exit(2);
}
const run = spawnSync('npx', ['vitest', 'run', '--project', 'chain', 'chain/test/conformance'], {
  stdio: 'inherit',
  env: process.env,
});
process.exit(run.status ?? 1);
