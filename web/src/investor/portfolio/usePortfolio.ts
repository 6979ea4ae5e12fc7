import { computed, ref } from 'vue';
import { ApiError, request } from '../../api/client';
import type { Schemas } from '../../api/client';
import { useApi } from '../../api/useApi';
import { useSessionStore } from '../../auth/sessionStore';
import type { HistoryItem } from './holdings';
import { placedSubscriptions, portfolioLines } from './holdings';

/**
 * The investor's subscriptions as their chain operations (signed by the investor's custodial
 * account), enriched with what this portal remembers of each. The API has no balance or
 * holdings endpoint for investors yet, so balances are derived from settled subscriptions.
 */
export function usePortfolio() {
  const api = useApi();
  const session = useSessionStore();
  const identity = ref<Schemas['InvestorIdentity'] | null>(null);
  const history = ref<HistoryItem[]>([]);
  const loaded = ref(false);
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    try {
      const me = await request(api.GET('/identities/me'));
      identity.value = me;
      const ops = await request(
        api.GET('/operations', { params: { query: { subjectType: 'subscription', limit: 200, offset: 0 } } }),
      );
      const placed = session.user ? placedSubscriptions(session.user.id) : [];
      history.value = ops.items
        .filter((op) => op.kind === 'sto.invest' && op.signer === me.account)
        .map((op): HistoryItem => {
          const result = (op.result ?? {}) as { cost?: unknown };
          return {
            operationId: op.id,
            subscriptionId: op.subject?.id ?? null,
            status: op.status,
            cost: typeof result.cost === 'string' ? result.cost : null,
            block: op.receipt?.blockNumber ?? null,
            at: op.createdAt,
            error: op.error ? op.error.message : null,
            placed: placed.find((p) => p.operationId === op.id) ?? null,
          };
        });
      error.value = null;
    } catch (cause) {
      error.value = cause instanceof ApiError ? cause : null;
    } finally {
      loaded.value = true;
    }
  }

  return { identity, history, loaded, error, load, lines: computed(() => portfolioLines(history.value)) };
}
