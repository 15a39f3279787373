/**
 * The SearchIndex contract (src/search/types.ts), one suite for every adapter:
 *
 *   describeSearchContract('embedded', () => createEmbeddedIndex(store.db));
 *
 * `makeIndex` is called before each test and must return an EMPTY index (a fresh one, or one whose storage the
 * caller emptied); the suite calls `init()` on it, loads a small corpus through `upsert`, and `close()`s it
 * afterwards. The corpus is made to tell the features apart: accents and ligatures, French and English
 * inflections, a phrase whose words also appear apart elsewhere, a resource whose box crosses the antimeridian
 * (stored as two boxes), a box whose edge touches a query box, titles whose byte order differs from their
 * alphabetical order. Expected sets are computed from the corpus itself where the rule is mechanical (box
 * intersection, facet counts, date order), and written out where it is a judgement (which words match).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FACETS,
  SearchError,
  type Bbox,
  type Facet,
  type SearchDoc,
  type SearchIndex,
  type SearchQuery,
  type SearchResult,
} from '../../src/search/types.ts';

const base: Omit<SearchDoc, 'id' | 'title'> = {
  members: [],
  sources: [],
  organisations: [],
  identifier: null,
  altTitles: [],
  abstract: '',
  keywords: [],
  topics: [],
  type: 'dataset',
  formats: [],
  license: null,
  bboxes: [],
  date: null,
  temporal: null,
  languages: ['fre'],
  thumbnail: null,
};

function doc(id: string, fields: Partial<SearchDoc> & { title: string }): SearchDoc {
  return { ...base, id, members: [id], identifier: `urn:test:${id}`, ...fields };
}

const box = (west: number, south: number, east: number, north: number): Bbox => ({ west, south, east, north });

/** The corpus every test starts from. */
export const CORPUS: SearchDoc[] = [
  doc('ecole', {
    title: 'École élémentaire Jules Ferry — bâtiments scolaires',
    abstract: 'Localisation des bâtiments scolaires publics de la commune, avec leurs effectifs.',
    keywords: ['Éducation', 'bâtiments'], sources: ['rennes'], formats: ['GeoJSON', 'CSV'], license: 'etalab-2.0',
    topics: ['society'], organisations: ['Rennes Métropole'], date: '2021-03-15', bboxes: [box(-1.75, 48.05, -1.6, 48.15)],
    members: ['ecole', 'ecole-copy'],
  }),
  doc('route', {
    title: 'Route départementale 137',
    abstract: 'Tracé de la voie entre Saint-Malo et Nantes, avec ses ouvrages d’art.',
    keywords: ['transport', 'réseau routier'], sources: ['bretagne'], formats: ['ESRI Shapefile'], license: 'odbl-1.0',
    topics: ['transportation'], organisations: ['Conseil départemental'], date: '2019-07-01', bboxes: [box(-2.0, 47.2, -1.5, 48.65)],
  }),
  doc('wetlands', {
    title: 'Zones humides du bassin versant',
    abstract: 'Inventaire des zones humides et des cours d’eau du bassin.',
    keywords: ['hydrographie', 'zones humides'], sources: ['bretagne', 'sandre'], type: 'series', formats: ['GeoPackage'],
    license: 'etalab-2.0', topics: ['inlandWaters'], organisations: ['Agence de l’eau'], date: '2023-11-30',
    bboxes: [box(-4.8, 47.5, -1.0, 48.9)],
  }),
  doc('activity', {
    title: 'Zone industrielle et zones d’activité',
    abstract: 'Périmètre des zones d’activité économique, y compris sur des terrains humides remblayés.',
    keywords: ['économie'], sources: ['rennes'], formats: ['CSV'], topics: ['economy'],
    organisations: ['Rennes Métropole'], date: '2018-01-10', bboxes: [box(-1.8, 48.0, -1.5, 48.2)],
  }),
  doc('fiji', {
    title: 'Bathymétrie des îles Fidji',
    abstract: 'Bathymetry of the seas around the Fiji islands.',
    keywords: ['bathymétrie', 'océan'], sources: ['ifremer'], formats: ['NetCDF'], license: 'cc-by-4.0', topics: ['oceans'],
    organisations: ['Ifremer'], date: '2015-06-01', languages: ['eng'],
    // One box from 177°E to 178°W, split at the antimeridian.
    bboxes: [box(177, -20, 180, -15), box(-180, -20, -178, -15)],
  }),
  doc('cities', {
    title: 'Land cover of European cities',
    abstract: 'Buildings, roads and green areas mapped from satellite imagery.',
    keywords: ['land cover', 'urban areas'], sources: ['eea'], formats: ['GeoTIFF'], license: 'cc-by-4.0',
    topics: ['imageryBaseMapsEarthCover'], organisations: ['European Environment Agency'], date: '2022-02-02',
    languages: ['eng'], bboxes: [box(-10, 35, 30, 70)],
  }),
  doc('wms', {
    title: 'Service WMS des orthophotographies',
    abstract: 'Service de visualisation des orthophotographies régionales.',
    keywords: ['orthophotographie'], sources: ['geobretagne'], type: 'service', organisations: ['GéoBretagne'],
    bboxes: [box(-5.2, 47.2, -1.0, 48.9)],
  }),
  doc('parcels', {
    title: 'Parcelles cadastrales',
    abstract: 'Plan cadastral informatisé.',
    keywords: ['cadastre'], sources: ['dgfip'], formats: ['PDF', 'CSV'], license: 'etalab-2.0', topics: ['planningCadastre'],
    organisations: ['DGFiP'], date: '2024-05-05', bboxes: [box(2, 48, 3, 49)],
  }),
  doc('art', {
    title: 'Œuvres d’art dans l’espace public',
    abstract: 'Sculptures et fresques installées dans les rues.',
    keywords: ['culture'], sources: ['rennes'], formats: ['CSV'], license: 'odbl-1.0', topics: ['society'],
    organisations: ['Ville de Rennes'], date: '2020-01-01', bboxes: [box(-1.7, 48.08, -1.64, 48.13)],
  }),
  doc('bees', {
    title: 'abeilles et ruchers',
    abstract: 'Déclarations de ruchers.',
    keywords: ['agriculture'], sources: ['agri'], formats: ['CSV'], license: 'etalab-2.0', topics: ['farming'],
    organisations: ['Ministère de l’Agriculture'], date: '2020-01-01',
  }),
];

