/**
 * `GET /catalog` on every store backend: a store holding ISO fixtures harvested from two sources (one resource
 * known from both, one record withdrawn), its catalogue written with writeCatalogue, then pages in every format
 * parsed back (n3, rdfxml-streaming-parser, jsonld.js), Hydra paging walked page by page, parameter errors,
 * the source filter, provenance, conditional requests, content negotiation, and a harvest over HTTP by a Python
 * rdflib client reading pages the way udata's DCAT backend does (HEAD for the format, hydra:next, dct:identifier,
 * GeoJSON spatial, licences on distributions).
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import Koa from 'koa';
import Router from '@koa/router';
import { DataFactory, Store, type Quad, type Term } from 'n3';
import { canonize } from 'rdf-canonize';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HubError } from '../../../src/errors.ts';
import { readIso19139 } from '../../../mappings/iso19139/read.ts';
import { parseRdf } from '../../../mappings/dcat-ap/rdf.ts';
import { DCAT, DCT, FOAF, HYDRA, RDF } from '../../../mappings/dcat-ap/vocab.ts';
import { resourceIri } from '../../../mappings/dcat-ap/write.ts';
import type { MdRecord } from '../../../mappings/types.ts';
import { writeCatalogue, type CatalogueEntry } from '../../../src/store/catalogue.ts';
import { upsertRecord, withdrawRecords } from '../../../src/store/records.ts';
import { putSource } from '../../../src/store/sources.ts';
import { catalogResponse, negotiateDcatFormat, type DcatHubInfo } from '../../../src/publish/dcat/catalog.ts';
import { dcatRoutes } from '../../../src/publish/dcat/routes.ts';
import { DCAT_FORMATS, type DcatFormat } from '../../../src/publish/dcat/serialize.ts';
import { backends, useStore } from '../../helpers/db.ts';
import { sharedFixtures } from '../../helpers/xmllint.ts';

const { namedNode } = DataFactory;
const BASE = 'https://hub.example.org';
const HUB: DcatHubInfo = { title: 'Moisson test', description: 'Catalogue de test', publisherName: 'Équipe moisson', language: 'fre' };
const FORMATS: DcatFormat[] = ['rdf-xml', 'turtle', 'n-triples', 'json-ld'];
const SEMIC = path.join(sharedFixtures, 'dcat', 'iso19139-to-geodcat-ap');
const ISO = path.join(sharedFixtures, 'iso19139');

/** The documents of source "geo": SEMIC inputs and shared ISO fixtures (datasets, a series, services). */
const GEO_FILES = [
  path.join(SEMIC, 'basic_dataset', 'input.xml'), path.join(SEMIC, 'network-service', 'input.xml'),
  path.join(SEMIC, 'multilingual-metadata', 'input.xml'), path.join(ISO, 'geobretagne-bano.xml'),
  path.join(ISO, 'geobretagne-service-coupled.xml'), path.join(ISO, 'rennes-metropole-referentiel-adresse.xml'),
  path.join(ISO, 'gemini-series-valid.xml'), path.join(ISO, 'ifremer-multilang.xml'), path.join(ISO, 'pycsw-greek-dtm-1996.xml'),
];
const WITHDRAWN_FILE = path.join(SEMIC, 'identifiers-anchor', 'input.xml');

/** readIso19139 reads a csw:GetRecordByIdResponse root as MD_Metadata: give it the record inside. */
function isoText(file: string): string {
  const xml = readFileSync(file, 'utf8');
  if (!xml.includes('<csw:GetRecordByIdResponse')) return xml;
  const record = xml.slice(xml.indexOf('<gmd:MD_Metadata'), xml.indexOf('</gmd:MD_Metadata>') + '</gmd:MD_Metadata>'.length);
  return record.replace('<gmd:MD_Metadata ', '<gmd:MD_Metadata xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ');
}

interface Seeded {
  entries: CatalogueEntry[];
  withdrawnId: string;
  /** The resource known from both sources. */
  shared: CatalogueEntry;
}

const nativeId = (file: string) => `${path.basename(path.dirname(file))}/${path.basename(file)}`;

