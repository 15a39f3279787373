/**
 * The Meilisearch request builder, response mapping and settings (src/search/meilisearch/query.ts,
 * settings.ts), as pure functions.
 */
import type { SearchResponse } from 'meilisearch';
import { describe, expect, it } from 'vitest';
import { BBOX_FIELDS, toMeiliDoc } from '../../src/search/meilisearch/document.ts';
import {
  completions, meiliQ, MAX_ALTERNATIVES, parseWebsearch, searchPlan, suggestRequest, toSearchResult, type Term,
} from '../../src/search/meilisearch/query.ts';
import { meiliSettings, STOP_WORDS, synonyms, SYNONYM_GROUPS } from '../../src/search/meilisearch/settings.ts';
import { SearchError, type SearchDoc, type SearchQuery } from '../../src/search/types.ts';

const query = (over: Partial<SearchQuery> = {}): SearchQuery => ({ sort: 'relevance', page: 1, limit: 20, facets: [], facetLimit: 10, ...over });
const w = (text: string, negated = false): Term => ({ text, phrase: false, negated });
const p = (text: string, negated = false): Term => ({ text, phrase: true, negated });

const doc = (over: Partial<SearchDoc> = {}): SearchDoc => ({
  id: 'd1', members: ['d1'], sources: ['s'], organisations: [], identifier: null, title: 'T', altTitles: [], abstract: '',
  keywords: [], topics: [], type: 'dataset', formats: [], license: null, bboxes: [], date: null, temporal: null,
  languages: [], thumbnail: null, ...over,
});

describe('web-search syntax for Meilisearch', () => {
  // Expected readings checked against PostgreSQL 15's websearch_to_tsquery, the embedded engine's parser.
  it.each([
    ['plan local', [[w('plan'), w('local')]]],
    ['a b OR c d', [[w('a'), w('b')], [w('c'), w('d')]]],
    ['"x y" or z -w', [[p('x y')], [w('z'), w('w', true)]]],
    ['a OR -b', [[w('a')], [w('b', true)]]],
    ['or a', [[w('or'), w('a')]]],
    ['a or', [[w('a'), w('or')]]],
    ['a OR OR b', [[w('a')], [w('b')]]],
  ])('reads %j as PostgreSQL does', (q, expected) => {
    expect(parseWebsearch(q)).toEqual(expected);
  });

  it('reads phrases, unclosed phrases and excluded phrases', () => {
    expect(parseWebsearch('-"zone   humide" "eau potable')).toEqual([[p('zone humide', true), p('eau potable')]]);
  });

  it('drops what Meilisearch would misread: stray quotes in words, lone dashes, empty phrases', () => {
    expect(parseWebsearch('l"eau - "" --sol')).toEqual([[w('leau'), w('sol', true)]]);
    expect(parseWebsearch('  " " - ')).toEqual([]);
  });

  it('writes an alternative as Meilisearch q', () => {
    expect(meiliQ([w('plan'), p('zone humide'), w('rennes', true), p('a b', true)])).toBe('plan "zone humide" -rennes -"a b"');
  });

  it('refuses more alternatives than a multi-search should carry', () => {
    const q = Array.from({ length: MAX_ALTERNATIVES + 1 }, (_, i) => `w${i}`).join(' OR ');
    expect(() => parseWebsearch(q)).toThrow(SearchError);
    expect(parseWebsearch(Array.from({ length: MAX_ALTERNATIVES }, (_, i) => `w${i}`).join(' OR '))).toHaveLength(MAX_ALTERNATIVES);
  });
});

