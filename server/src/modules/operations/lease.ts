import { EntitySchema } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';

/**
 * Who may submit for a signer right now. One row per signer; the holder renews it while it
 * works and deletes it when done. A holder that dies loses it when `expiresAt` passes, so
 * another instance (or the same one restarted) takes over. Times come from the database's
 * clock, never from the instances', so skew between servers does not matter.
 */
export class SignerLease {
  signer!: string;
  holder!: string;
  expiresAt!: Date;
}

export const SignerLeaseSchema = new EntitySchema<SignerLease>({
  class: SignerLease,
  tableName: 'signer_lease',
  properties: {
    signer: { type: 'string', length: 64, primary: true },
    holder: { type: 'string', length: 200 },
    expiresAt: { type: 'Date', columnType: 'timestamptz(3)' },
  },
});

/**
 * Signer exclusivity across server instances sharing one database. The lease is what keeps
 * two instances from working one signer's queue at once; it is not what makes a write
 * exactly-once (a lease can lapse under a stalled holder). That is the nonce: each operation's
 * nonce is recorded before sending, unique per signer in the database, and looked up on chain
 * before anything is sent again.
 */
export class SignerLeases {
  constructor(
    private readonly orm: MikroORM,
    /** Stable across restarts of the same instance, so a restart takes over its own lease at once. */
    readonly holder: string,
    readonly ttlMs: number,
  ) {}

  /** Takes the lease if it is free, expired or already ours. */
  async acquire(signer: string): Promise<boolean> {
    const rows = await this.orm.em.getConnection().execute<{ holder: string }[]>(
      `insert into signer_lease (signer, holder, expires_at)
         values (?, ?, now() + make_interval(secs => ?))
       on conflict (signer) do update
         set holder = excluded.holder, expires_at = excluded.expires_at
         where signer_lease.expires_at < now() or signer_lease.holder = excluded.holder
       returning holder`,
      [signer, this.holder, this.ttlMs / 1000],
    );
    return rows.length === 1;
  }

  /** Extends the lease; false when it was lost (expired and taken by another instance). */
  async renew(signer: string): Promise<boolean> {
    const rows = await this.orm.em.getConnection().execute<{ signer: string }[]>(
      `update signer_lease set expires_at = now() + make_interval(secs => ?)
        where signer = ? and holder = ? returning signer`,
      [this.ttlMs / 1000, signer, this.holder],
    );
    return rows.length === 1;
  }

  async release(signer: string): Promise<void> {
    await this.orm.em
      .getConnection()
      .execute(`delete from signer_lease where signer = ? and holder = ?`, [signer, this.holder]);
  }
}
