import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { canonicalAmount } from '../../lib/units.js';
import { errorResponses } from '../../schemas.js';
import { IdParams } from '../assets/schemas.js';
import { CAN } from '../auth/roles.js';
import { investorDirectory, ownIdentity } from '../identities/directory.js';
import { InvestorIdentity } from '../identities/entity.js';
import { Offering, Subscription } from '../offerings/entity.js';
import { Deposit, TreasuryAccount, Withdrawal } from './entity.js';
import { normaliseReference } from './money.js';
import {
  AccountLookup,
  DepositView,
  MyMoney,
  PaidBody,
  RecordDepositBody,
  WithdrawalView,
  WithdrawBody,
} from './schemas.js';

const tags = ['treasury'];
const Currency = Type.Object({ name: Type.String(), ticker: Type.String() });
const security = [{ bearer: [] }];

const depositView = (d: Deposit) => ({
  id: d.id,
  reference: d.reference,
  amount: canonicalAmount(d.amount),
  bankTxId: d.bankTxId,
  source: d.source,
  status: d.status,
  failureReason: d.failureReason,
  createdAt: d.createdAt.toISOString(),
  creditedAt: d.creditedAt?.toISOString() ?? null,
});
const withdrawalView = (w: Withdrawal) => ({
  id: w.id,
  amount: canonicalAmount(w.amount),
  payTo: w.payTo,
  status: w.status,
  bankReference: w.bankReference,
  failureReason: w.failureReason,
  createdAt: w.createdAt.toISOString(),
  paidAt: w.paidAt?.toISOString() ?? null,
});

const DEPOSIT_WORDS: Record<string, string> = {
  'pre-approving': 'Deposit received — being credited',
  issuing: 'Deposit received — being credited',
  transferring: 'Deposit received — being credited',
  credited: 'Deposit credited',
  'awaiting-affirmation': 'Deposit waiting for you to accept it',
  failed: 'Deposit could not be credited — we will contact you',
};
const WITHDRAWAL_WORDS: Record<string, string> = {
  transferring: 'Withdrawal requested',
  redeeming: 'Withdrawal being processed',
  'awaiting-payout': 'Withdrawal being paid to your bank',
  paid: 'Withdrawal paid',
  failed: 'Withdrawal could not be processed',
};

