import { randomBytes } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { gcmOpen, gcmSeal, openV1 } from '../../lib/crypto.js';
import type { AuditService } from '../audit/service.js';
import { mnemonicContext } from './contexts.js';
import { DataKey, KEY_PURPOSES, type KeyPurpose } from './entity.js';
import { EncryptionKeyError, LEGACY_DEVELOPMENT_KEY, type MasterKeys } from './master.js';

/** Sealed value, version 2: 2 | data key id (uint32, big-endian) | iv | tag | ciphertext. */
const VERSION = 2;
const HEADER_BYTES = 5;
/** Wrapped data key: 1 | iv | tag | ciphertext, under a master key. */
const WRAP_HEADER = Buffer.from([1]);
/** Serialises whoever creates or replaces data keys (several instances starting, a rotation). */
const KEYRING_LOCK = 7340212;

const wrapContext = (id: number, purpose: KeyPurpose) => `stoa-data-key:${id}:${purpose}`;

export function sealedHeader(keyId: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = VERSION;
  header.writeUInt32BE(keyId, 1);
  return header;
}

interface LoadedKey {
  id: number;
  purpose: KeyPurpose;
  key: Buffer;
}

/** The data key rows each open transaction share-locked, by purpose (see `KeyRing.seal`). */
const lockedIn = new WeakMap<object, Map<KeyPurpose, number>>();

/**
 * Envelope encryption: every value is sealed with a data key of its purpose (documents,
 * profiles, custodial mnemonics), and the data keys are stored wrapped under the master key.
 * A ciphertext names its data key, so keys can change while older values still open; changing
 * the master key only needs new data keys, and `rotate-key` re-encrypts the values.
 */
export class KeyRing {
  private readonly keys = new Map<number, LoadedKey>();

  private constructor(
    private readonly orm: MikroORM,
    readonly masters: MasterKeys,
    private readonly audit: AuditService,
  ) {}

  /**
   * Loads the ring. On first start, and whenever the master key has changed, each purpose gets
   * a new data key under the current master key (the one it replaces stays readable); every
   * data key still in use must unwrap with a configured master key, or the server does not start.
   */
  static async open(orm: MikroORM, masters: MasterKeys, audit: AuditService): Promise<KeyRing> {
    const ring = new KeyRing(orm, masters, audit);
    await orm.em.fork().transactional(async (tx) => {
      await ring.lock(tx);
      const inUse = await tx.find(DataKey, { status: { $in: ['active', 'retiring'] } });
      const active = (purpose: KeyPurpose) =>
        inUse.find((k) => k.purpose === purpose && k.status === 'active');
      const reasons: Partial<Record<KeyPurpose, string>> = {};
      for (const p of KEY_PURPOSES) {
        if (active(p)?.masterKeyId !== masters.active.id) {
          reasons[p] = active(p) ? 'the master key changed' : 'first start';
        }
      }
      await ring.replaceActive(tx, reasons);
      for (const row of inUse) ring.remember(row);
    });
    return ring;
  }

  /** Takes the key-management lock for the rest of the transaction. */
  async lock(tx: EntityManager): Promise<void> {
    await tx
      .getConnection()
      .execute('select pg_advisory_xact_lock(?)', [KEYRING_LOCK], 'all', tx.getTransactionContext());
  }

  /**
   * New active data keys under the current master key, for each purpose in `reasons` (why, for
   * the audit trail); the active ones become retiring. Call inside a transaction holding `lock`.
   * All key rows are locked
   * (one statement) before the audit trail is: a writer holding a key's share lock may be
   * waiting for the audit lock, and must not be waited for by someone who holds it.
   */
  async replaceActive(tx: EntityManager, reasons: Partial<Record<KeyPurpose, string>>): Promise<void> {
    const purposes = KEY_PURPOSES.filter((p) => reasons[p]);
    if (purposes.length === 0) return;
    const conn = tx.getConnection();
    const ctx = tx.getTransactionContext();
    const replaced = await conn.execute<{ id: number; purpose: KeyPurpose }[]>(
      `update encryption_data_key set status = 'retiring' where status = 'active' and purpose in (${purposes.map(() => '?').join(', ')}) returning id, purpose`,
      [...purposes],
      'all',
      ctx,
    );
    const master = this.masters.active;
    const created: { id: number; purpose: KeyPurpose }[] = [];
    for (const purpose of purposes) {
      const [{ id } = { id: 0 }] = await conn.execute<{ id: number }[]>(
        `select nextval(pg_get_serial_sequence('encryption_data_key', 'id'))::int as id`,
        [],
        'all',
        ctx,
      );
      const key = randomBytes(32);
      await tx.insert(DataKey, {
        id,
        purpose,
        status: 'active',
        masterKeyId: master.id,
        wrapped: gcmSeal(master.key, key, WRAP_HEADER, wrapContext(id, purpose)),
        createdAt: new Date(),
        retiredAt: null,
      });
      this.keys.set(id, { id, purpose, key });
      created.push({ id, purpose });
    }
    for (const { id, purpose } of created) {
      await this.audit.append(tx, {
        actor: 'system',
        action: 'keys.data-key-created',
        subjectType: 'data-key',
        subjectId: String(id),
        data: {
          purpose,
          keyId: id,
          masterKeyId: master.id,
          replaces: replaced.find((r) => r.purpose === purpose)?.id ?? null,
          reason: reasons[purpose],
        },
      });
    }
  }