const byId = new Map(CORPUS.map((d) => [d.id, d]));

export function searchQuery(fields: Partial<SearchQuery> = {}): SearchQuery {
  return { sort: 'relevance', page: 1, limit: 100, facets: [], facetLimit: 100, ...fields };
}

const ids = (r: SearchResult): string[] => r.hits.map((h) => h.doc.id);
const idSet = (r: SearchResult): string[] => ids(r).sort();

/** Box intersection with edges included, as the port means it. */
function intersects(a: Bbox, b: Bbox): boolean {
  return a.west <= b.east && b.west <= a.east && a.south <= b.north && b.south <= a.north;
}

/** The documents any of whose boxes intersects any query box (the oracle). */
function inBoxes(query: Bbox[]): string[] {
  return CORPUS.filter((d) => d.bboxes.some((b) => query.some((q) => intersects(b, q)))).map((d) => d.id).sort();
}

const FACET_FIELD: Record<Facet, (d: SearchDoc) => string[]> = {
  type: (d) => [d.type],
  source: (d) => d.sources,
  keyword: (d) => d.keywords,
  format: (d) => d.formats,
  license: (d) => (d.license ? [d.license] : []),
  topic: (d) => d.topics,
  organisation: (d) => d.organisations,
};

/** Exact counts of a facet over some documents, as a value -> count map (the oracle). */
function counts(docs: SearchDoc[], f: Facet): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of docs) for (const v of new Set(FACET_FIELD[f](d))) out[v] = (out[v] ?? 0) + 1;
  return out;
}

const strip = (s: string) => s.replace(/[«»]/g, '');
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

async function* batches(...lists: SearchDoc[][]): AsyncIterable<SearchDoc[]> {
  for (const list of lists) yield list;
}

export function describeSearchContract(name: string, makeIndex: () => SearchIndex | Promise<SearchIndex>): void {
  describe(`SearchIndex contract: ${name}`, () => {
    let index: SearchIndex;
    const search = (fields: Partial<SearchQuery> = {}) => index.search(searchQuery(fields));

    beforeEach(async () => {
      index = await makeIndex();
      await index.init();
      await index.upsert(CORPUS);
    });
    afterEach(async () => {
      await index?.close();
    });

    describeText(() => index, search);
    describeFilters(search);
    describeOrderAndPaging(search);
    describeWrites(() => index, search);
    describeExtras(() => index, search);
  });
}

