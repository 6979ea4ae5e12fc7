import type { TradingWindow } from './entity.js';

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

const minutes = (hhmm: string): number => {
  const m = HHMM.exec(hhmm)!;
  return Number(m[1]) * 60 + Number(m[2]);
};

/** Why the window cannot be used (null when it can): times as HH:MM, a time zone the runtime knows. */
export function windowProblem(w: TradingWindow): string | null {
  if (!HHMM.test(w.start)) return `The opening time "${w.start}" is not a time of day like 09:30`;
  if (!HHMM.test(w.end)) return `The closing time "${w.end}" is not a time of day like 16:00`;
  if (w.start === w.end)
    return 'The window opens and closes at the same time; give a closing time after the opening';
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: w.timeZone });
  } catch {
    return `"${w.timeZone}" is not a time zone; name one like Europe/London or America/New_York`;
  }
  return null;
}

/** The time of day (HH:MM) at `at` in the window's time zone. */
export function localTime(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  return `${get('hour')}:${get('minute')}`;
}

/** Whether `at` falls inside the daily window (a window past midnight, 22:00–02:00, wraps). */
export function insideWindow(w: TradingWindow, at: Date): boolean {
  const now = minutes(localTime(at, w.timeZone));
  const start = minutes(w.start);
  const end = minutes(w.end);
  return start < end ? now >= start && now < end : now >= start || now < end;
}