  /** The active data key id of each purpose, as of `em`'s transaction. */
  async activeKeyIds(em: EntityManager): Promise<Record<KeyPurpose, number>> {
    const rows = await em.find(DataKey, { status: 'active' });
    const ids = Object.fromEntries(rows.map((r) => [r.purpose, r.id]));
    for (const p of KEY_PURPOSES) if (!ids[p]) throw new Error(`no active ${p} data key`);
    return ids as Record<KeyPurpose, number>;
  }

  /**
   * Seals with the purpose's active data key. Runs inside the transaction that writes the
   * value: the key row is share-locked until it commits, so a rotation replacing the key waits
   * for the write and its re-encryption pass then sees it.
   */
  async seal(tx: EntityManager, purpose: KeyPurpose, plaintext: Buffer, context: string): Promise<Buffer> {
    if (!tx.isInTransaction()) throw new Error('KeyRing.seal runs in the transaction that writes the value');
    const active = () =>
      tx
        .getConnection()
        .execute<{ id: number }[]>(
          `select id from encryption_data_key where purpose = ? and status = 'active' for share`,
          [purpose],
          'all',
          tx.getTransactionContext(),
        );
    // One lock per purpose and transaction: a transaction sealing many values (a bulk
    // attestation) holds the row it share-locked first until it commits.
    const ctx = tx.getTransactionContext() as object;
    const held = lockedIn.get(ctx) ?? new Map<KeyPurpose, number>();
    let id = held.get(purpose);
    if (id === undefined) {
      // Waiting on a rotation that replaces the key, the statement finds the old row no longer
      // active and cannot see the new one; asking again (a new snapshot) finds it.
      let [row] = await active();
      if (!row) [row] = await active();
      if (!row) throw new Error(`no active ${purpose} data key`);
      id = row.id;
      held.set(purpose, id);
      lockedIn.set(ctx, held);
    }
    const key = await this.dataKey(id, purpose, tx);
    return gcmSeal(key.key, plaintext, sealedHeader(id), context);
  }

  /**
   * Opens a value sealed by `seal` (or by versions before key ids). Inside a transaction pass
   * its entity manager: a key another process created is then loaded on that connection.
   */
  async open(purpose: KeyPurpose, sealed: Buffer, context: string, em?: EntityManager): Promise<Buffer> {
    if (sealed[0] === 1) return this.openV1(sealed, context);
    if (sealed[0] !== VERSION || sealed.length < HEADER_BYTES) {
      throw new Error('not a sealed value of a known version');
    }
    const key = await this.dataKey(sealed.readUInt32BE(1), purpose, em ?? this.orm.em.fork());
    return gcmOpen(key.key, sealed, HEADER_BYTES, context);
  }

  async sealJson(tx: EntityManager, purpose: KeyPurpose, value: unknown, context: string): Promise<Buffer> {
    return this.seal(tx, purpose, Buffer.from(JSON.stringify(value), 'utf8'), context);
  }

  async openJson<T>(purpose: KeyPurpose, sealed: Buffer, context: string, em?: EntityManager): Promise<T> {
    return JSON.parse((await this.open(purpose, sealed, context, em)).toString('utf8')) as T;
  }

  /** The sealed form of a custodial account's mnemonic, bound to its identity row. */
  async sealMnemonic(tx: EntityManager, identityId: string, mnemonic: string): Promise<Buffer> {
    return this.sealJson(tx, 'mnemonic', { mnemonic }, mnemonicContext(identityId));
  }

  /** The mnemonic of a custodial identity (its `keySealed` column must be loaded). */
  async openMnemonic(
    identity: { id: string; keySealed: Buffer | null },
    em?: EntityManager,
  ): Promise<string> {
    if (!identity.keySealed) throw new Error(`identity ${identity.id} has no sealed key`);
    const { mnemonic } = await this.openJson<{ mnemonic: string }>(
      'mnemonic',
      identity.keySealed,
      mnemonicContext(identity.id),
      em,
    );
    return mnemonic;
  }

  private openV1(sealed: Buffer, context: string): Buffer {
    const candidates = this.masters.readable.map((m) => m.key);
    if (this.masters.legacyReadable) candidates.push(LEGACY_DEVELOPMENT_KEY);
    for (const key of candidates) {
      try {
        return openV1(key, sealed, context);
      } catch {
        // Version 1 values carry no key id: the right key is the one that authenticates.
      }
    }
    throw new EncryptionKeyError(
      'A value written before key ids opens with none of the configured keys; add the key it was written with to PREVIOUS_ENCRYPTION_KEYS',
    );
  }

  private async dataKey(id: number, purpose: KeyPurpose, em: EntityManager): Promise<LoadedKey> {
    let loaded = this.keys.get(id);
    if (!loaded) {
      const row = await em.findOne(DataKey, { id });
      if (!row) throw new Error(`data key ${id} does not exist`);
      loaded = this.remember(row);
    }
    if (loaded.purpose !== purpose) throw new Error(`data key ${id} seals ${loaded.purpose}, not ${purpose}`);
    return loaded;
  }

  private remember(row: DataKey): LoadedKey {
    const known = this.keys.get(row.id);
    if (known) return known;
    const master = this.masters.readable.find((m) => m.id === row.masterKeyId);
    if (!master) {
      throw new EncryptionKeyError(
        `The ${row.purpose} data key ${row.id} is wrapped with master key ${row.masterKeyId}, which is not configured: ` +
          'add that key to PREVIOUS_ENCRYPTION_KEYS (if it was generated, it is in DATA_DIR/keys/master.key)',
      );
    }
    const loaded = {
      id: row.id,
      purpose: row.purpose,
      key: gcmOpen(master.key, row.wrapped, WRAP_HEADER.length, wrapContext(row.id, row.purpose)),
    };
    this.keys.set(row.id, loaded);
    return loaded;
  }
}
