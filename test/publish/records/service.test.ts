import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compileErrors, validate } from '@readme/openapi-parser';
import { catalogueBoxes } from '../../../mappings/queryables.ts';
import { ITEMS_PARAMS } from '../../../src/publish/records/items.ts';
import { openApiDocument } from '../../../src/publish/records/openapi.ts';
import { SORTABLE_NAMES } from '../../../src/publish/records/filter.ts';
import { backends, useStore } from '../../helpers/db.ts';
import { publishFixtures, recordsServer, SCRIPT_ID, SOURCES, type Published } from './catalogue.ts';
import { getJson } from './expect.ts';

const RECORDS = 'http://www.opengis.net/spec/ogcapi-records-1/1.0/conf';

/** A fresh copy: the validator dereferences the document in place. */
const copy = <T>(o: T): T => JSON.parse(JSON.stringify(o));

/** Validates against the OpenAPI 3.0 schema and the rules it cannot express (path parameters, unique ids…). */
async function openApiErrors(doc: unknown): Promise<string | null> {
  const result = await validate(copy(doc) as never);
  return result.valid ? null : compileErrors(result);
}

describe('the OpenAPI definition of the records service', () => {
  it('is a valid OpenAPI 3.0 document', async () => {
    expect(await openApiErrors(openApiDocument('https://hub.example.fr'))).toBeNull();
  });

  it('fails validation when a path parameter is left undeclared (the validator checks more than the shape)', async () => {
    const doc = copy(openApiDocument('https://hub.example.fr')) as any;
    doc.paths['/collections/{collectionId}'].get.parameters = [];
    expect(await openApiErrors(doc)).toMatch(/collectionId/);
  });

  it('declares exactly the parameters the items resource accepts', () => {
    const doc = openApiDocument('https://hub.example.fr') as any;
    const names = doc.paths['/collections/{collectionId}/items'].get.parameters
      .map((p: { $ref: string }) => doc.components.parameters[p.$ref.split('/').pop()!])
      .filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name);
    expect(names.sort()).toEqual([...ITEMS_PARAMS].sort());
  });
});

