export interface AuditFilters {
  action: string;
  actor: string;
  subjectId: string;
  from: string;
  to: string;
}

export const emptyFilters = (): AuditFilters => ({ action: '', actor: '', subjectId: '', from: '', to: '' });

/**
 * The query for /audit and /audit/export: empty filters left out, dates (yyyy-mm-dd from the date
 * inputs) as the start of that day and the start of the day after, in UTC, so `to` includes the day.
 */
export function auditQuery(f: AuditFilters): Record<string, string> {
  const q: Record<string, string> = {};
  if (f.action.trim()) q.action = f.action.trim();
  if (f.actor.trim()) q.actor = f.actor.trim();
  if (f.subjectId.trim()) q.subjectId = f.subjectId.trim();
  if (f.from) q.from = new Date(`${f.from}T00:00:00.000Z`).toISOString();
  if (f.to) {
    const end = new Date(`${f.to}T00:00:00.000Z`);
    end.setUTCDate(end.getUTCDate() + 1);
    q.to = end.toISOString();
  }
  return q;
}

/** A row's data in one short line for the table; the full JSON is one click away. */
export function summarise(data: Record<string, unknown>, max = 120): string {
  const text = Object.entries(data)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Long identifiers (actors, ids) cut for a table cell; the full value goes in a tooltip. */
export function shorten(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}
