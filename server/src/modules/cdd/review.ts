import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiKey, User } from '../auth/entity.js';
import type { Principal } from '../auth/service.js';
import { CAN } from '../auth/roles.js';
import { Application } from '../onboarding/entity.js';
import { accreditationFlags } from '../onboarding/checks.js';
import type { SealedProfile } from '../onboarding/view.js';
import { CddApproval } from './approval.js';
import { approvalGrounds, reviewerOf } from './service.js';

/** Statuses that wait for a reviewer: the default queue. */
export const AWAITING = ['submitted', 'in-review'] as const;

const SYSTEM_NAMES: Record<string, string> = {
  operator: 'Platform operator',
  system: 'Stoa',
  'kyc:sandbox': 'Identity check (sandbox)',
  'kyc:sumsub': 'Identity check (Sumsub)',
  'kyc:onfido': 'Identity check (Onfido)',
};

/** People's names for audit actors (`user:<id>`, `api-key:<id>`, `operator`, `kyc:<vendor>`). */
export async function actorNames(em: EntityManager, actors: (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(actors.filter((a): a is string => !!a))];
  const userIds = wanted.filter((a) => a.startsWith('user:')).map((a) => a.slice(5));
  const keyIds = wanted.filter((a) => a.startsWith('api-key:')).map((a) => a.slice(8));
  const keys = keyIds.length ? await em.find(ApiKey, { id: { $in: keyIds } }) : [];
  const allUserIds = [...new Set([...userIds, ...keys.map((k) => k.userId)])];
  const users = allUserIds.length ? await em.find(User, { id: { $in: allUserIds } }) : [];
  const userName = new Map(users.map((u) => [u.id, u.displayName || u.email]));
  const out = new Map<string, string>();
  for (const a of wanted) {
    if (a.startsWith('user:')) out.set(a, userName.get(a.slice(5)) ?? 'A former user');
    else if (a.startsWith('api-key:')) {
      const k = keys.find((x) => x.id === a.slice(8));
      out.set(a, k ? `${userName.get(k.userId) ?? 'A former user'} (API key “${k.name}”)` : 'An API key');
    } else out.set(a, SYSTEM_NAMES[a] ?? (a.startsWith('kyc:') ? 'Identity check' : 'Stoa'));
  }
  return out;
}

/** The reviewer-only part of an application: assignment, four-eyes approvals, flags. */
export async function reviewOf(
  em: EntityManager,
  app: Application,
  profile: SealedProfile,
  viewer: Principal,
) {
  const grounds = approvalGrounds(app);
  const approvals = grounds.length
    ? await em.find(
        CddApproval,
        { applicationId: app.id, consumedAt: null, createdAt: { $gte: app.submittedAt ?? new Date(0) } },
        { orderBy: { createdAt: 'asc' } },
      )
    : [];
  const user = await em.findOne(User, { id: app.userId }, { fields: ['email'] });
  const names = await actorNames(em, [app.assignedTo, app.decidedBy, ...approvals.map((a) => a.actor)]);
  const me = reviewerOf(viewer);
  return {
    assignedTo: app.assignedTo
      ? { id: app.assignedTo.replace(/^user:/, ''), name: names.get(app.assignedTo) ?? '' }
      : null,
    applicantEmail: user?.email ?? '',
    grounds,
    approvalsNeeded: grounds.length ? 2 : 1,
    approvals: approvals.map((a) => ({
      reviewer: names.get(a.actor) ?? '',
      mine: a.reviewer === me,
      reason: a.reason,
      at: a.createdAt.toISOString(),
    })),
    flags: accreditationFlags({
      investorType: app.investorType,
      accreditationMethod: app.accreditationMethod,
      financials: profile.financials,
    }),
    decidedByName: app.decidedBy ? (names.get(app.decidedBy) ?? null) : null,
  };
}

export interface QueueQuery {
  status?: string;
  q?: string;
  sort?: 'oldest' | 'newest';
  assignee?: 'me' | 'unassigned' | 'anyone';
  limit: number;
  offset: number;
}

/** Most applications one queue query looks through when searching by name (decrypted in memory). */
const SEARCH_WINDOW = 2000;

/**
 * The review queue. Names are sealed at rest, so a search by name opens the profiles of the
 * candidates (the status and assignee filters run in SQL first) and matches them here.
 */
export async function queueOf(
  em: EntityManager,
  viewer: Principal,
  query: QueueQuery,
  profileOf: (a: Application) => Promise<SealedProfile>,
): Promise<{ items: Application[]; total: number }> {
  const status = query.status ?? 'awaiting';
  const where: Record<string, unknown> = {};
  if (status === 'awaiting') where.status = { $in: [...AWAITING] };
  else if (status !== 'all') where.status = status;
  if (query.assignee === 'me') where.assignedTo = reviewerOf(viewer);
  else if (query.assignee === 'unassigned') where.assignedTo = null;
  const orderBy = { submittedAt: query.sort === 'newest' ? 'desc' : 'asc', createdAt: 'asc' } as const;
  const needle = query.q?.trim().toLowerCase();
  if (!needle) {
    const [items, total] = await em.findAndCount(Application, where, {
      orderBy,
      limit: query.limit,
      offset: query.offset,
    });
    return { items, total };
  }
  const candidates = await em.find(Application, where, { orderBy, limit: SEARCH_WINDOW });
  const users = candidates.length
    ? await em.find(
        User,
        { id: { $in: [...new Set(candidates.map((a) => a.userId))] } },
        { fields: ['email'] },
      )
    : [];
  const email = new Map(users.map((u) => [u.id, u.email]));
  const hits: Application[] = [];
  for (const a of candidates) {
    const p = await profileOf(a);
    const text = [
      p.individual?.firstName,
      p.individual?.lastName,
      p.individual ? `${p.individual.firstName} ${p.individual.lastName}` : null,
      p.entity?.legalName,
      email.get(a.userId),
    ]
      .filter(Boolean)
      .join('\n')
      .toLowerCase();
    if (text.includes(needle)) hits.push(a);
  }
  return { items: hits.slice(query.offset, query.offset + query.limit), total: hits.length };
}

/** Users who can take an application: reviewers (and admins), not disabled. */
export async function reviewers(em: EntityManager): Promise<{ id: string; name: string }[]> {
  const users = await em.find(User, { disabled: false }, { orderBy: { displayName: 'asc' } });
  const can = new Set<string>(['admin', ...CAN.decideApplications]);
  return users
    .filter((u) => u.roles.some((r) => can.has(r)))
    .map((u) => ({ id: u.id, name: u.displayName || u.email }));
}
