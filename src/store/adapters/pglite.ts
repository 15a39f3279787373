/**
 * PGlite adapter: embedded PostgreSQL (WASM), one connection, data in a directory or in memory, run in a thread
 * of its own (pglite-thread.mjs). PGlite executes a statement synchronously on the thread that calls it: in the
 * hub's main thread, every page read stopped HTTP for its length and the hub used one core. The thread answers
 * messages, one at a time in the order sent (PGlite's own locks order them):
 *
 *   { id, op: 'query', text, values, prepare, tx? } -> { rows, rowCount }
 *   { id, op: 'exec', sql, tx? }                    -> null
 *   { id, op: 'begin' }                             -> tx   (once PGlite opened it: other callers then wait)
 *   { id, op: 'end', tx, commit }                   -> null (COMMIT or ROLLBACK)
 *   { id, op: 'close' }                             -> null
 *
 * each answered by { id, ok: true, result } or { id, ok: false, error } (PostgreSQL's fields: code, detail…).
 * Not PGlite's node-postgres adapter: the Db seam is small enough to map directly.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { Connection, Driver, QueryOptions, QueryResult, StoreLogger } from '../db.ts';

const execFileAsync = promisify(execFile);
const THREAD_SCRIPT = fileURLToPath(new URL('./pglite-thread.mjs', import.meta.url));

/** The cluster creator run as a child process (createCluster). */
const INITDB_SCRIPT = fileURLToPath(new URL('./pglite-initdb.mjs', import.meta.url));
const INITDB_TIMEOUT_MS = 120_000;

/**
 * Creates the cluster of a new data directory in a child process. In this process, PGlite's initdb raised the
 * peak RSS from ~120 to ~850 MB, which it kept (opening an existing cluster: ~350 MB): a first start on a small
 * machine or a container with a memory limit would fail, or keep the memory. When the child cannot do it, the
 * cluster is created by the database's thread when it opens the directory, and the reason is logged.
 */
export async function createCluster(dataDir: string, logger?: StoreLogger): Promise<void> {
  try {
    await execFileAsync(process.execPath, [INITDB_SCRIPT, dataDir], { timeout: INITDB_TIMEOUT_MS, maxBuffer: 1024 * 1024 });
  } catch (err) {
    logger?.warn(`creating the PGlite cluster in a child process failed, creating it in the database thread: ${(err as Error).message}`);
  }
}

type Request =
  | { op: 'query'; text: string; values?: unknown[]; prepare?: boolean; tx?: number }
  | { op: 'exec'; sql: string; tx?: number }
  | { op: 'begin' }
  | { op: 'end'; tx: number; commit: boolean }
  | { op: 'close' };

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: Record<string, unknown> & { message: string } };

/** An Error carrying PostgreSQL's fields (code, detail, constraint…), as PGlite's and pg's errors do. */
function storeError(fields: Record<string, unknown> & { message: string }): Error {
  return Object.assign(new Error(fields.message), fields);
}

/** Values as the thread should receive them: a pooled Buffer would carry its whole 8 KB pool across. */
function portable(values: unknown[] | undefined): unknown[] | undefined {
  return values?.map((v) => (Buffer.isBuffer(v) && v.byteLength !== v.buffer.byteLength ? new Uint8Array(v) : v));
}

/** bytea arrives as a Uint8Array (a Buffer loses its class on the way): a Buffer over the same bytes, as pg gives. */
function withBuffers<R>(rows: R[]): R[] {
  for (const row of rows as Record<string, unknown>[]) {
    for (const key in row) {
      const v = row[key];
      if (v instanceof Uint8Array) row[key] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      else if (Array.isArray(v) && v[0] instanceof Uint8Array) row[key] = v.map((x: Uint8Array | null) => (x ? Buffer.from(x.buffer, x.byteOffset, x.byteLength) : x));
    }
  }
  return rows;
}

/**
 * PGlite's shared buffers, in MB, unless PGLITE_SHARED_BUFFERS says otherwise. PostgreSQL's default (128 MB, what
 * PGlite's initdb writes) is memory PGlite touches as it starts, inside its WebAssembly memory, which never
 * shrinks: 128 MB made a fresh embedded store cost ~280 MB of RSS, 16 MB ~170 MB. The files under the buffers
 * are the process's own (PGlite's node filesystem), so the kernel's page cache still holds what the buffers do
 * not: on a catalogue of 100,000 records (bench/csw, one run each, the noise larger than the differences),
 * random GetRecords pages went at 751 req/s (p95 61 ms) with 128 MB, 711 (63 ms) with 16 MB and 655 (68 ms)
 * with 32 MB, and the serving hub's peak RSS from 606 to 482 MB.
 */
