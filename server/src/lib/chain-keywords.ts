import { isChainCountry, textTooLong } from '@stoa/chain';

/**
 * JSON Schema keywords for what the chain refuses and plain JSON Schema cannot say, so route
 * schemas state the chain's rules and a violation is an ordinary 400 naming the field:
 * - `x-maxBytes`: a text's UTF-8 length (the chain stores bytes; `maxLength` counts characters);
 * - `x-positive`: a decimal amount string above zero;
 * - `x-country`: a country code on the chain's CountryCode list (what a jurisdiction claim can name);
 * - `x-hint`: no check, the words a person reads when the value is not in the form its field
 *   needs (plugins/validation-messages.ts).
 * All are OpenAPI extensions, so the published document stays valid.
 */
interface KeywordError {
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}
type Check = ((schema: unknown, data: unknown) => boolean) & { errors?: KeywordError[] };
interface AjvLike {
  addKeyword(
    def:
      | {
          keyword: string;
          type: 'string';
          schemaType: 'number' | 'boolean';
          errors: true;
          validate: Check;
        }
      | { keyword: string; schemaType: 'string' },
  ): unknown;
}

/** Ajv reads a keyword's errors from the validate function itself, after each call. */
function check(problem: (schema: unknown, data: string) => KeywordError | null): Check {
  const validate: Check = (schema, data) => {
    const found = typeof data === 'string' ? problem(schema, data) : null;
    validate.errors = found ? [found] : [];
    return found === null;
  };
  return validate;
}

const maxBytes = check((max, text) => {
  const message = textTooLong(text, Number(max));
  return message ? { keyword: 'x-maxBytes', message, params: { limit: max } } : null;
});

const positive = check((wanted, amount) =>
  wanted === true && !/[1-9]/.test(amount)
    ? { keyword: 'x-positive', message: 'must be more than 0', params: {} }
    : null,
);

const country = check((wanted, code) =>
  wanted === true && !isChainCountry(code)
    ? { keyword: 'x-country', message: 'must be a country from the list', params: { code } }
    : null,
);

export function chainKeywords<A extends AjvLike>(ajv: A): A {
  ajv.addKeyword({
    keyword: 'x-maxBytes',
    type: 'string',
    schemaType: 'number',
    errors: true,
    validate: maxBytes,
  });
  ajv.addKeyword({
    keyword: 'x-positive',
    type: 'string',
    schemaType: 'boolean',
    errors: true,
    validate: positive,
  });
  ajv.addKeyword({
    keyword: 'x-country',
    type: 'string',
    schemaType: 'boolean',
    errors: true,
    validate: country,
  });
  ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
  return ajv;
}
