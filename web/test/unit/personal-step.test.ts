import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../../src/api/client';
import { apiClientKey } from '../../src/api/useApi';
import PersonalStep from '../../src/investor/PersonalStep.vue';
import { jsonResponse } from './fixtures';
import { applicationFixture } from './onboarding-fixtures';

function mountStep(fetch: (req: Request) => Promise<Response>) {
  return mount(PersonalStep, {
    global: {
      plugins: [createPinia()],
      provide: { [apiClientKey]: createApiClient({ baseUrl: 'http://stoa.test', fetch }) },
    },
  });
}

function field(wrapper: ReturnType<typeof mountStep>, label: string) {
  const id = wrapper
    .findAll('label')
    .find((l) => l.text() === label)!
    .attributes('for')!;
  return wrapper.get(`#${id}`);
}

describe('PersonalStep', () => {
  it('puts each of the server’s field messages next to its input', async () => {
    const fetch = vi.fn(async (_req: Request) =>
      jsonResponse(
        {
          statusCode: 400,
          code: 'VALIDATION_FAILED',
          message: 'Invalid body: /body/individual/dateOfBirth must be a full date: day, month and year',
          details: {
            fields: [
              {
                field: '/body/individual/dateOfBirth',
                message: 'must be a full date: day, month and year',
              },
              { field: '/body/residenceCountry', message: 'must be a country from the list' },
            ],
          },
        },
        400,
      ),
    );
    const wrapper = mountStep(fetch);
    await wrapper.get('form').trigger('submit');
    await flushPromises();

    const request = fetch.mock.calls[0]![0];
    expect(request.method).toBe('POST');
    expect(request.url).toBe('http://stoa.test/onboarding/applications');

    const dob = field(wrapper, 'Date of birth');
    expect(dob.attributes('aria-invalid')).toBe('true');
    expect(wrapper.get(`#${dob.attributes('aria-describedby')}`).text()).toBe(
      'Date of birth must be a full date: day, month and year.',
    );
    const residence = field(wrapper, 'Country of residence');
    expect(residence.attributes('aria-describedby')).toContain('-error');
    expect(field(wrapper, 'First name').attributes('aria-invalid')).toBeUndefined();
    expect(wrapper.text()).toContain('Some fields need attention');
    expect(wrapper.emitted('saved')).toBeUndefined();
  });

  it('creates the draft and moves on when the server accepts it', async () => {
    const fetch = vi.fn(async (_req: Request) => jsonResponse(applicationFixture(), 201));
    const wrapper = mountStep(fetch);
    await field(wrapper, 'First name').setValue('Alice');
    await wrapper.get('form').trigger('submit');
    await flushPromises();

    const body = await fetch.mock.calls[0]![0].json();
    expect(body).toMatchObject({ kind: 'individual', individual: { firstName: 'Alice' } });
    expect(wrapper.emitted('saved')).toHaveLength(1);
  });
});
