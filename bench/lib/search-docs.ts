/**
 * Synthetic search documents for bench/search: N SearchDocs made from the real fixture records (every ISO
 * 19139 record of ../shared/fixtures/iso19139 and of seeds/demo, mapped by the hub's own mapping), varied the
 * way a federated French catalogue varies: titles with communes and years, keywords from a pool of real
 * thematic words, 20 producers, boxes of communes-to-regions size over metropolitan France and the overseas
 * departments, dates over 15 years. Deterministic (a seeded generator): two runs index the same documents.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mapDocument } from '../../mappings/index.ts';
import type { MdRecord } from '../../mappings/types.ts';
import { searchDoc } from '../../src/search/document.ts';
import type { Bbox, SearchDoc } from '../../src/search/types.ts';

export const PLACES = ['Toulouse', 'Montpellier', 'Rennes', 'Brest', 'Amiens', 'Lille', 'Nantes', 'Bordeaux', 'Lyon',
  'Marseille', 'Nîmes', 'Perpignan', 'Albi', 'Quimper', 'Vannes', 'Saint-Brieuc', 'Beauvais', 'Compiègne', 'Tarbes',
  'Carcassonne', 'Rodez', 'Cahors', 'Auch', 'Foix', 'Mende', 'Saint-Malo', 'Lorient', 'Abbeville', 'Soissons', 'Laon'];
export const THEMES = ['occupation du sol', 'réseau routier', 'bâtiments', 'cadastre', 'hydrographie', 'zones humides',
  "plan local d'urbanisme", 'risques inondation', 'orthophotographie', 'adresses', 'transports en commun', 'forêts',
  'agriculture', 'biodiversité', 'qualité de l’air', 'éoliennes', 'pistes cyclables', 'limites administratives',
  'altimétrie', 'patrimoine', 'espaces naturels', 'assainissement', 'eau potable', 'bruit', 'population'];
const FORMATS = ['GeoJSON', 'ESRI Shapefile', 'GeoPackage', 'CSV', 'GML', 'KML', 'PDF', 'GeoTIFF'];
const LICENSES = ['etalab-2.0', 'odbl-1.0', 'cc-by-4.0', null];
const TYPES = ['dataset', 'dataset', 'dataset', 'series', 'service'];
/** Rough extents (west, south, east, north) the boxes are drawn in: metropolitan France, then overseas. */
const AREAS: Bbox[] = [
  { west: -4.8, south: 42.3, east: 8.2, north: 51.1 },
  { west: -61.9, south: 15.8, east: -60.8, north: 16.5 },
  { west: 55.2, south: -21.4, east: 55.8, north: -20.9 },
];

/** mulberry32: small, fast, seeded. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fixture records that map to a record with a title. */
export function templateRecords(root: string, fixtures: string): MdRecord[] {
  const files = [path.join(fixtures, 'iso19139'), path.join(root, 'seeds', 'demo')].flatMap((dir) =>
    readdirSync(dir).filter((f) => f.endsWith('.xml')).map((f) => path.join(dir, f)));
  const out: MdRecord[] = [];
  for (const file of files) {
    try {
      const { record } = mapDocument({ bytes: readFileSync(file), mediaType: 'application/xml', url: `file://${file}`, fetchedAt: '2026-01-01T00:00:00Z' });
      if (record.title) out.push(record);
    } catch {
      // Not a record the hub maps (feature catalogues…): not a template.
    }
  }
  return out;
}

/** A box of commune-to-department size inside one of the areas. */
export function randomBox(rnd: () => number): Bbox {
  const area = AREAS[rnd() < 0.9 ? 0 : 1 + Math.floor(rnd() * 2)];
  const w = (area.east - area.west) * (0.005 + rnd() * 0.1);
  const h = (area.north - area.south) * (0.005 + rnd() * 0.1);
  const west = area.west + rnd() * (area.east - area.west - w);
  const south = area.south + rnd() * (area.north - area.south - h);
  return { west, south, east: west + w, north: south + h };
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

/** Document i of the synthetic catalogue. */
export function syntheticDoc(templates: MdRecord[], i: number): SearchDoc {
  const rnd = random(i + 1);
  const base = templates[i % templates.length];
  const place = pick(rnd, PLACES);
  const theme = pick(rnd, THEMES);
  const year = 2010 + Math.floor(rnd() * 15);
  const source = `producteur-${1 + Math.floor(rnd() * 20)}`;
  const id = `bench-${String(i).padStart(7, '0')}`;
  const doc = searchDoc(id, base, { members: [id], sources: [source] });
  return {
    ...doc,
    identifier: id,
    title: `${theme[0].toUpperCase()}${theme.slice(1)} — ${place} ${year} (${base.title})`,
    keywords: [theme, pick(rnd, THEMES), place, ...doc.keywords.slice(0, 5)],
    type: pick(rnd, TYPES),
    formats: [pick(rnd, FORMATS), pick(rnd, FORMATS)].filter((f, k, a) => a.indexOf(f) === k),
    license: pick(rnd, LICENSES),
    bboxes: [randomBox(rnd)],
    date: `${year}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`,
  };
}

/** The N documents in batches, generated as they are consumed (never the whole catalogue in memory). */
export async function* syntheticBatches(templates: MdRecord[], n: number, batch: number): AsyncGenerator<SearchDoc[]> {
  for (let start = 0; start < n; start += batch) {
    const docs: SearchDoc[] = [];
    for (let i = start; i < Math.min(n, start + batch); i++) docs.push(syntheticDoc(templates, i));
    yield docs;
  }
}
