import type { paths } from '../api/schema';
import type { BadgeVariant } from '../ui/badge';

export type Health = paths['/health']['get']['responses'][200]['content']['application/json'];
/**
 * The overall status, or a check's: dependencies are `ok` or `down`; the chain-operation outbox
 * may ask for `attention` (an operation unfinished for too long) without the server being unwell.
 */
export type CheckStatus = Health['status'] | 'attention';

const PRESENTATION: Record<CheckStatus, { label: string; variant: BadgeVariant }> = {
  ok: { label: 'Operational', variant: 'success' },
  degraded: { label: 'Degraded', variant: 'warning' },
  attention: { label: 'Needs attention', variant: 'warning' },
  down: { label: 'Down', variant: 'danger' },
};

export function checkLabel(status: CheckStatus): string {
  return PRESENTATION[status].label;
}

export function checkVariant(status: CheckStatus): BadgeVariant {
  return PRESENTATION[status].variant;
}

/** `/health` answers 503 with the same body when a dependency is down; tell it from an error body. */
export function isHealth(value: unknown): value is Health {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof Health, unknown>>;
  return (
    typeof candidate.status === 'string' &&
    candidate.status in PRESENTATION &&
    typeof candidate.checks === 'object' &&
    candidate.checks !== null
  );
}

/** `93784` → `1d 2h 3m`; seconds only under a minute. */
export function formatUptime(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  if (seconds < 60) return `${seconds}s`;
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3_600);
  const minutes = Math.floor((seconds % 3_600) / 60);
  return [days && `${days}d`, (days || hours) && `${hours}h`, `${minutes}m`].filter(Boolean).join(' ');
}

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : new Intl.NumberFormat('en-US').format(value);
}

export interface CheckRow {
  label: string;
  value: string;
  mono?: boolean;
}

export interface CheckSummary {
  key: 'database' | 'queue' | 'chain' | 'operations' | 'mail' | 'load';
  title: string;
  status: CheckStatus;
  rows: CheckRow[];
  error?: string;
}

const QUEUE_MODES: Record<Health['checks']['queue']['mode'], string> = {
  bullmq: 'BullMQ on Redis',
  inline: 'In-process (no Redis)',
};

const CHAIN_ADAPTERS: Record<Health['checks']['chain']['adapter'], string> = {
  embedded: 'Embedded ledger',
  polymesh: 'Polymesh node',
};

function optionalRow(label: string, value: number | undefined): CheckRow[] {
  return value === undefined ? [] : [{ label, value: formatNumber(value) }];
}

function ageText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return 'none open';
  return formatUptime(seconds);
}

function formatBytes(bytes: number): string {
  return `${formatNumber(Math.round(bytes / (1024 * 1024)))} MB`;
}

/** The dependency cards of the status page and the server's own load, in display order. */
export function describeChecks(health: Health): CheckSummary[] {
  const { database, queue, chain, operations, mail, load } = health.checks;
  const mailCard: CheckSummary[] = mail
    ? [
        {
          key: 'mail',
          title: 'Notification e-mail',
          status: mail.status,
          rows: [
            {
              label: 'Delivery',
              value: mail.mode === 'smtp' ? 'SMTP server' : 'Files under the data folder',
            },
            ...optionalRow('Waiting', mail.waiting),
            ...optionalRow('Given up', mail.failed),
          ],
          error:
            mail.error ??
            (mail.status === 'attention'
              ? 'Some notifications could not be e-mailed. Check the mail server (SMTP_URL) and the server log.'
              : undefined),
        },
      ]
    : [];
  return [
    {
      key: 'database',
      title: 'Database',
      status: database.status,
      rows: [
        { label: 'Server', value: database.version ?? '—' },
        {
          label: 'Latency',
          value: database.latencyMs === undefined ? '—' : `${Math.round(database.latencyMs)} ms`,
        },
      ],
      error: database.error,
    },
    {
      key: 'queue',
      title: 'Job queue',
      status: queue.status,
      rows: [
        { label: 'Mode', value: QUEUE_MODES[queue.mode] },
        ...optionalRow('Waiting', queue.waiting),
        ...optionalRow('Active', queue.active),
        ...optionalRow('Failed', queue.failed),
      ],
      error: queue.error,
    },
    {
      key: 'chain',
      title: 'Chain',
      status: chain.status,
      rows: [
        { label: 'Adapter', value: CHAIN_ADAPTERS[chain.adapter] },
        { label: 'Chain', value: chain.chain || '—' },
        { label: 'Block height', value: formatNumber(chain.blockHeight), mono: true },
        { label: 'Spec version', value: formatNumber(chain.specVersion), mono: true },
      ],
      error: chain.error,
    },
    {
      key: 'operations',
      title: 'Chain operations',
      status: operations.status,
      rows: [
        ...optionalRow('Unfinished', operations.open),
        ...optionalRow('Retrying', operations.retrying),
        ...optionalRow('Stuck', operations.stuck),
        ...optionalRow('Refused by the chain (last 24 h)', operations.failedLastDay),
        ...optionalRow('Refused by the chain (all time)', operations.failed),
        ...(operations.status === 'down'
          ? []
          : [{ label: 'Oldest unfinished', value: ageText(operations.oldestOpenSeconds) }]),
      ],
      error:
        operations.error ??
        (operations.stuck
          ? 'Some chain operations have been unfinished for longer than they should take. Open Operations to see why (for example a signer whose key is missing).'
          : undefined),
    },
    ...mailCard,
    {
      key: 'load',
      title: 'Load',
      status: load.status === 'shedding' ? 'degraded' : 'ok',
      rows: [
        { label: 'Event loop delay', value: `${formatNumber(Math.round(load.eventLoopDelayMs))} ms` },
        { label: 'Event loop busy', value: `${Math.round(load.eventLoopUtilization * 100)}%` },
        { label: 'Heap in use', value: formatBytes(load.heapUsedBytes) },
        { label: 'Memory', value: formatBytes(load.rssBytes) },
      ],
      error:
        load.status === 'shedding'
          ? 'Overloaded: new requests are turned away with "try again shortly" until the server catches up.'
          : undefined,
    },
  ];
}
