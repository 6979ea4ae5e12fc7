import { ref } from 'vue';
import { request } from '../api/client';
import { useApi } from '../api/useApi';

export type SandboxScenario = 'clear' | 'rejected' | 'retry' | 'sanctions' | 'pep';

/** What each sandbox scenario makes the sandbox vendor decide, in the applicant's words. */
export const SANDBOX_SCENARIO_LABELS: Record<SandboxScenario, { label: string; hint: string }> = {
  clear: { label: 'Clear', hint: 'Your identity check passes.' },
  rejected: { label: 'Rejected', hint: 'Your identity check fails and the application is rejected.' },
  retry: { label: 'Retry', hint: 'You are asked to correct your documents and submit again.' },
  sanctions: { label: 'Sanctions hit', hint: 'Your name is found on a sanctions list.' },
  pep: {
    label: 'PEP hit',
    hint: 'You are found to be a politically exposed person; a reviewer looks at your application closely.',
  },
};

type KycConfig = {
  provider: string;
  sandbox: boolean;
  scenarios: SandboxScenario[];
  sandboxDelayMs: number | null;
  webSdk: boolean;
};

/** The server's KYC mode (GET /kyc/config): whether the sandbox scenario picker is shown. */
export function useKycConfig() {
  const api = useApi();
  const config = ref<KycConfig | null>(null);
  async function load(): Promise<KycConfig | null> {
    try {
      config.value = await request(api.GET('/kyc/config', {}));
    } catch {
      config.value = null;
    }
    return config.value;
  }
  return { config, load };
}