type Search = (fields?: Partial<SearchQuery>) => Promise<SearchResult>;

function describeText(getIndex: () => SearchIndex, search: Search): void {
  it('finds a document by a word of its title, and counts it', async () => {
    const r = await search({ q: 'bathymétrie' });
    expect(ids(r)).toEqual(['fiji']);
    expect(r.total).toBe(1);
    expect(r.hits[0].doc).toEqual(byId.get('fiji'));
    expect(r.hits[0].score).toBeGreaterThan(0);
    expect(await getIndex().count()).toBe(CORPUS.length);
  });

  it('ignores accents and case both ways («ecole» finds «École», «ÉCOLES» too)', async () => {
    expect(ids(await search({ q: 'ecole' }))).toEqual(['ecole']);
    expect(ids(await search({ q: 'ÉCOLES' }))).toEqual(['ecole']);
    expect(ids(await search({ q: 'oeuvres' }))).toEqual(['art']);
  });

  it('matches French plurals and inflections to their stem, and English ones', async () => {
    expect(ids(await search({ q: 'routes' }))).toEqual(['route']);
    expect(ids(await search({ q: 'départementales' }))).toEqual(['route']);
    expect(ids(await search({ q: 'city' }))).toEqual(['cities']);
    expect(ids(await search({ q: 'building' }))).toEqual(['cities']);
  });

  it('requires every word, and matches a quoted phrase only with its words together', async () => {
    expect(idSet(await search({ q: 'zones humides' }))).toEqual(['activity', 'wetlands']);
    expect(ids(await search({ q: '"zones humides"' }))).toEqual(['wetlands']);
    expect(ids(await search({ q: 'zones ruchers' }))).toEqual([]);
  });

  it('takes OR between alternatives and excludes -words', async () => {
    expect(idSet(await search({ q: 'bathymétrie OR cadastral' }))).toEqual(['fiji', 'parcels']);
    expect(idSet(await search({ q: 'zones' }))).toEqual(['activity', 'wetlands']);
    expect(ids(await search({ q: 'zones -industrielle' }))).toEqual(['wetlands']);
  });

  it('ranks a title match above a match in the abstract only', async () => {
    // wetlands has the word in its title (and keywords, abstract); activity only in its abstract.
    const r = await search({ q: 'humides' });
    expect(ids(r)).toEqual(['wetlands', 'activity']);
    expect(r.hits[0].score).toBeGreaterThan(r.hits[1].score);
  });

  it('marks matches with « » in the title and snippet, the text otherwise intact', async () => {
    const r = await search({ q: 'ecole batiments' });
    const hit = r.hits[0];
    expect(hit.doc.id).toBe('ecole');
    expect(hit.highlight.title).toContain('«École»');
    expect(strip(hit.highlight.title)).toBe(hit.doc.title);
    expect(hit.highlight.snippet).toMatch(/«bâtiments»/);
    const snippet = strip(hit.highlight.snippet).replace(/^…\s*|\s*…$/g, '');
    expect(hit.doc.abstract).toContain(snippet);
    // Words only in the title: the snippet is the highlighted title.
    const titleOnly = (await search({ q: 'Jules Ferry' })).hits[0];
    expect(titleOnly.highlight.title).toBe('École élémentaire «Jules» «Ferry» — bâtiments scolaires');
    expect(titleOnly.highlight.snippet).toBe(titleOnly.highlight.title);
  });

  it('highlights nothing on a browse, and gives the start of the abstract', async () => {
    const r = await search({ type: ['series'] });
    expect(r.hits[0].highlight.title).toBe(byId.get('wetlands')!.title);
    expect(r.hits[0].highlight.snippet).not.toMatch(/[«»]/);
    expect(byId.get('wetlands')!.abstract.startsWith(r.hits[0].highlight.snippet.replace(/\s*…$/, ''))).toBe(true);
  });

  it('corrects an unknown word to the closest title or keyword word, saying so («bâtimnts»)', async () => {
    const r = await search({ q: 'bâtimnts' });
    expect(r.corrected).toBe(true);
    expect(fold(r.suggestion ?? '')).toBe('batiments');
    expect(ids(r)).toEqual(['ecole']);
    // Words that titles or keywords use are never "corrected", even when together they find nothing.
    const none = await search({ q: 'ruchers zones' });
    expect(none.total).toBe(0);
    expect(none.suggestion).toBeUndefined();
  });
}

