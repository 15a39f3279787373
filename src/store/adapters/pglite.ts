/**
 * PGlite adapter: embedded PostgreSQL (WASM), one connection, data in a directory or in memory.
 * Not PGlite's node-postgres adapter: the Db seam is small enough to map directly.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite, types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import type { Connection, Driver, QueryOptions, QueryResult, StoreLogger } from '../db.ts';
import { preparedRunner, type PreparedRunner } from './pglite-prepared.ts';

const execFileAsync = promisify(execFile);

/**
 * bytea parameters go as they are: PGlite's Bind message sends a serialized value that is an ArrayBuffer view
 * in binary format, with no text encoding at all (its own bytea serializer builds hex text byte by byte
 * through an array, and even Buffer's hex doubles the size and makes PGlite measure every character). Its
 * typings say serializers return strings: hence the cast where the serializer is registered.
 */
function byteaAsBinary(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError('bytea parameter must be a Buffer or Uint8Array');
  return value;
}

/** bytea arrives as hex text (bytea_output = hex); return a Buffer, as pg does. */
function hexToBuffer(text: string): Buffer {
  return Buffer.from(text.slice(2), 'hex');
}

interface PgliteQueryable {
  query<R>(text: string, values?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

/**
 * Runs jobs one after the other, each in an event-loop turn of its own. PGlite runs a statement synchronously on
 * the hub's thread and hands its lock to the next waiter in a microtask: 32 queued page reads then ran back to
 * back in one turn (~40 ms) while no request was read, and a request arriving meanwhile waited for that batch
 * and then for its place in the next one (bench/csw, PGlite: p95 1.7 times the mean). With a turn between
 * statements, requests are read as they come and served in arrival order.
 */
function turns(): <T>(job: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (job) => {
    const run = tail.then(() => new Promise((resolve) => setImmediate(resolve))).then(job);
    tail = run.catch(() => {});
    return run;
  };
}

function connection(target: PgliteQueryable, prepared?: PreparedRunner, inTurn = <T>(job: () => Promise<T>) => job()): Connection {
  return {
    query<R>(text: string, values?: unknown[], opts?: QueryOptions): Promise<QueryResult<R>> {
      return inTurn(async () => {
        // Statements asked to be prepared are, outside transactions (inside, PGlite's handle has no protocol entry).
        const r = (opts?.prepare && prepared ? await prepared.query<R>(text, values ?? []) : undefined)
          ?? await target.query<R>(text, values);
        // affectedRows is 0 for a SELECT: report the rows returned, as pg's rowCount does.
        return { rows: r.rows, rowCount: r.affectedRows || r.rows.length };
      });
    },
    exec(sql: string): Promise<void> {
      return inTurn(async () => {
        await target.exec(sql);
      });
    },
  };
}

/** The cluster creator run as a child process (createCluster). */
const INITDB_SCRIPT = fileURLToPath(new URL('./pglite-initdb.mjs', import.meta.url));
const INITDB_TIMEOUT_MS = 120_000;

/**
 * Creates the cluster of a new data directory in a child process. In this process, PGlite's initdb raised the
 * peak RSS from ~120 to ~850 MB, which it kept (opening an existing cluster: ~350 MB): a first start on a small
 * machine or a container with a memory limit would fail, or keep the memory. When the child cannot do it, the
 * cluster is created here, as before, and the reason is logged.
 */
export async function createCluster(dataDir: string, logger?: StoreLogger): Promise<void> {
  try {
    await execFileAsync(process.execPath, [INITDB_SCRIPT, dataDir], { timeout: INITDB_TIMEOUT_MS, maxBuffer: 1024 * 1024 });
  } catch (err) {
    logger?.warn(`creating the PGlite cluster in a child process failed, creating it in this one: ${(err as Error).message}`);
  }
}

/** Opens PGlite on `dataDir` (a directory, or `memory://…`); a new directory's cluster is made by createCluster. */
export async function openPgliteDriver(dataDir: string, logger?: StoreLogger): Promise<Driver> {
  if (!dataDir.startsWith('memory://') && !existsSync(path.join(dataDir, 'PG_VERSION'))) await createCluster(dataDir, logger);
  const pglite = await PGlite.create(dataDir, {
    parsers: { [types.BYTEA]: hexToBuffer },
    serializers: { [types.BYTEA]: byteaAsBinary as unknown as (value: unknown) => string },
    // The embedded search engine's extensions (migration 4): PGlite only offers the contrib extensions it is given.
    extensions: { unaccent, pg_trgm },
  });
  const root = connection(pglite, preparedRunner(pglite), turns());
  return {
    kind: 'pglite',
    query: root.query,
    exec: root.exec,
    // PGlite's transaction() holds its own mutex: other queries on the instance wait until it ends.
    transaction: (fn) => pglite.transaction((tx) => fn(connection(tx))),
    close: () => pglite.close(),
  };
}
