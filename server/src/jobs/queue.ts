/**
 * Jobs behind one interface: BullMQ on Redis in production, in-process dispatch when no Redis
 * is configured. Both run the same handlers with the same retry policy; both pass the same
 * contract suite (server/test/jobs.contract.test.ts). Handlers must be idempotent: a job can
 * run more than once (retry, re-queue at start-up, duplicate enqueue).
 */
export interface JobContext {
  /** 1 on the first run. */
  attempt: number;
  jobId: string;
}

export type JobHandler<T> = (data: T, ctx: JobContext) => Promise<void>;

export interface JobOptions {
  /** Max runs including the first. */
  attempts: number;
  /** Base of the exponential backoff between runs. */
  backoffMs: number;
  concurrency: number;
}

export interface EnqueueOptions {
  /**
   * Jobs with the same id that are still waiting, delayed or running are not queued twice. Once
   * a job has finished — done, or out of attempts — its id can be queued again.
   */
  jobId?: string;
  delayMs?: number;
}

export interface QueueHealth {
  status: 'ok' | 'down';
  mode: 'bullmq' | 'inline';
  waiting?: number;
  active?: number;
  /** Jobs that ran out of attempts since this process started (their ids are free again). */
  failed?: number;
  version?: string;
  error?: string;
}

export interface JobQueue {
  readonly mode: 'bullmq' | 'inline';
  register<T>(name: string, handler: JobHandler<T>, opts?: Partial<JobOptions>): void;
  enqueue<T>(name: string, data: T, opts?: EnqueueOptions): Promise<void>;
  /** Begin consuming. Jobs enqueued before start wait until then. */
  start(): Promise<void>;
  /** Resolves when nothing is queued, delayed or running (tests, shutdown). */
  drain(timeoutMs?: number): Promise<void>;
  health(): Promise<QueueHealth>;
  close(): Promise<void>;
}

export const DEFAULT_JOB_OPTIONS: JobOptions = { attempts: 5, backoffMs: 500, concurrency: 1 };

export function backoffDelay(base: number, attempt: number): number {
  return base * 2 ** Math.max(0, attempt - 1);
}
