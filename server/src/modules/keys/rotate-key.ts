import { hostname, userInfo } from 'node:os';
import { ConfigError, type Config } from '../../config.js';
import type { Database } from '../../db/orm.js';
import { AuditChainer } from '../audit/chainer.js';
import { AuditService } from '../audit/service.js';
import { KeyRing } from './keyring.js';
import { loadMasterKeys } from './master.js';
import { KeyRotation, type RotationProgress } from './rotation.js';

export interface Output {
  log(line: string): void;
  error(line: string): void;
}

function batchSizeArg(args: string[]): number {
  const i = args.indexOf('--batch-size');
  if (i < 0) return 100;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new ConfigError('--batch-size takes a whole number from 1 to 10000');
  }
  return n;
}

/** The `rotate-key` command on an open database; returns the process exit code. */
export async function rotateKey(config: Config, db: Database, args: string[], out: Output): Promise<number> {
  // This process's audit entries are chained as they commit (and any a crash left, first).
  const chainer = new AuditChainer(db.orm, { tickMs: 0 });
  await chainer.start();
  try {
    return await rotate(config, db, args, out);
  } finally {
    await chainer.stop();
  }
}

async function rotate(config: Config, db: Database, args: string[], out: Output): Promise<number> {
  const batchSize = batchSizeArg(args);
  const audit = new AuditService();
  const masters = await loadMasterKeys(config.encryption, config.env);
  const keys = await KeyRing.open(db.orm, masters, audit);
  let lastLine = 0;
  const progress = (p: RotationProgress) => {
    const now = Date.now();
    if (p.done < p.total && now - lastLine < 1000) return;
    lastLine = now;
    out.log(`  ${p.label}: ${p.done} of ${p.total} re-encrypted`);
  };
  if (masters.origin === 'generated') out.log(`Generated a master key in ${masters.file}: back it up.`);
  const where = masters.origin === 'environment' ? 'ENCRYPTION_KEY' : masters.file;
  out.log(`Rotating data keys under master key ${masters.active.id} (${where})`);
  const report = await new KeyRotation(db.orm, keys, audit).rotate({
    actor: 'cli:rotate-key',
    details: { user: userInfo().username, host: hostname() },
    batchSize,
    onProgress: progress,
  });
  if (report.resumed) out.log('  (resumed a rotation that had not finished)');
  const ids = Object.entries(report.keyIds).map(([purpose, id]) => `${purpose} ${id}`);
  out.log(`Data keys now in use: ${ids.join(', ')}`);
  if (report.failures.length > 0) {
    out.error(`${report.failures.length} values could not be opened and were left as they are:`);
    for (const f of report.failures) out.error(`  ${f}`);
    out.error('Add the keys they were written with to PREVIOUS_ENCRYPTION_KEYS and run rotate-key again.');
    return 1;
  }
  const retired = report.retired.length ? `; retired data keys ${report.retired.join(', ')}` : '';
  out.log(`Done: every sealed value uses the new keys${retired}.`);
  return 0;
}
