import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../../src/api/client';
import { apiClientKey } from '../../src/api/useApi';
import ChainClockView from '../../src/devclock/ChainClockView.vue';
import {
  advanceImpact,
  advanceOutcome,
  aheadOfWallClock,
  emptyDraft,
  formatSpan,
  planAdvance,
  toLocalInput,
  type ChainClock,
} from '../../src/devclock/clock';
import { formatDateTime } from '../../src/lib/format';
import { jsonResponse } from './fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = '2027-03-01T12:00:00.000Z';
const clock = (over: Partial<ChainClock> = {}): ChainClock => ({
  time: NOW,
  blockHeight: 1234,
  adapter: 'embedded',
  movable: true,
  refusal: null,
  maxDays: 3650,
  ...over,
});

describe('chain clock logic', () => {
  it('reads spans in days, hours and minutes', () => {
    expect(formatSpan(30 * DAY)).toBe('30 days');
    expect(formatSpan(DAY + 3 * HOUR)).toBe('1 day 3 hours');
    expect(formatSpan(45 * 60_000)).toBe('45 minutes');
    expect(formatSpan(HOUR + 60_000)).toBe('1 hour 1 minute');
    expect(formatSpan(0)).toBe('0 minutes');
  });

  it('turns a duration into a request, refusing what is not a forward move', () => {
    const by = (days: string, hours = '') => planAdvance({ ...emptyDraft(), days, hours }, clock());
    expect(by('30')).toEqual({ body: { by: { days: 30 } }, target: Date.parse(NOW) + 30 * DAY });
    expect(by('1', '6')).toEqual({
      body: { by: { days: 1, hours: 6 } },
      target: Date.parse(NOW) + 30 * HOUR,
    });
    expect(by('', '5')).toMatchObject({ body: { by: { hours: 5 } } });
    expect(by('')).toEqual({ field: 'days', problem: 'Enter how many days or hours to move forward.' });
    expect(by('0', '0')).toMatchObject({ field: 'days' });
    expect(by('-3')).toEqual({ field: 'days', problem: 'Enter a whole number (0 or more).' });
    expect(by('1.5')).toMatchObject({ field: 'days' });
    expect(by('2', 'x')).toMatchObject({ field: 'hours' });
    expect(by('3651')).toEqual({ field: 'days', problem: 'One move can be at most 3,650 days.' });
  });

  it('turns a target time into a request only when it is after the chain’s time', () => {
    const to = (ms: number) => planAdvance({ ...emptyDraft(), mode: 'to', to: toLocalInput(ms) }, clock());
    const now = Date.parse(NOW);
    expect(to(now + 7 * DAY)).toEqual({
      body: { to: new Date(now + 7 * DAY).toISOString() },
      target: now + 7 * DAY,
    });
    expect(to(now - DAY)).toEqual({
      field: 'to',
      problem: `Choose a time after the chain's time now (${formatDateTime(NOW)}): the clock never goes back.`,
    });
    expect(to(now)).toMatchObject({ field: 'to', problem: expect.stringMatching(/never goes back/) });
    expect(to(now + 3651 * DAY)).toMatchObject({ field: 'to', problem: expect.stringMatching(/at most/) });
    expect(planAdvance({ ...emptyDraft(), mode: 'to' }, clock())).toEqual({
      field: 'to',
      problem: 'Choose the date and time to move to.',
    });
  });

  it('says what the move will do and what it did', () => {
    expect(advanceImpact(NOW, Date.parse(NOW) + 30 * DAY)).toBe(
      `Moves the chain clock forward 30 days, to ${formatDateTime(new Date(Date.parse(NOW) + 30 * DAY))}; ` +
        'lock-ups, claim expiries and offering windows will pass. This cannot be undone.',
    );
    const to = new Date(Date.parse(NOW) + 31 * DAY).toISOString();
    const base = { from: NOW, to, blockHeight: 9, blocksProduced: 0 };
    expect(
      advanceOutcome({
        ...base,
        claims: { expired: 3, notified: 1, lapsedIdentities: 2 },
        offeringsClosed: 1,
      }),
    ).toBe(
      `The chain clock moved forward 31 days, to ${formatDateTime(to)}. 3 claims expired. ` +
        '2 investors are no longer in good standing. 1 investor was told a claim expires soon. ' +
        '1 offering past its end is closing.',
    );
    expect(advanceOutcome({ ...base, claims: null, offeringsClosed: null, blocksProduced: 40 })).toBe(
      `The chain clock moved forward 31 days, to ${formatDateTime(to)}. ` +
        'Claim expiries are checked again at the next scheduled scan. Ended offerings close at the next check. ' +
        '40 blocks were produced for scheduled settlements.',
    );
  });

  it('tells how far the chain runs ahead of real time', () => {
    const wall = Date.parse(NOW) - 31 * DAY;
    expect(aheadOfWallClock(NOW, wall)).toBe('31 days ahead of real time');
    expect(aheadOfWallClock(NOW, Date.parse(NOW) - 5_000)).toBeNull();
  });
});

function mountClock(fetch: (req: Request) => Promise<Response>) {
  return mount(ChainClockView, {
    global: { provide: { [apiClientKey]: createApiClient({ baseUrl: 'http://stoa.test', fetch }) } },
  });
}

describe('ChainClockView', () => {
  it("shows the chain's time and checks the duration before asking to confirm", async () => {
    const fetch = vi.fn(async (_req: Request) => jsonResponse(clock()));
    const wrapper = mountClock(fetch);
    await flushPromises();
    expect(fetch.mock.calls[0]?.[0].url).toBe('http://stoa.test/dev/clock');
    expect(wrapper.get('[data-test="chain-time"]').text()).toBe(formatDateTime(NOW));
    expect(wrapper.text()).toContain('Block 1,234');
    await wrapper.get('[data-test="clock-form"]').trigger('submit');
    expect(wrapper.text()).toContain('Enter how many days or hours to move forward.');
    // Nothing is sent for a draft that names no move.
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('explains why the clock cannot move on a node or in production, with no control', async () => {
    const refusal =
      'This server runs on a Polymesh node (POLYMESH_NODE_URL is set): the chain keeps its own time.';
    const wrapper = mountClock(async () =>
      jsonResponse(clock({ adapter: 'polymesh', movable: false, refusal })),
    );
    await flushPromises();
    expect(wrapper.get('[data-test="clock-refusal"]').text()).toContain(refusal);
    expect(wrapper.find('[data-test="clock-form"]').exists()).toBe(false);
    expect(wrapper.text()).toContain('Polymesh node');
  });
});
