import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Ledger } from '@stoa/chain';
import { lockRow, retryOnDeadlock } from '../../db/locks.js';
import { chainNow } from '../../lib/chain-time.js';
import { AppError } from '../../errors.js';
import { refuseField, requireGranular } from '../../lib/chain-input.js';
import { formatCanonicalAmount } from '../../lib/format.js';
import { canonicalAmount, fromUnits, mulUnits, ONE, toUnits } from '../../lib/units.js';
import { Asset } from '../assets/entity.js';
import type { AuditService } from '../audit/service.js';
import type { TransferCheckService } from '../compliance/checks.js';
import { THE_PARTIES, YOU, type Party, type Reason } from '../compliance/reasons.js';
import { InvestorIdentity } from '../identities/entity.js';
import type { ChainOperation } from '../operations/entity.js';
import type { OperationService } from '../operations/service.js';
import type { PolyxFunding } from '../polyx/funding.js';
import { Settlement } from '../settlements/entity.js';
import { TreasuryAccount } from '../treasury/entity.js';
import type { PlatformStablecoin } from '../treasury/stablecoin.js';
import { LIVE_ORDER_STATUSES, Order, Trade, TradingBook, type OrderSide } from './entity.js';
import { match, type BookOrder } from './matching.js';
import { keyOf, TRADE_DEADLINE_MS, TradeSettlement } from './settle.js';
import type { TradingLockups, TradingVenues } from './ports.js';

/** How long a trade's instruction may wait for its affirmations and execution before the platform rejects it. */

export interface PlaceOrderInput {
  assetId: string;
  side: OrderSide;
  price: string;
  quantity: string;
  goodTill?: string;
  consent: boolean;
}

/** The investor's cash and tokens the ATS holds for open orders and trades not yet affirmed on chain. */
export async function tradingHeld(
  em: EntityManager,
  identityId: string,
): Promise<{ funds: bigint; tokens: Map<string, bigint> }> {
  const rows = await em.getConnection().execute<{ kind: string; asset_id: string; amount: string }[]>(
    `select 'funds' as kind, null as asset_id, coalesce(sum(o.remaining * o.price), 0)::text as amount
       from trading_order o where o.identity_id = ? and o.side = 'buy' and o.status in ('open', 'partially-filled')
        and (o.good_till is null or o.good_till > now())
     union all
     select 'funds', null, coalesce(sum(t.value), 0)::text from trading_trade t
      where t.buyer_identity_id = ? and not t.buyer_affirmed and t.status in ('instructing', 'affirming')
     union all
     select 'tokens', o.asset_id::text, sum(o.remaining)::text from trading_order o
      where o.identity_id = ? and o.side = 'sell' and o.status in ('open', 'partially-filled')
        and (o.good_till is null or o.good_till > now()) group by o.asset_id
     union all
     select 'tokens', t.asset_id::text, sum(t.quantity)::text from trading_trade t
      where t.seller_identity_id = ? and not t.seller_affirmed and t.status in ('instructing', 'affirming')
      group by t.asset_id`,
    [identityId, identityId, identityId, identityId],
    'all',
    em.getTransactionContext(),
  );
  let funds = 0n;
  const tokens = new Map<string, bigint>();
  // numeric products carry 12 decimals: truncated to units as the chain's own STO does.
  const units = (v: string) => {
    const [whole = '0', fraction = ''] = v.split('.');
    return BigInt(whole) * ONE + BigInt(fraction.slice(0, 6).padEnd(6, '0'));
  };
  for (const r of rows) {
    if (r.kind === 'funds') funds += units(r.amount);
    else tokens.set(r.asset_id, (tokens.get(r.asset_id) ?? 0n) + units(r.amount));
  }
  return { funds, tokens };
}

/**
 * The built-in ATS: order entry (eligibility, reservations), continuous matching, and each
 * match settled as one instruction at the ATS venue, affirmed for both custodial parties under
 * the consent of their orders and executed by the operator (SettleManual, so the execution is
 * an operation of its own whose outcome — the chain's reason included — the platform records).
 */
export class TradingService {
  lockups: TradingLockups;
  venues: TradingVenues;

