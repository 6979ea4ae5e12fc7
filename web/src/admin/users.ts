import type { Schemas } from '../api/client';
import { ROLE_LABELS } from '../auth/roles';
import type { Role } from '../auth/roles';

export type UserAccount = Schemas['UserAccount'];
export type Access = UserAccount['access'];

const count = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
const possessive = (name: string) => `${name}'s`;

/** "Issuer administrator, Auditor", or "no roles". */
export function roleList(roles: readonly string[]): string {
  return roles.length ? roles.map((r) => ROLE_LABELS[r as Role] ?? r).join(', ') : 'no roles';
}

/** "3 sessions · 2 API keys", "1 session", or "not signed in". */
export function accessSummary(a: Access): string {
  const parts = [
    ...(a.sessions ? [count(a.sessions, 'session')] : []),
    ...(a.apiKeys ? [count(a.apiKeys, 'API key')] : []),
  ];
  return parts.length ? parts.join(' · ') : 'not signed in';
}

/** "3 sessions and 2 API keys", "1 API key", or null when there is nothing. */
function listOf(a: Access): string | null {
  const parts = [
    ...(a.sessions ? [count(a.sessions, 'session')] : []),
    ...(a.apiKeys ? [count(a.apiKeys, 'API key')] : []),
  ];
  return parts.length ? parts.join(' and ') : null;
}

/** "Bob's 3 sessions and 2 API keys stop working at once." */
function ends(name: string, a: Access): string | null {
  const what = listOf(a);
  if (!what) return null;
  return `${possessive(name)} ${what} ${a.sessions + a.apiKeys === 1 ? 'stops' : 'stop'} working at once.`;
}

/** The confirmation of disabling: what stops at once, and that enabling does not bring it back. */
export function disableImpact(u: Pick<UserAccount, 'displayName' | 'access'>): string[] {
  return [
    ends(u.displayName, u.access) ?? `${u.displayName} has no open sessions or API keys.`,
    `${u.displayName} cannot sign in until an administrator enables the account again; enabling does not bring back ended sessions or API keys.`,
  ];
}

export function enableImpact(u: Pick<UserAccount, 'displayName'>): string[] {
  return [
    `${u.displayName} can sign in again with their password and roles.`,
    'Sessions and API keys that ended when the account was disabled stay ended: they sign in afresh and create new keys.',
  ];
}

/** The confirmation of a role change: what is gained and lost, and which sessions end. */
export function rolesImpact(
  u: Pick<UserAccount, 'displayName' | 'roles' | 'access'>,
  next: readonly Role[],
): string[] {
  const added = next.filter((r) => !u.roles.includes(r));
  const removed = u.roles.filter((r) => !next.includes(r));
  if (added.length === 0 && removed.length === 0) return ['The roles are unchanged.'];
  const lines: string[] = [];
  if (added.length) lines.push(`${u.displayName} gains: ${roleList(added)}.`);
  if (removed.length) {
    lines.push(`${u.displayName} loses: ${roleList(removed)}.`);
    if (u.access.sessions)
      lines.push(
        `${possessive(u.displayName)} ${count(u.access.sessions, 'session')} ${u.access.sessions === 1 ? 'ends' : 'end'} at once; they sign in again and get the new roles.`,
      );
    if (u.access.apiKeys)
      lines.push('Their API keys keep only the roles they still hold; a key left with none stops working.');
  }
  return lines;
}

/** The notice after a change: what it ended. */
export function doneNotice(name: string, what: 'disabled' | 'enabled' | 'roles', ended: Access): string {
  const head =
    what === 'roles' ? `${possessive(name)} roles are changed.` : `${possessive(name)} account is ${what}.`;
  const gone = listOf(ended);
  return gone ? `${head} Ended: ${gone}.` : head;
}