/**
 * Fixture edits: the GéoBretagne WFS operates on a dataset the fixtures do not hold; here it operates on the BANO
 * export instead (by uuidref and by a GetRecordById-style href), so that the link can be resolved.
 */
const EDITS: Record<string, (xml: string) => string> = {
  'geobretagne-service-coupled.xml': (xml) => xml.replaceAll('e16944c7-8c80-4ac6-85f4-c88958f39094', '9ffb161b-d8d8-4ec4-bde5-a03104300df8'),
};

async function store(db: Parameters<typeof upsertRecord>[0], sourceId: string, file: string): Promise<{ id: string; record: MdRecord }> {
  const edit = EDITS[path.basename(file)];
  const text = edit ? edit(isoText(file)) : isoText(file);
  const { record } = readIso19139(text);
  const { id } = await upsertRecord(db, { sourceId, nativeId: nativeId(file), record, original: Buffer.from(text),
    mediaType: 'application/xml', contentHash: createHash('sha256').update(text).digest('hex') });
  return { id, record };
}

async function seed(db: Parameters<typeof upsertRecord>[0]): Promise<Seeded> {
  await putSource(db, { id: 'geo', type: 'csw', url: 'https://geo.example.org/csw', title: 'Géocatalogue', enabled: true });
  await putSource(db, { id: 'other', type: 'dcat', url: 'https://other.example.org/catalog.rdf', title: 'Autre catalogue', enabled: true });
  const entries: CatalogueEntry[] = [];
  for (const file of GEO_FILES) {
    const { id, record } = await store(db, 'geo', file);
    entries.push({ recordId: id, record, group: { members: [id], sources: ['geo'] } });
  }
  // The same dataset harvested from "other": one resource, published once, with both provenances.
  const copy = await store(db, 'other', GEO_FILES[0]);
  entries[0].group = { members: [entries[0].recordId, copy.id], sources: ['geo', 'other'] };
  const withdrawn = await store(db, 'geo', WITHDRAWN_FILE);
  await withdrawRecords(db, 'geo', [nativeId(WITHDRAWN_FILE)], { seenBefore: new Date(Date.now() + 60_000) });
  await writeCatalogue(db, entries);
  return { entries, withdrawnId: withdrawn.id, shared: entries[0] };
}

async function parsePage(body: string, format: DcatFormat): Promise<Quad[]> {
  return parseRdf(Buffer.from(body), format, `${BASE}/catalog`);
}

const canonical = (quads: Quad[]) => canonize(quads, { algorithm: 'RDFC-1.0', format: 'application/n-quads', maxWorkFactor: 2 });
const objs = (g: Store, s: Term | null, p: string) => g.getObjects(s, namedNode(p), null);
const one = (g: Store, s: Term | null, p: string): string | undefined => objs(g, s, p)[0]?.value;

/** Query parameters of a paging link. */
function queryOf(link: string): Record<string, string> {
  return Object.fromEntries(new URL(link).searchParams);
}

