import { computed, ref } from 'vue';
import type { Ref } from 'vue';
import { ApiError, request } from '../../api/client';
import type { Schemas } from '../../api/client';
import { useApi } from '../../api/useApi';
import type { Offering } from '../../offerings/offering';
import { offeringTerms } from '../../offerings/offering';
import type { Reason } from './eligibility';
import { refusalReasons, termChecks } from './eligibility';

export type Identity = Schemas['InvestorIdentity'];
export type Eligibility = { allowed: boolean; cost: string | null; reasons: Reason[] };

/**
 * Subscribing in two moves: the eligibility check (offering terms here, then the server's
 * pre-trade check against the asset's rules for this investor), then the subscription itself.
 */
export function useSubscribe(offering: Ref<Offering | null>) {
  const api = useApi();
  const identity = ref<Identity | null>(null);
  const identityError = ref<string | null>(null);
  const issuerDid = ref<string | null>(null);
  const eligibility = ref<Eligibility | null>(null);
  const checking = ref(false);
  const submitting = ref(false);
  const refusal = ref<{ message: string; reasons: Reason[]; fieldError?: string } | null>(null);
  const accepted = ref<Schemas['ChainOperation'] | null>(null);
  const subscription = ref<{ id: string; amount: string; cost: string } | null>(null);

  async function prepare(): Promise<void> {
    identity.value = await request(api.GET('/identities/me')).catch((cause: unknown) => {
      identityError.value = cause instanceof ApiError ? cause.message : 'Your identity could not be loaded';
      return null;
    });
    if (offering.value) {
      const asset = await request(
        api.GET('/assets/{id}', { params: { path: { id: offering.value.assetId } } }),
      ).catch(() => null);
      issuerDid.value = asset?.onChain?.owner ?? null;
    }
  }

  async function check(amount: string): Promise<void> {
    const o = offering.value;
    if (!o) return;
    refusal.value = null;
    const local = termChecks(offeringTerms(o), o.dashboard.tiers, amount);
    if (local.cost === null || !identity.value?.did || !issuerDid.value) {
      const reasons = [...local.reasons];
      if (!identity.value?.did)
        reasons.push({
          rule: 'identity',
          message: identityError.value ?? 'you have no identity on chain yet',
        });
      eligibility.value = { allowed: false, cost: local.cost, reasons };
      return;
    }
    checking.value = true;
    try {
      const res = await request(
        api.POST('/assets/{id}/transfer-checks', {
          params: { path: { id: o.assetId } },
          body: {
            from: { did: issuerDid.value },
            to: { did: identity.value.did },
            amount,
            value: local.cost,
          },
        }),
      );
      // The issuer's treasury is filled at launch; a balance shortfall there is not the investor's concern.
      const rules = res.reasons.filter((r) => !/Insufficient/i.test(r.rule));
      const reasons = [
        ...local.reasons,
        ...rules.filter((r) => !local.reasons.some((l) => l.message === r.message)),
      ];
      eligibility.value = { allowed: reasons.length === 0, cost: local.cost, reasons };
    } catch (cause) {
      eligibility.value = {
        allowed: false,
        cost: local.cost,
        reasons: [{ rule: 'check', message: cause instanceof ApiError ? cause.message : 'the check failed' }],
      };
    } finally {
      checking.value = false;
    }
  }

  async function subscribe(amount: string): Promise<boolean> {
    const o = offering.value;
    if (!o || submitting.value) return false;
    submitting.value = true;
    refusal.value = null;
    try {
      const res = await request(
        api.POST('/offerings/{id}/subscriptions', { params: { path: { id: o.id } }, body: { amount } }),
      );
      accepted.value = res.operation;
      subscription.value = { id: res.id, amount: res.amount, cost: res.cost };
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
