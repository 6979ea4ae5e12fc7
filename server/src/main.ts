import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
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
  lines.push(
    ...(await encryptionLines(
      app.keys.masters,
      new KeyRotation(app.infra.db.orm, app.keys, app.services.audit),
    )),
  );
  console.log(`${lines.join('\n')}\n`);
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
  console.error('Stoa failed to start:', err);
  process.exit(1);
});