describe.each(backends)('DCAT catalogue on $name', (backend) => {
  const st = useStore(backend, import.meta.url);
  let seeded: Seeded;
  beforeEach(async () => {
    seeded = await seed(st.db);
  });

  const page = async (query: Record<string, string>, format: DcatFormat = 'turtle', extension = DCAT_FORMATS[format].extension) => {
    const res = await catalogResponse(st.db, query, format, BASE, HUB, { extension });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(`${DCAT_FORMATS[format].mediaType}; charset=utf-8`);
    return new Store(await parsePage(res.body as string, format));
  };
  const listed = (g: Store, catalog = `${BASE}/catalog`) =>
    [...objs(g, namedNode(catalog), DCAT('dataset')), ...objs(g, namedNode(catalog), DCAT('service'))].map((t) => t.value);

  it('serves the same graph in RDF/XML, Turtle, N-Triples and JSON-LD', async () => {
    const graphs: string[] = [];
    // Negotiated (no extension): the paging links, which keep the extension, are then the same in every format.
    for (const format of FORMATS) {
      const res = await catalogResponse(st.db, {}, format, BASE, HUB, { extension: '' });
      graphs.push(await canonical(await parsePage(res.body as string, format)));
    }
    for (const g of graphs.slice(1)) {
      const a = new Set(graphs[0].split('\n'));
      const b = new Set(g.split('\n'));
      // Lines only in one graph (empty when they are the same), so that a failure says what differs.
      expect([...b].filter((l) => !a.has(l))).toEqual([...a].filter((l) => !b.has(l)));
    }
    expect(new Set(graphs).size).toBe(1);
    expect(graphs[0].split('\n').length).toBeGreaterThan(500);
  });

  it('lists exactly the catalogue rows, datasets as dcat:dataset and services as dcat:service', async () => {
    const g = await page({});
    const catalog = namedNode(`${BASE}/catalog`);
    const expected = seeded.entries.map((e) => resourceIri(BASE, e.recordId)).sort();
    expect(listed(g).sort()).toEqual(expected);
    for (const e of seeded.entries) {
      const iri = namedNode(resourceIri(BASE, e.recordId));
      const property = e.record.hierarchyLevel === 'service' ? DCAT('service') : DCAT('dataset');
      expect(g.has(DataFactory.quad(catalog, namedNode(property), iri))).toBe(true);
      expect(objs(g, iri, DCT('identifier'))).toHaveLength(1);
      expect(objs(g, iri, DCT('title')).length).toBeGreaterThan(0);
    }
    // The withdrawn record is in the store but never in the catalogue.
    expect(g.getQuads(null, null, null, null).some((q) => [q.subject, q.object].some((t) => t.value.includes(seeded.withdrawnId)))).toBe(false);
    expect(one(g, catalog, DCT('title'))).toBe('Moisson test');
    expect(one(g, catalog, DCT('language'))).toBe('http://publications.europa.eu/resource/authority/language/FRA');
    expect(one(g, objs(g, catalog, DCT('publisher'))[0], FOAF('name'))).toBe('Équipe moisson');
    expect(one(g, catalog, FOAF('homepage'))).toBe(`${BASE}/`);
  });

  it.each(FORMATS)('pages with Hydra: walking hydra:next in %s reaches every resource exactly once', async (format) => {
    const ext = DCAT_FORMATS[format].extension;
    const seen: string[] = [];
    let query: Record<string, string> | null = { page_size: '2' };
    let pages = 0;
    while (query) {
      const g = await page(query, format);
      pages++;
      const catalog = namedNode(`${BASE}/catalog`);
      expect(one(g, catalog, HYDRA('totalItems'))).toBe(String(seeded.entries.length));
      const view = one(g, catalog, HYDRA('view'))!;
      expect(view).toBe(`${BASE}/catalog.${ext}?page=${pages}&page_size=2`);
      expect(objs(g, namedNode(view), RDF('type')).map((t) => t.value)).toEqual([HYDRA('PartialCollectionView')]);
      expect(one(g, namedNode(view), HYDRA('first'))).toBe(`${BASE}/catalog.${ext}?page=1&page_size=2`);
      expect(one(g, namedNode(view), HYDRA('last'))).toBe(`${BASE}/catalog.${ext}?page=5&page_size=2`);
      expect(one(g, namedNode(view), HYDRA('previous'))).toBe(pages > 1 ? `${BASE}/catalog.${ext}?page=${pages - 1}&page_size=2` : undefined);
      seen.push(...listed(g));
      const next = one(g, namedNode(view), HYDRA('next'));
      query = next ? queryOf(next) : null;
    }
    expect(pages).toBe(5);
    expect(seen.sort()).toEqual(seeded.entries.map((e) => resourceIri(BASE, e.recordId)).sort());
  });

  it('keeps no extension in the links of a negotiated /catalog, and answers a page past the end with no resource', async () => {
    const g = await page({ page: '9', page_size: '4' }, 'rdf-xml', '');
    const view = namedNode(`${BASE}/catalog?page=9&page_size=4`);
    expect(one(g, namedNode(`${BASE}/catalog`), HYDRA('view'))).toBe(view.value);
    expect(listed(g)).toEqual([]);
    expect(one(g, view, HYDRA('next'))).toBeUndefined();
    expect(one(g, view, HYDRA('previous'))).toBe(`${BASE}/catalog?page=3&page_size=4`);
  });

  it.each([
    [{ page: '0' }, 'page'], [{ page: 'two' }, 'page'], [{ page: '-1' }, 'page'], [{ page_size: '0' }, 'page_size'],
    [{ page_size: '1001' }, 'page_size'], [{ page_size: '2.5' }, 'page_size'],
  ])('refuses %j with invalid_parameter', async (query, locator) => {
    const err = await catalogResponse(st.db, query, 'turtle', BASE, HUB).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).code).toBe('invalid_parameter');
    expect((err as HubError).status).toBe(400);
    expect((err as HubError).locator).toBe(locator);
  });

  it('refuses a repeated parameter and an unknown source', async () => {
    await expect(catalogResponse(st.db, { page: ['1', '2'] }, 'turtle', BASE, HUB)).rejects.toMatchObject({ code: 'invalid_parameter' });
    await expect(catalogResponse(st.db, { source: 'nope' }, 'turtle', BASE, HUB)).rejects.toMatchObject({ code: 'source_not_found', status: 404 });
  });

  it('filters on a source: that source catalogue, its resources only', async () => {
    const g = await page({ source: 'other' });
    const catalog = `${BASE}/catalog?source=other`;
    expect(listed(g, catalog)).toEqual([resourceIri(BASE, seeded.shared.recordId)]);
    expect(one(g, namedNode(catalog), HYDRA('totalItems'))).toBe('1');
    expect(one(g, namedNode(catalog), DCT('title'))).toBe('Autre catalogue');
    expect(one(g, namedNode(catalog), DCT('isPartOf'))).toBe(`${BASE}/catalog`);
    expect(one(g, namedNode(catalog), HYDRA('view'))).toBe(`${BASE}/catalog.ttl?page=1&page_size=100&source=other`);
    expect(objs(g, namedNode(`${BASE}/catalog`), DCAT('dataset'))).toEqual([]);
  });

  it('gives every resource its provenance: one catalogue record per member, in its source catalogue', async () => {
    const g = await page({});
    const iri = namedNode(resourceIri(BASE, seeded.shared.recordId));
    const records = g.getSubjects(namedNode(FOAF('primaryTopic')), iri, null).map((t) => t.value).sort();
    expect(records).toEqual(seeded.shared.group.members.map((m) => `${BASE}/records/${m}`).sort());
    seeded.shared.group.members.forEach((m, i) => {
      const catalog = namedNode(`${BASE}/catalog?source=${seeded.shared.group.sources[i]}`);
      expect(objs(g, catalog, DCAT('record')).map((t) => t.value)).toContain(`${BASE}/records/${m}`);
      expect(one(g, namedNode(`${BASE}/records/${m}`), DCT('source'))).toBe(`${BASE}/records/${m}/original`);
    });
    expect(objs(g, namedNode(`${BASE}/catalog`), DCAT('catalog')).map((t) => t.value).sort())
      .toEqual([`${BASE}/catalog?source=geo`, `${BASE}/catalog?source=other`]);
    expect(one(g, namedNode(`${BASE}/catalog?source=geo`), DCT('source'))).toBe('https://geo.example.org/csw');
  });

  it('links a service to the catalogue resources it operates on', async () => {
    const g = await page({});
    const served = g.getQuads(null, namedNode(DCAT('servesDataset')), null, null)
      .filter((q) => q.subject.termType === 'NamedNode').map((q) => q.object.value);
    // geobretagne-service-coupled operates on the BANO dataset, also in the catalogue (see EDITS).
    const bano = seeded.entries.find((e) => e.record.title.includes('Adresse'))!;
    expect(served).toContain(resourceIri(BASE, bano.recordId));
  });

  it('still lists a resource whose stored record the writer cannot read, with a minimal description', async () => {
    const broken = seeded.entries[3];
    await st.db.query(`UPDATE records SET record = jsonb_set(record, '{keywords}', '42'::jsonb) WHERE id = $1`, [broken.recordId]);
    const g = await page({});
    const iri = namedNode(resourceIri(BASE, broken.recordId));
    expect(listed(g)).toContain(iri.value);
    expect(objs(g, iri, DCT('identifier')).map((t) => t.value)).toEqual([broken.record.identifier]);
    expect(objs(g, iri, DCT('title')).map((t) => t.value)).toEqual([broken.record.title]);
    expect(listed(g)).toHaveLength(seeded.entries.length);
  });

  it('answers 304 to a matching If-None-Match until the catalogue changes', async () => {
    const first = await catalogResponse(st.db, { page_size: '3' }, 'turtle', BASE, HUB, { extension: 'ttl' });
    const again = await catalogResponse(st.db, { page_size: '3' }, 'turtle', BASE, HUB, { extension: 'ttl', ifNoneMatch: first.headers.etag });
    expect(again.status).toBe(304);
    const other = await catalogResponse(st.db, { page_size: '3' }, 'rdf-xml', BASE, HUB, { extension: 'rdf' });
    expect(other.headers.etag).not.toBe(first.headers.etag);
    await writeCatalogue(st.db, [seeded.entries[1]]);
    const changed = await catalogResponse(st.db, { page_size: '3' }, 'turtle', BASE, HUB, { extension: 'ttl', ifNoneMatch: first.headers.etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(first.headers.etag);
  });

  describe('over HTTP', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      const app = new Koa();
      const router = new Router();
      // koa composes its middleware when it starts listening: routes first, the base URL once the port is known.
      const deps = { db: st.db, baseUrl: '', hub: HUB };
      dcatRoutes(router, deps);
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (e) {
          ctx.status = e instanceof HubError ? e.status : 500;
          ctx.body = { error: (e as Error).message };
        }
      });
      app.use(router.routes()).use(router.allowedMethods());
      server = app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', resolve));
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      deps.baseUrl = base;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('negotiates on /catalog, serves /catalog.{ext}, answers HEAD and 406', async () => {
      const head = await fetch(`${base}/catalog`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('application/rdf+xml; charset=utf-8');
      expect(head.headers.get('vary')).toBe('Accept');
      const ttl = await fetch(`${base}/catalog`, { headers: { accept: 'text/html;q=0.9, text/turtle' } });
      expect(ttl.headers.get('content-type')).toBe('text/turtle; charset=utf-8');
      expect(await ttl.text()).toContain('@prefix dcat:');
      const jsonld = await fetch(`${base}/catalog.jsonld?page_size=1`);
      expect(jsonld.headers.get('content-type')).toBe('application/ld+json; charset=utf-8');
      expect((await jsonld.json())['@context']).toMatchObject({ dcat: 'http://www.w3.org/ns/dcat#' });
      expect((await fetch(`${base}/catalog`, { headers: { accept: 'image/png' } })).status).toBe(406);
      expect((await fetch(`${base}/catalog.pdf`)).status).toBe(404);
      expect((await fetch(`${base}/catalog.ttl?page=0`)).status).toBe(400);
      const etag = jsonld.headers.get('etag')!;
      expect((await fetch(`${base}/catalog.jsonld?page_size=1`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    });

    // Asynchronous: the server answering the client runs in this process.
    it('is harvested by a Python rdflib client the way udata does it, every format, every resource once', async () => {
      const script = `
import sys, json, urllib.request, rdflib
from rdflib.namespace import RDF, DCTERMS as DCT
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
GEOJSON = "https://www.iana.org/assignments/media-types/application/vnd.geo+json"
FORMATS = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt"}
url = sys.argv[1]
# udata: the format from the URL's extension, else from the Content-Type of a HEAD.
head = urllib.request.urlopen(urllib.request.Request(url, method="HEAD"))
fmt = FORMATS[head.headers["Content-Type"].split(";")[0]]
out = {"format": fmt, "pages": 0, "datasets": [], "services": []}
while url:
    g = rdflib.Graph()
    g.parse(data=urllib.request.urlopen(url).read().decode("utf-8"), format=fmt)
    out["pages"] += 1
    view = g.value(predicate=RDF.type, object=HYDRA.PartialCollectionView)
    url = str(g.value(view, HYDRA.next)) if view is not None and g.value(view, HYDRA.next) is not None else None
    for d in g.subjects(RDF.type, DCAT.Dataset):
        dists = list(g.objects(d, DCAT.distribution))
        spatial = [json.loads(str(o))["type"] for loc in g.objects(d, DCT.spatial) for o in g.objects(loc)
                   if isinstance(o, rdflib.Literal) and str(o.datatype) == GEOJSON]
        out["datasets"].append({"id": str(g.value(d, DCT.identifier)), "title": bool(g.value(d, DCT.title)),
            "spatial": spatial, "distributions": len(dists),
            "licensed": sum(1 for x in dists if g.value(x, DCT.license) is not None)})
    access = set(g.objects(None, DCAT.accessService))
    out["services"] += [str(g.value(s, DCT.identifier)) for s in g.subjects(RDF.type, DCAT.DataService) if s not in access]
print(json.dumps(out))
`;
      const datasets = seeded.entries.filter((e) => e.record.hierarchyLevel !== 'service');
      const services = seeded.entries.filter((e) => e.record.hierarchyLevel === 'service');
      for (const [start, fmt] of [['/catalog?page_size=2', 'xml'], ['/catalog.ttl?page_size=3', 'turtle'], ['/catalog.jsonld?page_size=4', 'json-ld'], ['/catalog.nt?page_size=5', 'nt']]) {
        const { stdout } = await promisify(execFile)('/usr/bin/python3', ['-c', script, `${base}${start}`], { encoding: 'utf8', timeout: 60_000 });
        const out = JSON.parse(stdout);
        expect(out.format).toBe(fmt);
        expect(out.pages).toBe(Math.ceil(seeded.entries.length / Number(queryOf(`${base}${start}`).page_size)));
        expect(out.datasets).toHaveLength(datasets.length);
        expect(new Set(out.datasets.map((d: { id: string }) => d.id)).size).toBe(datasets.length);
        expect(out.services).toHaveLength(services.length);
        for (const d of out.datasets as { title: boolean; spatial: string[]; distributions: number; licensed: number }[]) {
          expect(d.title).toBe(true);
          expect(d.licensed).toBe(d.distributions);
        }
        const withBoxes = datasets.filter((e) => e.record.bboxes.length > 0).length;
        expect(out.datasets.filter((d: { spatial: string[] }) => d.spatial.includes('Polygon')).length).toBe(withBoxes);
      }
    });
  });
});

describe('DCAT content negotiation', () => {
  it.each([
    [undefined, 'rdf-xml'], ['*/*', 'rdf-xml'], ['text/turtle', 'turtle'], ['application/ld+json', 'json-ld'],
    ['application/json', 'json-ld'], ['application/n-triples', 'n-triples'], ['application/xml', 'rdf-xml'],
    ['text/html,application/xhtml+xml,*/*;q=0.8', 'rdf-xml'], ['application/ld+json;q=0.5, text/turtle', 'turtle'],
    ['text/*', 'turtle'], ['text/turtle;q=0, application/rdf+xml;q=0.1', 'rdf-xml'],
  ])('Accept %s -> %s', (accept, format) => {
    expect(negotiateDcatFormat(accept, undefined)).toBe(format);
  });

  it('lets the extension decide, and refuses what it cannot serve', () => {
    expect(negotiateDcatFormat('text/turtle', 'rdf')).toBe('rdf-xml');
    expect(negotiateDcatFormat(undefined, 'jsonld')).toBe('json-ld');
    expect(negotiateDcatFormat(undefined, 'nt')).toBe('n-triples');
    expect(() => negotiateDcatFormat(undefined, 'csv')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => negotiateDcatFormat('image/png', undefined)).toThrow(expect.objectContaining({ code: 'not_acceptable' }));
  });
});
