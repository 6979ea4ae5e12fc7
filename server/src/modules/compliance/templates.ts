import Type, { type Static } from 'typebox';

const Country = Type.String({
  pattern: '^[A-Z]{2}$',
  'x-country': true,
  'x-hint': 'must be a country from the list (a two-letter code such as US or DE)',
  description: "ISO 3166-1 alpha-2, e.g. US; one of the chain's CountryCode list",
});

/** The rule library: what a compliance officer picks and parameterises. */
export const RuleTemplate = Type.Union(
  [
    Type.Object(
      { template: Type.Literal('reg-d-506c') },
      { additionalProperties: false, description: 'Reg D 506(c): receiver KYC and accredited, not blocked' },
    ),
    Type.Object(
      {
        template: Type.Literal('reg-s'),
        distributionCompliancePeriodDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
      },
      { additionalProperties: false, description: 'Reg S: receiver KYC and not a US person' },
    ),
    Type.Object(
      { template: Type.Literal('reg-cf') },
      {
        additionalProperties: false,
        description: 'Reg CF: receiver KYC; 12-month limits enforced off chain',
      },
    ),
    Type.Object(
      {
        template: Type.Literal('lockup'),
        holdingPeriodDays: Type.Integer({ minimum: 1, maximum: 3650 }),
        affiliateVolumePercent: Type.Optional(
          Type.String({
            pattern: '^(100(\\.0{1,4})?|\\d{1,2}(\\.\\d{1,4})?)$',
            'x-hint': 'must be a percentage from 0 to 100, like 1 or 0.5',
            description:
              'Rule 144(e): an affiliate may sell at most this percentage of the outstanding supply in any rolling 3 months (enforced off chain)',
          }),
        ),
      },
      {
        additionalProperties: false,
        description:
          'Rule 144 / lock-up: every acquisition is held for the period (asset-scoped SellLockup claims on chain, quantities off chain)',
      },
    ),
    Type.Object(
      { template: Type.Literal('max-holders'), count: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        template: Type.Literal('max-ownership'),
        percentage: Type.String({
          pattern: '^(100(\\.0{1,4})?|\\d{1,2}(\\.\\d{1,4})?)$',
          'x-hint': 'must be a percentage from 0 to 100, like 10 or 2.5',
        }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { template: Type.Literal('country-cap'), country: Country, maxHolders: Type.Integer({ minimum: 0 }) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        template: Type.Literal('country-allow'),
        countries: Type.Array(Country, { minItems: 1, maxItems: 20 }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        template: Type.Literal('country-block'),
        countries: Type.Array(Country, { minItems: 1, maxItems: 20 }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { template: Type.Literal('exclude-affiliates') },
      { additionalProperties: false, description: 'Affiliates of the issuer may not receive' },
    ),
  ],
  { description: 'A rule template with its parameters' },
);
export type RuleTemplate = Static<typeof RuleTemplate>;
export type TemplateName = RuleTemplate['template'];

export const TEMPLATE_NAMES: TemplateName[] = [
  'reg-d-506c',
  'reg-s',
  'reg-cf',
  'lockup',
  'max-holders',
  'max-ownership',
  'country-cap',
  'country-allow',
  'country-block',
  'exclude-affiliates',
];
