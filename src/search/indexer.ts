/**
 * Index sync (DESIGN §2): keeps the SearchIndex in step with the store through the search outbox, and rebuilds
 * it from scratch (`moisson reindex`).
 *
 * The index holds one document per resource, keyed by the preferred record of its group
 * (src/store/identity.ts): a record is a document when it is visible and no visible record sharing a resource
 * identifier with it ranks before it — the rule `GET /records?distinct=true` lists by. A change to one record
 * can therefore change other documents: its neighbours may gain or lose it as a member, or become (or stop
 * being) the preferred record. For each changed record the drain looks at every record whose document may
 * have changed — itself, its neighbours now, the documents that list it (asked of the index), and the records
 * that shared the identifiers it had before its latest changes (from record_history) — and decides each one
 * from the store as it is now. Deciding from the current state makes a batch idempotent: replaying it, or
 * looking at more records than needed, never produces a wrong index.
 *
 * A batch is acknowledged only once the index has applied it; a failing batch stays in the outbox and is
 * retried with an exponential, capped delay, its error kept for /readyz.
 */
import type { Db } from '../store/db.ts';
import { listDistinct, resourceGroup } from '../store/identity.ts';
import {
  clearOutboxUpTo, neighboursOf, outboxHighWater, previousKeys, recordsWithKeys, visiblePage, visibleRecords, type VisibleRow,
} from '../store/index-sync.ts';
import { ackOutbox, pendingOutbox } from '../store/outbox.ts';
import { packCatalogueIso, removeFromCatalogue, sweepCatalogue, writeCatalogue, type CatalogueEntry } from '../store/catalogue.ts';
import { searchDoc } from './document.ts';
import type { SearchDoc, SearchIndex } from './types.ts';

// ---- Documents ---------------------------------------------------------------------------------------------

/**
 * The document of a visible record and its catalogue entry (src/store/catalogue.ts, what the publishers read),
 * or null when it is not the preferred record of its group.
 */
async function docFor(db: Db, row: VisibleRow): Promise<{ doc: SearchDoc; entry: CatalogueEntry } | null> {
  // Most records share no identifier: they are their own group, and need no ranking query.
  let group = { members: [row.id], sources: [row.source_id] };
  if (row.grouped) {
    const g = await resourceGroup(db, row.id);
    if (!g || g.preferred !== row.id) return null;
    group = { members: g.members.map((m) => m.id), sources: g.members.map((m) => m.sourceId) };
  }
  return { doc: searchDoc(row.id, row.record, group), entry: { recordId: row.id, record: row.record, group } };
}

/** What the index and the catalogue must hold for each of these record ids, decided from the store as it is now. */
async function plan(db: Db, ids: string[]): Promise<{ upsert: SearchDoc[]; entries: CatalogueEntry[]; remove: string[] }> {
  const visible = new Map((await visibleRecords(db, ids)).map((row) => [row.id, row]));
  const upsert: SearchDoc[] = [];
  const entries: CatalogueEntry[] = [];
  const remove: string[] = [];
  for (const id of ids) {
    const row = visible.get(id);
    const found = row ? await docFor(db, row) : null;
    if (found) {
      upsert.push(found.doc);
      entries.push(found.entry);
    } else {
      remove.push(id);
    }
  }
  return { upsert, entries, remove };
}

/** Every record whose document may have changed with these records (see the module comment). */
async function affected(db: Db, index: SearchIndex, changes: Map<string, number>): Promise<string[]> {
  const changed = [...changes.keys()];
  const out = new Set(changed);
  for (const id of changed) for (const doc of await index.docsWithMember(id)) out.add(doc);
  for (const id of await neighboursOf(db, changed)) out.add(id);
  const depth = Math.max(...changes.values());
  for (const id of await recordsWithKeys(db, await previousKeys(db, changed, depth))) out.add(id);
  return [...out];
}

/**
 * Applies the oldest `batchSize` outbox rows to the index and acknowledges them; returns how many rows it
 * applied (0: the outbox is empty, or another hub is draining it). Throws, acknowledging nothing, when the
 * index or the store fails.
 */
export async function drainBatch(db: Db, index: SearchIndex, batchSize = 200): Promise<number> {
  // PGlite has one process (the DATA_DIR lock), whose indexer drains one batch at a time.
  if (db.kind !== 'pg') return applyBatch(db, index, batchSize);
  // Several hubs may share one PostgreSQL: one drains at a time (per schema), or a hub could write a document
  // read from an older snapshot over the newer one another hub has just written.
  return db.tx(async (t) => {
    const r = await t.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.search_outbox')) AS locked`);
    return r.rows[0].locked ? applyBatch(t, index, batchSize) : 0;
  });
}

