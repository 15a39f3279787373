/**
 * Relevance of the embedded engine on real records (issue 4 §4): every ISO 19139 and DCAT fixture of
 * ../shared/fixtures that the hub maps, plus the demo catalogue (seeds/demo), each mapped by mapDocument and
 * turned into a SearchDoc by searchDoc. Records that describe one resource (a shared resource identifier, or the
 * same fileIdentifier and title: seeds/demo repeats fixtures, DCAT fixtures repeat each other) are one document,
 * as the indexer groups them.
 *
 * The judged queries were written by reading the fixtures, before running them: for each, the record(s) a
 * person typing it expects among the first three hits, named by title.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mapDocument } from '../../mappings/index.ts';
import type { MdRecord } from '../../mappings/types.ts';
import { identityKeys } from '../../src/harvest/identity.ts';
import { searchDoc } from '../../src/search/document.ts';
import { createEmbeddedIndex } from '../../src/search/embedded/index.ts';
import type { Bbox, SearchDoc, SearchQuery, SearchResult } from '../../src/search/types.ts';
import { backends, useStore } from '../helpers/db.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');

const MEDIA_TYPES: Record<string, string> = { '.xml': 'application/xml', '.rdf': 'application/xml', '.ttl': 'text/turtle' };

function files(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : MEDIA_TYPES[path.extname(f)] ? [p] : [];
  });
}

interface Mapped {
  file: string;
  source: string;
  record: MdRecord;
}

/** Every fixture the hub maps to a record with a title (others, such as feature catalogues, are not records). */
function mappedFixtures(): Mapped[] {
  const sets = [
    { dir: path.join(fixtures, 'iso19139'), source: 'fixtures-iso' },
    { dir: path.join(fixtures, 'dcat'), source: 'fixtures-dcat' },
    { dir: path.join(root, 'seeds', 'demo'), source: 'demo' },
  ];
  const out: Mapped[] = [];
  for (const { dir, source } of sets) {
    for (const file of files(dir)) {
      try {
        const { record } = mapDocument({
          bytes: readFileSync(file), mediaType: MEDIA_TYPES[path.extname(file)], url: `file://${file}`, fetchedAt: '2026-01-01T00:00:00Z',
        });
        if (record.title) out.push({ file: path.relative(root, file), source, record });
      } catch {
        // Not a record the hub maps: not part of the catalogue.
      }
    }
  }
  return out;
}

/** Groups records describing one resource (any shared key, union-find), the first file of each group preferred. */
function documents(mapped: Mapped[]): SearchDoc[] {
  const keysOf = (m: Mapped) => [...identityKeys(m.record), `file:${m.record.identifier}|${m.record.title}`];
  const parent = mapped.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const firstWithKey = new Map<string, number>();
  mapped.forEach((m, i) => {
    for (const k of keysOf(m)) {
      const j = firstWithKey.get(k);
      if (j === undefined) firstWithKey.set(k, i);
      else parent[find(i)] = find(j);
    }
  });
  const groups = new Map<number, Mapped[]>();
  mapped.forEach((m, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), m]));
  return [...groups.values()].map((g) =>
    searchDoc(g[0].file, g[0].record, { members: g.map((m) => m.file), sources: g.map((m) => m.source) }));
}

interface Judgement {
  why: string;
  query: Partial<SearchQuery>;
  /** Titles expected among the first three hits. */
  top3: string[];
  /** Titles that must not be in the results at all. */
  absent?: string[];
  corrected?: boolean;
}

const T = {
  cadastre: 'Cadastre 2018 en Bretagne',
  bano: "Base d'Adresse Nationale Ouverte export Bretagne",
  rva: 'Référentiel voies et adresses de Rennes Métropole (diffusion)',
  tram: 'Lignes de tramway - Montpellier Méditerranée Métropole',
  tache: 'Tâche urbaine - Oise-la-Vallée (1947)',
  euroshell: 'EUROSHELL - Sites de production conchylicole',
  sst: 'AVHRR Sea Surface Temperature for MARACOOS (Mid-Atlantic Regional Association Coastal Ocean Observing System)',
  noise: 'Noise contours data reported under Environmental Noise Directive (END) 2017 (raster 10m) - version 2019, Oct. 2019',
  landUse: 'Land Use map of MyCountry',
  survey: 'CE0911 Climate Change Survey',
  eionet: 'EIONET monitoring sites - Web Service',
  gewasser: 'Gewässerschutzkarte',
  air: 'Air temperature',
};

const RENNES: Bbox = { west: -1.72, south: 48.08, east: -1.62, north: 48.14 };

