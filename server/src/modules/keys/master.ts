import { createHmac, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Master keys: the one key (ENCRYPTION_KEY, or a random key generated into the data folder on
 * first start) that wraps the data keys, plus older master keys kept readable until
 * `rotate-key` has moved everything off them.
 */

/**
 * The fixed key of versions before generated keys. It is public (it was in the source), so it
 * never seals anything; outside production it still opens values those versions wrote, so an
 * old data folder keeps working until `rotate-key` re-encrypts it.
 */
export const LEGACY_DEVELOPMENT_KEY = Buffer.from('stoa-development-key-not-secret!', 'utf8');

export interface MasterKey {
  /** A fingerprint safe to store and print: it names the key without revealing it. */
  id: string;
  key: Buffer;
}

export interface MasterKeys {
  active: MasterKey;
  /** Every key that may open a value or a data key: the active one first. */
  readable: MasterKey[];
  /** Whether version-1 values may be opened with the public development key. */
  legacyReadable: boolean;
  origin: 'environment' | 'file' | 'generated';
  /** Where the generated key lives (used only when ENCRYPTION_KEY is unset). */
  file: string;
}

export interface EncryptionSettings {
  /** ENCRYPTION_KEY; unset → the key file (outside production). */
  key?: Buffer;
  /** PREVIOUS_ENCRYPTION_KEYS: still readable, never used to seal. */
  previousKeys: Buffer[];
  keyFile: string;
}

export class EncryptionKeyError extends Error {
  override readonly name = 'EncryptionKeyError';
}

export function masterKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('stoa master key id').digest('hex').slice(0, 16);
}

const master = (key: Buffer): MasterKey => ({ id: masterKeyId(key), key });

/** Parses a 32-byte key written as 64 hex characters or base64; undefined when malformed. */
export function parseKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(t)) return Buffer.from(t, 'base64');
  return undefined;
}

async function readKeyFile(file: string): Promise<Buffer> {
  const st = await stat(file);
  // Like ssh with its private keys: a key others can read is not a secret any more.
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new EncryptionKeyError(
      `${file} can be read by other users (mode ${(st.mode & 0o777).toString(8)}); restrict it with chmod 600 ${file}`,
    );
  }
  const key = parseKey(await readFile(file, 'utf8'));
  if (!key)
    throw new EncryptionKeyError(`${file} does not hold a 32-byte key in hex; restore it from your backup`);
  return key;
}

/**
 * Creates the key file atomically: written in full to a private temporary file, then linked
 * into place, so two processes starting at once agree on one key and nobody reads half a file.
 */
async function createKeyFile(file: string): Promise<boolean> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${randomBytes(32).toString('hex')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp);
  }
}

/** The master keys for this run; generates the key file on first start when there is none. */
export async function loadMasterKeys(
  settings: EncryptionSettings,
  env: 'development' | 'production' | 'test',
): Promise<MasterKeys> {
  let active: Buffer;
  let origin: MasterKeys['origin'];
  if (settings.key) {
    active = settings.key;
    origin = 'environment';
  } else {
    if (env === 'production')
      throw new EncryptionKeyError('ENCRYPTION_KEY is required when NODE_ENV=production');
    let created = false;
    try {
      active = await readKeyFile(settings.keyFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      created = await createKeyFile(settings.keyFile);
      active = await readKeyFile(settings.keyFile);
    }
    origin = created ? 'generated' : 'file';
  }
  const readable = [active, ...settings.previousKeys.filter((k) => !k.equals(active))].map(master);
  return {
    active: readable[0]!,
    readable,
    legacyReadable: env !== 'production',
    origin,
    file: settings.keyFile,
  };
}
