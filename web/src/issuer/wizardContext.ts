import { inject } from 'vue';
import type { InjectionKey } from 'vue';
import type { AssetDraft } from './assetWizard';

export interface WizardContext {
  draft: AssetDraft;
  /** Local and server messages keyed by JSON pointer. */
  problem(pointer: string): string | undefined;
}

export const wizardKey: InjectionKey<WizardContext> = Symbol('assetWizard');

export function useWizard(): WizardContext {
  const context = inject(wizardKey);
  if (!context) throw new Error('Asset wizard steps must be used inside CreateAssetView');
  return context;
}
