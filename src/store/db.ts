/**
 * The database seam: one small `Db` interface over two adapters, embedded PGlite and PostgreSQL (pg).
 *
 * Both adapters return the same JavaScript types: bytea ⇄ Buffer, timestamptz → Date, json/jsonb → objects,
 * int8 (bigserial ids, count(*)) → number (a BigInt only beyond Number.MAX_SAFE_INTEGER).
 * Parameters are passed as-is, so repositories pass jsonb values as JSON text (`JSON.stringify`): pg would
 * otherwise turn a JS array into a PostgreSQL array literal.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import os from 'node:os';
import path from 'node:path';
import PQueue from 'p-queue';
import { openPgDriver } from './adapters/pg.ts';
import { acquireLock, type LockHandle } from './lock.ts';
import { migrate } from './migrations.ts';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** How a query runs. */
export interface QueryOptions {
  /**
   * Keep the statement prepared on each connection (a named statement, parsed once, then bound and executed,
   * its plan kept by PostgreSQL): for hot queries whose text comes from a small set. On PGlite, outside
   * transactions only.
   */
  prepare?: boolean;
  /**
   * A read of the published catalogue (a CSW or OGC API page): on pg, at most StoreOptions.readConcurrency of them
   * run at once, the others wait their turn in the hub. Ignored inside a transaction and by PGlite (one at a time).
   */
  read?: boolean;
}

export interface Db {
  readonly kind: 'pglite' | 'pg';
  query<R = Record<string, unknown>>(text: string, values?: unknown[], opts?: QueryOptions): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs fn in a transaction (nested calls reuse the outer transaction). */
  tx<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Settles (never rejects) with the reason when the store is gone for good while open: the embedded database's
   * thread stopped (a WebAssembly abort, out of memory). Every statement fails from then on; a hub should stop
   * so that its supervisor starts it again. Never settles on PostgreSQL (the pool reconnects) nor on close().
   */
  readonly lost: Promise<Error>;
}

/** Where the store logs the few things worth saying (a stale lock taken over). pino loggers fit. */
export interface StoreLogger {
  warn(msg: string): void;
}

export interface StoreOptions {
  /** PGlite directory (default ./data); 'memory://' for an in-memory PGlite. */
  dataDir?: string;
  /** When set, use pg (node-postgres) instead of PGlite. */
  databaseUrl?: string;
  /** pg only: use (and create) this schema via search_path (tests: one schema per file). */
  schema?: string;
  /** Written into the lock file so a second process can say who holds DATA_DIR (default: the argv). */
  command?: string;
  logger?: StoreLogger;
  /**
   * pg only: how many catalogue reads (QueryOptions.read) run at once (default: the machine's CPUs, at least 2).
   * On the 2-core bench machine, where PostgreSQL shares the CPUs with the hub, random GetRecords pages went from
   * ~950 to ~1,400 a second, p99 from ~200 ms to ~57 ms, with 2 instead of the pool's 10: more backends
   * running at once only take turns on the same cores, and the hub's thread waits behind them.
   */
  readConcurrency?: number;
  /** PGlite only: its shared buffers in MB (default PGLITE_SHARED_BUFFERS_MB, see there). */
  pgliteSharedBuffersMb?: number;
}

/** The default StoreOptions.readConcurrency. */
export const defaultReadConcurrency = (): number => Math.max(2, os.availableParallelism());

/** One connection (or the transaction's connection) as an adapter exposes it. */
export interface Connection {
  query<R>(text: string, values?: unknown[], opts?: QueryOptions): Promise<QueryResult<R>>;
  exec(sql: string): Promise<void>;
}

