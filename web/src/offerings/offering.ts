import type { Schemas } from '../api/client';
import type { BadgeVariant } from '../ui/badge';
import { fromUnits, isAmount, percentOf, toUnits } from './units';

export type Offering = Schemas['Offering'];
export type InvestorClass = 'accredited' | 'non-us' | 'reg-cf';

export interface OfferingTerms {
  tiers: { amount: string; price: string }[];
  minInvestment: string;
  maxInvestment: string | null;
  softCap: string | null;
  hardCap: string | null;
  start: string | null;
  end: string;
  eligibleClasses: InvestorClass[];
  documents: { name: string; uri: string; contentHash?: string }[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The offering's terms, read defensively: the API types them as unknown JSON. */
export function offeringTerms(offering: Pick<Offering, 'terms'>): OfferingTerms {
  const t = isRecord(offering.terms) ? offering.terms : {};
  const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);
  return {
    tiers: list(t.tiers).map((x) => ({ amount: str(x.amount) ?? '0', price: str(x.price) ?? '0' })),
    minInvestment: str(t.minInvestment) ?? '0',
    maxInvestment: str(t.maxInvestment),
    softCap: str(t.softCap),
    hardCap: str(t.hardCap),
    start: str(t.start),
    end: str(t.end) ?? '',
    eligibleClasses: (Array.isArray(t.eligibleClasses) ? t.eligibleClasses : []).filter(
      (c): c is InvestorClass => c === 'accredited' || c === 'non-us' || c === 'reg-cf',
    ),
    documents: list(t.documents).map((d) => ({
      name: str(d.name) ?? 'Document',
      uri: str(d.uri) ?? '',
      ...(str(d.contentHash) ? { contentHash: str(d.contentHash)! } : {}),
    })),
  };
}

export const CLASS_LABELS: Record<InvestorClass, string> = {
  accredited: 'Accredited investors',
  'non-us': 'Non-US persons',
  'reg-cf': 'Reg CF investors',
};

const STATUS: Record<string, { label: string; variant: BadgeVariant }> = {
  draft: { label: 'Draft', variant: 'neutral' },
  launching: { label: 'Launching', variant: 'info' },
  live: { label: 'Live', variant: 'success' },
  frozen: { label: 'Frozen', variant: 'warning' },
  closing: { label: 'Closing', variant: 'info' },
  closed: { label: 'Closed', variant: 'neutral' },
  refunding: { label: 'Refunding', variant: 'warning' },
  refunded: { label: 'Refunded', variant: 'neutral' },
  failed: { label: 'Failed', variant: 'danger' },
};

export function offeringStatus(status: string): { label: string; variant: BadgeVariant } {
  return STATUS[status] ?? { label: status, variant: 'neutral' };
}

export interface Progress {
  raised: string;
  target: string;
  percent: number;
  softCapPercent: number | null;
  tokensSold: string;
  tokensTotal: string;
}

/** How far the raise is, against the hard cap (what the tiers can raise at most). */
export function raiseProgress(offering: Offering): Progress {
  const terms = offeringTerms(offering);
  const target = terms.hardCap && isAmount(terms.hardCap) ? toUnits(terms.hardCap) : 0n;
  const raised = isAmount(offering.dashboard.raised) ? toUnits(offering.dashboard.raised) : 0n;
  const total = offering.dashboard.tiers.reduce((s, t) => s + toUnits(t.amount), 0n);
  const remaining = offering.dashboard.tiers.reduce((s, t) => s + toUnits(t.remaining), 0n);
  return {
    raised: fromUnits(raised),
    target: fromUnits(target),
    percent: Math.min(100, percentOf(raised, target)),
    softCapPercent: terms.softCap && target > 0n ? percentOf(toUnits(terms.softCap), target) : null,
    tokensSold: fromUnits(total - remaining),
    tokensTotal: fromUnits(total),
  };
}