const JUDGED: Judgement[] = [
  { why: 'French word with its accent', query: { q: 'cadastre' }, top3: [T.cadastre] },
  { why: 'French keyword, accented', query: { q: 'bâtiments' }, top3: [T.cadastre] },
  { why: 'singular without accent for a plural keyword', query: { q: 'batiment' }, top3: [T.cadastre] },
  { why: 'singular for a title plural, and a title singular', query: { q: 'adresse' }, top3: [T.bano, T.rva] },
  { why: 'plural for a singular, with a place name', query: { q: 'tramways montpellier' }, top3: [T.tram] },
  { why: 'place name in titles', query: { q: 'Bretagne' }, top3: [T.cadastre, T.bano] },
  { why: 'place name and theme', query: { q: 'adresses Rennes' }, top3: [T.rva] },
  { why: 'typo (a letter missing), corrected from the keyword', query: { q: 'conchyliculure' }, top3: [T.euroshell], corrected: true },
  { why: 'quoted phrase of a keyword', query: { q: '"zone urbaine"' }, top3: [T.tache] },
  { why: 'title words without their accent', query: { q: 'tache urbaine' }, top3: [T.tache] },
  { why: 'French multi-word keyword', query: { q: 'occupation du sol' }, top3: [T.tache] },
  { why: 'French keyword phrase', query: { q: 'réseau routier' }, top3: [T.rva] },
  { why: 'English title phrase', query: { q: 'sea surface temperature' }, top3: [T.sst] },
  // Several records have "temperature" (in titles, keywords, abstracts): the two with it in their title first.
  { why: 'English word of many records', query: { q: 'temperature' }, top3: [T.air, T.sst] },
  { why: 'English plural for a singular keyword', query: { q: 'noise maps' }, top3: [T.noise] },
  { why: 'English title words', query: { q: 'land use' }, top3: [T.landUse] },
  { why: 'English plural for a singular title word', query: { q: 'climate surveys' }, top3: [T.survey] },
  { why: 'English keywords', query: { q: 'groundwater monitoring' }, top3: [T.eionet] },
  { why: 'English keyword of a French record', query: { q: 'shellfish' }, top3: [T.euroshell] },
  { why: 'German keyword with an umlaut', query: { q: 'Gewässerschutz' }, top3: [T.gewasser] },
  { why: 'OR between two themes', query: { q: 'tramway OR conchyliculture' }, top3: [T.tram, T.euroshell] },
  { why: 'excluding a place', query: { q: 'adresses -Rennes' }, top3: [T.bano], absent: [T.rva] },
  // Without text the results come newest first: among the six resources covering this part of Rennes
  // (BANO 2014, RVA 2015, EUROSHELL 2013, Cadastre 2018-09-01, EIONET 2018-09-15, Noise 2019), the three newest.
  { why: 'bbox-only browse over Rennes', query: { bbox: [RENNES] }, top3: [T.noise, T.eionet, T.cadastre], absent: [T.tram] },
];

const titles = (r: SearchResult) => r.hits.map((h) => h.doc.title);

describe.each(backends)('search relevance on the fixture records, $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  const docs = documents(mappedFixtures());

  async function indexed() {
    const index = createEmbeddedIndex(store.db);
    await index.upsert(docs);
    return index;
  }

  it('indexes every mapped fixture, one document per resource', async () => {
    const index = await indexed();
    expect(docs.length).toBeGreaterThan(40);
    expect(await index.count()).toBe(docs.length);
    // seeds/demo repeats 20 ISO fixtures: each is one resource with two producers.
    const cadastre = docs.filter((d) => d.title === T.cadastre);
    expect(cadastre).toHaveLength(1);
    expect(cadastre[0].sources).toEqual(['fixtures-iso', 'demo']);
  });

  it('answers the judged queries with the expected records in the top 3', async () => {
    expect(JUDGED.length).toBeGreaterThanOrEqual(15);
    const index = await indexed();
    const failures: string[] = [];
    for (const j of JUDGED) {
      const r = await index.search({ sort: 'relevance', page: 1, limit: 20, facets: [], facetLimit: 10, ...j.query });
      const top = titles(r).slice(0, 3);
      const missing = j.top3.filter((t) => !top.includes(t));
      const unwanted = (j.absent ?? []).filter((t) => titles(r).includes(t));
      const corrected = j.corrected === undefined || Boolean(r.corrected) === j.corrected;
      if (missing.length || unwanted.length || !corrected) {
        failures.push(`${j.why} ${JSON.stringify(j.query)}: top 3 ${JSON.stringify(top)}; missing ${JSON.stringify(missing)}` +
          `${unwanted.length ? `; unwanted ${JSON.stringify(unwanted)}` : ''}${corrected ? '' : `; corrected ${r.corrected}`}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('finds exactly the resources whose boxes cover the browsed area', async () => {
    const index = await indexed();
    const r = await index.search({ sort: 'date', page: 1, limit: 20, facets: [], facetLimit: 10, bbox: [RENNES] });
    expect(titles(r).sort()).toEqual([T.bano, T.cadastre, T.eionet, T.euroshell, T.noise, T.rva].sort());
  });
});
