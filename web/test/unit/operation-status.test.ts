import { describe, expect, it } from 'vitest';
import {
  isNewer,
  isTerminal,
  operationSteps,
  parseOperation,
  statusLabel,
  statusVariant,
} from '../../src/operations/status';
import type { OperationStatus } from '../../src/operations/status';
import { operationFixture } from './fixtures';

const ALL: OperationStatus[] = ['pending', 'submitted', 'in-block', 'finalised', 'failed'];

describe('operation status presentation', () => {
  it('treats only finalised and failed as terminal', () => {
    expect(ALL.filter(isTerminal)).toEqual(['finalised', 'failed']);
  });

  it('has a label and badge variant for every status', () => {
    expect(ALL.map((s) => [statusLabel(s), statusVariant(s)])).toEqual([
      ['Queued', 'neutral'],
      ['Submitted', 'info'],
      ['In block', 'info'],
      ['Finalised', 'success'],
      ['Failed', 'danger'],
    ]);
  });
});

describe('operationSteps', () => {
  const states = (op: Parameters<typeof operationSteps>[0]) =>
    operationSteps(op).map((s) => `${s.status}:${s.state}`);

  it('marks earlier steps done and the current one current', () => {
    expect(states(operationFixture({ status: 'submitted', attempts: 1 }))).toEqual([
      'pending:done',
      'submitted:current',
      'in-block:upcoming',
      'finalised:upcoming',
    ]);
  });

  it('marks every step done once finalised', () => {
    expect(operationSteps(operationFixture({ status: 'finalised' })).every((s) => s.state === 'done')).toBe(
      true,
    );
  });

  it('ends a failure with a failed step after the last step it reached', () => {
    const inBlock = operationFixture({
      status: 'failed',
      attempts: 1,
      error: { code: 'InsufficientBalance', message: 'Sender balance too low' },
      receipt: { txHash: '0xabc', blockNumber: 7, blockHash: '0xdef' },
    });
    expect(states(inBlock)).toEqual(['pending:done', 'submitted:done', 'in-block:done', 'failed:failed']);

    const beforeSubmit = operationFixture({ status: 'failed', attempts: 0 });
    expect(states(beforeSubmit)).toEqual([
      'pending:done',
      'submitted:skipped',
      'in-block:skipped',
      'failed:failed',
    ]);
  });
});

describe('isNewer', () => {
  const at = (status: OperationStatus, updatedAt: string) => operationFixture({ status, updatedAt });

  it('accepts anything when nothing is shown yet or the id differs', () => {
    expect(isNewer(null, at('pending', '2025-01-01T10:00:00Z'))).toBe(true);
    expect(
      isNewer(at('finalised', '2025-01-01T10:00:05Z'), { ...at('pending', '2025-01-01T10:00:00Z'), id: 'x' }),
    ).toBe(true);
  });

  it('rejects an older snapshot arriving late (poll racing the stream)', () => {
    const current = at('in-block', '2025-01-01T10:00:05Z');
    expect(isNewer(current, at('submitted', '2025-01-01T10:00:02Z'))).toBe(false);
    expect(isNewer(current, at('finalised', '2025-01-01T10:00:09Z'))).toBe(true);
  });

  it('falls back to status order when timestamps tie, and never leaves a terminal state', () => {
    expect(isNewer(at('submitted', '2025-01-01T10:00:00Z'), at('pending', '2025-01-01T10:00:00Z'))).toBe(
      false,
    );
    expect(isNewer(at('submitted', '2025-01-01T10:00:00Z'), at('in-block', '2025-01-01T10:00:00Z'))).toBe(
      true,
    );
    expect(isNewer(at('failed', '2025-01-01T10:00:00Z'), at('finalised', '2025-01-01T10:00:09Z'))).toBe(
      false,
    );
  });
});

describe('parseOperation', () => {
  it('accepts a well-formed operation and rejects anything else', () => {
    const op = operationFixture();
    expect(parseOperation(op)).toBe(op);
    expect(parseOperation({ ...op, status: 'done' })).toBeNull();
    expect(parseOperation({ id: op.id })).toBeNull();
    expect(parseOperation(null)).toBeNull();
    expect(parseOperation('pending')).toBeNull();
  });
});