  constructor(
    private readonly orm: MikroORM,
    private readonly ledger: Ledger,
    private readonly operations: OperationService,
    private readonly audit: AuditService,
    private readonly checks: TransferCheckService,
    private readonly stablecoin: PlatformStablecoin,
    private readonly operatorAddress: () => string,
    ports: { lockups: TradingLockups; venues: TradingVenues },
    private readonly polyx?: PolyxFunding,
  ) {
    this.lockups = ports.lockups;
    this.venues = ports.venues;
    this.settlement = new TradeSettlement(orm, ledger, operations, audit, stablecoin, operatorAddress, polyx);
    operations.onFinal('trade', (tx, op) => this.settlement.onOperation(tx, op));
  }

  private readonly settlement: TradeSettlement;

  // ---------------------------------------------------------------- order entry

  private async coin(em: EntityManager) {
    const coin = await this.stablecoin.active(em);
    if (!coin)
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `The platform stablecoin ${this.stablecoin.name} is not on chain yet; trading opens once it is`,
      );
    return coin;
  }

  private async tradable(em: EntityManager, assetId: string) {
    const asset = await em.findOne(Asset, { id: assetId });
    if (!asset) throw AppError.notFound('Asset', assetId);
    if (asset.status !== 'active' || !asset.chainId)
      throw new AppError('CONFLICT', `${asset.name} is not on chain yet; it cannot be traded`);
    if (asset.assetType === 'StableCoin')
      throw new AppError(
        'RULE_VIOLATION',
        `${asset.name} is the money orders are priced in; it is not traded`,
      );
    return asset as Asset & { chainId: string };
  }

  /** The reasons the investor may not place the order, in the second person (none: eligible). */
  async eligibility(
    em: EntityManager,
    identity: InvestorIdentity & { did: string },
    input: PlaceOrderInput,
  ): Promise<Reason[]> {
    const asset = await this.tradable(em, input.assetId);
    const ctx = await this.checks.contexts.get(em, asset.id);
    const mine: Party = input.side === 'buy' ? 'receiver' : 'sender';
    // The counterparty is not known yet: the check is of the investor's own side, against the issuer.
    const report = await this.checks.check(em, asset.id, {
      ...(input.side === 'sell' ? { from: { did: identity.did } } : {}),
      to: { did: input.side === 'buy' ? identity.did : ctx.issuerDid },
      amount: input.quantity,
      ignore: ['InsufficientBalance', 'InsufficientPortfolioBalance'],
    });
    const voices = { ...THE_PARTIES, [mine]: YOU };
    const reasons: Reason[] = report.findings
      .filter((f) => f.about.every((p) => p === mine))
      .map((f) => ({ rule: f.rule, message: f.say(voices) }));
    if (identity.standing !== 'good' && !reasons.some((r) => r.rule === 'investor standing'))
      reasons.push({
        rule: 'investor standing',
        message: 'you are not in good standing; renew your verification first',
      });
    if (input.side === 'buy' && toUnits(await this.ledger.assetBalance(asset.chainId, identity.did)) === 0n) {
      const headroom = await this.lockups.holderHeadroom(em, asset.id);
      if (headroom !== null) {
        // Non-holders with open buy orders would each take a place when their orders fill.
        let incoming = 0;
        const buyers = await em.find(Order, {
          assetId: asset.id,
          side: 'buy',
          status: { $in: LIVE_ORDER_STATUSES },
          identityId: { $ne: identity.id },
        });
        for (const did of new Set(buyers.map((b) => b.did)))
          if (toUnits(await this.ledger.assetBalance(asset.chainId, did)) === 0n) incoming += 1;
        if (headroom === 0)
          reasons.push({
            rule: 'holder limit',
            message: `${asset.name} already has as many investors as its rules allow; you cannot become a new holder now`,
          });
        else if (incoming >= headroom)
          reasons.push({
            rule: 'holder limit',
            message: `${asset.name} has room for ${headroom} more holder${headroom === 1 ? '' : 's'}, and ${incoming} investor${incoming === 1 ? ' who holds' : 's who hold'} none yet already ${incoming === 1 ? 'has' : 'have'} buy orders open; you cannot become a new holder now`,
          });
      }
    }
    return reasons;
  }

  private async investor(em: EntityManager, userId: string | null) {
    const identity = userId ? await em.findOne(InvestorIdentity, { userId }) : null;
    if (!identity?.did)
      throw new AppError(
        'FORBIDDEN',
        'You can trade once your identity is on chain, after your onboarding is attested',
      );
    if (!identity.custodial)
      throw new AppError(
        'RULE_VIOLATION',
        'Your account holds its own key: the ATS settles only for accounts the platform keeps for you',
      );
    return identity as InvestorIdentity & { did: string };
  }

  async place(
    input: PlaceOrderInput,
    principal: { id: string; userId: string | null },
    scope?: string,
  ): Promise<{ order: Order; trades: Trade[] }> {
    const em = this.orm.em.fork();
    if (scope) {
      const first = await em.findOne(Order, { clientKey: scope });
      if (first) return { order: first, trades: await em.find(Trade, { buyOrderId: first.id }) };
    }
    const identity = await this.investor(em, principal.userId);
    if (!input.consent)
      refuseField(
        'VALIDATION_FAILED',
        '/body/consent',
        'Tick "I agree that Stoa settles a match of this order for me": without it a match cannot settle',
      );
    const asset = await this.tradable(em, input.assetId);
    requireGranular('/body/quantity', input.quantity, asset);
    const quantity = toUnits(input.quantity);
    const price = toUnits(input.price);
    if (quantity <= 0n)
      refuseField('VALIDATION_FAILED', '/body/quantity', 'The quantity must be more than 0');
    if (price <= 0n) refuseField('VALIDATION_FAILED', '/body/price', 'The price must be more than 0');
    const value = mulUnits(price, quantity);
    if (value <= 0n)
      refuseField(
        'VALIDATION_FAILED',
        '/body/price',
        'Price × quantity is less than the smallest amount of money',
      );
    const goodTill = input.goodTill ? new Date(input.goodTill) : null;
    if (goodTill && goodTill.getTime() <= Date.now())
      refuseField('VALIDATION_FAILED', '/body/goodTill', 'The good-till date has passed; choose a later one');
    const coin = await this.coin(em);
    const venueId = await this.venues.atsVenue(em);
    await this.venues.assertOpen(em, asset.id, venueId);
    const reasons = await this.eligibility(em, identity, input);
    if (reasons.length > 0) {
      await this.orm.em.fork().transactional((tx) =>
        this.audit.append(tx, {
          actor: principal.id,
          action: 'trading.order-refused',
          subjectType: 'asset',
          subjectId: asset.id,
          data: {
            identityId: identity.id,
            side: input.side,
            price: input.price,
            quantity: input.quantity,
            reasons,
          },
        }),
      );
      throw new AppError(
        'RULE_VIOLATION',
        `You cannot place this order: ${reasons.map((r) => r.message).join('; ')}`,
        {
          reasons,
        },
      );
    }
    const sellable =
      input.side === 'sell'
        ? await this.lockups.sellable(em, asset.id, identity.did, await chainNow(this.ledger))
        : null;
    const freeOnChain = async () =>
      input.side === 'sell'
        ? toUnits((await this.ledger.portfolioBalances({ did: identity.did }, asset.chainId))[0]?.free ?? '0')
        : toUnits((await this.ledger.portfolioBalances({ did: identity.did }, coin.chainId))[0]?.free ?? '0');
    const operatorDid = await this.ledger.identityOf(this.operatorAddress());

    const out = await retryOnDeadlock(() =>
      this.orm.em.fork().transactional(async (tx) => {
        const book = await this.lockBook(tx, asset.id);
        const me = (await lockRow(tx, InvestorIdentity, identity.id))!;
        // The investor's money account, which withdrawals lock too: a buy and a withdrawal
        // never spend the same balance.
        if (input.side === 'buy') {
          const account = await tx.findOne(TreasuryAccount, { identityId: me.id }, { fields: ['id'] });
          if (account) await lockRow(tx, TreasuryAccount, account.id);
        }
        const held = await tradingHeld(tx, me.id);
        if (input.side === 'sell') {
          const free = (await freeOnChain()) - (held.tokens.get(asset.id) ?? 0n);
          const limit =
            sellable?.sellable != null
              ? toUnits(sellable.sellable) - (held.tokens.get(asset.id) ?? 0n)
              : null;
          const can = limit !== null && limit < free ? limit : free;
          if (quantity > can)
            throw new AppError(
              'RULE_VIOLATION',
              `You can sell at most ${formatCanonicalAmount(fromUnits(can > 0n ? can : 0n))} ${asset.ticker ?? asset.name} now${
                limit !== null && limit < free
                  ? ' (the rest is locked up)'
                  : ' (the rest is in your other open orders or settling trades)'
              }`,
            );
        } else {
          const free = this.availableFunds
            ? await this.availableFunds(tx, me)
            : (await freeOnChain()) - held.funds;
          if (value > free)
            throw new AppError(
              'RULE_VIOLATION',
              `This order needs ${formatCanonicalAmount(fromUnits(value))} ${this.stablecoin.name} and you have ${formatCanonicalAmount(fromUnits(free > 0n ? free : 0n))} ${this.stablecoin.name} available; deposit more or lower the order`,
              { link: '/investor/money' },
            );
        }
        this.assertInBand(book, price);
        const order = new Order();
        Object.assign(order, {
          assetId: asset.id,
          side: input.side,
          identityId: me.id,
          userId: me.userId,
          did: identity.did,
          price: fromUnits(price),
          quantity: fromUnits(quantity),
          remaining: fromUnits(quantity),
          goodTill,
          consentAt: new Date(),
          placedBy: principal.id,
          clientKey: scope ?? null,
        });
        tx.persist(order);
        await this.audit.append(tx, {
          actor: principal.id,
          action: 'trading.order-placed',
          subjectType: 'order',
          subjectId: order.id,
          data: {
            assetId: asset.id,
            identityId: me.id,
            side: input.side,
            price: order.price,
            quantity: order.quantity,
            goodTill: goodTill?.toISOString() ?? null,
            consent: 'I agree that Stoa settles a match of this order for me',
          },
        });
        const { trades, ops } = await this.matchIn(tx, book, order, asset, venueId, operatorDid);
        return { order, trades, ops };
      }),
    );
    for (const op of out.ops) await this.operations.dispatch(op);
    return { order: out.order, trades: out.trades };
  }

  /**
   * The investor's stablecoin free for a new buy order after everything held (subscriptions,
   * withdrawals, the ATS's own orders and trades): the treasury's account of it, wired by the app.
   */
  availableFunds?: (em: EntityManager, identity: InvestorIdentity) => Promise<bigint>;

  private assertInBand(book: TradingBook, price: bigint) {
    if (book.bandPercent === null || book.lastPrice === null) return;
    const last = toUnits(canonicalAmount(book.lastPrice));
    const band = toUnits(canonicalAmount(book.bandPercent));
    const lo = last - (last * band) / 100_000_000n;
    const hi = last + (last * band) / 100_000_000n;
    if (price < lo || price > hi)
      throw new AppError(
        'RULE_VIOLATION',
        `The price must be within ${canonicalAmount(book.bandPercent)}% of the last trade (${formatCanonicalAmount(book.lastPrice)} ${this.stablecoin.name}): between ${formatCanonicalAmount(fromUnits(lo))} and ${formatCanonicalAmount(fromUnits(hi))} ${this.stablecoin.name}`,
      );
  }

  /** The asset's book row, locked: order entry, matching and cancels of one asset run one at a time. */
  private async lockBook(tx: EntityManager, assetId: string): Promise<TradingBook> {
    await tx.getConnection().execute(
      `insert into trading_book (id, created_at, updated_at, asset_id, require_mediation)
         values (gen_random_uuid(), now(), now(), ?, false) on conflict (asset_id) do nothing`,
      [assetId],
      'run',
      tx.getTransactionContext(),
    );
    const row = await tx.findOneOrFail(TradingBook, { assetId }, { fields: ['id'] });
    return (await lockRow(tx, TradingBook, row.id))!;
  }

  /** Matches the incoming order against the book and records each fill's settlement. */
  private async matchIn(
    tx: EntityManager,
    book: TradingBook,
    order: Order,
    asset: Asset & { chainId: string },
    venueId: number,
    operatorDid: string | null,
  ): Promise<{ trades: Trade[]; ops: ChainOperation[] }> {
    const now = new Date();
    const other: OrderSide = order.side === 'buy' ? 'sell' : 'buy';
    const resting = await tx.find(Order, {
      assetId: order.assetId,
      side: other,
      status: { $in: LIVE_ORDER_STATUSES },
      ...(order.side === 'buy' ? { price: { $lte: order.price } } : { price: { $gte: order.price } }),
    });
    const live: Order[] = [];
    for (const r of resting) {
      if (r.goodTill && r.goodTill <= now) {
        r.status = 'expired';
        await this.audit.append(tx, {
          actor: 'system',
          action: 'trading.order-expired',
          subjectType: 'order',
          subjectId: r.id,
          data: {},
        });
      } else live.push(r);
    }
    const toBook = (o: Order): BookOrder => ({
      id: o.id,
      identityId: o.identityId,
      side: o.side,
      price: toUnits(canonicalAmount(o.price)),
      remaining: toUnits(canonicalAmount(o.remaining)),
      createdAt: o.createdAt,
    });
    const { fills, remaining } = match(toBook(order), live.map(toBook));
    const trades: Trade[] = [];
    const ops: ChainOperation[] = [];
    const coin = await this.coin(tx);
    for (const f of fills) {
      const r = live.find((o) => o.id === f.restingId)!;
      const left = toUnits(canonicalAmount(r.remaining)) - f.quantity;
      r.remaining = fromUnits(left);
      r.status = left === 0n ? 'filled' : 'partially-filled';
      const [buy, sell] = order.side === 'buy' ? [order, r] : [r, order];
      const t = new Trade();
      const settlement = new Settlement();
      Object.assign(t, {
        assetId: order.assetId,
        buyOrderId: buy.id,
        sellOrderId: sell.id,
        buyerIdentityId: buy.identityId,
        sellerIdentityId: sell.identityId,
        buyerDid: buy.did,
        sellerDid: sell.did,
        price: fromUnits(f.price),
        quantity: fromUnits(f.quantity),
        value: fromUnits(mulUnits(f.price, f.quantity)),
        settlementId: settlement.id,
        venueId,
        mediation: book.requireMediation && operatorDid !== null,
        expiresAt: new Date(now.getTime() + TRADE_DEADLINE_MS),
      });
      const height = (await this.ledger.info()).blockHeight;
      const legs = [
        {
          type: 'Fungible' as const,
          from: { did: sell.did },
          to: { did: buy.did },
          assetId: asset.chainId,
          amount: t.quantity,
        },
        {
          type: 'Fungible' as const,
          from: { did: buy.did },
          to: { did: sell.did },
          assetId: coin.chainId,
          amount: t.value,
        },
      ];
      Object.assign(settlement, {
        venueId,
        settlementType: { type: 'SettleManual', block: height },
        legs,
        memo: null,
        purpose: 'ats-trade',
        requestedBy: 'system',
      });
      tx.persist(settlement);
      tx.persist(t);
      trades.push(t);
      book.lastPrice = t.price;
      await this.audit.append(tx, {
        actor: 'system',
        action: 'trading.matched',
        subjectType: 'trade',
        subjectId: t.id,
        data: {
          assetId: t.assetId,
          buyOrderId: buy.id,
          sellOrderId: sell.id,
          price: t.price,
          quantity: t.quantity,
          settlementId: settlement.id,
        },
      });
      ops.push(
        await this.operations.record(tx, {
          idempotencyKey: keyOf(t.id, 'instruct'),
          call: {
            name: 'settlement.addInstruction',
            args: {
              venueId,
              settlementType: { type: 'SettleManual', block: height },
              legs,
              ...(t.mediation ? { mediators: [operatorDid!] } : {}),
            },
          },
          signer: this.operatorAddress(),
          requestedBy: 'system',
          subject: { type: 'trade', id: t.id },
        }),
      );
    }
    order.remaining = fromUnits(remaining);
    if (fills.length > 0) order.status = remaining === 0n ? 'filled' : 'partially-filled';
    return { trades, ops };
  }

  async cancel(
    orderId: string,
    principal: { id: string; userId: string | null },
    staff: boolean,
  ): Promise<Order> {
    const em = this.orm.em.fork();
    const found = await em.findOne(Order, { id: orderId });
    if (!found || (!staff && found.userId !== principal.userId)) throw AppError.notFound('Order', orderId);
    return retryOnDeadlock(() =>
      this.orm.em.fork().transactional(async (tx) => {
        await this.lockBook(tx, found.assetId);
        const order = (await lockRow(tx, Order, orderId))!;
        if (!LIVE_ORDER_STATUSES.includes(order.status))
          throw new AppError('CONFLICT', `This order is ${order.status}; only open orders can be cancelled`);
        order.status = 'cancelled';
        await this.audit.append(tx, {
          actor: principal.id,
          action: 'trading.order-cancelled',
          subjectType: 'order',
          subjectId: order.id,
          data: { remaining: canonicalAmount(order.remaining) },
        });
        return order;
      }),
    );
  }

  /** A transfer agent approves a trade of an asset that requires it (trading/settle.ts). */
  approve(tradeId: string, actor: string): Promise<ChainOperation> {
    return this.settlement.approve(tradeId, actor);
  }

  /** Fails the trades past their deadline (trading/settle.ts). */
  expireDue(now = new Date()): Promise<number> {
    return this.settlement.expireDue(now);
  }

  // ---------------------------------------------------------------- reads

  async depth(em: EntityManager, assetId: string) {
    const rows = await em
      .getConnection()
      .execute<{ side: OrderSide; price: string; quantity: string; orders: number }[]>(
        `select side, price::text as price, sum(remaining)::text as quantity, count(*)::int as orders
         from trading_order where asset_id = ? and status in ('open', 'partially-filled')
          and (good_till is null or good_till > now()) and remaining > 0
        group by side, price`,
        [assetId],
      );
    const level = (r: (typeof rows)[number]) => ({
      price: canonicalAmount(r.price),
      quantity: canonicalAmount(r.quantity),
      orders: r.orders,
    });
    const book = await em.findOne(TradingBook, { assetId });
    return {
      bids: rows
        .filter((r) => r.side === 'buy')
        .sort((a, b) => (toUnits(canonicalAmount(b.price)) > toUnits(canonicalAmount(a.price)) ? 1 : -1))
        .map(level),
      asks: rows
        .filter((r) => r.side === 'sell')
        .sort((a, b) => (toUnits(canonicalAmount(a.price)) > toUnits(canonicalAmount(b.price)) ? 1 : -1))
        .map(level),
      lastPrice: book?.lastPrice ? canonicalAmount(book.lastPrice) : null,
      bandPercent: book?.bandPercent ? canonicalAmount(book.bandPercent) : null,
      requireMediation: book?.requireMediation ?? false,
      currency: this.stablecoin.name,
    };
  }

  async lastTrades(em: EntityManager, assetId: string, limit = 20) {
    return em.find(Trade, { assetId, status: { $ne: 'failed' } }, { orderBy: { createdAt: 'desc' }, limit });
  }

  async settings(
    assetId: string,
    input: { bandPercent: string | null; requireMediation: boolean },
    actor: string,
  ): Promise<TradingBook> {
    await this.tradable(this.orm.em.fork(), assetId);
    if (
      input.bandPercent !== null &&
      (toUnits(input.bandPercent) <= 0n || toUnits(input.bandPercent) > toUnits('100'))
    )
      refuseField(
        'VALIDATION_FAILED',
        '/body/bandPercent',
        'The price band is a percentage above 0 and at most 100',
      );
    return this.orm.em.fork().transactional(async (tx) => {
      const book = await this.lockBook(tx, assetId);
      const before = { bandPercent: book.bandPercent, requireMediation: book.requireMediation };
      book.bandPercent = input.bandPercent;
      book.requireMediation = input.requireMediation;
      await this.audit.append(tx, {
        actor,
        action: 'trading.settings-changed',
        subjectType: 'asset',
        subjectId: assetId,
        data: { before, after: input },
      });
      return book;
    });
  }
}