/** What an adapter provides; `dbFromDriver` adds nesting and the ambient transaction on top. */
export interface Driver extends Connection {
  readonly kind: Db['kind'];
  transaction<T>(fn: (conn: Connection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Db.lost; absent when the driver cannot be lost (pg). */
  readonly lost?: Promise<Error>;
}

/** Db.lost of a store that cannot be lost. */
const never: Promise<Error> = new Promise(() => {});

interface ActiveTx {
  db: Db;
  done: boolean;
}

/**
 * Builds a Db over a driver. Inside `tx(fn)`, calls made through the root Db (not only through the handle
 * passed to fn) also join the transaction, via AsyncLocalStorage: on PGlite, a root query issued inside a
 * transaction would otherwise wait for that transaction to end, i.e. forever; on pg it would run on another
 * connection, outside the transaction and possibly blocked by its row locks.
 * Nested `tx` has no savepoint: an error inside it aborts the whole outer transaction.
 */
export function dbFromDriver(driver: Driver, onClose: () => Promise<void> = async () => {}, readConcurrency?: number): Db {
  const ambient = new AsyncLocalStorage<ActiveTx>();
  const reads = driver.kind === 'pg' ? new PQueue({ concurrency: readConcurrency ?? defaultReadConcurrency() }) : null;
  const current = (): ActiveTx | undefined => {
    const active = ambient.getStore();
    return active && !active.done ? active : undefined;
  };
  let closed = false;
  let openTx = 0;

  const lost = driver.lost ?? never;
  const root: Db = {
    kind: driver.kind,
    lost,
    query: (text, values, opts) => {
      const active = current();
      if (active) return active.db.query(text, values, opts);
      if (opts?.read && reads) return reads.add(() => driver.query(text, values, opts), { throwOnTimeout: true });
      return driver.query(text, values, opts);
    },
    exec: (sql) => (current()?.db ?? driver).exec(sql),
    tx(fn) {
      const active = current();
      if (active) return fn(active.db);
      return driver.transaction(async (conn) => {
        const state: ActiveTx = { db: txDb(driver.kind, conn, () => state.done, lost), done: false };
        openTx += 1;
        try {
          return await ambient.run(state, () => fn(state.db));
        } finally {
          state.done = true;
          // Node 20's AsyncLocalStorage, once enabled, runs a hook on every promise the process creates (a
          // third of the CPU of a cached tile request): switched off whenever no transaction is open, and on
          // again by the next run(). A context left on a resource by an ended transaction reads as done.
          openTx -= 1;
          if (openTx === 0) ambient.disable();
        }
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await driver.close();
      } finally {
        await onClose();
      }
    },
  };
  return root;
}

/** The handle passed to a transaction's callback; it refuses work once the transaction has ended. */
function txDb(kind: Db['kind'], conn: Connection, isDone: () => boolean, lost: Promise<Error>): Db {
  const live = (): Connection => {
    if (isDone()) throw new Error('This transaction has already ended; use the store, not the tx handle.');
    return conn;
  };
  const self: Db = {
    kind,
    lost,
    query: async (text, values, opts) => live().query(text, values, opts),
    exec: async (sql) => live().exec(sql),
    tx: (fn) => fn(self),
    close: async () => {
      throw new Error('close() called on a transaction handle');
    },
  };
  return self;
}

/** Opens the store, takes the DATA_DIR lock (PGlite on disk), applies and checks migrations. */
export async function openStore(opts: StoreOptions): Promise<Db> {
  const db = opts.databaseUrl ? await openPg(opts) : await openPglite(opts);
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

async function openPg(opts: StoreOptions): Promise<Db> {
  return dbFromDriver(await openPgDriver(opts.databaseUrl!, opts.schema, opts.logger), undefined, opts.readConcurrency);
}

async function openPglite(opts: StoreOptions): Promise<Db> {
  // Loaded when used: the embedded database's code costs a process about 40 MB, which one on PostgreSQL keeps.
  const { openPgliteDriver } = await import('./adapters/pglite.ts');
  const dataDir = opts.dataDir ?? './data';
  const settings = { sharedBuffersMb: opts.pgliteSharedBuffersMb };
  if (dataDir.startsWith('memory://')) return dbFromDriver(await openPgliteDriver(dataDir, opts.logger, settings));
  const dir = path.resolve(dataDir);
  // The lock comes first: two PGlite instances on one directory corrupt it.
  const lock: LockHandle = acquireLock(dir, { command: opts.command, logger: opts.logger });
  try {
    return dbFromDriver(await openPgliteDriver(dir, opts.logger, settings), async () => lock.release());
  } catch (err) {
    lock.release();
    throw err;
  }
}
