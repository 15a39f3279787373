/**
 * The filter translator against a real store, on every backend: the ISO fixtures of ../shared/fixtures/iso19139
 * and the Géoplateforme RPG record (6 bounding boxes) are stored as records of one source and published in the
 * catalogue; each test runs a filter through compileFilter + queryCatalogue and compares the set of records it
 * returns with the set computed in the test from the records' own contents.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readIso19139, readIso19139Element } from '../../../mappings/iso19139/read.ts';
import { catalogueBoxes, catalogueValues, isoInstant, normaliseText } from '../../../mappings/queryables.ts';
import type { BoundingBox, MdRecord } from '../../../mappings/types.ts';
import { parseXml, select } from '../../../mappings/xml/index.ts';
import { HubError } from '../../../src/errors.ts';
import type { Envelope, Filter } from '../../../src/publish/filter/ast.ts';
import { parseCql } from '../../../src/publish/filter/cql.ts';
import { NS_OGC, parseOgcFilter, parseSortBy } from '../../../src/publish/filter/ogc-filter.ts';
import { compileFilter, compileSort } from '../../../src/publish/filter/sql.ts';
import { queryCatalogue, writeCatalogue, type CatalogueSort } from '../../../src/store/catalogue.ts';
import { upsertRecord } from '../../../src/store/records.ts';
import { putSource } from '../../../src/store/sources.ts';
import { backends, useStore } from '../../helpers/db.ts';
import { sharedFixtures } from '../../helpers/xmllint.ts';

const ISO_DIR = path.join(sharedFixtures, 'iso19139');
const RPG_FILE = path.join(sharedFixtures, 'csw/getrecords-iso/geoplateforme-iso19139-ignf-rpg.xml');
const REQUESTS = path.join(path.dirname(new URL(import.meta.url).pathname), '../../fixtures/csw-requests');
const RPG = 'geoplateforme-iso19139-ignf-rpg.xml';

interface Fixture {
  file: string;
  xml: Buffer;
  record: MdRecord;
}

function loadFixtures(): Fixture[] {
  const iso = readdirSync(ISO_DIR).filter((f) => f.endsWith('.xml')).map((file) => {
    const xml = readFileSync(path.join(ISO_DIR, file));
    return { file, xml, record: readIso19139(xml).record };
  });
  const page = parseXml(readFileSync(RPG_FILE)).root;
  const [md] = select(page, ['http://www.opengis.net/cat/csw/2.0.2', 'SearchResults'], ['http://www.isotc211.org/2005/gmd', 'MD_Metadata']);
  return [...iso, { file: RPG, xml: readFileSync(RPG_FILE), record: readIso19139Element(md).record }];
}

const FIXTURES = loadFixtures();
const ALL = FIXTURES.map((f) => f.file).sort();

/** The files whose record satisfies `pred`, sorted. */
const where = (pred: (r: MdRecord, f: Fixture) => boolean): string[] => FIXTURES.filter((f) => pred(f.record, f)).map((f) => f.file).sort();
const values = (r: MdRecord) => catalogueValues('x', r, { members: [], sources: ['fx'] });
const modified = (r: MdRecord): number | null => {
  const i = isoInstant(r.metadataDate);
  return i === null ? null : Date.parse(i);
};

const intersects = (b: BoundingBox, e: Envelope): boolean => b.west <= e.east && b.east >= e.west && b.south <= e.north && b.north >= e.south;
const within = (b: BoundingBox, e: Envelope): boolean => b.west >= e.west && b.east <= e.east && b.south >= e.south && b.north <= e.north;
const boxes = (r: MdRecord): BoundingBox[] => catalogueBoxes(r);

const ogc = (body: string): string => `<ogc:Filter xmlns:ogc="${NS_OGC}" xmlns:gml="http://www.opengis.net/gml">${body}</ogc:Filter>`;
const eq = (property: string, value: string, matchCase?: boolean): string =>
  `<ogc:PropertyIsEqualTo${matchCase === undefined ? '' : ` matchCase="${matchCase}"`}><ogc:PropertyName>${property}</ogc:PropertyName><ogc:Literal>${value}</ogc:Literal></ogc:PropertyIsEqualTo>`;
