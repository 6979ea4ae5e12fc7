/**
 * Offerings (POLYMESH.md §9, pallets/sto): tiered fundraisers that lock the offered amount and
 * settle each investment atomically through an instruction at the offering's Sto venue.
 */
import type { AssetId, Did } from '../../ledger.js';
import type { FundraiserDetails, FundraiserSale, PriceTier } from '../../calls-settlement.js';
import type { Chain } from '../chain.js';
import { ONE_UNIT, fromUnits, toUnits } from '../amounts.js';
import {
  argArray,
  argAssetId,
  argInt,
  argString,
  argTime,
  ensure,
  iso,
  isoOrNull,
  optTime,
} from '../runtime.js';
import { argPortfolio, pfRef, type Pf } from './portfolio.js';
import { FUNDRAISER_NAME_MAX_BYTES, MAX_TIERS } from '../../limits.js';

const M = 'sto';

interface TierRec {
  total: bigint;
  price: bigint;
  remaining: bigint;
}

interface FundraiserRec {
  id: number;
  asset: AssetId;
  name: string;
  creator: Did;
  offering: Pf;
  raising: Pf;
  raisingAsset: AssetId;
  tiers: readonly TierRec[];
  venueId: number;
  start: number;
  end: number | null;
  status: FundraiserSale;
  minimumInvestment: bigint;
}

const isClosed = (f: FundraiserRec): boolean => f.status === 'Closed' || f.status === 'ClosedEarly';

export class StoModule {
  private readonly fundraisers;
  private readonly ids;

  constructor(private readonly chain: Chain) {
    const s = chain.rt.state;
    this.fundraisers = s.map<string, FundraiserRec>();
    this.ids = s.counter<AssetId>();
    this.registerCalls();
  }

  details(asset: AssetId, id: number): FundraiserDetails | null {
    const f = this.fundraisers.get(`${asset}|${id}`);
    if (!f) return null;
    const now = this.chain.rt.now;
    const total = f.tiers.reduce((s, t) => s + t.total, 0n);
    const remaining = f.tiers.reduce((s, t) => s + t.remaining, 0n);
    const timing = now < f.start ? 'NotStarted' : f.end !== null && now >= f.end ? 'Expired' : 'Started';
    const balance =
      remaining === 0n ? 'SoldOut' : timing === 'Expired' || isClosed(f) ? 'Residual' : 'Available';
    return {
      id,
      assetId: asset,
      name: f.name,
      creator: f.creator,
      offeringPortfolio: pfRef(f.offering),
      raisingPortfolio: pfRef(f.raising),
      raisingAssetId: f.raisingAsset,
      tiers: f.tiers.map((t) => ({
        total: fromUnits(t.total),
        price: fromUnits(t.price),
        remaining: fromUnits(t.remaining),
      })),
      venueId: f.venueId,
      start: iso(f.start),
      end: isoOrNull(f.end),
      minimumInvestment: fromUnits(f.minimumInvestment),
      totalAmount: fromUnits(total),
      totalRemaining: fromUnits(remaining),
      status: { timing, balance, sale: f.status },
    };
  }

  list(asset: AssetId): FundraiserDetails[] {
    const out: FundraiserDetails[] = [];
    const next = this.ids.peek(asset, 0);
    for (let id = 0; id < next; id++) {
      const d = this.details(asset, id);
      if (d) out.push(d);
    }
    return out;
  }

  private get(asset: AssetId, id: number): FundraiserRec {
    const f = this.fundraisers.get(`${asset}|${id}`);
    ensure(f, 'FundraiserNotFound', `no fundraiser ${id} for ${asset}`, M);
    return f;
  }

  private put(f: FundraiserRec): void {
    this.fundraisers.set(`${f.asset}|${f.id}`, f);
  }

