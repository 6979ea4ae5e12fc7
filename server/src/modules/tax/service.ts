import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Ledger } from '@stoa/chain';
import { AppError } from '../../errors.js';
import { chainNow } from '../../lib/chain-time.js';
import { formatDay } from '../../lib/format.js';
import { lockRow } from '../../db/locks.js';
import { Issuer } from '../assets/entity.js';
import type { AssetService } from '../assets/service.js';
import type { AuditService } from '../audit/service.js';
import { User } from '../auth/entity.js';
import { InvestorIdentity } from '../identities/entity.js';
import { Application } from '../onboarding/entity.js';
import { TaxForm, WithholdingRates } from './entity.js';
import {
  DEFAULT_WITHHOLDING,
  formExpiry,
  formValidOn,
  tableProblems,
  withholdingFor,
  type TaxFormType,
  type WithholdingTable,
} from './rates.js';

export interface TaxFormView {
  form: TaxFormType;
  signedOn: string;
  /** When a W-8 lapses; null for a W-9. */
  validUntil: string | null;
  validNow: boolean;
  recordedAt: string;
}

/** Tax forms on file and issuers' withholding tables; the rate of each holder for a distribution. */
export class TaxService {
  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly assets: AssetService,
    private readonly audit: AuditService,
  ) {}

  async table(
    em: EntityManager,
    issuerId: string,
  ): Promise<{ table: WithholdingTable; version: number; custom: boolean }> {
    const row = await em.findOne(WithholdingRates, { issuerId });
    return row
      ? { table: row.table, version: row.version, custom: true }
      : { table: DEFAULT_WITHHOLDING, version: 0, custom: false };
  }

  /** Replaces an issuer's table (versioned, audited with the old and the new rates). */
  async setTable(issuerId: string, table: WithholdingTable, actor: string) {
    const problems = tableProblems(table);
    if (problems.length)
      throw new AppError(
        'VALIDATION_FAILED',
        `The rate table is invalid: ${problems.map((p) => p.message).join('; ')}`,
        {
          fields: problems,
        },
      );
    return this.orm.em.fork().transactional(async (tx) => {
      const issuer = await lockRow(tx, Issuer, issuerId);
      if (!issuer) throw AppError.notFound('Issuer', issuerId);
      const before = await this.table(tx, issuerId);
      let row = await tx.findOne(WithholdingRates, { issuerId });
      if (row) {
        row.table = table;
        row.version += 1;
        row.changedBy = actor;
      } else {
        row = Object.assign(new WithholdingRates(), { issuerId, table, changedBy: actor });
        tx.persist(row);
      }
      await this.audit.append(tx, {
        actor,
        action: 'tax.rates-changed',
        subjectType: 'issuer',
        subjectId: issuerId,
        data: { before: before.table, after: table, version: row.version },
      });
      return { table: row.table, version: row.version, custom: true };
    });
  }

  private view(f: TaxForm, at: Date): TaxFormView {
    return {
      form: f.form,
      signedOn: f.signedOn,
      validUntil: formExpiry(f)?.toISOString() ?? null,
      validNow: formValidOn(f, at),
      recordedAt: f.createdAt.toISOString(),
    };
  }

  /** Records a form an investor gave; the newest one counts. Audited. */
  async recordForm(
    identityId: string,
    input: { form: TaxFormType; signedOn: string; note?: string },
    actor: string,
  ) {
    const at = await chainNow(this.ledger);
    if (
      Number.isNaN(Date.parse(`${input.signedOn}T00:00:00Z`)) ||
      new Date(`${input.signedOn}T00:00:00Z`) > at
    )
      throw new AppError('VALIDATION_FAILED', 'The signature date must be a date that has passed', {
        fields: [{ field: '/body/signedOn', message: 'must be a date that has passed' }],
      });
    return this.orm.em.fork().transactional(async (tx) => {
      const identity = await lockRow(tx, InvestorIdentity, identityId);
      if (!identity) throw AppError.notFound('Investor identity', identityId);
      const app = await tx.findOne(Application, { id: identity.applicationId });
      // A W-9 is for US persons, a W-8BEN for the others: the wrong one does not count.
      if (app && app.usPerson !== (input.form === 'W-9'))
        throw new AppError(
          'VALIDATION_FAILED',
          app.usPerson
            ? 'This investor is a US person: a W-9 applies, not a W-8'
            : 'This investor is not a US person: a W-8BEN (or W-8BEN-E for an entity) applies, not a W-9',
          {
            fields: [
              { field: '/body/form', message: app.usPerson ? 'must be W-9' : 'must be W-8BEN or W-8BEN-E' },
            ],
          },
        );
      const f = Object.assign(new TaxForm(), {
        identityId,
        form: input.form,
        signedOn: input.signedOn,
        note: input.note ?? null,
        recordedBy: actor,
      });
      tx.persist(f);
      await this.audit.append(tx, {
        actor,
        action: 'tax.form-recorded',
        subjectType: 'identity',
        subjectId: identityId,
        data: { form: input.form, signedOn: input.signedOn },
      });
      return this.view(f, at);
    });
  }

  async currentForm(em: EntityManager, identityId: string): Promise<TaxForm | null> {
    return em.findOne(TaxForm, { identityId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  async forms(identityId: string) {
    const em = this.orm.em.fork();
    const at = await chainNow(this.ledger);
    const rows = await em.find(TaxForm, { identityId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
    return rows.map((r) => this.view(r, at));
  }

  /** What an investor reads about their own tax status. */
  async mine(userId: string) {
    const em = this.orm.em.fork();
    const identity = await em.findOne(InvestorIdentity, { userId });
    if (!identity)
      throw new AppError('NOT_FOUND', 'You have no investor identity yet; finish onboarding first');
    const [form, app, at] = await Promise.all([
      this.currentForm(em, identity.id),
      em.findOne(Application, { id: identity.applicationId }),
      chainNow(this.ledger),
    ]);
    const view = form ? this.view(form, at) : null;
    const needed = app?.usPerson ? 'W-9' : app?.kind === 'entity' ? 'W-8BEN-E' : 'W-8BEN';
    const message = !view
      ? `We have no tax form from you. Without a ${needed}, distributions to you are withheld at the issuer's default rate.`
      : view.validNow
        ? `Your ${view.form} is on file${view.validUntil ? ` until ${formatDay(new Date(Date.parse(view.validUntil) - 1))}` : ''}.`
        : `Your ${view.form} has lapsed. Send a new ${needed} so distributions are not withheld at the default rate.`;
    return { form: view, needed, message };
  }

  /** Every investor holder's withholding rate for a distribution of the asset paid on `at`. */
  async preview(assetId: string, at?: Date) {
    const em = this.orm.em.fork();
    const { asset, issuer } = await this.assets.active(em, assetId);
    const when = at ?? (await chainNow(this.ledger));
    const [{ table }, holders] = await Promise.all([
      this.table(em, issuer.id),
      this.ledger.holders(asset.chainId),
    ]);
    const dids = holders.map((h) => h.did).filter((d) => d !== issuer.did);
    const identities = dids.length ? await em.find(InvestorIdentity, { did: { $in: dids } }) : [];
    const byDid = new Map(identities.map((i) => [i.did!, i]));
    const [apps, users, forms] = identities.length
      ? await Promise.all([
          em.find(Application, { id: { $in: identities.map((i) => i.applicationId) } }),
          em.find(User, { id: { $in: identities.map((i) => i.userId) } }),
          em.find(
            TaxForm,
            { identityId: { $in: identities.map((i) => i.id) } },
            { orderBy: { createdAt: 'asc', id: 'asc' } },
          ),
        ])
      : [[], [], []];
    const appById = new Map(apps.map((a) => [a.id, a]));
    const userById = new Map(users.map((u) => [u.id, u]));
    const formOf = new Map<string, TaxForm>();
    for (const f of forms) formOf.set(f.identityId, f); // ascending: the newest wins
    return {
      assetId: asset.id,
      at: when.toISOString(),
      table,
      holders: dids.map((did) => {
        const identity = byDid.get(did);
        const app = identity ? appById.get(identity.applicationId) : undefined;
        const form = identity ? formOf.get(identity.id) : undefined;
        const w = withholdingFor(
          {
            usPerson: app?.usPerson ?? false,
            taxResidency: app?.taxResidencyCountry ?? null,
            form: form ? { form: form.form, signedOn: form.signedOn } : null,
          },
          table,
          when,
        );
        return {
          did,
          name: identity ? userById.get(identity.userId)?.displayName || 'Investor' : 'Unknown holder',
          taxResidency: app?.taxResidencyCountry ?? null,
          form: form?.form ?? null,
          ...w,
        };
      }),
    };
  }
}
