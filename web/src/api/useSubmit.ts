import { computed, ref } from 'vue';
import { ApiError, toApiError } from './client';
import { fieldSentence } from './fieldMessages';

/**
 * State of a form that talks to the API: busy flag, the error message, and the server's
 * per-field messages keyed by JSON pointer (`/body/email`), so each shows next to its input.
 */
export function useSubmit(options: { fields?: readonly string[] } = {}) {
  const shown = new Set(options.fields ?? []);
  const busy = ref(false);
  const error = ref<ApiError | null>(null);
  const fieldErrors = computed(() => error.value?.fieldErrors ?? {});

  async function run<T>(action: () => Promise<T>): Promise<T | undefined> {
    if (busy.value) return undefined;
    busy.value = true;
    error.value = null;
    try {
      return await action();
    } catch (cause) {
      error.value = cause instanceof ApiError ? cause : toApiError(undefined, 0);
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  /** The message for one field, if the server named it, as a sentence naming the field. */
  const fieldError = (pointer: string): string | undefined => {
    const message = fieldErrors.value[pointer];
    return message === undefined ? undefined : fieldSentence(pointer, message);
  };

  /**
   * The error to show at the top of the form: a pointer to the fields when every problem is shown
   * next to its input (`options.fields`), the server's whole message otherwise.
   */
  const formError = computed(() => {
    const e = error.value;
    if (!e) return null;
    const allShown = e.details.length > 0 && e.details.every((d) => shown.has(d.field));
    if (allShown) return 'Some fields need attention; see the messages next to them.';
    // The server's summary is written for API clients (it names fields by pointer).
    if (e.code === 'VALIDATION_FAILED' && e.details.length > 0)
      return e.details.map((d) => fieldSentence(d.field, d.message)).join(' ');
    return e.message;
  });

  return { busy, error, fieldErrors, fieldError, formError, run };
}