function describeFilters(search: Search): void {
  it('keeps documents with a box intersecting the query box, edges included', async () => {
    const rennes = [box(-1.72, 48.09, -1.66, 48.12)];
    expect(idSet(await search({ bbox: rennes }))).toEqual(inBoxes(rennes));
    expect(inBoxes(rennes)).toEqual(['activity', 'art', 'cities', 'ecole', 'route', 'wetlands', 'wms']);
    // parcels spans 2..3 E: a query box starting at 3 E touches its edge; one starting at 3.01 E does not.
    const touching = [box(3, 48.5, 4, 49.5)];
    const apart = [box(3.01, 48.5, 4, 49.5)];
    expect(idSet(await search({ bbox: touching }))).toEqual(['cities', 'parcels']);
    expect(idSet(await search({ bbox: apart }))).toEqual(['cities']);
    expect([inBoxes(touching), inBoxes(apart)]).toEqual([['cities', 'parcels'], ['cities']]);
  });

  it('matches a box across the antimeridian, given as two boxes, against either half of a document', async () => {
    const across = [box(179, -18, 180, -16), box(-180, -18, -179, -16)];
    expect(ids(await search({ bbox: across }))).toEqual(['fiji']);
    expect(ids(await search({ bbox: [box(-179.5, -17, -179, -16)] }))).toEqual(['fiji']);
    expect(ids(await search({ bbox: [box(178.5, -17, 179, -16)] }))).toEqual(['fiji']);
    // Between the two halves' edges (178°W to 177°E) the document does not reach.
    expect(ids(await search({ bbox: [box(-177.5, -17, 176.5, -16)] }))).not.toContain('fiji');
    expect(ids(await search({ bbox: [box(-177.5, -17, -177, -16)] }))).toEqual([]);
  });

  it.each([
    ['type', ['series'], ['wetlands']],
    ['type', ['series', 'service'], ['wetlands', 'wms']],
    ['source', ['rennes'], ['activity', 'art', 'ecole']],
    ['source', ['sandre', 'ifremer'], ['fiji', 'wetlands']],
    ['keyword', ['cadastre'], ['parcels']],
    ['keyword', ['culture', 'océan'], ['art', 'fiji']],
    ['format', ['CSV'], ['activity', 'art', 'bees', 'ecole', 'parcels']],
    ['license', ['odbl-1.0'], ['art', 'route']],
    ['topic', ['society'], ['art', 'ecole']],
    ['organisation', ['Rennes Métropole'], ['activity', 'ecole']],
  ] as [Facet, string[], string[]][])('filters on %s %j (values OR-ed)', async (field, values, expected) => {
    expect(idSet(await search({ [field]: values }))).toEqual(expected);
  });

  it('combines filters of different fields with AND, and with text and box', async () => {
    expect(idSet(await search({ source: ['rennes'], format: ['CSV'], license: ['etalab-2.0'] }))).toEqual(['ecole']);
    expect(idSet(await search({ source: ['rennes'], topic: ['society'] }))).toEqual(['art', 'ecole']);
    expect(ids(await search({ q: 'zones', type: ['series'] }))).toEqual(['wetlands']);
    expect(ids(await search({ q: 'zones', bbox: [box(-4.5, 48.5, -4.4, 48.6)] }))).toEqual(['wetlands']);
    expect(ids(await search({ q: 'zones', source: ['rennes'] }))).toEqual(['activity']);
  });

  it('bounds the date with from and to, inclusive; a document without date never matches a bound', async () => {
    expect(idSet(await search({ from: '2020-01-01', to: '2022-02-02' }))).toEqual(['art', 'bees', 'cities', 'ecole']);
    expect(idSet(await search({ from: '2023-01-01' }))).toEqual(['parcels', 'wetlands']);
    expect(idSet(await search({ to: '2015-06-01' }))).toEqual(['fiji']);
    expect(ids(await search({ from: '1900-01-01' }))).not.toContain('wms');
  });

  it('counts facets exactly over the whole result set, most frequent first', async () => {
    const all = await search({ facets: [...FACETS], limit: 1 });
    for (const f of FACETS) {
      const got = Object.fromEntries(all.facets[f]!.map((v) => [v.value, v.count]));
      expect(got, f).toEqual(counts(CORPUS, f));
      const n = all.facets[f]!.map((v) => v.count);
      expect(n, f).toEqual([...n].sort((a, b) => b - a));
    }
    const filtered = await search({ q: 'rennes OR zones', facets: ['source', 'format'] });
    const docs = filtered.hits.map((h) => byId.get(h.doc.id)!);
    expect(docs.length).toBe(filtered.total);
    expect(Object.fromEntries(filtered.facets.source!.map((v) => [v.value, v.count]))).toEqual(counts(docs, 'source'));
    expect(Object.fromEntries(filtered.facets.format!.map((v) => [v.value, v.count]))).toEqual(counts(docs, 'format'));
  });

  it('returns at most facetLimit values per facet, the most frequent', async () => {
    const r = await search({ facets: ['format'], facetLimit: 2 });
    expect(r.facets.format).toEqual([{ value: 'CSV', count: 5 }, expect.objectContaining({ count: 1 })]);
  });
}

