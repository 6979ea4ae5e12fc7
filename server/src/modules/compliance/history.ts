import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses } from '../../schemas.js';
import { IdParams } from '../assets/schemas.js';
import { AuditEntry } from '../audit/entity.js';
import { User } from '../auth/entity.js';
import { CAN } from '../auth/roles.js';
import { describeTemplate } from './reasons.js';
import type { RuleTemplate } from './templates.js';

const RULE_ACTIONS = ['compliance.rules-set', 'compliance.rules-changed'];

interface RuleDiff {
  added?: RuleTemplate[];
  removed?: RuleTemplate[];
  changed?: { from: RuleTemplate; to: RuleTemplate }[];
}

const HistoryEntry = Type.Object(
  {
    seq: Type.Union([Type.String(), Type.Null()], {
      description: 'Position in the audit trail; null for the moments before the entry is chained',
    }),
    at: Type.String({ format: 'date-time' }),
    actor: Type.String(),
    actorName: Type.Union([Type.String(), Type.Null()], {
      description: 'The user’s display name, when a user',
    }),
    action: Type.String(),
    version: Type.Union([Type.Integer(), Type.Null()]),
    live: Type.Boolean({ description: 'The asset had holders when the rules changed' }),
    summary: Type.Array(Type.String(), { description: 'The rules after the change, in plain language' }),
    diff: Type.Object({
      added: Type.Array(Type.String()),
      removed: Type.Array(Type.String()),
      changed: Type.Array(Type.Object({ from: Type.String(), to: Type.String() })),
    }),
  },
  { $id: 'RuleHistoryEntry' },
);

/** Rule changes of an asset, newest first, read from the audit trail (where they are recorded). */
export const ruleHistoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addSchema(HistoryEntry);
  app.get(
    '/assets/:id/rules/history',
    {
      config: { roles: CAN.readRuleHistory },
      schema: {
        tags: ['compliance'],
        security: [{ bearer: [] }],
        summary: 'Who changed the asset’s rules, when, and what changed (from the audit trail)',
        params: IdParams,
        response: {
          200: Type.Object({ items: Type.Array(Type.Ref('RuleHistoryEntry')) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const em = app.infra.db.orm.em.fork();
      await app.tokenization.assets.get(em, request.params.id);
      const entries = await em.find(
        AuditEntry,
        { subjectType: 'asset', subjectId: request.params.id, action: { $in: RULE_ACTIONS } },
        { orderBy: { id: 'desc' }, limit: 500 },
      );
      const userIds = entries.flatMap((e) => (e.actor.startsWith('user:') ? [e.actor.slice(5)] : []));
      const users = userIds.length ? await em.find(User, { id: { $in: [...new Set(userIds)] } }) : [];
      const names = new Map(users.map((u) => [`user:${u.id}`, u.displayName]));
      return {
        items: entries.map((e) => {
          const data = e.data as { version?: number; diff?: RuleDiff; summary?: string[]; live?: boolean };
          const diff = data.diff ?? {};
          return {
            seq: e.seq,
            at: e.at.toISOString(),
            actor: e.actor,
            actorName: names.get(e.actor) ?? null,
            action: e.action,
            version: data.version ?? null,
            live: data.live === true,
            summary: data.summary ?? [],
            diff: {
              added: (diff.added ?? []).map(describeTemplate),
              removed: (diff.removed ?? []).map(describeTemplate),
              changed: (diff.changed ?? []).map((c) => ({
                from: describeTemplate(c.from),
                to: describeTemplate(c.to),
              })),
            },
          };
        }),
      };
    },
  );
};
