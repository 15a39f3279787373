/**
 * The Meilisearch adapter of the SearchIndex port (issue 4 §1), used when MEILI_URL (and MEILI_KEY) is set.
 *
 * One Meilisearch index (default `moisson-records`) holds one document per resource (document.ts), with the
 * settings of settings.ts. Writes are Meilisearch tasks, sent in batches and awaited (client.ts), so that
 * upsert/remove resolve once the change is searchable; a few batches are kept in flight so that Meilisearch
 * can merge them. A rebuild fills a fresh index `<name>-<timestamp>` and swaps it in atomically.
 *
 * Meilisearch stops at pagination.maxTotalHits: set to the deepest result `GET /api/search` accepts
 * (MAX_OFFSET), so both engines serve the same pages, and search() refuses pages beyond it with a `query`
 * error. Deep paging and harvest-style listings never come here: CSW, DCAT and OGC API Records page through
 * the store.
 */
import { Meilisearch, type IndexSwap } from 'meilisearch';
// The port-level checks both adapters apply (they live with the embedded engine, which came first).
import { validateQuery } from '../embedded/validate.ts';
import { MAX_OFFSET } from '../query.ts';
import { SearchError, type SearchDoc, type SearchIndex, type SearchQuery, type SearchResult } from '../types.ts';
import { awaitTask, call, runTask, type RetryOptions, type TaskOptions } from './client.ts';
import { toMeiliDoc } from './document.ts';
import { memberFilter } from './filter.ts';
import { completions, searchPlan, suggestRequest, toSearchResult } from './query.ts';
import { meiliSettings } from './settings.ts';

export interface MeiliIndexOptions {
  /** Meilisearch URL (MEILI_URL). */
  url: string;
  /**
   * API key (MEILI_KEY): the master key, or a key for this index (and `<index>-*`, the rebuilt ones) with the
   * actions search, documents.*, indexes.* (swap included), settings.*, tasks.get and stats.get.
   */
  key?: string;
  /** Index name; default `moisson-records`. */
  index?: string;
  /** Documents per write request; default 1000. */
  batchSize?: number;
  /** Write tasks enqueued before waiting for the oldest; default 4. */
  tasksInFlight?: number;
  /** pagination.maxTotalHits; default MAX_OFFSET of src/search/query.ts (10,000). */
  maxTotalHits?: number;
  /** faceting.maxValuesPerFacet; default 100. */
  maxValuesPerFacet?: number;
  /** Timeout of one HTTP request (ms); default 10 s. */
  requestTimeout?: number;
  /** Waiting for one task; default 120 s, polled every 100 ms. */
  task?: Partial<TaskOptions>;
  /** Retries on transient failures; default 4 retries from 250 ms up to 5 s apart (searches: 1 at most). */
  retry?: Partial<RetryOptions>;
  /** Clock for the names of rebuilt indexes (tests). */
  now?: () => number;
}

const DEFAULTS = {
  index: 'moisson-records',
  batchSize: 1000,
  tasksInFlight: 4,
  maxTotalHits: MAX_OFFSET,
  maxValuesPerFacet: 100,
  requestTimeout: 10_000,
};

/** The Meilisearch SearchIndex. Nothing is sent until a method is called (init() first). */
export function createMeiliIndex(options: MeiliIndexOptions): SearchIndex {
  return new MeiliIndex(options);
}

class MeiliIndex implements SearchIndex {
  readonly engine = 'meilisearch' as const;
  private readonly client: Meilisearch;
  private readonly uid: string;
  private readonly o: typeof DEFAULTS & { now: () => number };
  private readonly retry: RetryOptions;
  /** Searches have someone waiting: one quick retry absorbs a blip, then the portal answers 503. */
  private readonly searchRetry: RetryOptions;
  private readonly taskOptions: TaskOptions;

  constructor(options: MeiliIndexOptions) {
    this.o = {
      index: options.index || DEFAULTS.index,
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      tasksInFlight: options.tasksInFlight ?? DEFAULTS.tasksInFlight,
      maxTotalHits: options.maxTotalHits ?? DEFAULTS.maxTotalHits,
      maxValuesPerFacet: options.maxValuesPerFacet ?? DEFAULTS.maxValuesPerFacet,
      requestTimeout: options.requestTimeout ?? DEFAULTS.requestTimeout,
      now: options.now ?? Date.now,
    };
    this.uid = this.o.index;
    this.retry = { retries: 4, minTimeout: 250, maxTimeout: 5000, ...stripUndefined(options.retry ?? {}) };
    this.searchRetry = { ...this.retry, retries: Math.min(this.retry.retries, 1) };
    this.taskOptions = { timeout: 120_000, interval: 100, ...stripUndefined(options.task ?? {}) };
    this.client = new Meilisearch({ host: options.url, apiKey: options.key, timeout: this.o.requestTimeout });
  }

  async init(): Promise<void> {
    await this.ensureIndex(this.uid);
    await this.applySettings(this.uid);
  }

  async upsert(docs: SearchDoc[]): Promise<void> {
    await this.addDocuments(this.uid, [docs]);
  }

  async remove(ids: string[]): Promise<void> {
    for (const batch of chunks(ids, this.o.batchSize)) {
      await this.task(`delete ${batch.length} documents from ${this.uid}`, () => this.index().deleteDocuments(batch));
    }
  }