function describeOrderAndPaging(search: Search): void {
  const byDate = [...CORPUS].sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '') || a.id.localeCompare(b.id));

  it('sorts by date, newest first, undated last', async () => {
    const r = await search({ sort: 'date' });
    const dates = r.hits.map((h) => h.doc.date);
    expect(dates).toEqual(byDate.map((d) => d.date));
    expect(ids(r).at(-1)).toBe('wms');
    // With words, the date still orders, and hits still carry their text score.
    const withText = await search({ q: 'zones', sort: 'date' });
    expect(ids(withText)).toEqual(['wetlands', 'activity']);
    expect(withText.hits.every((h) => h.score > 0)).toBe(true);
  });

  it('falls back to date order for a browse sorted by relevance', async () => {
    expect(ids(await search({ sort: 'relevance' })).slice(0, 3)).toEqual(['parcels', 'wetlands', 'cities']);
  });

  it('sorts by title A→Z, accents and case set aside (É with E, Œ with O, lower case in place)', async () => {
    const r = await search({ sort: 'title' });
    expect(ids(r)).toEqual(['bees', 'fiji', 'ecole', 'cities', 'art', 'parcels', 'route', 'wms', 'activity', 'wetlands']);
  });

  it('pages without gaps or overlaps, with the exact total on every page', async () => {
    for (const sort of ['date', 'title', 'relevance'] as const) {
      const seen: string[] = [];
      for (let page = 1; page <= 4; page++) {
        const r = await search({ sort, page, limit: 3, q: sort === 'relevance' ? 'rennes OR zones OR routes' : undefined });
        if (sort !== 'relevance') expect(r.total).toBe(CORPUS.length);
        seen.push(...ids(r));
      }
      const whole = ids(await search({ sort, limit: 100, q: sort === 'relevance' ? 'rennes OR zones OR routes' : undefined }));
      expect(seen, sort).toEqual(whole);
    }
  });

  it('returns an empty page past the end, with the total still exact', async () => {
    const r = await search({ page: 5, limit: 3 });
    expect(r.hits).toEqual([]);
    expect(r.total).toBe(CORPUS.length);
  });
}