describe.each(backends)('OGC API - Records service resources on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let server: { url: string; close(): Promise<void> };
  let published: Published[];

  beforeAll(async () => {
    server = await recordsServer(store.db);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    published = await publishFixtures(store.db);
  });

  it('links the landing page to resources that answer in the announced media type', async () => {
    const { status, body } = await getJson(`${server.url}/?f=json`);
    expect(status).toBe(200);
    for (const rel of ['self', 'service-desc', 'conformance', 'data']) expect(body.links.map((l: any) => l.rel)).toContain(rel);
    for (const link of body.links) {
      const res = await fetch(link.href);
      expect(res.status, link.href).toBe(200);
      expect(res.headers.get('content-type'), link.href).toContain(link.type.split(';')[0]);
    }
  });

  it('answers the landing page in JSON to API clients, and HTML to browsers', async () => {
    expect((await fetch(`${server.url}/`, { headers: { accept: 'application/json' } })).headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${server.url}/`)).headers.get('content-type')).toContain('application/json');
    const html = await fetch(`${server.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(html.headers.get('content-type')).toContain('text/html');
  });

  it('declares the Records conformance classes it implements, and no filter class', async () => {
    const { body } = await getJson(`${server.url}/conformance`);
    for (const c of ['record-core', 'record-collection', 'record-core-query-parameters', 'records-api', 'sorting', 'json', 'html', 'oas30']) {
      expect(body.conformsTo).toContain(`${RECORDS}/${c}`);
    }
    expect(body.conformsTo).toContain('http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core');
    expect(body.conformsTo.some((c: string) => /filter|cql/i.test(c))).toBe(false);
  });

  it('serves its OpenAPI definition, valid, with every path answering', async () => {
    const res = await fetch(`${server.url}/openapi`);
    expect(res.headers.get('content-type')).toBe('application/vnd.oai.openapi+json;version=3.0');
    const doc = await res.json();
    expect(doc.servers[0].url).toBe(server.url);
    expect(await openApiErrors(doc)).toBeNull();
    for (const path of Object.keys(doc.paths)) {
      const url = server.url + path.replace('{collectionId}', 'pycsw').replace('{recordId}', encodeURIComponent(SCRIPT_ID));
      expect((await fetch(url)).status, url).toBe(200);
    }
  });

  it('lists all records and one collection per source, with counts and extents from the catalogue', async () => {
    const { body } = await getJson(`${server.url}/collections`);
    expect(body.collections.map((c: any) => c.id)).toEqual(['all', ...SOURCES.map((s) => s.id)]);
    const boxes = published.flatMap((r) => catalogueBoxes(r.record));
    const all = body.collections[0];
    expect(all).toMatchObject({ type: 'Collection', itemType: 'record', 'moisson:count': published.length });
    expect(all.extent.spatial.bbox[0]).toEqual([Math.min(...boxes.map((b) => b.west)), Math.min(...boxes.map((b) => b.south)),
      Math.max(...boxes.map((b) => b.east)), Math.max(...boxes.map((b) => b.north))]);
    const begins = published.map((r) => r.values.temp_begin).filter((v): v is string => typeof v === 'string').map(Date.parse);
    expect(Date.parse(all.extent.temporal.interval[0][0])).toBe(Math.min(...begins));
    for (const c of body.collections.slice(1)) {
      expect(c['moisson:count']).toBe(published.filter((r) => r.sources.includes(c.id)).length);
      expect(c.title).toBe(SOURCES.find((s) => s.id === c.id)!.title);
      for (const link of c.links.filter((l: any) => !/^https:/.test(l.href))) expect((await fetch(link.href)).status, link.href).toBe(200);
    }
    const one = await getJson(`${server.url}/collections/bretagne`);
    expect(one.body).toEqual(body.collections[1]);
    expect(one.type).toBe('application/json');
    const catalog = await getJson(`${server.url}/collections/bretagne`, { accept: 'application/ogc-catalog+json' });
    expect(catalog.type).toBe('application/ogc-catalog+json');
    expect(catalog.body).toEqual(one.body);
  });

  it('lists the sortables as a JSON Schema', async () => {
    const res = await fetch(`${server.url}/collections/all/sortables`);
    expect(res.headers.get('content-type')).toContain('application/schema+json');
    const schema = await res.json();
    expect(schema).toMatchObject({ $id: `${server.url}/collections/all/sortables`, type: 'object' });
    expect(Object.keys(schema.properties)).toEqual([...SORTABLE_NAMES]);
  });

  const bad: [string, number, string][] = [
    ['/collections/all/items?bbox=1,2,3', 400, 'bbox'],
    ['/collections/all/items?bbox=0,50,10,40', 400, 'bbox'],
    ['/collections/all/items?datetime=2020-13-01', 400, 'datetime'],
    ['/collections/all/items?datetime=../..', 400, 'datetime'],
    ['/collections/all/items?limit=0', 400, 'limit'],
    ['/collections/all/items?limit=ten', 400, 'limit'],
    ['/collections/all/items?limit=1&limit=2', 400, 'limit'],
    ['/collections/all/items?offset=-3', 400, 'offset'],
    ['/collections/all/items?sortby=abstract', 400, 'sortby'],
    ['/collections/all/items?filter=title%3D1', 400, 'filter'],
    ['/collections/all?q=x', 400, 'q'],
    ['/collections?f=xml', 400, 'f'],
    ['/collections?lang=de', 400, 'lang'],
    ['/openapi?f=html', 400, 'f'],
    ['/collections/nowhere', 404, 'nowhere'],
    ['/collections/nowhere/items', 404, 'nowhere'],
    ['/collections/all/items/no-such-record', 404, 'no-such-record'],
  ];

  it('answers bad requests with 400, unknown resources with 404, as OGC exceptions naming the problem', async () => {
    for (const [path, status, word] of bad) {
      const res = await getJson(`${server.url}${path}`);
      expect(res.status, path).toBe(status);
      expect(res.type, path).toContain('application/json');
      expect(Object.keys(res.body).sort(), path).toEqual(['code', 'description']);
      expect(res.body.code, path).toBe(status === 404 ? 'NotFound' : 'InvalidParameterValue');
      expect(res.body.description, path).toContain(word);
    }
  });
});
