import { computed, ref } from 'vue';
import type { Ref } from 'vue';
import { ApiError, request } from '../../api/client';
import type { Schemas } from '../../api/client';
import { useApi } from '../../api/useApi';
import type { Offering } from '../../offerings/offering';
import type { Reason } from './eligibility';
import { amountProblem, refusalReasons } from './eligibility';

export type Identity = Schemas['InvestorIdentity'];
/** The investor's signature: typed name, consent, and each document read with its hash. */
export interface Agreement {
  fullName: string;
  consent: boolean;
  documents: { id: string; sha256: string }[];
}
export type EligibilityCheck = Schemas['SubscriptionEligibility']['checks'][number];
export type Eligibility = {
  allowed: boolean;
  cost: string | null;
  reasons: Reason[];
  checks: EligibilityCheck[];
};

/**
 * Subscribing in two moves: the server's dry run (every eligibility check, with reasons), then
 * the subscription itself.
 */
export function useSubscribe(offering: Ref<Offering | null>) {
  const api = useApi();
  const identity = ref<Identity | null>(null);
  const identityError = ref<string | null>(null);
  const eligibility = ref<Eligibility | null>(null);
  const checking = ref(false);
  const submitting = ref(false);
  const refusal = ref<{ message: string; reasons: Reason[]; fieldError?: string } | null>(null);
  const accepted = ref<Schemas['ChainOperation'] | null>(null);
  const subscription = ref<{ id: string; amount: string; cost: string; escrow: boolean } | null>(null);

  async function prepare(): Promise<void> {
    identity.value = await request(api.GET('/identities/me')).catch((cause: unknown) => {
      identityError.value = cause instanceof ApiError ? cause.message : 'Your identity could not be loaded';
      return null;
    });
  }

  /** The server's dry run: the same eligibility checks the subscription itself runs. */
  async function check(amount: string): Promise<void> {
    const o = offering.value;
    if (!o) return;
    refusal.value = null;
    const format = amountProblem(amount);
    if (format) {
      eligibility.value = { allowed: false, cost: null, reasons: [format], checks: [] };
      return;
    }
    checking.value = true;
    try {
      const res = await request(
        api.POST('/offerings/{id}/subscriptions/check', { params: { path: { id: o.id } }, body: { amount } }),
      );
      eligibility.value = { allowed: res.eligible, cost: res.cost, reasons: res.reasons, checks: res.checks };
    } catch (cause) {
      eligibility.value = {
        allowed: false,
        cost: null,
        reasons: [{ rule: 'check', message: cause instanceof ApiError ? cause.message : 'the check failed' }],
        checks: [],
      };
    } finally {
      checking.value = false;
    }
  }

  async function subscribe(amount: string, agreement: Agreement): Promise<boolean> {
    const o = offering.value;
    if (!o || submitting.value) return false;
    submitting.value = true;
    refusal.value = null;
    try {
      const res = await request(
        api.POST('/offerings/{id}/subscriptions', {
          params: { path: { id: o.id } },
          body: { amount, agreement },
        }),
      );
      accepted.value = res.operation;
      subscription.value = { id: res.id, amount: res.amount, cost: res.cost, escrow: res.escrow };
      return true;
    } catch (cause) {
      const e = cause instanceof ApiError ? cause : null;
      refusal.value = {
        message: e?.message ?? 'The subscription could not be sent',
        reasons: e ? refusalReasons(e.extra) : [],
        ...(e?.fieldErrors['/body/amount'] ? { fieldError: e.fieldErrors['/body/amount'] } : {}),
      };
      return false;
    } finally {
      submitting.value = false;
    }
  }

  return {
    identity,
    eligibility,
    checking,
    submitting,
    refusal,
    accepted,
    subscription,
    ready: computed(() => identity.value !== null),
    prepare,
    check,
    subscribe,
  };
}
