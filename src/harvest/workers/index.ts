/**
 * Where a run maps its documents: in a pool of worker threads (pool.ts), or in the main thread. Both give the
 * same results; the orchestrator settles them in the harvester's order either way (run.ts).
 *
 * HARVEST_WORKERS sets the number of threads; 0 maps in the main thread (a context where worker threads cannot
 * start, or a profile of the whole harvest in one thread). The default is one thread per core but two: the main
 * thread keeps one (HTTP, hashing, and its share of the pages) and the store another (a PostgreSQL backend, or
 * PGlite in the main thread). On two cores that is none: there, bench/harvest measured the same records/s with
 * one worker thread as without, on either store, for 150 to 180 MB more peak RSS (the thread's own heap and
 * its copy of the mapping code).
 */
import { availableParallelism } from 'node:os';
import { decodedPieces } from '../../../harvesters/csw/responses.ts';
import { splitGetRecordsInTurns, type RecordsPage } from '../../../harvesters/csw/split.ts';
import type { PageAt, PageWorkers } from '../../../harvesters/types.ts';
import type { RawDocument } from '../../../mappings/types.ts';
import { mapForStore, type Mapped, type SourceRef } from '../prepare.ts';
import { cswPageInPool, mapInPool, poolHasRoom, poolLoaded, startPool } from './pool.ts';
import { mappedAsRead } from './task.ts';

export { closeMappingPool, mappedInPool, startPool } from './pool.ts';

export type MappingPlace = 'workers' | 'thread';

export interface DocumentMapper {
  readonly place: MappingPlace;
  /**
   * Documents a run may have handed over and not yet settled: enough to keep the threads busy while the main
   * thread waits on the store, few enough to bound the memory they hold.
   */
  readonly window: number;
  /** Maps one document; never rejects (a failure is a `Mapped` with its lines). */
  map(raw: RawDocument, source: SourceRef): Promise<Mapped>;
  /** Gets ready ahead of the first document (threads loading their code). */
  start(): void;
  /** What the run lends its harvester (HarvestContext.workers): page reading in the threads, if any. */
  workers(source: SourceRef): PageWorkers | undefined;
}

/** Documents in flight per worker thread (see DocumentMapper.window): a little over a page of 100 records. */
const WINDOW_PER_THREAD = 128;

/** The number of mapping threads: HARVEST_WORKERS, else the cores but two (at least none); 0 = the main thread. */
export function harvestWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.HARVEST_WORKERS?.trim();
  const n = text ? Number(text) : Number.NaN;
  if (Number.isInteger(n) && n >= 0) return n;
  return Math.max(0, availableParallelism() - 2);
}

/**
 * In the main thread, one document at a time: the harvester's tree (RawDocument.parsed) is read instead of the
 * bytes, and each document is settled before the next one is read, as the orchestrator always did. CSW pages are
 * read as a worker thread reads them (cswPageInThread).
 */
const inThread: DocumentMapper = {
  place: 'thread',
  window: 1,
  map: async (raw, source) => mapForStore(raw, source),
  start: () => undefined,
  workers: (source) => ({ cswGetRecords: async (body, at) => cswPageInThread(body, at, source) }),
};

/**
 * A CSW GetRecords page read here as a worker thread reads it (task.ts, mappedAsRead): each record mapped as soon
 * as its tree is built, and the tree dropped. A page whose trees were all kept until its records were mapped one by one held a
 * hundred trees (tens of megabytes), and the page after it, read ahead, as many again.
 */
async function cswPageInThread(body: Buffer, at: PageAt, source: SourceRef): Promise<RecordsPage | undefined> {
  // In turns: this thread answers HTTP too (a hub harvests while it serves).
  return splitGetRecordsInTurns(decodedPieces(body), mappedAsRead(at, source));
}

/**
 * In worker threads, several documents in flight. Until a thread has loaded the mappings (about a second after
 * the pool starts, or starts again after idling), documents are mapped in this thread rather than waiting: a
 * small harvest never waits for the pool, and a big one loses no time. A CSW page is read in a thread that has
 * none (cswPageInPool), else here, its records mapped as they are read (cswPageInThread): the work is shared,
 * whatever the number of threads and the cost of the store. A document whose tree the harvester built here
 * anyway (a page the streaming split declined) is mapped here too: parsing it again in a thread would cost more.
 */
function inWorkers(threads: number): DocumentMapper {
  return {
    place: 'workers',
    window: WINDOW_PER_THREAD * threads,
    map: (raw, source) => (poolLoaded() && !raw.parsed ? mapInPool(threads, raw, source) : inThread.map(raw, source)),
    start: () => void startPool(threads),
    workers: (source) => ({
      cswGetRecords: async (body, at) => (poolHasRoom() ? cswPageInPool(threads, body, at, source) : cswPageInThread(body, at, source)),
    }),
  };
}

/** The mapper for a run: `place` when given, else HARVEST_WORKERS decides. */
export function documentMapper(place?: MappingPlace, env: NodeJS.ProcessEnv = process.env): DocumentMapper {
  const threads = harvestWorkers(env);
  if (place === 'thread' || (place === undefined && threads === 0)) return inThread;
  return inWorkers(Math.max(1, threads));
}