async function applyBatch(db: Db, index: SearchIndex, batchSize: number): Promise<number> {
  const rows = await pendingOutbox(db, batchSize);
  if (rows.length === 0) return 0;
  // Record id -> number of changes in this batch (the op does not matter: the current state decides).
  const changes = new Map<string, number>();
  for (const row of rows) changes.set(row.recordId, (changes.get(row.recordId) ?? 0) + 1);
  const { upsert, entries, remove } = await plan(db, await affected(db, index, changes));
  // The catalogue first: it lives in the store, so the publishers stay current while the index is unreachable
  // (the batch is then replayed, which rewrites the same rows).
  await removeFromCatalogue(db, remove);
  await writeCatalogue(db, entries);
  if (remove.length > 0) await index.remove(remove);
  if (upsert.length > 0) await index.upsert(upsert);
  await ackOutbox(db, rows.map((r) => r.id));
  return rows.length;
}

/** The document of every resource, in id order, a page at a time (never the whole catalogue in memory). */
export async function* allDocs(db: Db, pageSize = 500): AsyncGenerator<SearchDoc[]> {
  let after: string | null = null;
  for (;;) {
    const page = await visiblePage(db, after, pageSize);
    if (page.length === 0) return;
    after = page.at(-1)!.id;
    const docs: SearchDoc[] = [];
    const entries: CatalogueEntry[] = [];
    const notPreferred: string[] = [];
    for (const row of page) {
      const found = await docFor(db, row);
      if (found) {
        docs.push(found.doc);
        entries.push(found.entry);
      } else {
        notPreferred.push(row.id);
      }
    }
    // A rebuild rewrites the catalogue as it goes (sweepCatalogue then drops the rows of invisible records).
    await removeFromCatalogue(db, notPreferred);
    await writeCatalogue(db, entries);
    if (docs.length > 0) yield docs;
  }
}

export interface RebuildProgress {
  indexed: number;
  /** Number of resources (preferred visible records) when the rebuild started. */
  total: number;
}

/**
 * Rebuilds the index from every visible resource, swapped in atomically by the adapter, then clears the outbox
 * rows written before the rebuild started (the rebuild has read their effects; later rows are drained as
 * usual). Returns the number of documents indexed.
 */
export async function rebuildIndex(db: Db, index: SearchIndex, onProgress?: (p: RebuildProgress) => void): Promise<number> {
  await index.init();
  const before = await outboxHighWater(db);
  const { total } = await listDistinct(db, { limit: 0, offset: 0 });
  onProgress?.({ indexed: 0, total });
  let reported = 0;
  const documents = await index.rebuild(allDocs(db), (indexed) => {
    reported = indexed;
    onProgress?.({ indexed, total });
  });
  // Whatever the adapter reported last, the bar ends on the real count.
  if (reported !== documents) onProgress?.({ indexed: documents, total });
  await sweepCatalogue(db);
  await clearOutboxUpTo(db, before);
  return documents;
}

// ---- The worker ---------------------------------------------------------------------------------------------

export interface IndexerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface IndexerOptions {
  /** Outbox rows per batch (default 200). */
  batchSize?: number;
  /** How often an idle worker looks at the outbox, in ms (default 2000). */
  intervalMs?: number;
  /** First retry delay after a failed batch, doubled at each failure up to `retryMaxMs` (1 s, 5 min). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  logger?: IndexerLogger;
  now?: () => number;
}

export interface IndexerFailure {
  message: string;
  /** When the last attempt failed, and when the next one is due (ISO 8601). */
  at: string;
  nextAttemptAt: string;
  /** Consecutive failed attempts. */
  attempts: number;
}

export interface IndexerStatus {
  engine: SearchIndex['engine'];
  /** Outbox rows applied since the worker started. */
  applied: number;
  rebuilding: boolean;
  /** Set while batches fail; cleared by the first batch that succeeds. */
  lastError?: IndexerFailure;
}

export interface Indexer {
  readonly index: SearchIndex;
  /** Starts the worker loop: it drains at once, then every `intervalMs`, sooner when woken. */
  start(): void;
  /** Stops the loop and waits for the batch in progress; the index itself is left open. */
  stop(): Promise<void>;
  /** Asks for a drain now (after a harvest); ignored while backing off after a failure. */
  wake(): void;
  /** Drains until the outbox is empty; throws when a batch fails (which is then retried by the loop). */
  drain(): Promise<number>;
  /** `rebuildIndex`, with the worker paused so that no batch lands in the index being replaced. */
  rebuild(onProgress?: (p: RebuildProgress) => void): Promise<number>;
  status(): IndexerStatus;
}