describe('Meilisearch search requests', () => {
  const displayed = ['id', 'members', 'sources', 'organisations', 'identifier', 'title', 'altTitles', 'abstract', 'keywords',
    'topics', 'type', 'formats', 'license', 'bboxes', 'date', 'temporal', 'languages', 'thumbnail'];

  it('builds a plain search: words all required, filter, facets plus type, page, highlight and crop', () => {
    const plan = searchPlan(query({ q: 'plan "zone humide"', type: ['dataset'], from: '2020-01-01', page: 3, limit: 5, facets: ['keyword', 'source'] }), 'idx');
    expect(plan).toEqual({
      kind: 'search',
      body: {
        q: 'plan "zone humide"',
        filter: '(type IN ["dataset"]) AND (dateNum >= 20200101)',
        matchingStrategy: 'all',
        attributesToRetrieve: displayed,
        attributesToHighlight: ['title', 'abstract'],
        highlightPreTag: '«',
        highlightPostTag: '»',
        attributesToCrop: ['abstract'],
        cropLength: 30,
        cropMarker: '…',
        showMatchesPosition: true,
        showRankingScore: true,
        facets: ['keywords', 'sources', 'type'],
        page: 3,
        hitsPerPage: 5,
      },
    });
  });

  it('sorts a browse newest first, and by date or title when asked, relevance otherwise', () => {
    const sortOf = (q: Partial<SearchQuery>) => (searchPlan(query(q), 'idx').body as { sort?: string[] }).sort;
    expect(sortOf({})).toEqual(['dateNum:desc', 'id:asc']);
    expect(sortOf({ q: 'route' })).toBeUndefined();
    expect(sortOf({ q: 'route', sort: 'date' })).toEqual(['dateNum:desc', 'id:asc']);
    expect(sortOf({ q: 'route', sort: 'title' })).toEqual(['titleSort:asc', 'id:asc']);
    expect(searchPlan(query(), 'idx').body).not.toHaveProperty('q');
  });

  it('sends a query with OR as a federated multi-search, one query per alternative', () => {
    const plan = searchPlan(query({ q: 'plu OR "carte communale"', source: ['geobretagne'], page: 2, limit: 10, facets: ['type'] }), 'idx');
    expect(plan.kind).toBe('federated');
    const body = plan.body as { federation: unknown; queries: Record<string, unknown>[] };
    expect(body.federation).toEqual({ offset: 10, limit: 10, facetsByIndex: { idx: ['type'] } });
    expect(body.queries.map((q) => [q.indexUid, q.q, q.filter, q.matchingStrategy])).toEqual([
      ['idx', 'plu', 'sources IN ["geobretagne"]', 'all'],
      ['idx', '"carte communale"', 'sources IN ["geobretagne"]', 'all'],
    ]);
    // Pagination and facets belong to the federation: Meilisearch refuses them per query.
    for (const q of body.queries) for (const key of ['page', 'hitsPerPage', 'limit', 'offset', 'facets']) expect(q).not.toHaveProperty(key);
  });
});

describe('Meilisearch responses', () => {
  const stored = toMeiliDoc(doc({ id: 'a', title: 'Plan local', abstract: 'Le plan local d’urbanisme de Rennes', date: '2021-02-03' }));

  it('maps hits with their highlight: the abstract extract when it matched, else the title', () => {
    const response = {
      hits: [
        { ...stored, _formatted: { title: '«Plan» local', abstract: '…le «plan» local…' }, _matchesPosition: { title: [{ start: 0, length: 4 }], abstract: [{ start: 3, length: 4 }] }, _rankingScore: 0.9 },
        { ...stored, id: 'b', _formatted: { title: '«Plan» local', abstract: 'Le plan local…' }, _matchesPosition: { title: [{ start: 0, length: 4 }] }, _rankingScore: 0.5 },
      ],
      totalHits: 2, facetDistribution: { type: { dataset: 2 } }, processingTimeMs: 1, query: 'plan',
    } as unknown as SearchResponse;
    const result = toSearchResult(response, query({ q: 'plan' }), { kind: 'search', indexUid: 'idx', maxTotalHits: 1000 });
    expect(result.total).toBe(2);
    expect(result.hits.map((h) => [h.doc.id, h.score, h.highlight])).toEqual([
      ['a', 0.9, { title: '«Plan» local', snippet: '…le «plan» local…' }],
      ['b', 0.5, { title: '«Plan» local', snippet: '«Plan» local' }],
    ]);
    expect(result.hits[0].doc).toEqual(doc({ id: 'a', title: 'Plan local', abstract: 'Le plan local d’urbanisme de Rennes', date: '2021-02-03' }));
  });

  it('gives a browse the start of the abstract and a zero score', () => {
    const response = { hits: [{ ...stored, _formatted: { title: 'Plan local', abstract: 'Le plan local…' }, _rankingScore: 1 }], totalHits: 1 } as unknown as SearchResponse;
    const [hit] = toSearchResult(response, query(), { kind: 'search', indexUid: 'idx', maxTotalHits: 1000 }).hits;
    expect(hit.score).toBe(0);
    expect(hit.highlight).toEqual({ title: 'Plan local', snippet: 'Le plan local…' });
  });

  it('keeps the asked facets only, most frequent first, ties by value, cut at facetLimit', () => {
    const response = {
      hits: [], totalHits: 9,
      facetDistribution: { type: { dataset: 9 }, keywords: { b: 2, a: 2, c: 5, d: 1 }, sources: {} },
    } as unknown as SearchResponse;
    const result = toSearchResult(response, query({ facets: ['keyword', 'source'], facetLimit: 3 }), { kind: 'search', indexUid: 'idx', maxTotalHits: 1000 });
    expect(result.facets).toEqual({ keyword: [{ value: 'c', count: 5 }, { value: 'a', count: 2 }, { value: 'b', count: 2 }], source: [] });
  });

  it('counts the total from the type facet once totalHits reaches maxTotalHits', () => {
    const capped = { hits: [], totalHits: 1000, facetDistribution: { type: { dataset: 1480, service: 40 } } } as unknown as SearchResponse;
    expect(toSearchResult(capped, query(), { kind: 'search', indexUid: 'idx', maxTotalHits: 1000 }).total).toBe(1520);
    const under = { hits: [], totalHits: 999, facetDistribution: { type: { dataset: 5000 } } } as unknown as SearchResponse;
    expect(toSearchResult(under, query(), { kind: 'search', indexUid: 'idx', maxTotalHits: 1000 }).total).toBe(999);
  });

  it('reads a federated response: union total, facets of the index, weighted scores', () => {
    const response = {
      hits: [{ ...stored, _federation: { indexUid: 'idx', queriesPosition: 1, weightedRankingScore: 0.7 } }],
      estimatedTotalHits: 12, facetsByIndex: { idx: { distribution: { type: { dataset: 12 } }, stats: {} } },
    } as unknown as SearchResponse;
    const result = toSearchResult(response, query({ q: 'a OR b', facets: ['type'] }), { kind: 'federated', indexUid: 'idx', maxTotalHits: 1000 });
    expect(result.total).toBe(12);
    expect(result.facets).toEqual({ type: [{ value: 'dataset', count: 12 }] });
    expect(result.hits[0].score).toBe(0.7);
  });
});