function describeWrites(getIndex: () => SearchIndex, search: Search): void {
  it('replaces a document on upsert by id, old words and boxes gone', async () => {
    const moved = { ...byId.get('bees')!, title: 'Ruchers du Finistère', bboxes: [box(-4.8, 47.7, -3.4, 48.8)] };
    await getIndex().upsert([moved]);
    expect(ids(await search({ q: 'abeilles' }))).toEqual([]);
    expect(ids(await search({ q: 'finistere' }))).toEqual(['bees']);
    expect(ids(await search({ bbox: [box(-4, 48, -3.9, 48.1)] }))).toContain('bees');
    expect(await getIndex().count()).toBe(CORPUS.length);
  });

  it('removes documents by id, ignoring unknown ids', async () => {
    await getIndex().remove(['fiji', 'no-such-doc']);
    expect(await getIndex().count()).toBe(CORPUS.length - 1);
    expect(ids(await search({ q: 'bathymétrie' }))).toEqual([]);
    expect(ids(await search({ bbox: [box(179, -18, 180, -16)] }))).toEqual([]);
    expect((await search({ facets: ['source'] })).facets.source!.map((v) => v.value)).not.toContain('ifremer');
  });

  it('finds the documents listing a record among their members', async () => {
    expect(await getIndex().docsWithMember('ecole-copy')).toEqual(['ecole']);
    expect(await getIndex().docsWithMember('route')).toEqual(['route']);
    expect(await getIndex().docsWithMember('nobody')).toEqual([]);
  });

  it('rebuilds from scratch and swaps the new content in, answering from the old one meanwhile', async () => {
    const index = getIndex();
    const fresh = [doc('new-1', { title: 'Éoliennes terrestres' }), doc('new-2', { title: 'Pistes cyclables', members: ['new-2', 'm'] })];
    const during: number[] = [];
    async function* slow(): AsyncIterable<SearchDoc[]> {
      yield [fresh[0]];
      during.push((await index.search(searchQuery({ q: 'bathymétrie' }))).total, await index.count());
      yield [fresh[1]];
    }
    const progress: number[] = [];
    expect(await index.rebuild(slow(), (n) => progress.push(n))).toBe(2);
    expect(during).toEqual([1, CORPUS.length]);
    expect(progress.at(-1)).toBe(2);
    expect(await index.count()).toBe(2);
    expect(ids(await search({ q: 'bathymétrie' }))).toEqual([]);
    expect(ids(await search({ q: 'eoliennes' }))).toEqual(['new-1']);
    expect(await index.docsWithMember('m')).toEqual(['new-2']);
    expect(await index.suggest('pistes', 5)).toEqual(['Pistes cyclables']);
    // The rebuilt index takes writes as the old one did.
    await index.upsert([doc('new-3', { title: 'Forêts publiques' })]);
    expect(ids(await search({ q: 'forets' }))).toEqual(['new-3']);
    expect(await index.rebuild(batches([]))).toBe(0);
    expect(await index.count()).toBe(0);
  });
}

function describeExtras(getIndex: () => SearchIndex, search: Search): void {
  it('suggests titles and keywords starting with the typed words, accents aside', async () => {
    const index = getIndex();
    expect(await index.suggest('bâti', 5)).toContain('bâtiments');
    expect(await index.suggest('bati', 5)).toContain('bâtiments');
    expect(await index.suggest('ecole elem', 5)).toEqual(['École élémentaire Jules Ferry — bâtiments scolaires']);
    expect(await index.suggest('zone', 10)).toEqual(expect.arrayContaining(['zones humides', 'Zones humides du bassin versant']));
    expect((await index.suggest('zone', 1)).length).toBe(1);
    expect(await index.suggest('xyzzy', 5)).toEqual([]);
  });

  it('rejects a malformed query with SearchError kind "query"', async () => {
    for (const bad of [{ limit: 0 }, { limit: 101 }, { page: 0 }, { bbox: [box(10, 0, 5, 1)] }, { bbox: [box(0, 10, 1, 5)] }]) {
      const err = await search(bad as Partial<SearchQuery>).catch((e: unknown) => e);
      expect(err, JSON.stringify(bad)).toBeInstanceOf(SearchError);
      expect((err as SearchError).kind).toBe('query');
    }
  });

  it('survives hostile text: answers, or refuses with SearchError kind "query", and stays usable', async () => {
    const hostile = ['"unbalanced', '((', '!!!', "'; DROP TABLE search_docs; --", '-', 'OR', 'OR OR -', '<->', ':*', '& | !',
      '%_\\', '« »', 'a\u0000b', 'x'.repeat(400), '"a" "', 'NOT AND OR', '-"zones humides"', '😀 ecole'];
    for (const q of hostile) {
      const r = await search({ q, facets: ['type'] }).catch((e: unknown) => e);
      if (r instanceof Error) {
        expect(r, q).toBeInstanceOf(SearchError);
        expect((r as SearchError).kind, q).toBe('query');
      } else {
        expect(Number.isInteger((r as SearchResult).total), q).toBe(true);
      }
    }
    expect(await getIndex().count()).toBe(CORPUS.length);
    expect(ids(await search({ q: '😀 ecole' }))).toEqual(['ecole']);
    expect(await getIndex().suggest("'; --", 5)).toEqual([]);
  });
}
