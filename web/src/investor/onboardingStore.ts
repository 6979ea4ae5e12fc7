import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError, request } from '../api/client';
import type { UploadProgress } from '../api/upload';
import { uploadFile } from '../api/upload';
import { useApi } from '../api/useApi';
import type {
  Application,
  ApplicationInput,
  DocumentType,
  OnboardingDocument,
  OnboardingForm,
} from './onboarding';
import { emptyForm, fromApplication } from './onboarding';
import type { SandboxScenario } from './useKycConfig';

/** The investor's current application: the wizard edits it, the status page reads it. */
export const useOnboardingStore = defineStore('onboarding', () => {
  const api = useApi();
  const application = ref<Application | null>(null);
  const loaded = ref(false);
  const error = ref<ApiError | null>(null);
  /** The wizard's inputs, filled from the saved application when there is one. */
  const form = ref<OnboardingForm>(emptyForm());

  /** The newest application (an investor has at most one open at a time). */
  async function load(): Promise<Application | null> {
    try {
      const list = await request(
        api.GET('/onboarding/applications', { params: { query: { limit: 1, offset: 0 } } }),
      );
      application.value = list.items[0] ?? null;
      form.value = application.value ? fromApplication(application.value) : emptyForm();
      error.value = null;
    } catch (cause) {
      if (!(cause instanceof ApiError)) throw cause;
      error.value = cause;
    } finally {
      loaded.value = true;
    }
    return application.value;
  }

  async function save(input: ApplicationInput): Promise<Application> {
    const current = application.value;
    application.value = current
      ? await request(
          api.PUT('/onboarding/applications/{id}', { params: { path: { id: current.id } }, body: input }),
        )
      : await request(api.POST('/onboarding/applications', { body: input }));
    return application.value;
  }

  function requireApplication(): Application {
    if (!application.value) throw new Error('Save the personal data first');
    return application.value;
  }

  async function upload(
    type: DocumentType,
    file: File,
    onProgress?: (p: UploadProgress) => void,
  ): Promise<OnboardingDocument> {
    const app = requireApplication();
    const doc = await uploadFile<OnboardingDocument>(
      `/onboarding/applications/${encodeURIComponent(app.id)}/documents?type=${encodeURIComponent(type)}`,
      file,
      file.name,
      { onProgress },
    );
    if (application.value?.id === app.id)
      application.value = { ...application.value, documents: [...application.value.documents, doc] };
    return doc;
  }

  async function remove(documentId: string): Promise<void> {
    const app = requireApplication();
    await request(
      api.DELETE('/onboarding/applications/{id}/documents/{documentId}', {
        params: { path: { id: app.id, documentId } },
      }),
    );
    if (application.value?.id === app.id)
      application.value = {
        ...application.value,
        documents: application.value.documents.filter((d) => d.id !== documentId),
      };
  }

  /** Submits; in sandbox mode, `sandboxScenario` is the verdict the sandbox vendor will send. */
  async function submit(sandboxScenario?: SandboxScenario): Promise<Application> {
    const app = requireApplication();
    application.value = await request(
      api.POST('/onboarding/applications/{id}/submit', {
        params: { path: { id: app.id }, query: sandboxScenario ? { sandboxScenario } : {} },
      }),
    );
    return application.value;
  }

  return { application, form, loaded, error, load, save, upload, remove, submit };
});
