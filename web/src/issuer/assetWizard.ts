import {
  ASSET_NAME_MAX_BYTES,
  DOCUMENT_NAME_MAX_BYTES,
  DOCUMENT_TYPE_MAX_BYTES,
  DOCUMENT_URI_MAX_BYTES,
  FUNDING_ROUND_MAX_BYTES,
} from '@stoa/chain/limits';
import { tickerProblem, tooLong } from './chainRules';
import type { IdentifierType } from './identifiers';
import { identifierState, normaliseIdentifier } from './identifiers';
import type { RuleDraft, RuleTemplateBody } from './rules';
import { buildRules } from './rules';

export const ASSET_TYPES = [
  { value: 'EquityCommon', label: 'Common equity' },
  { value: 'EquityPreferred', label: 'Preferred equity' },
  { value: 'FixedIncome', label: 'Fixed income (debt)' },
  { value: 'Fund', label: 'Fund units' },
  { value: 'REIT', label: 'Real estate (REIT)' },
  { value: 'RevenueShareAgreement', label: 'Revenue share agreement' },
  { value: 'StructuredProduct', label: 'Structured product' },
  { value: 'Commodity', label: 'Commodity' },
  { value: 'Derivative', label: 'Derivative' },
  { value: 'StableCoin', label: 'Stablecoin (payment asset)' },
] as const;

export type AssetType = (typeof ASSET_TYPES)[number]['value'];

export const WIZARD_STEPS = [
  { key: 'basics', label: 'Basics' },
  { key: 'identifiers', label: 'Identifiers' },
  { key: 'documents', label: 'Documents' },
  { key: 'rules', label: 'Rules' },
  { key: 'review', label: 'Review' },
] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number]['key'];

export interface DocumentDraft {
  name: string;
  uri: string;
  contentHash: string;
  type: string;
}

export interface AssetDraft {
  name: string;
  ticker: string;
  assetType: AssetType | '';
  divisible: boolean;
  fundingRound: string;
  identifiers: { type: IdentifierType; value: string }[];
  documents: DocumentDraft[];
  rules: RuleDraft[];
}

export function emptyDraft(): AssetDraft {
  return {
    name: '',
    ticker: '',
    assetType: '',
    divisible: false,
    fundingRound: '',
    identifiers: [],
    documents: [],
    rules: [],
  };
}

/** Problems keyed like the server's JSON pointers (`/body/name`), so both show in the same place. */
export function stepProblems(step: WizardStep, draft: AssetDraft): Record<string, string> {
  const p: Record<string, string> = {};
  const put = (key: string, problem: string | null) => {
    if (problem) p[key] = problem;
  };
  if (step === 'basics') {
    const name = draft.name.trim();
    put('/body/name', name ? tooLong(name, ASSET_NAME_MAX_BYTES) : 'Give the asset a name');
    if (draft.ticker) put('/body/ticker', tickerProblem(draft.ticker));
    if (!draft.assetType) p['/body/assetType'] = 'Choose the type of security';
    put('/body/fundingRound', tooLong(draft.fundingRound.trim(), FUNDING_ROUND_MAX_BYTES));
  }
  if (step === 'identifiers') {
    draft.identifiers.forEach((id, i) => {
      const s = identifierState(id.type, id.value);
      if (s.state === 'empty') p[`/body/identifiers/${i}/value`] = 'Enter the code or remove the row';
      else if (s.state !== 'valid') p[`/body/identifiers/${i}/value`] = s.message;
    });
  }
  if (step === 'documents') {
    draft.documents.forEach((d, i) => {
      const at = `/body/documents/${i}`;
      const [name, uri] = [d.name.trim(), d.uri.trim()];
      put(`${at}/name`, name ? tooLong(name, DOCUMENT_NAME_MAX_BYTES) : 'Name the document');
      put(`${at}/uri`, uri ? tooLong(uri, DOCUMENT_URI_MAX_BYTES) : 'Where the document is published (URL)');
      put(`${at}/type`, tooLong(d.type.trim(), DOCUMENT_TYPE_MAX_BYTES));
      if (!/^0x[0-9a-f]{64}$/.test(d.contentHash))
        p[`/body/documents/${i}/contentHash`] = 'Choose the file to hash';
    });
  }
  if (step === 'rules') {
    for (const [key, message] of Object.entries(buildRules(draft.rules).problems))
      p[`/rules/${key}`] = message;
  }
  return p;
}

/** The step that owns a server field error, so the wizard can send the issuer back to it. */
export function stepOfField(pointer: string): WizardStep {
  if (pointer.startsWith('/body/identifiers')) return 'identifiers';
  if (pointer.startsWith('/body/documents')) return 'documents';
  if (pointer.startsWith('/body/templates')) return 'rules';
  return 'basics';
}

export interface CreateAssetBody {
  name: string;
  ticker?: string;
  assetType: AssetType;
  divisible: boolean;
  fundingRound?: string;
  identifiers?: { type: IdentifierType; value: string }[];
  documents?: { name: string; uri: string; contentHash: string; type?: string }[];
}

export function assetBody(draft: AssetDraft): CreateAssetBody {
  if (!draft.assetType) throw new Error('asset type missing');
  return {
    name: draft.name.trim(),
    ...(draft.ticker ? { ticker: draft.ticker } : {}),
    assetType: draft.assetType,
    divisible: draft.divisible,
    ...(draft.fundingRound.trim() ? { fundingRound: draft.fundingRound.trim() } : {}),
    ...(draft.identifiers.length
      ? { identifiers: draft.identifiers.map((i) => ({ type: i.type, value: normaliseIdentifier(i.value) })) }
      : {}),
    ...(draft.documents.length
      ? {
          documents: draft.documents.map((d) => ({
            name: d.name.trim(),
            uri: d.uri.trim(),
            contentHash: d.contentHash,
            ...(d.type.trim() ? { type: d.type.trim() } : {}),
          })),
        }
      : {}),
  };
}

export function rulesBody(draft: AssetDraft): RuleTemplateBody[] {
  return buildRules(draft.rules).templates;
}

/** SHA-256 of a file as the 0x-prefixed hex the chain records. */
export async function sha256Hex(data: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return `0x${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
