import { COUNTRY_CODES } from '../investor/countries';
/**
 * The rule library as the issuer picks it: each template with a short label, what it is for,
 * and its parameters as form fields. The plain-language wording of the applied rules comes from
 * the server (/compliance/preview), so the portal never drifts from what is compiled.
 */
export type TemplateName =
  | 'reg-d-506c'
  | 'reg-s'
  | 'reg-cf'
  | 'lockup'
  | 'max-holders'
  | 'max-ownership'
  | 'country-cap'
  | 'country-allow'
  | 'country-block'
  | 'exclude-affiliates';

export interface ParamField {
  key: string;
  label: string;
  kind: 'integer' | 'percentage' | 'country' | 'countries';
  required: boolean;
  hint?: string;
}

export interface TemplateInfo {
  name: TemplateName;
  label: string;
  description: string;
  params: ParamField[];
}

export const TEMPLATES: readonly TemplateInfo[] = [
  {
    name: 'reg-d-506c',
    label: 'Reg D 506(c)',
    description: 'US buyers: KYC, verified accredited, not blocked.',
    params: [],
  },
  {
    name: 'reg-s',
    label: 'Reg S',
    description: 'Non-US buyers only, optional distribution-compliance period.',
    params: [
      {
        key: 'distributionCompliancePeriodDays',
        label: 'Distribution-compliance period (days)',
        kind: 'integer',
        required: false,
        hint: 'Leave empty for none; 40 days for equity of reporting issuers.',
      },
    ],
  },
  {
    name: 'reg-cf',
    label: 'Reg CF',
    description: 'KYC; 12-month investment limits enforced at subscription.',
    params: [],
  },
  {
    name: 'lockup',
    label: 'Rule 144 / lock-up',
    description: 'Holders may not sell what they acquire for a holding period after each acquisition.',
    params: [
      { key: 'holdingPeriodDays', label: 'Holding period (days)', kind: 'integer', required: true },
      {
        key: 'affiliateVolumePercent',
        label: 'Affiliates: most % of the supply sold per 3 months',
        kind: 'percentage',
        required: false,
        hint: 'Leave empty for none; Rule 144(e) allows 1% of the outstanding supply.',
      },
    ],
  },
  {
    name: 'max-holders',
    label: 'Maximum holders',
    description: 'Caps the number of holders (e.g. 99 or 2,000).',
    params: [{ key: 'count', label: 'Maximum number of holders', kind: 'integer', required: true }],
  },
  {
    name: 'max-ownership',
    label: 'Maximum ownership',
    description: 'No holder may own more than a percentage of the supply.',
    params: [{ key: 'percentage', label: 'Maximum % per holder', kind: 'percentage', required: true }],
  },
  {
    name: 'country-cap',
    label: 'Holders per country',
    description: 'Caps the holders resident in one country.',
    params: [
      { key: 'country', label: 'Country', kind: 'country', required: true },
      { key: 'maxHolders', label: 'Maximum holders there', kind: 'integer', required: true },
    ],
  },
  {
    name: 'country-allow',
    label: 'Allowed countries',
    description: 'Only residents of these countries may buy.',
    params: [
      {
        key: 'countries',
        label: 'Countries',
        kind: 'countries',
        required: true,
      },
    ],
  },
  {
    name: 'country-block',
    label: 'Blocked countries',
    description: 'Residents of these countries may not buy.',
    params: [
      {
        key: 'countries',
        label: 'Countries',
        kind: 'countries',
        required: true,
      },
    ],
  },
  {
    name: 'exclude-affiliates',
    label: 'Exclude affiliates',
    description: 'Affiliates of the issuer may not buy.',
    params: [],
  },
];

export function templateInfo(name: string): TemplateInfo | undefined {
  return TEMPLATES.find((t) => t.name === name);
}

/** A template being picked: its name and the raw text of each parameter field. */
export interface RuleDraft {
  name: TemplateName;
  values: Record<string, string>;
}

export type RuleTemplateBody = { template: TemplateName } & Record<string, string | number | string[]>;

export interface BuiltRules {
  templates: RuleTemplateBody[];
  /** Problems by `${index}/${paramKey}`, for the message next to each field. */
  problems: Record<string, string>;
}

function parseParam(
  field: ParamField,
  raw: string,
): { value?: string | number | string[]; problem?: string } {
  const text = raw.trim();
  if (text === '') return field.required ? { problem: 'required' } : {};
  switch (field.kind) {
    case 'integer':
      return /^\d{1,7}$/.test(text) && Number(text) >= (field.key === 'maxHolders' ? 0 : 1)
        ? { value: Number(text) }
        : { problem: 'must be a whole number above 0' };
    case 'percentage':
      return /^(100(\.0{1,4})?|\d{1,2}(\.\d{1,4})?)$/.test(text)
        ? { value: text }
        : { problem: 'must be a percentage between 0 and 100' };
    case 'country':
      return COUNTRY_CODES.includes(text.toUpperCase())
        ? { value: text.toUpperCase() }
        : { problem: 'Pick a country from the list.' };
    case 'countries': {
      const codes = text
        .split(/[\s,;]+/)
        .filter(Boolean)
        .map((c) => c.toUpperCase());
      if (codes.length > 20) return { problem: 'Pick at most 20 countries.' };
      return codes.length > 0 && codes.every((c) => COUNTRY_CODES.includes(c))
        ? { value: codes }
        : { problem: 'Pick one or more countries from the list.' };
    }
  }
}

/** Turns the picked templates into the API body, with a problem per field that cannot be sent. */
export function buildRules(drafts: readonly RuleDraft[]): BuiltRules {
  const problems: Record<string, string> = {};
  const templates = drafts.map((draft, index) => {
    const body: RuleTemplateBody = { template: draft.name };
    for (const field of templateInfo(draft.name)?.params ?? []) {
      const parsed = parseParam(field, draft.values[field.key] ?? '');
      if (parsed.problem) problems[`${index}/${field.key}`] = parsed.problem;
      else if (parsed.value !== undefined) body[field.key] = parsed.value;
    }
    return body;
  });
  return { templates, problems };
}

/** A draft back from an applied template, to edit the rules of a live asset. */
export function draftFrom(template: unknown): RuleDraft | null {
  if (typeof template !== 'object' || template === null) return null;
  const t = template as Record<string, unknown>;
  const info = typeof t.template === 'string' ? templateInfo(t.template) : undefined;
  if (!info) return null;
  const values: Record<string, string> = {};
  for (const field of info.params) {
    const v = t[field.key];
    if (Array.isArray(v)) values[field.key] = v.join(', ');
    else if (v !== undefined && v !== null) values[field.key] = String(v);
  }
  return { name: info.name, values };
}

/** One line per parameter, for diffs: `count: 99`. */
export function describeParams(template: unknown): string {
  if (typeof template !== 'object' || template === null) return '';
  return Object.entries(template as Record<string, unknown>)
    .filter(([k]) => k !== 'template')
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join('; ');
}

export interface RuleChange {
  kind: 'added' | 'removed' | 'changed';
  label: string;
}

/** A rule change's diff, as the server words it, as one line per change. */
export function historyLines(diff: {
  added: readonly string[];
  removed: readonly string[];
  changed: readonly { from: string; to: string }[];
}): RuleChange[] {
  return [
    ...diff.added.map((label): RuleChange => ({ kind: 'added', label })),
    ...diff.removed.map((label): RuleChange => ({ kind: 'removed', label })),
    ...diff.changed.map((c): RuleChange => ({ kind: 'changed', label: `${c.from} → ${c.to}` })),
  ];
}
