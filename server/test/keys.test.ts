import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '../src/modules/audit/service.js';
import { KeyRing } from '../src/modules/keys/keyring.js';
import { SEALED } from '../src/modules/keys/sealed.js';
import { loadMasterKeys, masterKeyId, type EncryptionSettings } from '../src/modules/keys/master.js';
import { createTestEnv, type TestEnv } from './helpers.js';

describe('master key', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stoa-keys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const settings = (name: string): EncryptionSettings => ({
    previousKeys: [],
    keyFile: join(dir, name, 'keys', 'master.key'),
  });

  it('is generated on first start into a file only its owner can read, and reused after', async () => {
    const s = settings('first');
    const first = await loadMasterKeys(s, 'development');
    expect(first.origin).toBe('generated');
    expect((await stat(s.keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'first', 'keys'))).mode & 0o777).toBe(0o700);
    expect((await readFile(s.keyFile, 'utf8')).trim()).toBe(first.active.key.toString('hex'));
    const again = await loadMasterKeys(s, 'development');
    expect(again.origin).toBe('file');
    expect(again.active.key.equals(first.active.key)).toBe(true);
    // A different data folder gets its own random key: nothing public is shared.
    const other = await loadMasterKeys(settings('other'), 'development');
    expect(other.active.key.equals(first.active.key)).toBe(false);
  });

  it('is the same key for processes that start at the same moment', async () => {
    const s = settings('race');
    const loaded = await Promise.all(Array.from({ length: 8 }, () => loadMasterKeys(s, 'development')));
    expect(new Set(loaded.map((m) => m.active.id)).size).toBe(1);
    expect(loaded.filter((m) => m.origin === 'generated')).toHaveLength(1);
  });

  it('refuses a key file others can read, a damaged one, and any generated key in production', async () => {
    const s = settings('first');
    await chmod(s.keyFile, 0o644);
    await expect(loadMasterKeys(s, 'development')).rejects.toThrow(/can be read by other users \(mode 644\)/);
    await chmod(s.keyFile, 0o600);
    const damaged = settings('damaged');
    await loadMasterKeys(damaged, 'development');
    await writeFile(damaged.keyFile, 'not a key\n', { mode: 0o600 });
    await expect(loadMasterKeys(damaged, 'development')).rejects.toThrow(/does not hold a 32-byte key/);
    await expect(loadMasterKeys(settings('prod'), 'production')).rejects.toThrow(
      /ENCRYPTION_KEY is required/,
    );
  });

  it('comes from ENCRYPTION_KEY when set, with older keys readable but never active', async () => {
    const key = randomBytes(32);
    const old = randomBytes(32);
    const m = await loadMasterKeys(
      { key, previousKeys: [old, key], keyFile: '/nonexistent/master.key' },
      'production',
    );
    expect(m.origin).toBe('environment');
    expect(m.active.key.equals(key)).toBe(true);
    expect(m.readable.map((k) => k.id)).toEqual([masterKeyId(key), masterKeyId(old)]);
    expect(m.legacyReadable).toBe(false);
    // The id names a key without giving it away.
    expect(m.active.id).toMatch(/^[0-9a-f]{16}$/);
    expect(key.toString('hex')).not.toContain(m.active.id);
  });
});