  async docsWithMember(recordId: string): Promise<string[]> {
    // The documents route, not search: it is not capped by maxTotalHits and needs no ranking.
    const page = await call('fetch documents by member', () =>
      this.index().getDocuments({ filter: memberFilter(recordId), fields: ['id'], limit: 1000 }), this.retry);
    return page.results.map((d) => String(d.id));
  }

  async search(q: SearchQuery): Promise<SearchResult> {
    validateQuery(q);
    if ((q.page - 1) * q.limit >= this.o.maxTotalHits) {
      throw new SearchError(
        `page ${q.page} is beyond the first ${this.o.maxTotalHits} results the search serves: narrow the query ` +
          '(complete listings: /records, CSW or OGC API Records)',
        'query',
      );
    }
    const plan = searchPlan(q, this.uid);
    const response =
      plan.kind === 'search'
        ? await call('search', () => this.index().search(undefined, plan.body), this.searchRetry)
        : await call('search', () => this.client.multiSearch(plan.body), this.searchRetry);
    return toSearchResult(response, q, { kind: plan.kind, indexUid: this.uid, maxTotalHits: this.o.maxTotalHits });
  }

  async suggest(prefix: string, limit: number): Promise<string[]> {
    const request = suggestRequest(prefix, limit);
    // Nothing to complete (punctuation only): Meilisearch would answer a placeholder search, i.e. everything.
    if (!/[\p{L}\p{N}]/u.test(request.q) || limit <= 0) return [];
    const response = await call('suggest', () => this.index().search(undefined, request), this.searchRetry);
    return completions(response.hits, request.q, limit);
  }

  async rebuild(docs: AsyncIterable<SearchDoc[]>, onProgress?: (indexed: number) => void): Promise<number> {
    const fresh = `${this.uid}-${this.o.now()}`;
    // The swap needs both indexes: on a first install the live one does not exist yet.
    await this.ensureIndex(this.uid);
    await this.task(`create index ${fresh}`, () => this.client.createIndex(fresh, { primaryKey: 'id' }));
    let indexed = 0;
    try {
      await this.applySettings(fresh);
      indexed = await this.addDocuments(fresh, docs, onProgress);
      // Sent without `rename` (Meilisearch 1.18+ only; older versions reject unknown fields): both exist.
      const swap = [{ indexes: [this.uid, fresh] }] as IndexSwap[];
      await this.task(`swap ${fresh} in as ${this.uid}`, () => this.client.swapIndexes(swap), { idempotent: false });
    } catch (err) {
      throw await this.abandon(fresh, err);
    }
    // After the swap, `fresh` names the previous documents.
    await this.task(`delete the previous index (now ${fresh})`, () => this.client.deleteIndex(fresh), { tolerate: ['index_not_found'] });
    return indexed;
  }

  async count(): Promise<number> {
    const stats = await call('stats', () => this.index().getStats(), this.retry);
    return stats.numberOfDocuments;
  }

  async close(): Promise<void> {
    // Nothing held: the client is stateless over the global fetch.
  }

  private index() {
    return this.client.index(this.uid);
  }

  private task(what: string, enqueue: Parameters<typeof runTask>[2], extra: { idempotent?: boolean; tolerate?: string[] } = {}) {
    return runTask(this.client, what, enqueue, { retry: this.retry, task: this.taskOptions, ...extra });
  }

  private async ensureIndex(uid: string): Promise<void> {
    await this.task(`create index ${uid}`, () => this.client.createIndex(uid, { primaryKey: 'id' }), { tolerate: ['index_already_exists'] });
  }

  private async applySettings(uid: string): Promise<void> {
    const settings = meiliSettings({ maxTotalHits: this.o.maxTotalHits, maxValuesPerFacet: this.o.maxValuesPerFacet });
    await this.task(`update the settings of ${uid}`, () => this.client.index(uid).updateSettings(settings));
  }

  /**
   * Sends documents in batches of batchSize, keeping up to tasksInFlight tasks enqueued (Meilisearch merges
   * consecutive additions into one indexing batch, and processes the tasks of an index in order). Resolves
   * once every task succeeded; returns the number of documents.
   */
  private async addDocuments(uid: string, source: AsyncIterable<SearchDoc[]> | Iterable<SearchDoc[]>, onProgress?: (n: number) => void): Promise<number> {
    const pending: { taskUid: number; size: number; what: string }[] = [];
    let done = 0;
    const settleOldest = async () => {
      const { taskUid, size, what } = pending.shift()!;
      await awaitTask(this.client, what, taskUid, { retry: this.retry, task: this.taskOptions });
      done += size;
      onProgress?.(done);
    };
    for await (const docs of source) {
      for (const batch of chunks(docs, this.o.batchSize)) {
        const what = `add ${batch.length} documents to ${uid}`;
        const enqueued = await call(what, () => this.client.index(uid).addDocuments(batch.map(toMeiliDoc), { primaryKey: 'id' }), this.retry);
        pending.push({ taskUid: enqueued.taskUid, size: batch.length, what });
        if (pending.length >= this.o.tasksInFlight) await settleOldest();
      }
    }
    while (pending.length > 0) await settleOldest();
    return done;
  }

  /** Deletes a half-built index after a failed rebuild; the rebuild's error is the one reported. */
  private async abandon(fresh: string, err: unknown): Promise<unknown> {
    try {
      await this.task(`delete the unfinished index ${fresh}`, () => this.client.deleteIndex(fresh), { tolerate: ['index_not_found'] });
      return err;
    } catch (cleanup) {
      if (err instanceof Error) err.message += ` (the unfinished index ${fresh} is left: ${(cleanup as Error).message})`;
      return err;
    }
  }
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
