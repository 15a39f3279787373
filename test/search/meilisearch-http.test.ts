/**
 * The Meilisearch adapter over HTTP without a server (src/search/meilisearch/index.ts): nock stands in for
 * Meilisearch (nock 14 intercepts Node's fetch, which the official client uses), keeping a small model of its
 * indexes and tasks, logging every request and failing the test on any request it does not know. The tests
 * assert the exact request bodies, the order of the rebuild, task tracking, retries and error mapping.
 */
import net from 'node:net';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMeiliIndex, type MeiliIndexOptions } from '../../src/search/meilisearch/index.ts';
import { toMeiliDoc } from '../../src/search/meilisearch/document.ts';
import { meiliSettings } from '../../src/search/meilisearch/settings.ts';
import { SearchError, type SearchDoc, type SearchQuery } from '../../src/search/types.ts';

const HOST = 'http://meili.test:7700';
const KEY = 'test-master-key';

interface Logged {
  method: string;
  path: string;
  body: unknown;
  auth: string | undefined;
}

type Reply = [number, unknown];
type TaskError = { code: string; message: string; type?: string; link?: string };

/** A model of Meilisearch: indexes with documents, tasks that take one poll to finish, scripted faults. */
function fakeMeili() {
  const log: Logged[] = [];
  const indexes = new Map<string, Map<string, Record<string, unknown>>>();
  const tasks = new Map<number, { task: Record<string, unknown>; polls: number; stuck?: boolean }>();
  const faults: { method: string; path: RegExp; reply: Reply | Error }[] = [];
  const taskFaults: { path: RegExp; error: TaskError | 'stuck' }[] = [];
  const searchReplies: Reply[] = [];
  let nextUid = 0;

  const enqueue = (path: string, type: string, indexUid: string | null, apply: () => TaskError | void): Reply => {
    const uid = nextUid++;
    const fault = taskFaults.findIndex((f) => f.path.test(path));
    const scripted = fault >= 0 ? taskFaults.splice(fault, 1)[0].error : undefined;
    const error = scripted === 'stuck' ? undefined : (scripted ?? apply());
    const task = { uid, indexUid, type, status: error ? 'failed' : 'succeeded', error: error ? { type: 'invalid_request', link: '', ...error } : null };
    tasks.set(uid, { task, polls: 0, stuck: scripted === 'stuck' });
    return [202, { taskUid: uid, indexUid, status: 'enqueued', type, enqueuedAt: '2024-01-01T00:00:00Z' }];
  };

  const docs = (uid: string) => indexes.get(uid);

  const route = (method: string, path: string, body: unknown): Reply => {
    let m: RegExpExecArray | null;
    if (method === 'GET' && (m = /^\/tasks\/(\d+)$/.exec(path))) {
      const t = tasks.get(Number(m[1]))!;
      // Each task is seen `processing` once before it is done: the adapter must wait for it.
      const done = !t.stuck && t.polls++ > 0;
      return [200, done ? t.task : { ...t.task, status: 'processing', error: null }];
    }
    if (method === 'POST' && path === '/indexes') {
      const { uid } = body as { uid: string };
      return enqueue(path, 'indexCreation', uid, () => {
        if (indexes.has(uid)) return { code: 'index_already_exists', message: `Index \`${uid}\` already exists.` };
        indexes.set(uid, new Map());
      });
    }
    if (method === 'PATCH' && (m = /^\/indexes\/([\w-]+)\/settings$/.exec(path))) return enqueue(path, 'settingsUpdate', m[1], () => undefined);
    if (method === 'POST' && (m = /^\/indexes\/([\w-]+)\/documents\?primaryKey=id$/.exec(path))) {
      const uid = m[1];
      return enqueue(path, 'documentAdditionOrUpdate', uid, () => {
        for (const d of body as Record<string, unknown>[]) docs(uid)!.set(String(d.id), d);
      });
    }
    if (method === 'POST' && (m = /^\/indexes\/([\w-]+)\/documents\/delete-batch$/.exec(path))) {
      const uid = m[1];
      return enqueue(path, 'documentDeletion', uid, () => void (body as string[]).forEach((id) => docs(uid)!.delete(id)));
    }
    if (method === 'POST' && path === '/swap-indexes') {
      return enqueue(path, 'indexSwap', null, () => {
        const [[a, b]] = (body as { indexes: [string, string] }[]).map((s) => s.indexes);
        if (!indexes.has(a) || !indexes.has(b)) return { code: 'index_not_found', message: 'Indexes not found' };
        const docsA = indexes.get(a)!;
        indexes.set(a, indexes.get(b)!);
        indexes.set(b, docsA);
      });
    }
    if (method === 'DELETE' && (m = /^\/indexes\/([\w-]+)$/.exec(path))) {
      const uid = m[1];
      return enqueue(path, 'indexDeletion', uid, () => (indexes.delete(uid) ? undefined : { code: 'index_not_found', message: `Index \`${uid}\` not found.` }));
    }
    if (method === 'POST' && (m = /^\/indexes\/([\w-]+)\/documents\/fetch$/.exec(path))) {
      const { filter } = body as { filter: string };
      const id = /^members = "(.*)"$/.exec(filter)![1].replace(/\\(.)/g, '$1');
      const results = [...docs(m[1])!.values()].filter((d) => (d.members as string[]).includes(id)).map((d) => ({ id: d.id }));
      return [200, { results, offset: 0, limit: 1000, total: results.length }];
    }
    if (method === 'GET' && (m = /^\/indexes\/([\w-]+)\/stats$/.exec(path))) {
      return [200, { numberOfDocuments: docs(m[1])!.size, isIndexing: false, fieldDistribution: {} }];
    }
    if (method === 'POST' && (/^\/indexes\/[\w-]+\/search$/.test(path) || path === '/multi-search')) {
      const reply = searchReplies.shift();
      if (reply) return reply;
    }
    throw new Error(`unexpected request ${method} ${path}`);
  };

  const handler = (method: string) =>
    function (this: nock.ReplyFnContext, path: string, body: nock.Body, callback: (err: NodeJS.ErrnoException | null, reply: nock.ReplyFnResult) => void) {
      const parsed = typeof body === 'string' && body !== '' ? JSON.parse(body) : body === '' ? undefined : body;
      log.push({ method, path, body: parsed, auth: this.req.headers.authorization });
      const fault = faults.findIndex((f) => f.method === method && f.path.test(path));
      if (fault >= 0) {
        const { reply } = faults.splice(fault, 1)[0];
        return reply instanceof Error ? callback(reply, [0]) : callback(null, reply as nock.ReplyFnResult);
      }
      try {
        callback(null, route(method, path, parsed) as nock.ReplyFnResult);
      } catch (err) {
        unexpected.push(String(err));
        callback(null, [599, { message: String(err) }]);
      }
    };
  const unexpected: string[] = [];
  const scope = nock(HOST).persist();
  for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) scope.intercept(/.*/, method).reply(handler(method));

  return {
    log,
    indexes,
    unexpected,
    /** Requests other than task polls, as "METHOD path". */
    writes: () => log.filter((l) => !(l.method === 'GET' && l.path.startsWith('/tasks/'))).map((l) => `${l.method} ${l.path}`),
    failNext: (method: string, path: RegExp, status: number, body: unknown) => faults.push({ method, path, reply: [status, body] }),
    /** The next matching request fails as a refused connection would. */
    refuseNext: (method: string, path: RegExp) =>
      faults.push({ method, path, reply: Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:7700'), { code: 'ECONNREFUSED' }) }),
    failTask: (path: RegExp, error: TaskError | 'stuck') => taskFaults.push({ path, error }),
    replySearch: (status: number, body: unknown) => searchReplies.push([status, body]),
    createIndex: (uid: string, content: SearchDoc[] = []) => indexes.set(uid, new Map(content.map((d) => [d.id, toMeiliDoc(d)]))),
  };
}

const doc = (id: string, over: Partial<SearchDoc> = {}): SearchDoc => ({
  id, members: [id], sources: ['demo'], organisations: ['IGN'], identifier: `fr-${id}`, title: `Titre ${id}`, altTitles: [],
  abstract: `Résumé ${id}`, keywords: ['adresse'], topics: ['location'], type: 'dataset', formats: ['GeoJSON'],
  license: 'etalab-2.0', bboxes: [{ west: -5, south: 47, east: -1, north: 49 }], date: '2024-03-01', temporal: null,
  languages: ['fre'], thumbnail: null, ...over,
});

const query = (over: Partial<SearchQuery> = {}): SearchQuery => ({ sort: 'relevance', page: 1, limit: 20, facets: [], facetLimit: 10, ...over });

const FAST: Partial<MeiliIndexOptions> = { retry: { retries: 2, minTimeout: 1, maxTimeout: 2 }, task: { timeout: 2000, interval: 1 } };
const open = (over: Partial<MeiliIndexOptions> = {}) => createMeiliIndex({ url: HOST, key: KEY, ...FAST, ...over });

/** The SearchError a promise rejects with (fails the test when it resolves or rejects with something else). */
async function rejection(promise: Promise<unknown>): Promise<SearchError> {
  const err = await promise.then(() => new Error('resolved'), (e: unknown) => e);
  expect(err).toBeInstanceOf(SearchError);
  return err as SearchError;
}

let meili: ReturnType<typeof fakeMeili>;

beforeEach(() => {
  nock.disableNetConnect();
  meili = fakeMeili();
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
  expect(meili.unexpected).toEqual([]);
});

describe('Meilisearch adapter: writes', () => {
  it('init creates the index and applies the settings, with the API key', async () => {
    await open().init();
    expect(meili.writes()).toEqual(['POST /indexes', 'PATCH /indexes/moisson-records/settings']);
    expect(meili.log[0].body).toEqual({ uid: 'moisson-records', primaryKey: 'id' });
    expect(meili.log.find((l) => l.method === 'PATCH')!.body).toEqual(meiliSettings({ maxTotalHits: 10_000, maxValuesPerFacet: 100 }));
    expect(meili.log.every((l) => l.auth === `Bearer ${KEY}`)).toBe(true);
  });

  it('init on an existing index only updates its settings', async () => {
    meili.createIndex('moisson-records', [doc('a')]);
    await open().init();
    expect(meili.indexes.get('moisson-records')!.size).toBe(1);
    expect(meili.writes()).toEqual(['POST /indexes', 'PATCH /indexes/moisson-records/settings']);
  });

  it('upserts in batches, each body the Meilisearch documents, and resolves once every task is done', async () => {
    meili.createIndex('moisson-records');
    const docs = [doc('a'), doc('b', { bboxes: [], date: null }), doc('c')];
    await open({ batchSize: 2 }).upsert(docs);
    const posts = meili.log.filter((l) => l.method === 'POST');
    expect(posts.map((l) => l.path)).toEqual(['/indexes/moisson-records/documents?primaryKey=id', '/indexes/moisson-records/documents?primaryKey=id']);
    expect(posts[0].body).toEqual([toMeiliDoc(docs[0]), toMeiliDoc(docs[1])]);
    expect(posts[1].body).toEqual([toMeiliDoc(docs[2])]);
    expect((posts[0].body as Record<string, unknown>[])[0]).toMatchObject({
      id: 'a', title: 'Titre a', dateNum: 20240301, titleSort: 'titre a', bbox0_west: -5, bbox0_south: 47, bbox0_east: -1, bbox0_north: 49,
    });
    // Both tasks polled until they finished (each answers `processing` once).
    const polls = meili.log.filter((l) => l.path.startsWith('/tasks/')).map((l) => l.path);
    expect(polls).toEqual(['/tasks/0', '/tasks/0', '/tasks/1', '/tasks/1']);
    expect([...meili.indexes.get('moisson-records')!.keys()]).toEqual(['a', 'b', 'c']);
  });

  it('removes documents by id in batches', async () => {
    meili.createIndex('moisson-records', [doc('a'), doc('b'), doc('c')]);
    await open({ batchSize: 2 }).remove(['a', 'c', 'zz']);
    expect(meili.log.filter((l) => l.method === 'POST').map((l) => l.body)).toEqual([['a', 'c'], ['zz']]);
    expect([...meili.indexes.get('moisson-records')!.keys()]).toEqual(['b']);
  });

  it('does nothing for empty writes', async () => {
    await open().upsert([]);
    await open().remove([]);
    expect(meili.log).toEqual([]);
  });

  it('finds the documents listing a record among their members, and counts documents', async () => {
    meili.createIndex('moisson-records', [doc('a', { members: ['a', 'x"1'] }), doc('b'), doc('c', { members: ['c', 'x"1'] })]);
    const index = open();
    expect(await index.docsWithMember('x"1')).toEqual(['a', 'c']);
    expect(meili.log[0]).toMatchObject({ path: '/indexes/moisson-records/documents/fetch', body: { filter: 'members = "x\\"1"', fields: ['id'], limit: 1000 } });
    expect(await index.count()).toBe(3);
  });
});

describe('Meilisearch adapter: rebuild', () => {
  async function* batches(...lists: SearchDoc[][]) {
    for (const list of lists) yield list;
  }

  it('fills a fresh index, swaps it in, then deletes the previous documents', async () => {
    meili.createIndex('moisson-records', [doc('old')]);
    const progress: number[] = [];
    const n = await open({ now: () => 1700000000000 }).rebuild(batches([doc('a'), doc('b')], [doc('c')]), (k) => progress.push(k));
    const fresh = 'moisson-records-1700000000000';
    expect(n).toBe(3);
    expect(progress).toEqual([2, 3]);
    expect(meili.writes()).toEqual([
      'POST /indexes', // the live index, for the swap (exists: tolerated)
      'POST /indexes',
      `PATCH /indexes/${fresh}/settings`,
      `POST /indexes/${fresh}/documents?primaryKey=id`,
      `POST /indexes/${fresh}/documents?primaryKey=id`,
      'POST /swap-indexes',
      `DELETE /indexes/${fresh}`,
    ]);
    const bodies = meili.log.filter((l) => l.method !== 'GET').map((l) => l.body);
    expect(bodies[0]).toEqual({ uid: 'moisson-records', primaryKey: 'id' });
    expect(bodies[1]).toEqual({ uid: fresh, primaryKey: 'id' });
    expect(bodies[2]).toEqual(meiliSettings({ maxTotalHits: 10_000, maxValuesPerFacet: 100 }));
    expect(bodies[3]).toEqual([toMeiliDoc(doc('a')), toMeiliDoc(doc('b'))]);
    expect(bodies[5]).toEqual([{ indexes: ['moisson-records', fresh] }]);
    expect([...meili.indexes.keys()]).toEqual(['moisson-records']);
    expect([...meili.indexes.get('moisson-records')!.keys()]).toEqual(['a', 'b', 'c']);
  });

  it('creates the live index on a first rebuild so that the swap has both', async () => {
    await open({ now: () => 1 }).rebuild(batches([doc('a')]));
    expect([...meili.indexes.keys()]).toEqual(['moisson-records']);
    expect([...meili.indexes.get('moisson-records')!.keys()]).toEqual(['a']);
  });

  it('leaves the live index alone and deletes the fresh one when a batch fails', async () => {
    meili.createIndex('moisson-records', [doc('old')]);
    meili.failTask(/documents/, { code: 'invalid_document_id', message: 'Document identifier `a b` is invalid.' });
    const err = await rejection(open({ now: () => 7 }).rebuild(batches([doc('a')])));
    expect(err.message).toContain('invalid_document_id');
    expect(meili.writes().slice(-1)).toEqual(['DELETE /indexes/moisson-records-7']);
    expect(meili.writes()).not.toContain('POST /swap-indexes');
    expect([...meili.indexes.get('moisson-records')!.keys()]).toEqual(['old']);
    expect(meili.indexes.has('moisson-records-7')).toBe(false);
  });

  it('does not retry a swap that may have been applied (a second swap swaps back)', async () => {
    meili.createIndex('moisson-records', [doc('old')]);
    meili.failNext('POST', /^\/swap-indexes$/, 502, { message: 'bad gateway', code: 'internal', type: 'internal', link: '' });
    const err = await rejection(open({ now: () => 8 }).rebuild(batches([doc('a')])));
    expect(err.kind).toBe('unavailable');
    expect(meili.writes().filter((w) => w === 'POST /swap-indexes')).toHaveLength(1);
    expect([...meili.indexes.get('moisson-records')!.keys()]).toEqual(['old']);
  });
});

describe('Meilisearch adapter: search', () => {
  const hit = { ...toMeiliDoc(doc('a')), _formatted: { title: '«Titre» a', abstract: 'Résumé a' }, _matchesPosition: { title: [{ start: 0, length: 5 }] }, _rankingScore: 0.8 };

  it('sends the search body and maps the response', async () => {
    meili.replySearch(200, { hits: [hit], totalHits: 41, page: 2, hitsPerPage: 20, totalPages: 3, facetDistribution: { type: { dataset: 40, service: 1 }, sources: { demo: 41 } }, processingTimeMs: 2, query: 'titre' });
    const result = await open().search(query({
      q: 'titre', source: ['demo'], bbox: [{ west: -2, south: 48, east: -1, north: 48.5 }], sort: 'date', page: 2, facets: ['source'],
    }));
    expect(meili.log).toHaveLength(1);
    const body = meili.log[0].body as Record<string, unknown>;
    expect(meili.log[0].path).toBe('/indexes/moisson-records/search');
    expect(body).toMatchObject({
      q: 'titre', sort: ['dateNum:desc', 'id:asc'], facets: ['sources', 'type'], page: 2, hitsPerPage: 20, matchingStrategy: 'all',
      highlightPreTag: '«', highlightPostTag: '»', attributesToHighlight: ['title', 'abstract'], attributesToCrop: ['abstract'],
    });
    expect(body.filter).toMatch(/^\(sources IN \["demo"\]\) AND \(\(bbox0_west <= -1 AND bbox0_east >= -2 AND bbox0_south <= 48.5 AND bbox0_north >= 48\) OR /);
    expect(result).toEqual({
      total: 41,
      hits: [{ doc: doc('a'), score: 0.8, highlight: { title: '«Titre» a', snippet: '«Titre» a' } }],
      facets: { source: [{ value: 'demo', count: 41 }] },
    });
  });

  it('sends a query with OR to the multi-search route as a federation', async () => {
    meili.replySearch(200, { hits: [], estimatedTotalHits: 0, facetsByIndex: { 'moisson-records': { distribution: {}, stats: {} } } });
    const result = await open().search(query({ q: 'plu OR scot' }));
    expect(meili.log[0].path).toBe('/multi-search');
    expect((meili.log[0].body as { queries: { q: string }[] }).queries.map((q) => q.q)).toEqual(['plu', 'scot']);
    expect(result.total).toBe(0);
  });

  it('refuses a page beyond maxTotalHits without asking Meilisearch', async () => {
    const err = await rejection(open({ maxTotalHits: 1000 }).search(query({ page: 51, limit: 20 })));
    expect(err.kind).toBe('query');
    expect(err.message).toContain('first 1000 results');
    expect(meili.log).toEqual([]);
  });

  it('suggests from a prefix search on titles and keywords', async () => {
    meili.replySearch(200, { hits: [{ title: 'Adresses BAN', keywords: ['adresse', 'Adressage'] }], estimatedTotalHits: 1 });
    expect(await open().suggest('adr', 5)).toEqual(['adresse', 'Adressage', 'Adresses BAN']);
    expect(meili.log[0].body).toEqual({ q: 'adr', attributesToSearchOn: ['title', 'keywords'], attributesToRetrieve: ['title', 'keywords'], limit: 5, matchingStrategy: 'last' });
    expect(await open().suggest('  ', 5)).toEqual([]);
    expect(meili.log).toHaveLength(1);
  });
});

describe('Meilisearch adapter: failures', () => {
  it('surfaces a failed task as a SearchError naming the Meilisearch error', async () => {
    meili.createIndex('moisson-records');
    meili.failTask(/documents/, { code: 'invalid_document_geo_field', message: 'The `_geo` field in the document with the id: `a` is not an object.' });
    const err = await rejection(open().upsert([doc('a')]));
    expect(err.kind).toBe('internal');
    expect(err.message).toContain('invalid_document_geo_field');
    expect(err.message).toContain('is not an object');
    expect(err.message).toMatch(/task 0/);
  });

  it('gives up waiting for a task after the task timeout, as unavailable', async () => {
    meili.createIndex('moisson-records');
    meili.failTask(/documents/, 'stuck');
    const err = await rejection(open({ task: { timeout: 30, interval: 1 }, retry: { retries: 0 } }).upsert([doc('a')]));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toMatch(/timeout of 30ms/);
  });

  it('retries a 503, then succeeds', async () => {
    meili.failNext('POST', /search$/, 503, { message: 'Meilisearch is busy', code: 'internal', type: 'internal', link: '' });
    meili.replySearch(200, { hits: [], totalHits: 0, facetDistribution: {} });
    const result = await open().search(query({ q: 'eau' }));
    expect(result.total).toBe(0);
    expect(meili.log.map((l) => l.path)).toEqual(['/indexes/moisson-records/search', '/indexes/moisson-records/search']);
  });

  it('retries a failed document write and a failed poll: both are idempotent', async () => {
    meili.createIndex('moisson-records');
    meili.failNext('POST', /documents/, 500, { message: 'internal', code: 'internal', type: 'internal', link: '' });
    meili.failNext('GET', /^\/tasks\//, 429, { message: 'Too many requests', code: 'too_many_search_requests', type: 'system', link: '' });
    await open().upsert([doc('a')]);
    expect(meili.log.map((l) => `${l.method} ${l.path}`)).toEqual([
      'POST /indexes/moisson-records/documents?primaryKey=id',
      'POST /indexes/moisson-records/documents?primaryKey=id',
      'GET /tasks/0', 'GET /tasks/0', 'GET /tasks/0',
    ]);
  });

  it('stops retrying a write after the configured retries, as unavailable', async () => {
    meili.createIndex('moisson-records', [doc('a')]);
    for (let i = 0; i < 3; i++) meili.failNext('POST', /delete-batch$/, 503, { message: 'busy', code: 'internal', type: 'internal', link: '' });
    const err = await rejection(open().remove(['a']));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toContain('busy');
    expect(meili.log).toHaveLength(3);
    expect(meili.indexes.get('moisson-records')!.has('a')).toBe(true);
  });

  it('retries a search once only: someone is waiting for it', async () => {
    for (let i = 0; i < 2; i++) meili.failNext('POST', /search$/, 503, { message: 'busy', code: 'internal', type: 'internal', link: '' });
    const err = await rejection(open().search(query()));
    expect(err.kind).toBe('unavailable');
    expect(meili.log).toHaveLength(2);
  });

  it('maps an invalid filter to a query error, without retrying', async () => {
    meili.replySearch(400, { message: 'Attribute `x` is not filterable.', code: 'invalid_search_filter', type: 'invalid_request', link: '' });
    const err = await rejection(open().search(query({ type: ['dataset'] })));
    expect(err.kind).toBe('query');
    expect(err.message).toContain('invalid_search_filter');
    expect(meili.log).toHaveLength(1);
  });

  it('maps a refused key to unavailable, without retrying', async () => {
    meili.replySearch(403, { message: 'The provided API key is invalid.', code: 'invalid_api_key', type: 'auth', link: '' });
    const err = await rejection(open().search(query()));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toContain('invalid_api_key');
    expect(meili.log).toHaveLength(1);
  });

  it('retries a refused connection, even for the swap (the request never reached Meilisearch)', async () => {
    meili.createIndex('moisson-records', [doc('old')]);
    meili.refuseNext('POST', /^\/swap-indexes$/);
    async function* one() {
      yield [doc('a')];
    }
    await open({ now: () => 9 }).rebuild(one());
    expect(meili.writes().filter((w) => w === 'POST /swap-indexes')).toHaveLength(2);
    expect([...meili.indexes.get('moisson-records')!.keys()]).toEqual(['a']);
  });

  it('reports a server nobody listens on as unavailable, naming the refused connection', async () => {
    const port = await closedPort();
    nock.enableNetConnect('127.0.0.1');
    const index = createMeiliIndex({ url: `http://127.0.0.1:${port}`, retry: { retries: 1, minTimeout: 1, maxTimeout: 2 } });
    const err = await rejection(index.count());
    expect(err.kind).toBe('unavailable');
    expect(err.message).toMatch(/unreachable \(stats\).*ECONNREFUSED/);
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