/** Consecutive failures of the sync and when the next attempt is due: an exponential delay, capped. */
function retryClock(baseMs: number, maxMs: number, now: () => number) {
  let failure: (IndexerFailure & { due: number }) | undefined;
  return {
    /** Records a failed attempt; returns the delay before the next one. */
    failed(err: unknown): number {
      const attempts = (failure?.attempts ?? 0) + 1;
      const delay = Math.min(maxMs, baseMs * 2 ** (attempts - 1));
      const due = now() + delay;
      failure = { message: (err as Error)?.message ?? String(err), at: new Date(now()).toISOString(),
        nextAttemptAt: new Date(due).toISOString(), attempts, due };
      return delay;
    },
    /** Clears the failures; returns how many attempts had failed (0: none). */
    succeeded(): number {
      const attempts = failure?.attempts ?? 0;
      failure = undefined;
      return attempts;
    },
    /** Time left before the next attempt may run (0: now). */
    waitMs: (): number => (failure ? Math.max(0, failure.due - now()) : 0),
    current(): IndexerFailure | undefined {
      if (!failure) return undefined;
      const { message, at, nextAttemptAt, attempts } = failure;
      return { message, at, nextAttemptAt, attempts };
    },
  };
}

/** The outbox worker of a hub. */
export function createIndexer(db: Db, index: SearchIndex, opts: IndexerOptions = {}): Indexer {
  const batchSize = opts.batchSize ?? 200;
  const intervalMs = opts.intervalMs ?? 2000;
  const retry = retryClock(opts.retryBaseMs ?? 1000, opts.retryMaxMs ?? 300_000, opts.now ?? Date.now);
  let initialised = false;
  /** Every catalogue row has its ISO piece (rows written before migration 8 are packed a batch per tick). */
  let packed = false;
  /** The last catalogue row the packing of unpacked rows read (packCatalogueIso goes on after it). */
  let packedUpTo = '';
  let stopped = true;
  let rebuilding = false;
  let applied = 0;
  let timer: NodeJS.Timeout | undefined;
  // Batches, drains and rebuilds run one at a time, in call order.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn);
    queue = run.catch(() => {});
    return run;
  };

  const schedule = (delay: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, delay);
    // The HTTP server keeps a hub alive; a pending retry must not keep a finished process (a test) running.
    timer.unref();
  };

  /** One batch: true when the outbox may hold more. A failure is recorded, then rethrown. */
  const batch = async (): Promise<boolean> => {
    try {
      if (!initialised) {
        await index.init();
        initialised = true;
      }
      const n = await drainBatch(db, index, batchSize);
      applied += n;
      if (!packed) {
        const p = await packCatalogueIso(db, batchSize, packedUpTo);
        packedUpTo = p.last ?? packedUpTo;
        packed = p.read < batchSize;
      }
      const attempts = retry.succeeded();
      if (attempts > 0) opts.logger?.info({ attempts }, 'search index sync recovered');
      return n === batchSize || !packed;
    } catch (err) {
      const retryInMs = retry.failed(err);
      opts.logger?.warn({ err, attempts: retry.current()!.attempts, retryInMs }, 'search index sync failed; the batch will be retried');
      throw err;
    }
  };

  function tick(): void {
    timer = undefined;
    if (stopped) return;
    // A timer set before a failure (or a wake) must not cut the backoff short.
    if (retry.waitMs() > 0) return schedule(retry.waitMs());
    serial(batch).then((more) => schedule(more ? 0 : intervalMs), () => schedule(retry.waitMs()));
  }

  const drainAll = async (): Promise<number> => {
    const before = applied;
    let more = true;
    while (more) more = await batch();
    return applied - before;
  };

  const rebuild = async (onProgress?: (p: RebuildProgress) => void): Promise<number> => {
    rebuilding = true;
    try {
      const n = await rebuildIndex(db, index, onProgress);
      initialised = true;
      retry.succeeded();
      return n;
    } finally {
      rebuilding = false;
      // The rows written during the rebuild are still in the outbox.
      schedule(0);
    }
  };

  return {
    index,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await queue;
    },
    wake() {
      if (retry.waitMs() === 0) schedule(0);
    },
    drain: () => serial(drainAll),
    rebuild: (onProgress) => serial(() => rebuild(onProgress)),
    status() {
      const lastError = retry.current();
      return { engine: index.engine, applied, rebuilding, ...(lastError ? { lastError } : {}) };
    },
  };
}
