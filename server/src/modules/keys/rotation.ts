import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { sha256Hex } from '../../lib/crypto.js';
import type { AuditService } from '../audit/service.js';
import { CHUNK_BYTES } from '../onboarding/uploads.js';
import { chunkContext, documentContext } from './contexts.js';
import { DataKey, KEY_PURPOSES, type KeyPurpose } from './entity.js';
import { sealedHeader, type KeyRing } from './keyring.js';
import { SEALED, type Row, type SealedColumn } from './sealed.js';

export interface RotationProgress {
  label: string;
  done: number;
  total: number;
}

export interface RotationReport {
  resumed: boolean;
  /** The active data key of each purpose, which everything is now sealed with. */
  keyIds: Record<KeyPurpose, number>;
  reencrypted: Record<string, number>;
  /** Values that opened with no configured key: they stay as they are. */
  failures: string[];
  /** Data keys retired because nothing sealed with them remains. */
  retired: number[];
}

/**
 * `rotate-key`: new data keys, then every sealed value re-encrypted with them, in batches of
 * short transactions (rows locked while re-sealed, so a concurrent edit is never lost). An
 * interrupted run is resumed by the next one: replaced keys stay "retiring" until a pass finds
 * nothing left on them, and only then are they retired. Values written before key ids, and
 * documents stored whole, are moved to the current format on the way.
 */
export class KeyRotation {
  constructor(
    private readonly orm: MikroORM,
    private readonly keys: KeyRing,
    private readonly audit: AuditService,
  ) {}

  /** What a rotation would still have to do: cheap enough to report at every start. */
  async outstanding(): Promise<{ retiringKeys: number; olderValues: number }> {
    const em = this.orm.em.fork();
    const retiringKeys = await em.count(DataKey, { status: 'retiring' });
    const [row] = await em.getConnection().execute<{ n: number }[]>(
      `select (select count(*) from onboarding_application where substring(profile_sealed from 1 for 1) = '\\x01')
        + (select count(*) from investor_identity where substring(key_sealed from 1 for 1) = '\\x01')
        + (select count(*) from onboarding_document where chunks is null) as n`,
    );
    return { retiringKeys, olderValues: Number(row!.n) };
  }

  async rotate(opts: {
    actor: string;
    details?: Record<string, unknown>;
    batchSize?: number;
    onProgress?: (p: RotationProgress) => void;
  }): Promise<RotationReport> {
    const batchSize = opts.batchSize ?? 100;
    const { resumed, keyIds } = await this.begin(opts.actor, opts.details ?? {});
    const report: RotationReport = { resumed, keyIds, reencrypted: {}, failures: [], retired: [] };
    for (const col of SEALED) {
      report.reencrypted[col.label] = await this.reseal(
        col,
        keyIds[col.purpose],
        batchSize,
        report,
        opts.onProgress,
      );
    }
    report.reencrypted['whole documents'] = await this.rechunk(report, opts.onProgress);
    await this.orm.em.fork().transactional(async (tx) => {
      await this.keys.lock(tx);
      const left = report.failures.length > 0 ? 1 : await this.remaining(tx, keyIds);
      if (left === 0) {
        const retired = await tx
          .getConnection()
          .execute<{ id: number }[]>(
            `update encryption_data_key set status = 'retired', retired_at = now() where status = 'retiring' returning id`,
            [],
            'all',
            tx.getTransactionContext(),
          );
        report.retired = retired.map((r) => r.id).sort((a, b) => a - b);
      }
      await this.audit.append(tx, {
        actor: opts.actor,
        action: left === 0 ? 'keys.rotation-completed' : 'keys.rotation-incomplete',
        subjectType: 'encryption',
        subjectId: 'data-keys',
        data: {
          ...opts.details,
          keyIds,
          reencrypted: report.reencrypted,
          failures: report.failures,
          retired: report.retired,
        },
      });
    });
    return report;
  }

  /** A new data key per purpose, unless an unfinished rotation (or a new master key) left one to complete. */
  private async begin(actor: string, details: Record<string, unknown>) {
    return this.orm.em.fork().transactional(async (tx) => {
      await this.keys.lock(tx);
      const retiring = await tx.count(DataKey, { status: 'retiring' });
      if (retiring === 0) {
        await this.keys.replaceActive(tx, Object.fromEntries(KEY_PURPOSES.map((p) => [p, 'rotate-key'])));
      }
      const keyIds = await this.keys.activeKeyIds(tx);
      await this.audit.append(tx, {
        actor,
        action: retiring === 0 ? 'keys.rotation-started' : 'keys.rotation-resumed',
        subjectType: 'encryption',
        subjectId: 'data-keys',
        data: { ...details, keyIds, masterKeyId: this.keys.masters.active.id },
      });
      return { resumed: retiring > 0, keyIds };
    });
  }

  private notCurrent(col: SealedColumn): string {
    return `${col.column} is not null and substring(${col.column} from 1 for 5) <> ?`;
  }

