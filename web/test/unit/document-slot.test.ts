import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient } from '../../src/api/client';
import { apiClientKey } from '../../src/api/useApi';
import DocumentSlot from '../../src/investor/DocumentSlot.vue';
import { useOnboardingStore } from '../../src/investor/onboardingStore';
import { applicationFixture, documentFixture } from './onboarding-fixtures';

const MB = 1024 * 1024;

function mountSlot() {
  const pinia = createPinia();
  setActivePinia(pinia);
  const wrapper = mount(DocumentSlot, {
    props: { type: 'proof-of-address' },
    global: {
      plugins: [pinia],
      provide: { [apiClientKey]: createApiClient({ baseUrl: 'http://stoa.test' }) },
    },
  });
  // The component made the store (it needs the injected client); the test fills it in.
  const store = useOnboardingStore();
  store.application = applicationFixture({
    documents: [documentFixture({ size: MB })],
    documentLimits: { maxDocuments: 2, maxTotalBytes: 3 * MB, maxFileBytes: 2 * MB },
  });
  const upload = vi.spyOn(store, 'upload');
  const choose = async (file: File) => {
    const input = wrapper.get('input[type="file"]');
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true });
    await input.trigger('change');
    await flushPromises();
  };
  return { wrapper, upload, choose };
}

const fileOf = (name: string, bytes: number) =>
  new File([new Uint8Array(bytes)], name, { type: 'application/pdf' });

describe('DocumentSlot', () => {
  it('refuses a file over the caps in words, without sending it', async () => {
    const { wrapper, upload, choose } = mountSlot();
    await choose(fileOf('statement.pdf', 2.5 * MB));
    expect(upload).not.toHaveBeenCalled();
    const alert = wrapper.get('[role="alert"]');
    expect(alert.text()).toBe(
      'statement.pdf is 2.5 MB; the largest file accepted is 2 MB. Upload a smaller scan.',
    );
    expect(wrapper.get('input[type="file"]').attributes('aria-invalid')).toBe('true');
  });

  it('shows the server’s refusal when a cap was reached elsewhere meanwhile', async () => {
    const { wrapper, upload, choose } = mountSlot();
    upload.mockRejectedValue(
      new ApiError({
        status: 422,
        code: 'RULE_VIOLATION',
        message:
          'Your application already has 2 documents; at most 2 are allowed. Remove a document to add another',
      }),
    );
    await choose(fileOf('bill.pdf', MB / 2));
    expect(upload).toHaveBeenCalledOnce();
    expect(wrapper.get('[role="alert"]').text()).toBe(
      'Your application already has 2 documents; at most 2 are allowed. Remove a document to add another',
    );
  });
});
