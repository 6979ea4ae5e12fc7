/**
 * `npm run rotate-key [-- --batch-size N]`: new data keys for documents, profiles and custodial
 * mnemonics, and every sealed value re-encrypted with them (KeyRotation). Run it again to
 * resume an interrupted run. With PostgreSQL it runs beside the server; the embedded database
 * can be open in one process only, so stop the server first.
 */
import { ConfigError, loadConfig } from '../../config.js';
import { openDatabase } from '../../db/orm.js';
import { EncryptionKeyError } from './master.js';
import { rotateKey } from './rotate-key.js';

/** Best effort: catches the usual case of the server running on the same settings. */
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

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  if (!config.databaseUrl) await refuseIfServing(`http://${config.host}:${config.port}`);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await rotateKey(config, db, process.argv.slice(2), {
      log: (line) => console.log(line),
      error: (line) => console.error(line),
    });
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof EncryptionKeyError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error('rotate-key failed:', err);
    process.exit(1);
  },
);