const likeXml = (property: string, pattern: string, attrs = 'wildCard="%" singleChar="_" escapeChar="\\"'): string =>
  `<ogc:PropertyIsLike ${attrs}><ogc:PropertyName>${property}</ogc:PropertyName><ogc:Literal>${pattern}</ogc:Literal></ogc:PropertyIsLike>`;
const bboxXml = (e: Envelope, op = 'BBOX'): string =>
  `<ogc:${op}><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName><gml:Envelope><gml:lowerCorner>${e.west} ${e.south}</gml:lowerCorner><gml:upperCorner>${e.east} ${e.north}</gml:upperCorner></gml:Envelope></ogc:${op}>`;

function rejects(fn: () => unknown, message: RegExp, locator = 'Constraint'): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HubError);
  expect((caught as HubError).code).toBe('invalid_parameter');
  expect((caught as HubError).locator).toBe(locator);
  expect((caught as HubError).message).toMatch(message);
}

describe.each(backends)('filters over the catalogue on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  const fileOf = new Map<string, string>();

  beforeEach(async () => {
    await putSource(store.db, { id: 'fx', type: 'directory', url: '/nowhere', enabled: true });
    const entries = [];
    for (const f of FIXTURES) {
      const { id } = await upsertRecord(store.db, {
        sourceId: 'fx', nativeId: f.file, record: f.record, original: f.xml, mediaType: 'application/xml',
        contentHash: createHash('sha256').update(f.xml).digest('hex'),
      });
      fileOf.set(id, f.file);
      entries.push({ recordId: id, record: f.record, group: { members: [id], sources: ['fx'] } });
    }
    await writeCatalogue(store.db, entries);
  });

  /** The files a filter (tree, Filter XML or CQL) returns, sorted; the count must agree with the page. */
  async function run(filter: Filter | { xml: string } | { cql: string }, sort?: CatalogueSort[]): Promise<string[]> {
    const tree = 'xml' in filter ? parseOgcFilter(filter.xml) : 'cql' in filter ? parseCql(filter.cql) : filter;
    const r = await queryCatalogue(store.db, { where: compileFilter(tree), sort, offset: 0, limit: 1000 });
    expect(r.matched).toBe(r.hits.length);
    const files = r.hits.map((h) => fileOf.get(h.recordId)!);
    return sort ? files : files.sort();
  }
  const xml = (body: string) => run({ xml: ogc(body) });
  const cql = (text: string) => run({ cql: text });

  it('publishes every fixture: true matches all, false none', async () => {
    expect(await run({ op: 'true' })).toEqual(ALL);
    expect(await run({ op: 'false' })).toEqual([]);
    expect(await run({ op: 'and', args: [] })).toEqual(ALL);
  });

  it("pages udata's request: apiso:type in four types, sorted on apiso:identifier", async () => {
    const root = parseXml(readFileSync(path.join(REQUESTS, 'udata-csw-iso19139-apiso-type.xml'))).root;
    const [filter] = select(root, ['http://www.opengis.net/cat/csw/2.0.2', 'Query'], ['http://www.opengis.net/cat/csw/2.0.2', 'Constraint'], [NS_OGC, 'Filter']);
    const [sortBy] = select(root, ['http://www.opengis.net/cat/csw/2.0.2', 'Query'], [NS_OGC, 'SortBy']);
    const sort = compileSort(parseSortBy(sortBy));
    expect(sort).toEqual([{ column: 'identifier', descending: false }]);
    const types = ['dataset', 'nonGeographicDataset', 'series', 'service'];
    const r = await queryCatalogue(store.db, { where: compileFilter(parseOgcFilter(filter)), sort, offset: 0, limit: 25 });
    expect(r.matched).toBe(where((rec) => types.includes(rec.hierarchyLevel ?? 'dataset')).length);
    expect(r.hits).toHaveLength(25);
    // Page 2 holds the rest, none repeated.
    const r2 = await queryCatalogue(store.db, { where: compileFilter(parseOgcFilter(filter)), sort, offset: 25, limit: 25 });
    const ids = [...r.hits, ...r2.hits].map((h) => h.recordId);
    expect(new Set(ids).size).toBe(r.matched);
  });

  describe('text', () => {
    it('= is exact by default and case-insensitive with matchCase="false"; <> is its complement', async () => {
      const services = where((r) => r.hierarchyLevel === 'service');
      expect(services.length).toBeGreaterThan(1);
      expect(await xml(eq('apiso:Type', 'service'))).toEqual(services);
      expect(await xml(eq('dc:type', 'SERVICE'))).toEqual([]);
      expect(await xml(eq('dc:type', 'SERVICE', false))).toEqual(services);
      expect(await cql("type <> 'service'")).toEqual(where((r) => r.hierarchyLevel !== 'service'));
      expect(await xml(eq('dc:title', 'Base d\'Adresse Nationale Ouverte export Bretagne'))).toEqual(['geobretagne-bano.xml']);
    });

    it('orders < and > as text (within the services, where every collation agrees)', async () => {
      const services = (extra: string) => cql(`dc:type = 'service' AND ${extra}`);
      const ids = (pred: (id: string) => boolean) => where((r) => r.hierarchyLevel === 'service' && pred(values(r).identifier as string));
      expect(await services("apiso:Identifier < 'f'")).toEqual(ids((id) => id < 'f'));
      expect(await services("apiso:Identifier >= 'f'")).toEqual(ids((id) => id >= 'f'));
      expect((await services("apiso:Identifier < 'f'")).length).toBeGreaterThan(0);
    });

    it('LIKE is case-insensitive by default, case-sensitive with matchCase="true"', async () => {
      const titled = (re: RegExp) => where((r) => re.test(r.title ?? ''));
      expect(await xml(likeXml('dc:title', 'test record%'))).toEqual(titled(/^test record/i));
      expect(await xml(likeXml('dc:title', 'test record%', 'wildCard="%" singleChar="_" escapeChar="\\" matchCase="true"'))).toEqual([]);
      expect(await xml(likeXml('dc:title', 'Test Record%', 'wildCard="%" singleChar="_" escapeChar="\\" matchCase="true"'))).toEqual(titled(/^Test Record/));
    });

    it("translates the client's own wildcard, single and escape characters, escaping SQL's % and _ in literals", async () => {
      const ids = (re: RegExp) => where((r) => re.test(values(r).identifier as string));
      const attrs = 'wildCard="*" singleChar="?" escapeChar="!"';
      // '_' is a literal for this client: it must not match test-record-04's '-'.
      expect(await xml(likeXml('apiso:Identifier', 'test_record*', attrs))).toEqual([]);
      expect(await xml(likeXml('apiso:Identifier', 'test?record*', attrs))).toEqual(ids(/^test.record/i));
      expect(await xml(likeXml('apiso:Identifier', 'S2B_MSIL2A*', attrs))).toEqual(ids(/^S2B_MSIL2A/));
      // '%' is a literal too; '*' escaped by '!' is a literal star.
      expect(await xml(likeXml('apiso:Identifier', 'test%', attrs))).toEqual([]);
      expect(await xml(likeXml('apiso:Identifier', 'test!*', attrs))).toEqual([]);
      expect(await xml(likeXml('apiso:Identifier', 'a\\b*', attrs))).toEqual([]);
      // With SQL's own characters, the escape makes '_' literal.
      expect(await xml(likeXml('apiso:Identifier', 'test\\_record%'))).toEqual([]);
      expect(await xml(likeXml('apiso:Identifier', 'S2B\\_MSIL2A\\_%'))).toEqual(ids(/^S2B_MSIL2A_/));
      expect(await xml(likeXml('apiso:Identifier', 'test_record%'))).toEqual(ids(/^test.record/i));
    });

    it('matches a literal that is an SQL injection attempt as plain text', async () => {
      for (const attack of ["x' OR '1'='1", "'; DROP TABLE catalogue; --", "\\'; SELECT pg_sleep(5); --"]) {
        expect(await run({ op: 'eq', property: 'dc:title', value: attack })).toEqual([]);
        expect(await run({ op: 'like', property: 'dc:title', pattern: `%${attack}%`, wildCard: '%', singleChar: '_', escapeChar: '\\' })).toEqual([]);
        expect(await cql(`dc:title = '${attack.replace(/'/g, "''")}'`)).toEqual([]);
      }
      expect(await run({ op: 'true' })).toEqual(ALL);
    });
  });

  describe('texts (arrays)', () => {
    it('= matches any element, case-insensitively on request; <> when no element is equal', async () => {
      const oceans = where((r) => r.topicCategories.includes('oceans'));
      expect(oceans.length).toBeGreaterThan(1);
      expect(await cql("apiso:TopicCategory = 'oceans'")).toEqual(oceans);
      expect(await xml(eq('apiso:TopicCategory', 'OCEANS'))).toEqual([]);
      expect(await xml(eq('apiso:TopicCategory', 'OCEANS', false))).toEqual(oceans);
      expect(await cql("apiso:TopicCategory <> 'oceans'")).toEqual(where((r) => !r.topicCategories.includes('oceans')));
    });

    it('LIKE matches any element case-insensitively', async () => {
      const formats = where((r) => r.distributionFormats.some((f) => /^esri/i.test(f.name ?? '')));
      expect(formats.length).toBeGreaterThan(1);
      expect(await cql("apiso:Format LIKE 'esri%'")).toEqual(formats);
    });

    it('IS NULL means an empty array', async () => {
      expect(await cql('apiso:Format IS NULL')).toEqual(where((r) => (values(r).formats as string[]).length === 0));
      expect(await cql('apiso:Format IS NOT NULL')).toEqual(where((r) => (values(r).formats as string[]).length > 0));
    });
  });

  describe('dates', () => {
    const at = (s: string) => Date.parse(s);

    it('= on a date alone means the same day; = on an instant is exact', async () => {
      const day = where((r) => { const m = modified(r); return m !== null && m >= at('2012-10-05T00:00:00Z') && m < at('2012-10-06T00:00:00Z'); });
      expect(day.length).toBe(3);
      expect(await xml(eq('apiso:Modified', '2012-10-05'))).toEqual(day);
      expect(await xml(eq('dct:modified', '2011-10-28'))).toEqual(['gemini-wales1.xml']);
      expect(await xml(eq('dct:modified', '2011-10-28T17:27:04Z'))).toEqual(['gemini-wales1.xml']);
      expect(await xml(eq('dct:modified', '2011-10-28T17:27:05Z'))).toEqual([]);
      expect(await cql("apiso:Modified <> '2012-10-05'")).toEqual(where((r) => modified(r) !== null && !day.includes(FIXTURES.find((f) => f.record === r)!.file)));
    });

    it('<= includes the whole day, > starts the next, >= and < from its start', async () => {
      const m = (pred: (t: number) => boolean) => where((r) => { const t = modified(r); return t !== null && pred(t); });
      expect(await cql("apiso:Modified <= '2011-10-28'")).toEqual(m((t) => t < at('2011-10-29T00:00:00Z')));
      expect(await cql("apiso:Modified < '2011-10-28'")).toEqual(m((t) => t < at('2011-10-28T00:00:00Z')));
      expect(await cql("apiso:Modified > '2011-10-28'")).toEqual(m((t) => t >= at('2011-10-29T00:00:00Z')));
      expect(await cql('apiso:Modified >= 2020-01-01')).toEqual(m((t) => t >= at('2020-01-01T00:00:00Z')));
      expect(await cql("apiso:Modified >= '2020'")).toEqual(m((t) => t >= at('2020-01-01T00:00:00Z')));
      expect(await cql("apiso:Modified BETWEEN '2015-01-01' AND '2015-12-31'"))
        .toEqual(m((t) => t >= at('2015-01-01T00:00:00Z') && t < at('2016-01-01T00:00:00Z')));
      expect((await cql("apiso:Modified BETWEEN '2015-01-01' AND '2015-12-31'")).length).toBeGreaterThan(2);
    });

    it('refuses a literal that is not a date, and LIKE on a date', async () => {
      rejects(() => compileFilter(parseCql("apiso:Modified > 'yesterday'")), /'yesterday' is not an ISO 8601 date/);
      rejects(() => compileFilter(parseCql("apiso:Modified LIKE '2020%'")), /PropertyIsLike applies to text queryables; apiso:Modified is a date/);
    });
  });

  describe('numbers and booleans', () => {
    it('compares numbers (any element of an array) and refuses a non-number', async () => {
      const den = (pred: (n: number) => boolean) => where((r) => (values(r).denominators as number[]).some(pred));
      expect(await cql('apiso:Denominator = 5000')).toEqual(den((n) => n === 5000));
      expect(await cql('apiso:Denominator < 1000')).toEqual(den((n) => n < 1000));
      expect(await xml(eq('apiso:Denominator', '50000'))).toEqual(den((n) => n === 50000));
      expect(await cql('apiso:Denominator BETWEEN 1000 AND 10000')).toEqual(den((n) => n >= 1000 && n <= 10000));
      rejects(() => compileFilter(parseCql("apiso:Denominator = 'big'")), /'big' is not a number/);
    });

    it('compares booleans with = and <> only', async () => {
      const secured = where((r) => r.constraints.some((c) => c.kind === 'security'));
      expect(secured.length).toBe(1);
      expect(await cql('apiso:HasSecurityConstraints = TRUE')).toEqual(secured);
      expect(await xml(eq('apiso:HasSecurityConstraints', 'false'))).toEqual(ALL.filter((f) => !secured.includes(f)));
      rejects(() => compileFilter(parseCql("apiso:HasSecurityConstraints = 'maybe'")), /'maybe' is not a boolean/);
      rejects(() => compileFilter(parseCql('apiso:HasSecurityConstraints < TRUE')), /only = and <> apply/);
    });
  });

  describe('AnyText', () => {
    const containing = (word: string) => where((r) => (values(r).anytext as string).includes(normaliseText(word)));

    it('= and LIKE both mean contains, accents and case ignored', async () => {
      expect(await xml(eq('csw:AnyText', 'Tâche urbaine'))).toEqual(containing('tache urbaine'));
      expect(await xml(eq('csw:AnyText', 'Tâche urbaine'))).toEqual(['geopicardie-tache-urbaine.xml']);
      expect(await cql("AnyText LIKE '%TACHE URBAINE%'")).toEqual(['geopicardie-tache-urbaine.xml']);
      expect(await cql("anytext like 'adresse'")).toEqual(containing('adresse'));
      expect((await cql("anytext like 'adresse'")).length).toBeGreaterThan(1);
      expect(await cql("csw:AnyText <> 'adresse'")).toEqual(ALL.filter((f) => !containing('adresse').includes(f)));
    });

    it('matches everything with a pattern of wildcards only', async () => {
      expect(await cql("AnyText LIKE '%'")).toEqual(ALL);
      expect(await xml(likeXml('csw:AnyText', '**', 'wildCard="*" singleChar="?" escapeChar="!"'))).toEqual(ALL);
    });

    it('refuses ordering comparisons', () => {
      rejects(() => compileFilter(parseCql("AnyText > 'a'")), /only =, <> and LIKE apply/);
    });
  });

  describe('null and logic', () => {
    it('IS NULL on a scalar column, NOT and OR', async () => {
      const parents = where((r) => !!r.parentIdentifier);
      expect(parents.length).toBeGreaterThan(1);
      expect(await cql('apiso:ParentIdentifier IS NULL')).toEqual(ALL.filter((f) => !parents.includes(f)));
      expect(await cql('NOT apiso:ParentIdentifier IS NULL')).toEqual(parents);
      expect(await cql("apiso:ParentIdentifier IS NOT NULL OR dc:type = 'service'"))
        .toEqual(where((r) => !!r.parentIdentifier || r.hierarchyLevel === 'service'));
    });

    it('NOT holds where the column is NULL', async () => {
      // parent_identifier is NULL for most records: NOT (parent = x) keeps them.
      expect(await cql("NOT apiso:ParentIdentifier = 'TBD'")).toEqual(where((r) => r.parentIdentifier !== 'TBD'));
    });
  });

  describe('bounding boxes', () => {
    const reunion = { west: 55.2, south: -21.4, east: 55.9, north: -20.8 };
    const brittany = { west: -5.5, south: 47, east: -1, north: 49 };
    const metropole = { west: -5.5, south: 41, east: 10, north: 51.5 };

    it('matches the RPG record by its Réunion box alone (a record with several boxes)', async () => {
      expect(boxes(FIXTURES.find((f) => f.file === RPG)!.record)).toHaveLength(6);
      expect(await xml(bboxXml(reunion))).toEqual([RPG]);
      expect(await xml(bboxXml(reunion))).toEqual(where((r) => boxes(r).some((b) => intersects(b, reunion))));
    });

    it('answers the QGIS MetaSearch request (latitude-first envelope and AnyText) with the RPG record', async () => {
      const root = parseXml(readFileSync(path.join(REQUESTS, 'qgis-metasearch-getrecords.xml'))).root;
      const [filter] = select(root, ['http://www.opengis.net/cat/csw/2.0.2', 'Query'], ['http://www.opengis.net/cat/csw/2.0.2', 'Constraint'], [NS_OGC, 'Filter']);
      expect(await run(parseOgcFilter(filter))).toEqual([RPG]);
    });

    it('reads the same envelope in either axis order', async () => {
      const latFirst = `<ogc:BBOX><ogc:PropertyName>ows:BoundingBox</ogc:PropertyName><gml:Envelope srsName="urn:ogc:def:crs:EPSG::4326"><gml:lowerCorner>47 -5.5</gml:lowerCorner><gml:upperCorner>49 -1</gml:upperCorner></gml:Envelope></ogc:BBOX>`;
      const expected = where((r) => boxes(r).some((b) => intersects(b, brittany)));
      expect(expected.length).toBeGreaterThan(3);
      expect(await xml(latFirst)).toEqual(expected);
      expect(await xml(bboxXml(brittany))).toEqual(expected);
      expect(await cql('BBOX(ows:BoundingBox, -5.5, 47, -1, 49)')).toEqual(expected);
    });

    it('Intersects, Disjoint, Within, Contains, Equals and Overlaps', async () => {
      expect(await xml(bboxXml(brittany, 'Intersects'))).toEqual(where((r) => boxes(r).some((b) => intersects(b, brittany))));
      // Disjoint: no box intersects, which includes the record without a box.
      const disjoint = where((r) => !boxes(r).some((b) => intersects(b, brittany)));
      expect(disjoint).toContain('owslib-9250AA67-iso.xml');
      expect(await xml(bboxXml(brittany, 'Disjoint'))).toEqual(disjoint);
      // Within: every box (and at least one): the RPG record's overseas boxes keep it out of metropolitan France.
      const inside = where((r) => boxes(r).length > 0 && boxes(r).every((b) => within(b, metropole)));
      expect(inside).not.toContain(RPG);
      expect(await xml(bboxXml(metropole, 'Within'))).toEqual(inside);
      // Contains: a small envelope in Rennes is contained by the boxes around it.
      const rennes = { west: -1.7, south: 48.1, east: -1.6, north: 48.15 };
      expect(await xml(bboxXml(rennes, 'Contains'))).toEqual(where((r) => boxes(r).some((b) => within(rennes, b))));
      // Equals: the GEMINI dataset and series share this box exactly.
      const gemini = { west: -9.227701, south: 49.83726, east: 2.687637, north: 60.850441 };
      expect(await xml(bboxXml(gemini, 'Equals'))).toEqual(['gemini-dataset-valid.xml', 'gemini-series-valid.xml']);
      // Overlaps: intersects without either containing the other.
      const overlapping = where((r) => boxes(r).some((b) => intersects(b, brittany) && !within(b, brittany) && !within(brittany, b)));
      expect(await xml(bboxXml(brittany, 'Overlaps'))).toEqual(overlapping);
    });

    it('splits an envelope crossing the antimeridian', async () => {
      // Pohnpei (158.22 E) is inside 150 E .. 170 W across the antimeridian, and outside 170 E .. 170 W.
      expect(await cql('BBOX(ows:BoundingBox, 150, 0, -170, 10)')).toEqual(['pycsw-pacioos-mi-thredds.xml']);
      expect(await cql('BBOX(ows:BoundingBox, 170, 0, -170, 10)')).toEqual([]);
      // Alaska to Labrador (-141 .. -52) lies in the western half of 100 E .. -40.
      expect(await cql('BBOX(ows:BoundingBox, 100, 40, -40, 60)'))
        .toEqual(where((r) => boxes(r).some((b) => intersects(b, { west: 100, south: 40, east: 180, north: 60 }) || intersects(b, { west: -180, south: 40, east: -40, north: 60 }))));
    });

    it('IS NULL: records without a box', async () => {
      expect(await cql('ows:BoundingBox IS NULL')).toEqual(where((r) => boxes(r).length === 0));
    });

    it("answers GeoNetwork's harvester CQL (BBOX on the_geom)", async () => {
      const text = readFileSync(path.join(REQUESTS, 'geonetwork-harvester-cql.txt'), 'utf8');
      expect(await cql(text)).toEqual(where((r) => (values(r).anytext as string).includes('adresse') && (r.hierarchyLevel ?? 'dataset') === 'dataset'
        && boxes(r).some((b) => intersects(b, brittany))));
      expect(await cql(text)).toContain('geobretagne-bano.xml');
    });

    it('refuses spatial operators on other queryables and comparisons on the box', () => {
      rejects(() => compileFilter(parseCql('BBOX(dc:title, 0, 0, 1, 1)')), /applies to the bounding box .*'dc:title' is not a geometry/);
      rejects(() => compileFilter(parseCql("ows:BoundingBox = 'x'")), /is a bounding box: use a spatial operator/);
    });
  });

  describe('errors and sorting', () => {
    it('refuses an unknown queryable with the Constraint locator', () => {
      rejects(() => compileFilter(parseOgcFilter(readFileSync(path.join(REQUESTS, 'owslib-fes-constraint-list.xml'), 'utf8'))), /Unknown queryable 'property'/);
      rejects(() => compileFilter(parseCql("nosuch:thing = 'x'")), /Unknown queryable 'nosuch:thing'/);
    });

    it('numbers placeholders in the order of the parameters', () => {
      const c = compileFilter(parseCql("dc:type = 'a' AND (dc:title LIKE 'b%' OR apiso:Modified = '2020-01-01')"));
      expect(c.params).toEqual(['a', 'b%', '2020-01-01T00:00:00Z', '2020-01-02T00:00:00.000Z']);
      expect([...c.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))).toEqual([1, 2, 3, 4]);
      expect(c.sql).not.toContain("'a'");
    });

    it('sorts on sortable queryables, ascending and descending', async () => {
      const services = where((r) => r.hierarchyLevel === 'service');
      const byId = [...services].sort((a, b) => {
        const ia = values(FIXTURES.find((f) => f.file === a)!.record).identifier as string;
        const ib = values(FIXTURES.find((f) => f.file === b)!.record).identifier as string;
        return ia < ib ? -1 : 1;
      });
      expect(await run(parseCql("dc:type = 'service'"), compileSort([{ property: 'apiso:identifier', descending: false }]))).toEqual(byId);
      expect(await run(parseCql("dc:type = 'service'"), compileSort([{ property: 'dc:identifier', descending: true }]))).toEqual([...byId].reverse());
      const byModified = [...ALL].filter((f) => modified(FIXTURES.find((x) => x.file === f)!.record) !== null)
        .sort((a, b) => modified(FIXTURES.find((x) => x.file === b)!.record)! - modified(FIXTURES.find((x) => x.file === a)!.record)!);
      const sorted = await run({ op: 'true' }, compileSort([{ property: 'apiso:Modified', descending: true }]));
      // NULLs first when descending (PostgreSQL's order); then newest first. Ties (the GEMINI trio) by record id.
      expect(sorted.map((f) => modified(FIXTURES.find((x) => x.file === f)!.record))).toEqual(
        [...ALL.filter((f) => modified(FIXTURES.find((x) => x.file === f)!.record) === null), ...byModified]
          .map((f) => modified(FIXTURES.find((x) => x.file === f)!.record)));
    });

    it('refuses unknown and multi-valued sort keys with the SortBy locator', () => {
      rejects(() => compileSort([{ property: 'nosuch', descending: false }]), /Unknown queryable 'nosuch'/, 'SortBy');
      rejects(() => compileSort([{ property: 'apiso:Subject', descending: false }]), /cannot be sorted on/, 'SortBy');
    });
  });
});