describe('Meilisearch suggestions', () => {
  it('searches titles and keywords with the typed text, without phrase or exclusion syntax', () => {
    expect(suggestRequest(' "-hydro ', 5)).toEqual({
      q: 'hydro', attributesToSearchOn: ['title', 'keywords'], attributesToRetrieve: ['title', 'keywords'], limit: 5, matchingStrategy: 'last',
    });
  });

  it('completes with the keywords starting with the text, then the titles, distinct, in rank order', () => {
    const hits = [
      { title: 'Réseau hydrographique', keywords: ['Hydrographie', 'eau'] },
      { title: 'Cours d’eau', keywords: ['hydrographie', 'Hydrologie'] },
      { title: 'réseau Hydrographique', keywords: [] },
    ];
    expect(completions(hits, 'hydro', 10)).toEqual(['Hydrographie', 'Réseau hydrographique', 'Hydrologie', 'Cours d’eau']);
    expect(completions(hits, 'HYDRO', 2)).toEqual(['Hydrographie', 'Réseau hydrographique']);
  });
});

describe('Meilisearch index settings', () => {
  const settings = meiliSettings({ maxTotalHits: 10_000, maxValuesPerFacet: 100 });

  it('searches the text fields in ranking order and sorts first when a sort is asked', () => {
    expect(settings.searchableAttributes).toEqual(['title', 'altTitles', 'keywords', 'abstract', 'organisations']);
    expect(settings.rankingRules).toEqual(['sort', 'words', 'typo', 'proximity', 'attribute', 'exactness']);
    expect(settings.sortableAttributes).toEqual(['dateNum', 'titleSort', 'id']);
  });

  it('filters on every facet field, members, the date number and the 32 bbox numbers', () => {
    expect(settings.filterableAttributes).toEqual([
      'type', 'sources', 'keywords', 'formats', 'license', 'topics', 'organisations', 'members', 'dateNum', ...BBOX_FIELDS,
    ]);
    expect(BBOX_FIELDS).toHaveLength(32);
    expect(BBOX_FIELDS.slice(0, 4)).toEqual(['bbox0_west', 'bbox0_south', 'bbox0_east', 'bbox0_north']);
  });

  it('reads the text as French, tolerates typos, counts facets by frequency, pages to maxTotalHits', () => {
    expect(settings).toMatchObject({
      localizedAttributes: [{ attributePatterns: ['title', 'altTitles', 'abstract', 'keywords'], locales: ['fra'] }],
      typoTolerance: { enabled: true },
      faceting: { maxValuesPerFacet: 100, sortFacetValuesBy: { '*': 'count' } },
      pagination: { maxTotalHits: 10_000 },
    });
  });

  it('ignores French articles and prepositions but not place words', () => {
    for (const word of ['le', 'la', 'les', 'de', 'des', 'du', 'd', 'l', 'à', 'et']) expect(STOP_WORDS).toContain(word);
    for (const word of ['est', 'nord', 'sud', 'ouest', 'haut', 'bas', 'mer']) expect(STOP_WORDS).not.toContain(word);
  });

  it('declares synonyms both ways', () => {
    expect(settings.synonyms).toEqual(synonyms(SYNONYM_GROUPS));
    expect(settings.synonyms!.plu).toEqual(["plan local d'urbanisme"]);
    expect(settings.synonyms!["plan local d'urbanisme"]).toEqual(['plu']);
    expect(synonyms([['a', 'b', 'c'], ['a', 'd']])).toEqual({ a: ['b', 'c', 'd'], b: ['a', 'c'], c: ['a', 'b'], d: ['a'] });
  });
});
