import { ref } from 'vue';
import { ApiError, request } from '../api/client';
import type { Schemas } from '../api/client';
import type { paths } from '../api/schema';
import { useApi } from '../api/useApi';
import type { ChainOperation } from '../operations/status';
import { isTerminal } from '../operations/status';

export type Asset = Schemas['Asset'];
export type RuleHistoryEntry = Schemas['RuleHistoryEntry'];

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
      // Asked only when there are rules: the route answers 404 until then (a console error).
      rules.value = !asset.value.hasRules
        ? null
        : await request(api.GET('/assets/{id}/rules', { params: { path } })).catch((cause: unknown) => {
            if (cause instanceof ApiError && cause.status === 404) return null;
            throw cause;
          });
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

/** Rule changes of an asset, newest first, with who, when and the plain-language diff. */
export function useRuleHistory(assetId: () => string) {
  const api = useApi();
  const entries = ref<RuleHistoryEntry[]>([]);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    try {
      const res = await request(
        api.GET('/assets/{id}/rules/history', { params: { path: { id: assetId() } } }),
      );
      entries.value = res.items;
      error.value = null;
    } catch (cause) {
      error.value = toError(cause);
    }
  }
  return { entries, error, load };
}

type HolderRow =
  paths['/assets/{id}/holders']['get']['responses'][200]['content']['application/json']['holders'][number];

/** Every holder of an asset, page by page (the server pages its cap table). */
export async function allHolders(api: ReturnType<typeof useApi>, assetId: string): Promise<HolderRow[]> {
  const out: HolderRow[] = [];
  for (let offset = 0; ;) {
    const res = await request(
      api.GET('/assets/{id}/holders', { params: { path: { id: assetId }, query: { limit: 1000, offset } } }),
    );
    out.push(...res.holders);
    offset += res.holders.length;
    if (res.holders.length === 0 || offset >= res.total) return out;
  }
}
