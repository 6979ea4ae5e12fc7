import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { StoreInUseError } from '@stoa/chain';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { KeyRotation } from './modules/keys/rotation.js';
import { EncryptionKeyError, type MasterKeys } from './modules/keys/master.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  if (!config.webDist) config.webDist = fileURLToPath(new URL('../../web/dist', import.meta.url));
  let generatedToken: string | undefined;
  if (!config.adminToken && config.env !== 'production') {
    generatedToken = randomBytes(24).toString('base64url');
    config.adminToken = generatedToken;
  }

  let app;
  try {
    app = await buildApp(config);
  } catch (err) {
    if (err instanceof EncryptionKeyError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 20_000);
    timer.unref();
    try {
      await app.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const address = await app.listen({ host: config.host, port: config.port });
  const url = address.replace('127.0.0.1', 'localhost');
  const lines = [
    '',
    `  Stoa is running at ${url}`,
    `  Portal ${url}/   API docs ${url}/docs   Health ${url}/health`,
    `  Database: ${app.infra.db.kind}   Queue: ${app.infra.queue.mode}   Chain: ${app.infra.ledger.kind}`,
  ];
  if (generatedToken)
    lines.push(`  Operator token for this run (set ADMIN_TOKEN to fix it): ${generatedToken}`);
  if (config.env === 'production' && config.signersAreDevelopmentKeys)
    lines.push(
      '  Signing with public development keys (ALLOW_DEV_SIGNERS=true): for a development chain only.',
    );
  lines.push(
    ...(await encryptionLines(
      app.keys.masters,
      new KeyRotation(app.infra.db.orm, app.keys, app.services.audit),
    )),
  );
  console.log(`${lines.join('\n')}\n`);
}

/** What to tell the operator when a start-up step gave up, in words rather than a stack. */
function startFailure(err: unknown): string | undefined {
  if (err instanceof StoreInUseError) return err.message;
  const code = (err as { code?: string } | null)?.code;
  if (code === 'AVV_ERR_PLUGIN_EXEC_TIMEOUT' || code === 'FST_ERR_PLUGIN_TIMEOUT') {
    return `a start-up step took longer than STARTUP_TIMEOUT_MS allows (${(err as Error).message}); on a slow or busy machine, or with a long block log, raise STARTUP_TIMEOUT_MS (0 = no limit)`;
  }
  return undefined;
}

async function encryptionLines(masters: MasterKeys, rotation: KeyRotation): Promise<string[]> {
  const lines =
    masters.origin === 'environment'
      ? []
      : masters.origin === 'generated'
        ? [
            `  Generated an encryption key in ${masters.file}: back it up, without it the documents`,
            '  and keys stored here cannot be read (README: Encryption keys).',
          ]
        : [`  Encryption key: ${masters.file} (set ENCRYPTION_KEY to keep it elsewhere).`];
  const { retiringKeys, olderValues } = await rotation.outstanding();
  if (retiringKeys > 0 || olderValues > 0) {
    lines.push(
      `  ${olderValues > 0 ? `${olderValues} values from an earlier version` : 'Values'} still use older keys: run \`npm run rotate-key\`.`,
    );
  }
  return lines;
}

main().catch((err: unknown) => {
  const words = startFailure(err);
  if (words) console.error(`Stoa cannot start: ${words}`);
  else console.error('Stoa failed to start:', err);
  process.exit(1);
});