describe('key ring', () => {
  let env: TestEnv;
  const audit = new AuditService();
  const a = { key: randomBytes(32), previousKeys: [], keyFile: '' };
  const b = { key: randomBytes(32), previousKeys: [a.key], keyFile: '' };
  const ring = async (s: EncryptionSettings) =>
    KeyRing.open(env.db.orm, await loadMasterKeys(s, 'test'), audit);
  const seal = (r: KeyRing, purpose: 'document' | 'profile' | 'mnemonic', text: string, context: string) =>
    env.db.orm.em.fork().transactional((tx) => r.seal(tx, purpose, Buffer.from(text), context));
  const keyRows = () =>
    env.db.orm.em
      .fork()
      .getConnection()
      .execute<{ id: number; purpose: string; status: string; master_key_id: string }[]>(
        'select id, purpose, status, master_key_id from encryption_data_key order by id',
      );

  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  it('keeps a data key per purpose and names it in every ciphertext', async () => {
    const r = await ring(a);
    const active = (await keyRows()).filter((k) => k.status === 'active');
    expect(active.map((k) => k.purpose).sort()).toEqual(['document', 'mnemonic', 'profile']);
    expect(new Set(active.map((k) => k.master_key_id))).toEqual(new Set([masterKeyId(a.key)]));
    const sealed = await seal(r, 'profile', 'Alice Investor', 'application:1');
    const profileKey = active.find((k) => k.purpose === 'profile')!.id;
    expect(sealed[0]).toBe(2);
    expect(sealed.readUInt32BE(1)).toBe(profileKey);
    expect(sealed.includes(Buffer.from('Alice'))).toBe(false);
    expect((await r.open('profile', sealed, 'application:1')).toString()).toBe('Alice Investor');
    await expect(r.open('profile', sealed, 'application:2')).rejects.toThrow();
    await expect(r.open('mnemonic', sealed, 'application:1')).rejects.toThrow(/seals profile, not mnemonic/);
    const mnemonic = await env.db.orm.em
      .fork()
      .transactional((tx) => r.sealMnemonic(tx, 'id-1', 'word '.repeat(24)));
    expect(await r.openMnemonic({ id: 'id-1', keySealed: mnemonic })).toBe('word '.repeat(24));
    await expect(r.openMnemonic({ id: 'id-2', keySealed: mnemonic })).rejects.toThrow();
  });

  it('seals only inside the transaction that writes the value', async () => {
    const r = await ring(a);
    await expect(r.seal(env.db.orm.em.fork(), 'profile', Buffer.from('x'), 'c')).rejects.toThrow(
      /in the transaction/,
    );
  });

  it('makes new data keys when the master key changes, and still opens what the old ones sealed', async () => {
    const before = await ring(a);
    const old = await seal(before, 'document', 'passport scan', 'document:9');
    const after = await ring(b);
    const rows = await keyRows();
    expect(
      rows.filter((k) => k.status === 'active').every((k) => k.master_key_id === masterKeyId(b.key)),
    ).toBe(true);
    expect(rows.find((k) => k.id === old.readUInt32BE(1))!.status).toBe('retiring');
    expect((await after.open('document', old, 'document:9')).toString()).toBe('passport scan');
    const fresh = await seal(after, 'document', 'utility bill', 'document:10');
    expect(fresh.readUInt32BE(1)).not.toBe(old.readUInt32BE(1));
    // Starting again with the same keys changes nothing.
    await ring(b);
    expect(await keyRows()).toEqual(rows);
  });

  it('refuses to start when a data key in use is wrapped by a master key that is not configured', async () => {
    await expect(ring({ key: b.key, previousKeys: [], keyFile: '' })).rejects.toThrow(
      new RegExp(`wrapped with master key ${masterKeyId(a.key)}, which is not configured`),
    );
  });

  it('loads a data key another process created when a value names it', async () => {
    const mine = await ring(b);
    const other = await ring(b);
    const sealed = await env.db.orm.em.fork().transactional(async (tx) => {
      await other.lock(tx);
      await other.replaceActive(tx, { profile: 'test' });
      return other.seal(tx, 'profile', Buffer.from('from elsewhere'), 'ctx');
    });
    expect((await mine.open('profile', sealed, 'ctx')).toString()).toBe('from elsewhere');
    // And seals with it from then on.
    const next = await seal(mine, 'profile', 'x', 'ctx');
    expect(next.readUInt32BE(1)).toBe(sealed.readUInt32BE(1));
  });

  it('knows every column that holds sealed values, so rotate-key misses none', async () => {
    const columns = await env.db.orm.em
      .fork()
      .getConnection()
      .execute<{ table_name: string; column_name: string }[]>(
        `select table_name, column_name from information_schema.columns
          where data_type = 'bytea' and table_schema = current_schema() order by 1, 2`,
      );
    const known = [
      ...SEALED.map((c) => `${c.table}.${c.column}`),
      'encryption_data_key.wrapped', // under the master key, not a data key
      'onboarding_document.content', // documents stored whole: rotate-key splits them into chunks
    ];
    expect(columns.map((c) => `${c.table_name}.${c.column_name}`)).toEqual(known.sort());
  });

  it('records every data key it creates in the audit trail', async () => {
    const entries = await env.db.orm.em
      .fork()
      .getConnection()
      .execute<{ data: { purpose: string; reason: string } }[]>(
        `select data from audit_entry where action = 'keys.data-key-created' order by id`,
      );
    expect(entries.map((e) => e.data.reason)).toEqual([
      'first start',
      'first start',
      'first start',
      'the master key changed',
      'the master key changed',
      'the master key changed',
      'test',
    ]);
  });
});
