/**
 * Database errors as the port's SearchError: the HTTP layer answers 400 for 'query' and 503 for the rest.
 * User text only ever reaches SQL as parameters, so a database error is the engine's or the database's
 * problem, never the query's: 'unavailable' when the server cannot be reached, 'internal' otherwise.
 */
import { SearchError } from '../types.ts';

/** SQLSTATE classes and Node socket codes that mean the database is out of reach or shutting down. */
const UNAVAILABLE = /^(08|53|57P)/;
const SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

export function asSearchError(err: unknown, doing: string): SearchError {
  if (err instanceof SearchError) return err;
  const code = String((err as { code?: unknown })?.code ?? '');
  const message = err instanceof Error ? err.message : String(err);
  const unavailable = UNAVAILABLE.test(code) || SOCKET.has(code) || /closed|terminat/i.test(message);
  return new SearchError(`Embedded search could not ${doing}: ${message}`, unavailable ? 'unavailable' : 'internal', { cause: err });
}

/** Runs `fn`, turning whatever it throws into a SearchError. */
export async function guarded<T>(doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asSearchError(err, doing);
  }
}