export const PGLITE_SHARED_BUFFERS_MB = 16;

/**
 * The PGlite thread's young generation, in MB. V8's default lets it reach ~48 MB (16 MB semi-spaces) on a 64-bit
 * machine, for objects that live one statement (parameters on their way into WebAssembly memory, rows on their
 * way out); 8 MB took 10–20 MB off a harvest's peak and nothing measurable off its speed (bench/harvest).
 */
const PGLITE_THREAD_YOUNG_MB = 8;

/** Settings of the embedded database, from the hub's configuration. */
export interface PgliteSettings {
  /** Shared buffers in MB (default PGLITE_SHARED_BUFFERS_MB). */
  sharedBuffersMb?: number;
}

/** The threads of the stores open in this process; tests end them to see what a hub does without its database. */
const openThreads = new Set<Worker>();
export const pgliteThreadsForTests = (): Worker[] => [...openThreads];

/**
 * Opens PGlite on `dataDir` (a directory, or `memory://…`) in its own thread; a new directory's cluster is made by
 * createCluster first.
 */
export async function openPgliteDriver(dataDir: string, logger?: StoreLogger, settings: PgliteSettings = {}): Promise<Driver> {
  if (!dataDir.startsWith('memory://') && !existsSync(path.join(dataDir, 'PG_VERSION'))) await createCluster(dataDir, logger);
  // Plain JavaScript: none of this process's node options (a loader such as tsx, an --eval's --input-type).
  const sharedBuffersMb = settings.sharedBuffersMb ?? PGLITE_SHARED_BUFFERS_MB;
  const worker = new Worker(THREAD_SCRIPT, {
    workerData: { dataDir, sharedBuffersMb }, name: 'pglite', execArgv: [],
    resourceLimits: { maxYoungGenerationSizeMb: PGLITE_THREAD_YOUNG_MB },
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let stopped: Error | undefined;
  let closing: Promise<void> | undefined;
  let markLost!: (err: Error) => void;
  const lost = new Promise<Error>((resolve) => { markLost = resolve; });

  const stop = (err: Error) => {
    stopped ??= err;
    for (const p of pending.values()) p.reject(stopped);
    pending.clear();
    // Lost, unless the store was being closed (then the thread ending is the point).
    if (!closing) markLost(stopped);
  };
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => reject(new Error(`the embedded database (PGlite) could not open ${dataDir}: ${err.message}`));
    const exited = (code: number) => reject(new Error(`the embedded database (PGlite) thread exited with code ${code} while opening ${dataDir}`));
    worker.once('error', failed);
    worker.once('exit', exited);
    worker.once('message', () => {
      worker.off('error', failed);
      worker.off('exit', exited);
      resolve();
    });
  });
  worker.on('message', (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.ok) p.resolve(m.result);
    else p.reject(storeError(m.error));
  });
  worker.on('error', (err) => {
    logger?.warn(`the embedded database (PGlite) thread failed: ${err.message}`);
    stop(new Error(`the embedded database (PGlite) thread failed: ${err.message}`));
  });
  worker.on('exit', (code) => stop(new Error(`the embedded database (PGlite) thread has stopped (exit code ${code})`)));
  // The thread keeps the process alive only while it has work: a command that forgot to close still ends.
  worker.unref();
  openThreads.add(worker);
  void lost.then(() => openThreads.delete(worker));

  function call<T>(request: Request): Promise<T> {
    if (stopped) return Promise.reject(stopped);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (pending.size === 1) worker.ref();
      worker.postMessage({ id, ...request });
    });
  }

  const connection = (tx?: number): Connection => ({
    async query<R>(text: string, values?: unknown[], opts?: QueryOptions): Promise<QueryResult<R>> {
      const r = await call<QueryResult<R>>({ op: 'query', text, values: portable(values), prepare: opts?.prepare, tx });
      withBuffers(r.rows);
      return r;
    },
    async exec(sql: string): Promise<void> {
      await call({ op: 'exec', sql, tx });
    },
  });
  const root = connection();
  return {
    kind: 'pglite',
    lost,
    query: root.query,
    exec: root.exec,
    // Other callers' statements wait in the thread until this transaction ends (PGlite's transaction lock).
    async transaction(fn) {
      const tx = await call<number>({ op: 'begin' });
      let result;
      try {
        result = await fn(connection(tx));
      } catch (err) {
        await call({ op: 'end', tx, commit: false }).catch(() => {});
        throw err;
      }
      await call({ op: 'end', tx, commit: true });
      return result;
    },
    close() {
      closing ??= (async () => {
        if (!stopped) await call({ op: 'close' });
        await worker.terminate();
        openThreads.delete(worker);
      })();
      return closing;
    },
  };
}
