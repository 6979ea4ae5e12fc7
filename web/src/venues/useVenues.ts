import { ref } from 'vue';
import { ApiError, request, type Schemas } from '../api/client';
import { useApi } from '../api/useApi';

export type Venue = Schemas['Venue'];
type Api = ReturnType<typeof useApi>;

const loadAssetVenues = (api: Api, id: string) =>
  request(api.GET('/assets/{id}/venues', { params: { path: { id } } }));
export type AssetVenues = Awaited<ReturnType<typeof loadAssetVenues>>;
export type TradingWindow = NonNullable<AssetVenues['trading']['window']>;

const loadInvestorVenues = (api: Api) => request(api.GET('/investor/venues'));
export type InvestorVenue = Awaited<ReturnType<typeof loadInvestorVenues>>[number];

/** A load-on-demand read with its error (an ApiError the page shows in words). */
function useRead<T>(read: () => Promise<T>) {
  const data = ref<T | null>(null) as { value: T | null };
  const error = ref<ApiError | null>(null);
  const loaded = ref(false);
  async function load(): Promise<void> {
    try {
      data.value = await read();
      error.value = null;
    } catch (cause) {
      error.value = cause instanceof ApiError ? cause : null;
    } finally {
      loaded.value = true;
    }
  }
  return { data, error, loaded, load };
}

/** Administrators: every venue, and registering an external one. */
export function useVenueRegistry() {
  const api = useApi();
  const read = useRead(() => request(api.GET('/venues')));
  async function register(body: {
    name: string;
    venueType: 'Exchange' | 'Other';
    organisation: string;
    operatorEmail: string;
    signers?: string[];
  }) {
    const out = await request(api.POST('/venues', { body }));
    await read.load();
    return out;
  }
  return { ...read, register };
}

/** The issuer's view of one asset: venue approvals, halt, trading window. */
export function useAssetVenues(assetId: () => string) {
  const api = useApi();
  const read = useRead(() => loadAssetVenues(api, assetId()));
  const path = () => ({ params: { path: { id: assetId() } } });
  async function setApproval(venueId: string, approved: boolean, reason?: string) {
    read.data.value = await request(
      api.PUT('/assets/{id}/venues/{venueId}', {
        params: { path: { id: assetId(), venueId } },
        body: { approved, ...(reason ? { reason } : {}) },
      }),
    );
  }
  async function halt(reason: string) {
    await request(api.POST('/assets/{id}/trading/halt', { ...path(), body: { reason } }));
    await read.load();
  }
  async function resume() {
    await request(api.POST('/assets/{id}/trading/resume', path()));
    await read.load();
  }
  async function setWindow(window: TradingWindow | null) {
    await request(api.PUT('/assets/{id}/trading/window', { ...path(), body: { window } }));
    await read.load();
  }
  return { ...read, setApproval, halt, resume, setWindow };
}

/** Investors: the venues that may settle for them. */
export function useInvestorVenues() {
  const api = useApi();
  const read = useRead(() => loadInvestorVenues(api));
  async function setAuthorised(venueId: string, authorised: boolean) {
    await request(
      api.PUT('/investor/venues/{id}', { params: { path: { id: venueId } }, body: { authorised } }),
    );
    await read.load();
  }
  return { ...read, setAuthorised };
}

export const VENUE_STATUS: Record<
  Venue['status'],
  { label: string; variant: 'success' | 'info' | 'danger' }
> = {
  active: { label: 'On chain', variant: 'success' },
  creating: { label: 'Being created on chain', variant: 'info' },
  failed: { label: 'Creation failed', variant: 'danger' },
};
