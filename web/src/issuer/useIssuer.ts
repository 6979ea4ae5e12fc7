import { ref } from 'vue';
import { ApiError, request } from '../api/client';
import type { Schemas } from '../api/client';
import { useApi } from '../api/useApi';
import type { ChainOperation } from '../operations/status';
import { isTerminal } from '../operations/status';
import type { Holding } from './capTable';
import { holdingsFromSubscriptions, subscriptionRecords } from './capTable';

export type Asset = Schemas['Asset'];
export type AuditEntry = Schemas['AuditEntry'];

const toError = (cause: unknown): ApiError | null => (cause instanceof ApiError ? cause : null);

/** The issuer's assets and the chain operations still under way. */
export function useIssuerDashboard() {
  const api = useApi();
  const assets = ref<Asset[]>([]);
  const pending = ref<ChainOperation[]>([]);
  const loaded = ref(false);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    try {
      const [list, ops] = await Promise.all([
        request(api.GET('/assets')),
        request(api.GET('/operations', { params: { query: { limit: 50, offset: 0 } } })),
      ]);
      assets.value = list;
      pending.value = ops.items.filter((op) => !isTerminal(op.status));
      error.value = null;
    } catch (cause) {
      error.value = toError(cause);
    } finally {
      loaded.value = true;
    }
  }
  return { assets, pending, loaded, error, load };
}

/** One asset with its chain state and rules (null until it has some). */
export function useAsset(id: () => string) {
  const api = useApi();
  const asset = ref<Asset | null>(null);
  const rules = ref<RulesView | null>(null);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    try {
      const path = { id: id() };
      asset.value = await request(api.GET('/assets/{id}', { params: { path } }));
      rules.value = await request(api.GET('/assets/{id}/rules', { params: { path } })).catch(
        (cause: unknown) => {
          if (cause instanceof ApiError && cause.status === 404) return null;
          throw cause;
        },
      );
      error.value = null;
    } catch (cause) {
      error.value = toError(cause);
    }
  }
  return { asset, rules, error, load };
}

export interface RulesView {
  version: number;
  templates: unknown[];
  compiled: { summary: string[] };
  changedBy: string;
  updatedAt: string;
}

/** Rule changes of an asset from the audit trail (it keeps each change's diff). */
export function useRuleHistory(assetId: () => string) {
  const api = useApi();
  const entries = ref<AuditEntry[]>([]);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    try {
      const res = await request(
        api.GET('/audit', {
          params: {
            query: {
              subjectType: 'asset',
              subjectId: assetId(),
              action: 'compliance.',
              limit: 100,
              offset: 0,
            },
          },
        }),
      );
      entries.value = [...res.items].reverse();
      error.value = null;
    } catch (cause) {
      error.value = toError(cause);
    }
  }
  return { entries, error, load };
}

/**
 * The cap table, rebuilt from settled primary subscriptions (audit trail + their chain
 * operations) because the API does not list holders yet; the issuer holds the rest.
 */
export function useCapTable() {
  const api = useApi();
  const holdings = ref<Holding[]>([]);
  const error = ref<ApiError | null>(null);
  const labels = new Map<string, string>();

  async function label(identityId: string): Promise<void> {
    if (labels.has(identityId)) return;
    const identity = await request(
      api.GET('/identities/{id}', { params: { path: { id: identityId } } }),
    ).catch(() => null);
    labels.set(
      identityId,
      identity?.did ? `Investor ${identity.did.slice(0, 10)}…` : `Investor ${identityId.slice(0, 8)}`,
    );
  }

  async function load(totalSupply: string, offeringIds: readonly string[]): Promise<void> {
    try {
      const [audit, ops] = await Promise.all([
        request(
          api.GET('/audit', {
            params: {
              query: { subjectType: 'offering', action: 'offering.subscribed', limit: 500, offset: 0 },
            },
          }),
        ),
        request(
          api.GET('/operations', {
            params: { query: { subjectType: 'subscription', limit: 200, offset: 0 } },
          }),
        ),
      ]);
      const records = subscriptionRecords(audit.items).filter((r) => offeringIds.includes(r.offeringId));
      const settled = new Set(
        ops.items
          .filter((op) => op.kind === 'sto.invest' && op.status === 'finalised')
          .map((op) => op.subject!.id),
      );
      await Promise.all([...new Set(records.map((r) => r.identityId))].map(label));
      holdings.value = holdingsFromSubscriptions(records, settled, totalSupply, (id) => labels.get(id) ?? id);
      error.value = null;
    } catch (cause) {
      error.value = toError(cause);
    }
  }
  return { holdings, error, load };
}
