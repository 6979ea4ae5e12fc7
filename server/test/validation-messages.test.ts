import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fieldProblems } from '../src/plugins/validation-messages.js';
import { auth, createTestEnv, type TestEnv } from './helpers.js';
import { individual, registerInvestor } from './onboarding-helpers.js';

/** Schema refusals name the field and say what it must be, in words a person can act on. */
describe('validation messages', () => {
  let env: TestEnv;
  let app: FastifyInstance;
  let investor: Record<string, string>;

  beforeAll(async () => {
    env = await createTestEnv();
    app = await env.app();
    investor = (await registerInvestor(app, 'words@investor.example')).headers;
  });
  afterAll(async () => env.close());

  const apply = (payload: object) =>
    app.inject({ method: 'POST', url: '/onboarding/applications', headers: investor, payload });

  it('refuses a country the chain does not know (XX) in words, and a well-formed known one passes', async () => {
    const res = await apply(individual('Words', 'XX'));
    expect(res.statusCode).toBe(400);
    const fields = res.json().details.fields as { field: string; message: string }[];
    expect(fields).toContainEqual({
      field: '/body/residenceCountry',
      message: 'must be a country from the list',
    });
    expect(fields.map((f) => f.field)).toEqual(
      expect.arrayContaining(['/body/citizenshipCountry', '/body/individual/address/country']),
    );
    expect(res.body).not.toMatch(/pattern|\^\[A-Z\]/);
    expect((await apply(individual('Words', 'DE'))).statusCode).toBe(201);
  });

  it('says a lower-case or malformed code must be picked from the list, without the pattern', async () => {
    const res = await apply(individual('Words', 'germany'));
    expect(res.statusCode).toBe(400);
    const messages = (res.json().details.fields as { message: string }[]).map((f) => f.message);
    expect(messages).toContain('must be a country from the list (a two-letter code such as US or DE)');
    expect(res.json().message).not.toMatch(/must match/);
  });

  it('a missing field is "required", a bad date and a bad choice say what they must be', async () => {
    const body = individual('Words', 'US');
    const res = await apply({
      ...body,
      investorType: 'rich',
      individual: { ...body.individual, lastName: undefined, dateOfBirth: '3 Feb 1980' },
    });
    expect(res.statusCode).toBe(400);
    const fields = res.json().details.fields as { field: string; message: string }[];
    expect(fields).toContainEqual({ field: '/body/individual/lastName', message: 'is required' });
    expect(fields).toContainEqual({
      field: '/body/individual/dateOfBirth',
      message: 'must be a full date: day, month and year',
    });
    // One sentence for the union of choices, not one "must be equal to constant" per choice.
    const type = fields.filter((f) => f.field === '/body/investorType');
    expect(type).toEqual([
      {
        field: '/body/investorType',
        message:
          'must be one of "retail", "accredited", "qualified-purchaser", "institutional", "professional"',
      },
    ]);
    expect(res.body).not.toMatch(/must have required property|must match format|equal to constant/);
  });

  it('an unknown property is named as one to remove', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/issuers',
      headers: auth,
      payload: { name: 'Acme', colour: 'blue' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.fields).toContainEqual({
      field: '/body/colour',
      message: 'is not a field this request takes; remove it',
    });
  });

  it('turns each Ajv keyword into words (unit)', () => {
    expect(
      fieldProblems('body', [
        { keyword: 'maxLength', instancePath: '/name', params: { limit: 100 } },
        { keyword: 'type', instancePath: '/count', params: { type: 'integer' } },
        { keyword: 'minimum', instancePath: '/count', params: { limit: 1 } },
        { keyword: 'pattern', instancePath: '/code', params: {}, parentSchema: { pattern: '^x$' } },
        { keyword: 'x-positive', instancePath: '/amount', message: 'must be more than 0' },
      ]),
    ).toEqual([
      { field: '/body/name', message: 'must be at most 100 characters' },
      { field: '/body/count', message: 'must be a whole number' },
      { field: '/body/count', message: 'must be at least 1' },
      { field: '/body/code', message: 'is not in the form this field needs' },
      { field: '/body/amount', message: 'must be more than 0' },
    ]);
  });
});