  /** Values not yet on the active keys (documents stored whole count too). */
  private async remaining(em: EntityManager, keyIds: Record<KeyPurpose, number>): Promise<number> {
    const conn = em.getConnection();
    const ctx = em.getTransactionContext();
    let n = 0;
    for (const col of SEALED) {
      const [row] = await conn.execute<{ n: number }[]>(
        `select count(*)::int as n from ${col.table} where ${this.notCurrent(col)}`,
        [sealedHeader(keyIds[col.purpose])],
        'all',
        ctx,
      );
      n += row!.n;
    }
    const [whole] = await conn.execute<{ n: number }[]>(
      'select count(*)::int as n from onboarding_document where chunks is null',
      [],
      'all',
      ctx,
    );
    return n + whole!.n;
  }

  private async reseal(
    col: SealedColumn,
    keyId: number,
    batchSize: number,
    report: RotationReport,
    onProgress?: (p: RotationProgress) => void,
  ): Promise<number> {
    const header = sealedHeader(keyId);
    const conn = this.orm.em.fork().getConnection();
    const [count] = await conn.execute<{ n: number }[]>(
      `select count(*)::int as n from ${col.table} where ${this.notCurrent(col)}`,
      [header],
    );
    const total = count!.n;
    const keyList = col.keys.join(', ');
    let cursor: unknown[] | undefined;
    let done = 0;
    onProgress?.({ label: col.label, done, total });
    for (;;) {
      const rows = await this.orm.em.fork().transactional(async (tx) => {
        const c = tx.getConnection();
        const ctx = tx.getTransactionContext();
        const after = cursor ? `(${keyList}) > (${col.keys.map(() => '?').join(', ')}) and ` : '';
        const batch = await c.execute<Row[]>(
          `select ${[...col.keys, ...col.extra].join(', ')}, ${col.column} as sealed from ${col.table}
            where ${after}${this.notCurrent(col)} order by ${keyList} limit ? for update`,
          [...(cursor ?? []), header, batchSize],
          'all',
          ctx,
        );
        for (const row of batch) {
          const where = col.keys.map((k) => `${k} = ?`).join(' and ');
          const keyValues = col.keys.map((k) => row[k]);
          let plain: Buffer;
          try {
            plain = await this.keys.open(col.purpose, row.sealed as Buffer, col.context(row), tx);
          } catch (err) {
            report.failures.push(`${col.label} ${keyValues.join('/')}: ${(err as Error).message}`);
            continue;
          }
          const resealed = await this.keys.seal(tx, col.purpose, plain, col.context(row));
          await c.execute(
            `update ${col.table} set ${col.column} = ? where ${where}`,
            [resealed, ...keyValues],
            'run',
            ctx,
          );
          done++;
        }
        return batch;
      });
      if (rows.length === 0) break;
      cursor = col.keys.map((k) => rows[rows.length - 1]![k]);
      onProgress?.({ label: col.label, done, total });
    }
    return done;
  }

  /** Documents stored whole by earlier versions: split into sealed chunks, one document per transaction. */
  private async rechunk(report: RotationReport, onProgress?: (p: RotationProgress) => void): Promise<number> {
    const label = 'whole documents';
    const [count] = await this.orm.em
      .fork()
      .getConnection()
      .execute<{ n: number }[]>('select count(*)::int as n from onboarding_document where chunks is null');
    const total = count!.n;
    let done = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    onProgress?.({ label, done, total });
    for (;;) {
      const id = await this.orm.em.fork().transactional(async (tx) => {
        const c = tx.getConnection();
        const ctx = tx.getTransactionContext();
        const [doc] = await c.execute<{ id: string; sha256: string; content: Buffer }[]>(
          'select id, sha256, content from onboarding_document where id > ? and chunks is null order by id limit 1 for update',
          [after],
          'all',
          ctx,
        );
        if (!doc) return null;
        let plain: Buffer;
        try {
          plain = await this.keys.open('document', doc.content, documentContext(doc.id), tx);
          if (sha256Hex(plain) !== doc.sha256) throw new Error('the content does not match its SHA-256');
        } catch (err) {
          report.failures.push(`document ${doc.id}: ${(err as Error).message}`);
          return doc.id;
        }
        const chunks = Math.max(1, Math.ceil(plain.length / CHUNK_BYTES));
        for (let seq = 0; seq < chunks; seq++) {
          const last = seq === chunks - 1;
          const piece = plain.subarray(seq * CHUNK_BYTES, (seq + 1) * CHUNK_BYTES);
          const sealed = await this.keys.seal(tx, 'document', piece, chunkContext(doc.id, seq, last));
          await c.execute(
            'insert into onboarding_document_chunk (document_id, seq, last, content) values (?, ?, ?, ?)',
            [doc.id, seq, last, sealed],
            'run',
            ctx,
          );
        }
        await c.execute(
          'update onboarding_document set chunks = ?, content = null where id = ?',
          [chunks, doc.id],
          'run',
          ctx,
        );
        done++;
        return doc.id;
      });
      if (!id) break;
      after = id;
      onProgress?.({ label, done, total });
    }
    return done;
  }
}
