import type { EntityManager } from '@mikro-orm/postgresql';
import { Notification } from '../identities/entity.js';

export interface NotifyInput {
  /** The user told (investor, reviewer, treasury operator…). */
  userId: string;
  /** A stable name of the event, e.g. `application.more-info-requested`, `deposit.credited`. */
  kind: string;
  /** What the person reads: plain words, second person, formatted amounts, no ids or codes. */
  message: string;
  /** A short headline (the e-mail's subject), e.g. "Your application was approved". */
  title?: string;
  /** Where in the portal it leads, e.g. `/investor/portfolio` (optional). */
  link?: string;
  data?: Record<string, unknown>;
  /** The same notice is never created twice for one key (a retried job, a re-delivered event). */
  dedupeKey: string;
}

/**
 * Tells a user about an event, inside the transaction that records the event, so the notice
 * exists exactly when the event does. Delivery beyond the portal (e-mail) follows from the row.
 */
export async function notify(tx: EntityManager, input: NotifyInput): Promise<Notification | null> {
  const existing = await tx.findOne(Notification, { dedupeKey: input.dedupeKey });
  if (existing) return null;
  return created(tx, input);
}

/** `notify` for several notices with one read of their keys; a key repeated in the list counts once. */
export async function notifyMany(tx: EntityManager, inputs: NotifyInput[]): Promise<Notification[]> {
  if (inputs.length === 0) return [];
  const existing = await tx.find(
    Notification,
    { dedupeKey: { $in: [...new Set(inputs.map((i) => i.dedupeKey))] } },
    { fields: ['dedupeKey'] },
  );
  const seen = new Set(existing.map((n) => n.dedupeKey));
  const out: Notification[] = [];
  for (const input of inputs) {
    if (seen.has(input.dedupeKey)) continue;
    seen.add(input.dedupeKey);
    out.push(created(tx, input));
  }
  return out;
}

function created(tx: EntityManager, input: NotifyInput): Notification {
  const n = new Notification();
  n.userId = input.userId;
  n.kind = input.kind;
  n.message = input.message;
  n.data = {
    ...(input.data ?? {}),
    ...(input.title ? { title: input.title } : {}),
    ...(input.link ? { link: input.link } : {}),
  };
  n.dedupeKey = input.dedupeKey;
  tx.persist(n);
  return n;
}
