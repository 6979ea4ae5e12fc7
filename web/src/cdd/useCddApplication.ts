import { ref } from 'vue';
import { ApiError, request } from '../api/client';
import type { Schemas } from '../api/client';
import { useApi } from '../api/useApi';
import type { Application } from '../investor/onboarding';

export type ChainOperation = Schemas['ChainOperation'];
export type Decision = 'attest' | 'reject' | 'request-info' | 'start-review';
export type Review = Schemas['CddReview'];

/** One application under review, and the decisions a CDD provider can take on it. */
export function useCddApplication(id: () => string) {
  const api = useApi();
  const application = ref<Application | null>(null);
  const loadError = ref<ApiError | null>(null);
  /** Chain operations started by the last attestation, followed on screen. */
  const operations = ref<ChainOperation[]>([]);
  const identity = ref<Schemas['InvestorIdentity'] | null>(null);
  /** Set when the last attestation was a first approval that waits for a second reviewer. */
  const awaitingSecond = ref<string | null>(null);

  async function load(): Promise<void> {
    try {
      application.value = await request(
        api.GET('/cdd/applications/{id}', { params: { path: { id: id() } } }),
      );
      loadError.value = null;
      if (application.value.status === 'approved') await loadIdentity(application.value.id);
    } catch (cause) {
      if (!(cause instanceof ApiError)) throw cause;
      loadError.value = cause;
    }
  }

  // The API lists identities but cannot filter them by application; find ours in the list.
  async function loadIdentity(applicationId: string): Promise<void> {
    const list = await request(api.GET('/identities', { params: { query: {} } }));
    identity.value = list.items.find((i) => i.applicationId === applicationId) ?? identity.value;
  }

  const path = () => ({ params: { path: { id: id() } } });

  async function decide(decision: Decision, reason: string): Promise<void> {
    awaitingSecond.value = null;
    if (decision === 'attest') {
      const result = await request(
        api.POST('/cdd/applications/{id}/attest', { ...path(), body: reason ? { reason } : {} }),
      );
      if ('attestation' in result) {
        operations.value = result.operations;
        identity.value = result.identity;
        await load();
      } else {
        awaitingSecond.value = result.message;
        application.value = result.application;
      }
    } else if (decision === 'reject') {
      application.value = await request(
        api.POST('/cdd/applications/{id}/reject', { ...path(), body: { reason } }),
      );
    } else {
      await request(
        api.POST('/onboarding/applications/{id}/review', {
          ...path(),
          body: { action: decision, reason },
        }),
      );
      // The reviewer's view (assignment, approvals, flags) comes from the CDD route.
      await load();
    }
  }

  async function assign(reviewer: string | null): Promise<void> {
    application.value = await request(
      api.POST('/cdd/applications/{id}/assign', { ...path(), body: { reviewer } }),
    );
  }

  async function reviewAccreditation(decision: 'verified' | 'rejected', reason: string): Promise<void> {
    await request(
      api.POST('/onboarding/applications/{id}/accreditation/review', {
        ...path(),
        body: { decision, reason },
      }),
    );
    await load();
  }

  return {
    application,
    loadError,
    operations,
    identity,
    awaitingSecond,
    load,
    decide,
    assign,
    reviewAccreditation,
  };
}
