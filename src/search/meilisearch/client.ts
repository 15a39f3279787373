/**
 * Calls to Meilisearch with retries, task tracking and errors in the port's terms (SearchError).
 *
 * The official client (meilisearch-js, over the global fetch) has no retries: `call` wraps each request in
 * p-retry. Transient failures are retried with exponential backoff: network errors and timeouts, 429 and 5xx.
 * A request that changes state and is not idempotent (the index swap: a second swap swaps back) is retried
 * only when it certainly did not reach Meilisearch (connection refused) or was refused without being
 * processed (429, 503).
 *
 * Writes are asynchronous tasks in Meilisearch: `runTask` enqueues, then waits for the task (polling, with a
 * timeout) and turns a failed task into a SearchError carrying Meilisearch's error code and message.
 */
import {
  MeilisearchApiError,
  MeilisearchRequestError,
  MeilisearchTaskTimeOutError,
  type EnqueuedTask,
  type Meilisearch,
  type Task,
} from 'meilisearch';
import pRetry from 'p-retry';
import { SearchError } from '../types.ts';

export interface RetryOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** Delay before the first retry (ms); doubled each time, randomised. */
  minTimeout: number;
  maxTimeout: number;
}

export interface TaskOptions {
  /** How long to wait for one task (ms). */
  timeout: number;
  /** Polling interval (ms). */
  interval: number;
}

/** Error codes of a malformed search: the caller's query, not the engine, is at fault. */
const QUERY_ERROR = /^(invalid_search_|invalid_multi_search_|invalid_facet_search_|invalid_document_filter|bad_request)/;
/** Task error codes that mean the engine cannot take writes right now. */
const UNAVAILABLE_TASK_ERROR = new Set(['no_space_left_on_device', 'database_size_limit_reached', 'index_not_found', 'internal']);

/** Runs one request with retries on transient failures; any failure comes out as a SearchError. */
export async function call<T>(what: string, fn: () => Promise<T>, retry: RetryOptions, idempotent = true): Promise<T> {
  try {
    return await pRetry(fn, {
      ...retry,
      randomize: true,
      shouldRetry: ({ error }) => isTransient(error, idempotent),
    });
  } catch (err) {
    throw toSearchError(err, what);
  }
}

/**
 * Enqueues a write and waits for its task. Resolves with the finished task, or throws a SearchError when it
 * failed (unless `tolerate` lists its error code: creating an index that exists, deleting one that does not).
 */
export async function runTask(
  client: Meilisearch,
  what: string,
  enqueue: () => Promise<EnqueuedTask>,
  opts: { retry: RetryOptions; task: TaskOptions; idempotent?: boolean; tolerate?: string[] },
): Promise<Task> {
  const enqueued = await call(what, enqueue, opts.retry, opts.idempotent ?? true);
  return awaitTask(client, what, enqueued.taskUid, opts);
}

/** Waits for an enqueued task; throws a SearchError naming Meilisearch's error when it did not succeed. */
export async function awaitTask(
  client: Meilisearch,
  what: string,
  taskUid: number,
  opts: { retry: RetryOptions; task: TaskOptions; tolerate?: string[] },
): Promise<Task> {
  // Polling is a read: always safe to retry.
  const task = await call(`${what} (task ${taskUid})`, () => client.tasks.waitForTask(taskUid, opts.task), opts.retry);
  if (task.status === 'succeeded') return task;
  if (task.status === 'failed' && task.error && opts.tolerate?.includes(task.error.code)) return task;
  throw taskError(what, task);
}

function taskError(what: string, task: Task): SearchError {
  const code = task.error?.code ?? task.status;
  const message = task.error?.message ?? `the task ended ${task.status}`;
  const kind = UNAVAILABLE_TASK_ERROR.has(code) ? 'unavailable' : 'internal';
  return new SearchError(`Meilisearch ${what} failed (task ${task.uid}, ${code}): ${message}`, kind, { cause: task.error });
}

/** Worth another attempt: the failure says nothing about the request itself. */
export function isTransient(err: unknown, idempotent: boolean): boolean {
  if (err instanceof MeilisearchApiError) {
    const status = err.response.status;
    return status === 429 || status === 503 || (idempotent && status >= 500);
  }
  if (err instanceof MeilisearchRequestError) return idempotent || errorCode(err) === 'ECONNREFUSED';
  return false;
}

/** Any failure of a call as a SearchError: `query` for a bad search, `unavailable` when Meilisearch is. */
export function toSearchError(err: unknown, what: string): SearchError {
  if (err instanceof SearchError) return err;
  if (err instanceof MeilisearchApiError) {
    const status = err.response.status;
    const code = err.cause?.code ?? `HTTP ${status}`;
    const message = `Meilisearch ${what} failed (${code}): ${err.message}`;
    if (QUERY_ERROR.test(code)) return new SearchError(message, 'query', { cause: err });
    // 5xx, 429, and a key without the rights or an index that is not there: the engine is not usable.
    const unavailable = status >= 500 || status === 429 || status === 401 || status === 403 || status === 404;
    return new SearchError(message, unavailable ? 'unavailable' : 'internal', { cause: err });
  }
  if (err instanceof MeilisearchTaskTimeOutError) {
    return new SearchError(`Meilisearch ${what}: ${err.message}`, 'unavailable', { cause: err });
  }
  if (err instanceof MeilisearchRequestError) {
    return new SearchError(`Meilisearch unreachable (${what}): ${rootMessage(err)}`, 'unavailable', { cause: err });
  }
  return new SearchError(`Meilisearch ${what} failed: ${(err as Error)?.message ?? String(err)}`, 'internal', { cause: err });
}

/** The system error code (ECONNREFUSED…) somewhere down the cause chain of a fetch failure. */
function errorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

/**
 * The innermost message of a cause chain ("connect ECONNREFUSED 127.0.0.1:7700", "request timed out…"); an
 * AggregateError (one attempt per address of the host) has no message of its own, only a code.
 */
function rootMessage(err: Error): string {
  let message = err.message;
  let e: unknown = err;
  for (let depth = 0; depth < 5 && (e as Error)?.cause instanceof Error; depth++) {
    e = (e as Error).cause;
    if ((e as Error).message) message = (e as Error).message;
  }
  const code = errorCode(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
