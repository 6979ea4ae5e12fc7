import type { paths } from '../api/schema';
import { formatCount, formatDateTime } from '../lib/format';

export type ChainClock = paths['/dev/clock']['get']['responses'][200]['content']['application/json'];
export type AdvanceRequest = NonNullable<
  paths['/dev/clock/advance']['post']['requestBody']
>['content']['application/json'];
export type AdvanceResult =
  paths['/dev/clock/advance']['post']['responses'][200]['content']['application/json'];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What the form holds: a duration (whole days, hours) or a target (a `datetime-local` value). */
export interface ClockDraft {
  mode: 'by' | 'to';
  days: string;
  hours: string;
  to: string;
}

export const emptyDraft = (): ClockDraft => ({ mode: 'by', days: '', hours: '', to: '' });

/** `31 days`, `1 day 3 hours`, `45 minutes`: a span for reading, to the minute. */
export function formatSpan(ms: number): string {
  const minutes = Math.round(Math.max(0, ms) / MINUTE);
  const d = Math.floor(minutes / (24 * 60));
  const h = Math.floor((minutes % (24 * 60)) / 60);
  const m = minutes % 60;
  const part = (n: number, one: string) => (n === 0 ? '' : `${formatCount(n)} ${one}${n === 1 ? '' : 's'}`);
  return (
    [part(d, 'day'), part(h, 'hour'), d === 0 ? part(m, 'minute') : ''].filter(Boolean).join(' ') ||
    '0 minutes'
  );
}

const WHOLE = /^\d{1,6}$/;

/** A request the server can take, or the problem with the draft, judged against the chain's time. */
export function planAdvance(
  draft: ClockDraft,
  clock: Pick<ChainClock, 'time' | 'maxDays'>,
): { body: AdvanceRequest; target: number } | { problem: string; field: 'days' | 'hours' | 'to' } {
  const now = Date.parse(clock.time);
  const limit = clock.maxDays * DAY;
  if (draft.mode === 'by') {
    for (const field of ['days', 'hours'] as const) {
      const v = draft[field].trim();
      if (v !== '' && !WHOLE.test(v)) return { field, problem: 'Enter a whole number (0 or more).' };
    }
    const days = Number(draft.days.trim() || '0');
    const hours = Number(draft.hours.trim() || '0');
    const ms = days * DAY + hours * HOUR;
    if (ms <= 0) return { field: 'days', problem: 'Enter how many days or hours to move forward.' };
    if (ms > limit)
      return { field: 'days', problem: `One move can be at most ${formatCount(clock.maxDays)} days.` };
    const by: { days?: number; hours?: number } = {};
    if (days) by.days = days;
    if (hours) by.hours = hours;
    return { body: { by }, target: now + ms };
  }
  // A `datetime-local` value is in the reader's own time zone.
  const target = draft.to ? new Date(draft.to).getTime() : Number.NaN;
  if (Number.isNaN(target)) return { field: 'to', problem: 'Choose the date and time to move to.' };
  if (target <= now)
    return {
      field: 'to',
      problem: `Choose a time after the chain's time now (${formatDateTime(clock.time)}): the clock never goes back.`,
    };
  if (target - now > limit)
    return { field: 'to', problem: `One move can be at most ${formatCount(clock.maxDays)} days.` };
  return { body: { to: new Date(target).toISOString() }, target };
}

/** The confirmation's one sentence: how far, to when, what passes, and that it is final. */
export function advanceImpact(now: string, target: number): string {
  return (
    `Moves the chain clock forward ${formatSpan(target - Date.parse(now))}, to ${formatDateTime(new Date(target))}; ` +
    'lock-ups, claim expiries and offering windows will pass. This cannot be undone.'
  );
}

/** What the move did, for the notice after it. */
export function advanceOutcome(r: AdvanceResult): string {
  const span = formatSpan(Date.parse(r.to) - Date.parse(r.from));
  const parts = [`The chain clock moved forward ${span}, to ${formatDateTime(r.to)}.`];
  const counted = (n: number, one: string, many: string) => `${formatCount(n)} ${n === 1 ? one : many}`;
  if (r.claims) {
    if (r.claims.expired > 0) parts.push(`${counted(r.claims.expired, 'claim', 'claims')} expired.`);
    if (r.claims.lapsedIdentities > 0)
      parts.push(
        `${counted(r.claims.lapsedIdentities, 'investor is', 'investors are')} no longer in good standing.`,
      );
    if (r.claims.notified > 0)
      parts.push(
        `${counted(r.claims.notified, 'investor was', 'investors were')} told a claim expires soon.`,
      );
  } else parts.push('Claim expiries are checked again at the next scheduled scan.');
  if (r.offeringsClosed === null) parts.push('Ended offerings close at the next check.');
  else if (r.offeringsClosed > 0)
    parts.push(
      `${counted(r.offeringsClosed, 'offering', 'offerings')} past ${r.offeringsClosed === 1 ? 'its' : 'their'} end ${r.offeringsClosed === 1 ? 'is' : 'are'} closing.`,
    );
  if (r.blocksProduced > 0)
    parts.push(
      `${counted(r.blocksProduced, 'block was', 'blocks were')} produced for scheduled settlements.`,
    );
  return parts.join(' ');
}

/** How far the chain runs ahead of this computer's clock, when it does (by more than a minute). */
export function aheadOfWallClock(chainTime: string, wallNow = Date.now()): string | null {
  const ahead = Date.parse(chainTime) - wallNow;
  return ahead > MINUTE ? `${formatSpan(ahead)} ahead of real time` : null;
}

/** A time as a `datetime-local` input holds it: the reader's time zone, to the minute. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
