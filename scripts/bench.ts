/** `npm run bench`: runs every benchmark in turn; each prints its own figures. */
import { spawnSync } from 'node:child_process';

const benches = [['embedded ledger', 'scripts/bench/ledger.ts']];
const extra = process.argv.slice(2);
for (const [name, file] of benches) {
  process.stdout.write(`\n=== ${name}\n`);
  const r = spawnSync('npx', ['tsx', file!, ...extra], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