  private registerCalls(): void {
    const { chain } = this;
    const rt = chain.rt;
    const agentOn = (
      o: Parameters<typeof chain.agents.requirePermission>[0],
      assetId: unknown,
      call: string,
    ) => {
      const asset = argAssetId(assetId);
      return { did: chain.agents.requirePermission(o, asset, call), asset };
    };

    rt.register('sto.createFundraiser', {
      handler: (o, a) => {
        const name = argString(a.name, 'name', FUNDRAISER_NAME_MAX_BYTES);
        const { did, asset } = agentOn(o, a.assetId, 'sto.createFundraiser');
        const offering = argPortfolio(a.offeringPortfolio, 'offeringPortfolio');
        const raising = argPortfolio(a.raisingPortfolio, 'raisingPortfolio');
        const raisingAsset = argAssetId(a.raisingAssetId, 'raisingAssetId');
        const venueId = argInt(a.venueId, 'venueId', 1);
        const venue = chain.settlement.venueRec(venueId);
        ensure(
          venue && venue.creator === did && venue.type === 'Sto',
          'InvalidVenue',
          'venue must be an Sto venue of the signer',
          M,
        );
        chain.portfolio.ensureCustodian(did, raising);
        chain.portfolio.ensureCustodian(did, offering);
        const tiers = argArray<PriceTier>(a.tiers, 'tiers').map((t, i) => {
          const total = toUnits(t?.total, `tiers[${i}].total`);
          return { total, price: toUnits(t?.price, `tiers[${i}].price`), remaining: total };
        });
        ensure(
          tiers.length >= 1 && tiers.length <= MAX_TIERS && tiers.every((t) => t.total > 0n),
          'InvalidPriceTiers',
          '1–10 tiers with totals above zero',
          M,
        );
        const start = optTime(a.start, 'start') ?? rt.now;
        const end = optTime(a.end, 'end');
        if (end !== null) ensure(start < end, 'InvalidOfferingWindow', 'start must come before end', M);
        const minimumInvestment = toUnits(a.minimumInvestment, 'minimumInvestment');
        const id = this.ids.next(asset, 0);
        chain.portfolio.lock(
          offering,
          asset,
          tiers.reduce((s, t) => s + t.total, 0n),
        );
        const f: FundraiserRec = {
          id,
          asset,
          name,
          creator: did,
          offering,
          raising,
          raisingAsset,
          tiers,
          venueId,
          start,
          end,
          status: 'Live',
          minimumInvestment,
        };
        this.put(f);
        rt.emit(M, 'FundraiserCreated', { did, fundraiserId: id, name, fundraiser: this.details(asset, id) });
        return { fundraiserId: id };
      },
    });

    rt.register('sto.invest', {
      handler: (o, a) => {
        const did = o.did as Did;
        const investment = argPortfolio(a.investmentPortfolio, 'investmentPortfolio');
        const funding = argPortfolio(a.fundingPortfolio, 'fundingPortfolio');
        chain.portfolio.ensureCustodian(did, investment);
        chain.portfolio.ensureCustodian(did, funding);
        const asset = argAssetId(a.assetId);
        const f = this.get(asset, argInt(a.fundraiserId, 'fundraiserId', 0));
        const amount = toUnits(a.purchaseAmount, 'purchaseAmount');
        const maxPrice = a.maxPrice === undefined ? null : toUnits(a.maxPrice, 'maxPrice');
        ensure(f.status === 'Live', 'FundraiserNotLive', 'the fundraiser is frozen or closed', M);
        const now = rt.now;
        ensure(
          f.start <= now && (f.end === null || now < f.end),
          'FundraiserExpired',
          'outside the offering window',
          M,
        );
        let remaining = amount;
        let cost = 0n;
        const tiers = f.tiers.map((t) => ({ ...t }));
        for (const t of tiers) {
          if (remaining === 0n) break;
          if (t.remaining === 0n) continue;
          const take = t.remaining >= remaining ? remaining : t.remaining;
          remaining -= take;
          t.remaining -= take;
          cost += (take * t.price) / ONE_UNIT;
        }
        ensure(remaining === 0n, 'InsufficientTokensRemaining', 'not enough tokens left in the offering', M);
        ensure(cost >= f.minimumInvestment, 'InvestmentAmountTooLow', 'investment below the minimum', M);
        ensure(
          maxPrice === null || cost <= (maxPrice * amount) / ONE_UNIT,
          'MaxPriceExceeded',
          'price above maxPrice',
          M,
        );
        chain.portfolio.unlock(f.offering, f.asset, amount);
        const st = chain.settlement;
        const instructionId = st.addInstruction(f.creator, {
          venueId: f.venueId,
          settlementType: { type: 'SettleOnAffirmation' },
          tradeDate: null,
          valueDate: null,
          memo: null,
          mediators: [],
          legs: [
            { kind: 'Fungible', from: f.offering, to: investment, asset: f.asset, amount },
            { kind: 'Fungible', from: funding, to: f.raising, asset: f.raisingAsset, amount: cost },
          ],
        });
        st.affirm(f.creator, instructionId, uniquePfs([f.offering, f.raising]));
        st.affirm(did, instructionId, uniquePfs([investment, funding]));
        st.execute(instructionId, did);
        this.put({ ...f, tiers });
        rt.emit(M, 'Invested', {
          did,
          fundraiserId: f.id,
          offeringAssetId: f.asset,
          raisingAssetId: f.raisingAsset,
          offeringAmount: fromUnits(amount),
          raisingAmount: fromUnits(cost),
        });
        return { instructionId, cost: fromUnits(cost) };
      },
    });

    const setFrozen =
      (frozen: boolean) =>
      (
        o: Parameters<typeof chain.agents.requirePermission>[0],
        a: { assetId: AssetId; fundraiserId: number },
      ) => {
        const { did, asset } = agentOn(
          o,
          a.assetId,
          frozen ? 'sto.freezeFundraiser' : 'sto.unfreezeFundraiser',
        );
        const f = this.get(asset, argInt(a.fundraiserId, 'fundraiserId', 0));
        ensure(!isClosed(f), 'FundraiserClosed', 'the fundraiser is closed', M);
        this.put({ ...f, status: frozen ? 'Frozen' : 'Live' });
        rt.emit(M, frozen ? 'FundraiserFrozen' : 'FundraiserUnfrozen', { did, fundraiserId: f.id });
      };
    rt.register('sto.freezeFundraiser', { handler: setFrozen(true) });
    rt.register('sto.unfreezeFundraiser', { handler: setFrozen(false) });

    rt.register('sto.modifyFundraiserWindow', {
      handler: (o, a) => {
        const { did, asset } = agentOn(o, a.assetId, 'sto.modifyFundraiserWindow');
        const f = this.get(asset, argInt(a.fundraiserId, 'fundraiserId', 0));
        const start = argTime(a.start, 'start');
        const end = optTime(a.end, 'end');
        ensure(!isClosed(f), 'FundraiserClosed', 'the fundraiser is closed', M);
        if (f.end !== null) ensure(rt.now < f.end, 'FundraiserExpired', 'the fundraiser has ended', M);
        if (end !== null) ensure(start < end, 'InvalidOfferingWindow', 'start must come before end', M);
        this.put({ ...f, start, end });
        rt.emit(M, 'FundraiserWindowModified', {
          did,
          fundraiserId: f.id,
          oldStart: iso(f.start),
          oldEnd: isoOrNull(f.end),
          start: iso(start),
          end: isoOrNull(end),
        });
      },
    });

    rt.register('sto.stop', {
      handler: (o, a) => {
        const { did, asset } = agentOn(o, a.assetId, 'sto.stop');
        const f = this.get(asset, argInt(a.fundraiserId, 'fundraiserId', 0));
        ensure(!isClosed(f), 'FundraiserClosed', 'the fundraiser is closed', M);
        chain.portfolio.unlock(
          f.offering,
          f.asset,
          f.tiers.reduce((s, t) => s + t.remaining, 0n),
        );
        this.put({ ...f, status: f.end !== null && f.end > rt.now ? 'ClosedEarly' : 'Closed' });
        rt.emit(M, 'FundraiserClosed', { did, fundraiserId: f.id });
      },
    });
  }
}

function uniquePfs(pfs: Pf[]): Pf[] {
  const m = new Map<string, Pf>();
  for (const p of pfs) m.set(`${p.did}|${p.number}`, p);
  return [...m.values()];
}
