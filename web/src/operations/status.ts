import type { Schemas } from '../api/client';
import type { BadgeVariant } from '../ui/badge';

export type ChainOperation = Schemas['ChainOperation'];
export type OperationStatus = ChainOperation['status'];

/** The happy path, in order; `failed` can replace any step after `pending`. */
export const OPERATION_STEPS = ['pending', 'submitted', 'in-block', 'finalised'] as const;

const STATUSES: readonly OperationStatus[] = [...OPERATION_STEPS, 'failed'];

const PRESENTATION: Record<OperationStatus, { label: string; variant: BadgeVariant; description: string }> = {
  pending: { label: 'Queued', variant: 'neutral', description: 'Waiting to be submitted to the chain.' },
  submitted: { label: 'Submitted', variant: 'info', description: 'Sent to the chain, waiting for a block.' },
  'in-block': {
    label: 'In block',
    variant: 'info',
    description: 'Included in a block, waiting for finality.',
  },
  finalised: {
    label: 'Finalised',
    variant: 'success',
    description: 'Final on chain; it cannot be reverted.',
  },
  failed: { label: 'Failed', variant: 'danger', description: 'The chain refused the operation.' },
};

export function isOperationStatus(value: unknown): value is OperationStatus {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}

export function isTerminal(status: OperationStatus): boolean {
  return status === 'finalised' || status === 'failed';
}

export function statusLabel(status: OperationStatus): string {
  return PRESENTATION[status].label;
}

export function statusVariant(status: OperationStatus): BadgeVariant {
  return PRESENTATION[status].variant;
}

export function statusDescription(status: OperationStatus): string {
  return PRESENTATION[status].description;
}

/** 0 for pending … 3 for finalised; a failure ranks with finalised, as both are the end. */
function rank(status: OperationStatus): number {
  return status === 'failed' ? OPERATION_STEPS.length - 1 : OPERATION_STEPS.indexOf(status);
}

/**
 * Whether `next` should replace `current`. Updates arrive from two sources (the event stream and
 * polling) and can cross; an older snapshot must never move the display backwards.
 */
export function isNewer(current: ChainOperation | null, next: ChainOperation): boolean {
  if (!current || current.id !== next.id) return true;
  if (isTerminal(current.status)) return false;
  const diff = Date.parse(next.updatedAt) - Date.parse(current.updatedAt);
  if (diff !== 0 && !Number.isNaN(diff)) return diff > 0;
  return rank(next.status) >= rank(current.status);
}

export type StepState = 'done' | 'current' | 'upcoming' | 'failed' | 'skipped';

export interface OperationStep {
  status: OperationStatus;
  label: string;
  state: StepState;
}

/** Furthest happy-path step a failed operation is known to have reached. */
function reachedBeforeFailure(operation: ChainOperation): number {
  if (operation.receipt) return OPERATION_STEPS.indexOf('in-block');
  if (operation.attempts > 0) return OPERATION_STEPS.indexOf('submitted');
  return OPERATION_STEPS.indexOf('pending');
}

/** The progress trail: pending → submitted → in-block → finalised, with `failed` as the last step. */
export function operationSteps(operation: ChainOperation): OperationStep[] {
  if (operation.status === 'failed') {
    const reached = reachedBeforeFailure(operation);
    return OPERATION_STEPS.map((status, index): OperationStep => {
      if (index === OPERATION_STEPS.length - 1)
        return { status: 'failed', label: statusLabel('failed'), state: 'failed' };
      return { status, label: statusLabel(status), state: index <= reached ? 'done' : 'skipped' };
    });
  }
  const current = OPERATION_STEPS.indexOf(operation.status);
  return OPERATION_STEPS.map((status, index) => ({
    status,
    label: statusLabel(status),
    state:
      index < current || operation.status === 'finalised'
        ? 'done'
        : index === current
          ? 'current'
          : 'upcoming',
  }));
}

/** Narrows an SSE payload or any untrusted JSON to a ChainOperation. */
export function parseOperation(value: unknown): ChainOperation | null {
  if (typeof value !== 'object' || value === null) return null;
  const candidate = value as Partial<Record<keyof ChainOperation, unknown>>;
  if (
    typeof candidate.id !== 'string' ||
    typeof candidate.kind !== 'string' ||
    !isOperationStatus(candidate.status) ||
    typeof candidate.updatedAt !== 'string' ||
    typeof candidate.createdAt !== 'string'
  ) {
    return null;
  }
  return value as ChainOperation;
}

/** Parses one event-stream message; anything that is not an operation is ignored (null). */
export function parseOperationJson(data: string): ChainOperation | null {
  try {
    return parseOperation(JSON.parse(data));
  } catch {
    return null;
  }
}