/** The investor's Money page, and the treasury console's deposits and payouts. */
export const treasuryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const em = () => app.infra.db.orm.em.fork();
  const treasury = app.treasury;
  const currency = () => ({
    name: treasury.settings.stablecoin.name,
    ticker: treasury.settings.stablecoin.ticker,
  });
  const me = async (request: FastifyRequest) => {
    const identity = await ownIdentity(em(), request.principal!);
    if (!identity?.did)
      throw new AppError(
        'NOT_FOUND',
        'You can deposit once your identity is verified; complete onboarding first',
      );
    return identity;
  };
  const withInvestors = async <T extends { identityId: string }>(rows: T[]) => {
    const { byId } = await investorDirectory(em(), {
      identityIds: [...new Set(rows.map((r) => r.identityId))],
    });
    return (id: string) => {
      const c = byId.get(id);
      return { name: c?.name ?? '', email: c?.email ?? '' };
    };
  };

  app.get(
    '/treasury/me',
    {
      config: { roles: CAN.ownMoney },
      schema: {
        tags,
        security,
        summary: 'Your deposit instructions (bank account and your reference), balance and money history',
        response: { 200: MyMoney, ...errorResponses },
      },
    },
    async (request) => {
      const identity = await me(request);
      await treasury.preApprove(identity);
      await treasury.reconcile({ identityId: identity.id });
      const e = em();
      const account = await e.findOneOrFail(TreasuryAccount, { identityId: identity.id });
      const coin = await treasury.stablecoin.find(e);
      const balance = await treasury.balance(e, identity);
      const deposits = await e.find(Deposit, { identityId: identity.id });
      const withdrawals = await e.find(Withdrawal, { identityId: identity.id });
      const offerings = coin ? await e.find(Offering, { paymentAssetId: coin.id }) : [];
      const subs = offerings.length
        ? await e.find(Subscription, {
            identityId: identity.id,
            offeringId: { $in: offerings.map((o) => o.id) },
            status: { $ne: 'failed' },
          })
        : [];
      const names = new Map(offerings.map((o) => [o.id, o.name]));
      const history = [
        ...deposits.map((d) => ({
          kind: 'deposit' as const,
          id: d.id,
          amount: canonicalAmount(d.amount),
          status: d.status,
          description: DEPOSIT_WORDS[d.status] ?? 'Deposit',
          at: (d.creditedAt ?? d.createdAt).toISOString(),
        })),
        ...withdrawals.map((w) => ({
          kind: 'withdrawal' as const,
          id: w.id,
          amount: `-${canonicalAmount(w.amount)}`,
          status: w.status,
          description: `${WITHDRAWAL_WORDS[w.status] ?? 'Withdrawal'} (to ${w.payTo})`,
          at: (w.paidAt ?? w.createdAt).toISOString(),
        })),
        ...subs.map((s) => ({
          kind: 'subscription' as const,
          id: s.id,
          amount: s.status === 'refunded' ? canonicalAmount(s.cost) : `-${canonicalAmount(s.cost)}`,
          status: s.status,
          description:
            s.status === 'refunded'
              ? `Refund from ${names.get(s.offeringId) ?? 'an offering'}`
              : `Payment for ${names.get(s.offeringId) ?? 'an offering'}`,
          at: s.createdAt.toISOString(),
        })),
      ].sort((a, b) => b.at.localeCompare(a.at));
      const bank = treasury.settings.bank;
      return {
        currency: {
          assetId: coin?.id ?? null,
          name: treasury.settings.stablecoin.name,
          ticker: treasury.settings.stablecoin.ticker,
          ready: coin?.status === 'active',
        },
        instructions: {
          reference: account.reference,
          accountName: bank.accountName,
          bankName: bank.bankName,
          iban: bank.iban,
          bic: bank.bic,
        },
        preApproved: account.preApproved,
        balance,
        history,
      };
    },
  );

  app.post(
    '/treasury/me/withdrawals',
    {
      config: { roles: CAN.ownMoney },
      schema: {
        tags,
        security,
        summary: 'Withdraw: your stablecoin is redeemed and the amount paid to your bank account',
        body: WithdrawBody,
        response: { 202: WithdrawalView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const identity = await me(request);
      const w = await treasury.requestWithdrawal(identity, request.body, request.principal!.id);
      return reply.status(202).send(withdrawalView(w));
    },
  );

  app.get(
    '/treasury/accounts/:reference',
    {
      config: { roles: CAN.readTreasury },
      schema: {
        tags,
        security,
        summary: 'Who a deposit reference belongs to, before recording a payment',
        params: Type.Object({ reference: Type.String({ minLength: 1, maxLength: 40 }) }),
        response: { 200: AccountLookup, ...errorResponses },
      },
    },
    async (request) => {
      const e = em();
      const reference = normaliseReference(request.params.reference);
      const account = await e.findOne(TreasuryAccount, { reference });
      if (!account) throw new AppError('NOT_FOUND', `No investor has the deposit reference "${reference}"`);
      const identity = await e.findOneOrFail(InvestorIdentity, { id: account.identityId });
      const who = await withInvestors([account]);
      return {
        reference,
        investor: who(account.identityId),
        canReceive: !!identity.did && identity.standing !== 'revoked',
      };
    },
  );

  app.get(
    '/treasury/deposits',
    {
      config: { roles: CAN.readTreasury },
      schema: {
        tags,
        security,
        summary: 'Deposits recorded, newest first',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
        response: {
          200: Type.Object({ currency: Currency, items: Type.Array(DepositView) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      await treasury.reconcile();
      const rows = await em().find(
        Deposit,
        {},
        { orderBy: { createdAt: 'desc' }, limit: request.query.limit ?? 100 },
      );
      const who = await withInvestors(rows);
      return {
        currency: currency(),
        items: rows.map((d) => ({ ...depositView(d), investor: who(d.identityId) })),
      };
    },
  );

  app.post(
    '/treasury/deposits',
    {
      config: { roles: CAN.moveMoney },
      schema: {
        tags,
        security,
        summary:
          'Record a payment received in the bank: the stablecoin is issued to the investor (once per bank transaction)',
        body: RecordDepositBody,
        response: { 200: DepositView, 202: DepositView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { deposit, duplicate } = await treasury.recordDeposit(
        request.body,
        request.principal!.id,
        'operator',
      );
      return reply.status(duplicate ? 200 : 202).send(depositView(deposit));
    },
  );

  app.get(
    '/treasury/withdrawals',
    {
      config: { roles: CAN.readTreasury },
      schema: {
        tags,
        security,
        summary: 'Withdrawals, newest first; those awaiting payout need a bank transfer',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
        response: {
          200: Type.Object({ currency: Currency, items: Type.Array(WithdrawalView) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      await treasury.reconcile();
      const rows = await em().find(
        Withdrawal,
        {},
        { orderBy: { createdAt: 'desc' }, limit: request.query.limit ?? 100 },
      );
      const who = await withInvestors(rows);
      return {
        currency: currency(),
        items: rows.map((w) => ({ ...withdrawalView(w), investor: who(w.identityId) })),
      };
    },
  );

  app.post(
    '/treasury/withdrawals/:id/paid',
    {
      config: { roles: CAN.moveMoney },
      schema: {
        tags,
        security,
        summary: 'Mark a withdrawal paid out, with the bank reference of the payment',
        params: IdParams,
        body: PaidBody,
        response: { 200: WithdrawalView, ...errorResponses },
      },
    },
    async (request) =>
      withdrawalView(
        await treasury.markPaid(request.params.id, request.body.bankReference, request.principal!.id),
      ),
  );
};
