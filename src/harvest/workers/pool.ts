/**
 * The pool of mapping worker threads (piscina), one per process, started on first use. Mapping a first harvest
 * is CPU-bound (parsing each record and mapping it); in worker threads it overlaps with what the main thread
 * does meanwhile: HTTP, splitting pages, hashing, and the store, which for PGlite runs in the main thread too.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { RecordsPage } from '../../../harvesters/csw/split.ts';
import type { PageAt } from '../../../harvesters/types.ts';
import type { RawDocument } from '../../../mappings/types.ts';
import type { Mapped, SourceRef } from '../prepare.ts';
import { asBuffer, type MapTask, type PageTask } from './task.ts';

/**
 * Idle threads are ended after this long: a hub between two harvests gives their memory back. Idle threads
 * never keep the process alive (piscina unrefs them).
 */
const IDLE_TIMEOUT_MS = 30_000;

const THREAD_FILE = fileURLToPath(new URL('./thread.js', import.meta.url));

/** The tasks of thread.js, by export name. */
interface Tasks {
  map: [MapTask, Mapped];
  cswGetRecords: [PageTask, RecordsPage | undefined];
  warm: [null, null];
}

interface Shared {
  pool: Piscina;
  /** A thread has loaded the mappings and none has ended since. */
  loaded: boolean;
  loading?: Promise<void>;
  /** Documents mapped in the pool. */
  mapped: number;
  /** Pages being read in the pool (cswPageInPool). */
  pages: number;
}

let shared: Shared | undefined;

/** The process's pool, created with `threads` threads (at least one) the first time it is asked for. */
function poolOf(threads: number): Shared {
  if (shared) return shared;
  const maxThreads = Math.max(1, threads);
  const pool = new Piscina({ filename: THREAD_FILE, name: 'map', minThreads: 0, maxThreads, idleTimeout: IDLE_TIMEOUT_MS });
  const s: Shared = { pool, loaded: false, mapped: 0, pages: 0 };
  // A thread ended (idle, or died): the next run loads one again before it counts on the pool.
  pool.on('workerDestroy', () => {
    s.loaded = false;
    s.loading = undefined;
  });
  return (shared = s);
}

/**
 * Starts the pool's threads; resolves once one has loaded the mappings, which takes a thread about a second.
 * A thread that cannot load is not hidden: the pool is then deemed loaded, and each document fails with the
 * thread's error.
 */
export function startPool(threads: number): Promise<void> {
  const s = poolOf(threads);
  const warm = () => run(s, 'warm', null);
  s.loading ??= Promise.any(Array.from({ length: s.pool.options.maxThreads }, warm)).then(
    () => void (s.loaded = true),
    () => void (s.loaded = true),
  );
  return s.loading;
}

function run<K extends keyof Tasks>(s: Shared, name: K, input: Tasks[K][0]): Promise<Tasks[K][1]> {
  return s.pool.run(input, { name });
}

/** Whether the pool has a thread ready for documents (startPool). */
export function poolLoaded(): boolean {
  return shared?.loaded === true;
}

/**
 * Maps one document in the pool. A thread that dies under a document (out of memory on a huge one) fails that
 * document alone, as a report line: piscina replaces the thread for the next task.
 */
export async function mapInPool(threads: number, raw: RawDocument, source: SourceRef): Promise<Mapped> {
  const { bytes, mediaType, url, fetchedAt, nativeId } = raw;
  const task: MapTask = { raw: { bytes, mediaType, url, fetchedAt, ...(nativeId === undefined ? {} : { nativeId }) }, source: { id: source.id, url: source.url } };
  const s = poolOf(threads);
  try {
    const mapped = await run(s, 'map', task);
    s.mapped++;
    return mapped;
  } catch (err) {
    const message = `mapping worker failed: ${(err as Error).message}`;
    return { ok: false, lines: [{ nativeId: nativeId ?? null, url, severity: 'error', path: '/', message }] };
  }
}

/** Whether a thread has loaded the mappings and has no page to read (cswPageInPool). */
export function poolHasRoom(): boolean {
  return shared !== undefined && shared.loaded && shared.pages < shared.pool.options.maxThreads;
}

/**
 * Reads a CSW GetRecords page and maps its records in the pool (task.ts, cswGetRecordsTask); ask poolHasRoom
 * first: a page given while every thread has one waits its turn. Undefined when the split declines the page or
 * the task fails: the main thread's reading then names the error, if any.
 */
export async function cswPageInPool(threads: number, body: Buffer, at: PageAt, source: SourceRef): Promise<RecordsPage | undefined> {
  const s = poolOf(threads);
  let page: RecordsPage | undefined;
  s.pages++;
  try {
    page = await run(s, 'cswGetRecords', { body, at, source: { id: source.id, url: source.url } });
  } catch {
    return undefined;
  } finally {
    s.pages--;
  }
  for (const r of page?.records ?? []) r.bytes = asBuffer(r.bytes!);
  s.mapped += page?.records.length ?? 0;
  return page;
}

/** Documents the pool has mapped since it started (those mapped in the main thread meanwhile not counted). */
export function mappedInPool(): number {
  return shared?.mapped ?? 0;
}

/** Ends the pool's threads, with no run going (tests, a hub shutting down); the next mapping starts a new pool. */
export async function closeMappingPool(): Promise<void> {
  const current = shared;
  shared = undefined;
  await current?.pool.destroy();
}
