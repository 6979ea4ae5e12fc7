/**
 * `npm run rotate-key`: new data keys for documents, profiles and custodial mnemonics, and every
 * sealed value re-encrypted with them (see KeyRotation). Re-run it to resume an interrupted run.
 * With PostgreSQL it runs beside the server; the embedded database needs the server stopped.
 */
import { hostname, userInfo } from 'node:os';
import { loadConfig, ConfigError } from '../../config.js';
import { openDatabase } from '../../db/orm.js';
import { AuditService } from '../audit/service.js';
import { KeyRing } from './keyring.js';
import { EncryptionKeyError, loadMasterKeys } from './master.js';
import { KeyRotation, type RotationProgress } from './rotation.js';

function batchSizeArg(args: string[]): number {
  const i = args.indexOf('--batch-size');
  if (i < 0) return 100;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new ConfigError('--batch-size takes a whole number from 1 to 10000');
  }
  return n;
}

/** Best effort: the embedded database must not be opened by two processes at once. */
async function refuseIfServing(url: string): Promise<void> {
  const answered = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).then(
    () => true,
    () => false,
  );
  if (answered) {
    throw new ConfigError(
      `Stoa is running at ${url} on the embedded database, which only one process may open: stop it, run rotate-key, then start it again`,
    );
  }
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const batchSize = batchSizeArg(process.argv.slice(2));
  if (!config.databaseUrl) await refuseIfServing(`http://${config.host}:${config.port}`);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const audit = new AuditService();
    const masters = await loadMasterKeys(config.encryption, config.env);
    const keys = await KeyRing.open(db.orm, masters, audit);
    let lastLine = 0;
    const progress = (p: RotationProgress) => {
      const now = Date.now();
      if (p.done < p.total && now - lastLine < 1000) return;
      lastLine = now;
      console.log(`  ${p.label}: ${p.done} of ${p.total} re-encrypted`);
    };
    console.log(`Rotating data keys (master key ${masters.active.id}, from ${masters.origin})`);
    const report = await new KeyRotation(db.orm, keys, audit).rotate({
      actor: 'cli:rotate-key',
      details: { user: userInfo().username, host: hostname() },
      batchSize,
      onProgress: progress,
    });
    if (report.resumed) console.log('  (resumed a rotation that had not finished)');
    const ids = Object.entries(report.keyIds).map(([purpose, id]) => `${purpose} ${id}`);
    console.log(`Data keys now in use: ${ids.join(', ')}`);
    if (report.failures.length > 0) {
      console.error(`${report.failures.length} values could not be opened and were left as they are:`);
      for (const f of report.failures) console.error(`  ${f}`);
      console.error(
        'Add the keys they were written with to PREVIOUS_ENCRYPTION_KEYS and run rotate-key again.',
      );
      process.exitCode = 1;
    } else {
      const retired = report.retired.length ? `; retired data keys ${report.retired.join(', ')}` : '';
      console.log(`Done: every sealed value uses the new keys${retired}.`);
    }
  } finally {
    await db.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof EncryptionKeyError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error('rotate-key failed:', err);
  process.exit(1);
});
