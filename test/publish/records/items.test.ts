import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backends, useStore } from '../../helpers/db.ts';
import { publishFixtures, recordsServer, SCRIPT_ID, type Published } from './catalogue.ts';
import { getJson, idsOf, inSource, matchesBbox, matchesDatetime, matchesQ, walk } from './expect.ts';

describe.each(backends)('OGC API - Records items on $name', (backend) => {
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

  const items = (collection: string, query: string) => `${server.url}/collections/${collection}/items?limit=7&${query}`;

  /** The API's answer, walked through every page, against the records for which `pred` holds. */
  async function expectFilter(collection: string, query: string, pred: (r: Published) => boolean): Promise<string[]> {
    const expected = idsOf(published.filter((r) => (collection === 'all' || inSource(r, collection)) && pred(r)));
    expect(expected.length, `${query} should select some but not all records`).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(published.length);
    const { ids } = await walk(items(collection, query));
    expect(ids.sort()).toEqual(expected);
    return ids;
  }

  it('pages through every record once, following next links, with prev links back', async () => {
    const { ids, pages } = await walk(`${server.url}/collections/all/items?limit=4`);
    expect(ids.sort()).toEqual(idsOf(published));
    expect(pages).toHaveLength(Math.ceil(published.length / 4));
    const prev = pages[1].links.find((l: { rel: string }) => l.rel === 'prev').href;
    const back = await getJson(prev);
    expect(back.body.features.map((f: { id: string }) => f.id)).toEqual(pages[0].features.map((f: { id: string }) => f.id));
    expect(pages[0].links.some((l: { rel: string }) => l.rel === 'prev')).toBe(false);
  });

  it('serves a limit above the maximum as the maximum, and an empty page past the end', async () => {
    const all = await getJson(`${server.url}/collections/all/items?limit=5000`);
    expect(all.body.numberReturned).toBe(published.length);
    expect(all.body.links.some((l: { rel: string }) => l.rel === 'next')).toBe(false);
    const past = await getJson(`${server.url}/collections/all/items?offset=500`);
    expect(past.body).toMatchObject({ numberMatched: published.length, numberReturned: 0, features: [] });
    expect(past.body.links.some((l: { rel: string }) => l.rel === 'prev')).toBe(true);
  });

  it('restricts a source collection to the resources known from that source', async () => {
    for (const source of ['bretagne', 'pycsw']) {
      const { ids } = await walk(`${server.url}/collections/${source}/items?limit=6`);
      expect(ids.sort()).toEqual(idsOf(published.filter((r) => inSource(r, source))));
    }
  });

  it('matches q case- and accent-insensitively, commas as alternatives and words as phrases', async () => {
    await expectFilter('all', 'q=ADRESSE', (r) => matchesQ(r, ['adresse']));
    await expectFilter('all', 'q=tache%20urbaine', (r) => matchesQ(r, ['tâche urbaine']));
    await expectFilter('all', 'q=adresse,sentinel', (r) => matchesQ(r, ['adresse', 'sentinel']));
    const phrase = await expectFilter('all', 'q=voies%20et%20adresses', (r) => matchesQ(r, ['voies et adresses']));
    const reversed = (await walk(items('all', 'q=adresses%20et%20voies'))).ids;
    expect(reversed.filter((id) => phrase.includes(id)).length).toBeLessThan(phrase.length);
    await expectFilter('pycsw', 'q=dtm', (r) => matchesQ(r, ['dtm']));
  });

  it('matches bbox on any of a record\'s boxes, across the antimeridian too', async () => {
    const brittany = { west: -5, south: 47, east: -1, north: 49 };
    await expectFilter('all', 'bbox=-5,47,-1,49', (r) => matchesBbox(r, [brittany]));
    await expectFilter('all', 'bbox=2.9,49.4,3,49.5', (r) => matchesBbox(r, [{ west: 2.9, south: 49.4, east: 3, north: 49.5 }]));
    await expectFilter('all', 'bbox=150,-10,-170,10', (r) =>
      matchesBbox(r, [{ west: 150, south: -10, east: 180, north: 10 }, { west: -180, south: -10, east: -170, north: 10 }]));
    await expectFilter('bretagne', 'bbox=-5,47,0,-1,49,10', (r) => matchesBbox(r, [brittany]));
  });

  it('matches datetime on the temporal extent, or the metadata date of records without one', async () => {
    await expectFilter('all', 'datetime=2009-06-01/2009-12-31',
      (r) => matchesDatetime(r, '2009-06-01T00:00:00Z', '2009-12-31T23:59:59.999Z'));
    await expectFilter('all', 'datetime=../2000-01-01', (r) => matchesDatetime(r, null, '2000-01-01T23:59:59.999Z'));
    await expectFilter('all', 'datetime=2015-01-01T00:00:00Z/..', (r) => matchesDatetime(r, '2015-01-01T00:00:00Z', null));
    await expectFilter('all', 'datetime=2015-08-04', (r) => matchesDatetime(r, '2015-08-04T00:00:00Z', '2015-08-04T23:59:59.999Z'));
  });

  it('matches type, ids and externalIds, any of the listed values', async () => {
    await expectFilter('all', 'type=service', (r) => r.values.type === 'service');
    await expectFilter('all', 'type=series,service', (r) => ['series', 'service'].includes(String(r.values.type)));
    const two = published.slice(3, 5).map((r) => r.id);
    await expectFilter('all', `ids=${two.map(encodeURIComponent).join(',')}`, (r) => two.includes(r.id));
    const hasId = (v: string) => (r: Published) => (r.values.resource_identifiers as string[]).includes(v);
    await expectFilter('all', 'externalIds=xss-1', hasId('xss-1'));
    await expectFilter('all', 'externalIds=moisson:xss-1', hasId('moisson:xss-1'));
    await expectFilter('all', 'externalIds=moisson:', (r) => r.id === SCRIPT_ID);
    await expectFilter('all', 'externalIds=1300392329603', hasId('1300392329603'));
  });

  it('combines parameters with AND', async () => {
    await expectFilter('pycsw', 'type=dataset&bbox=20,35,30,42&datetime=../2010-01-01', (r) => r.values.type === 'dataset'
      && matchesBbox(r, [{ west: 20, south: 35, east: 30, north: 42 }]) && matchesDatetime(r, null, '2010-01-01T23:59:59.999Z'));
  });

  it('ignores parameters given with an empty value', async () => {
    const { body } = await getJson(`${server.url}/collections/all/items?bbox=&q=&datetime=&limit=3`);
    expect(body.numberMatched).toBe(published.length);
    expect(body.numberReturned).toBe(3);
  });

  it('sorts with sortby, descending with -, and keeps the order across pages', async () => {
    const { pages } = await walk(`${server.url}/collections/all/items?limit=5&sortby=type,-updated`);
    const rows = pages.flatMap((p) => p.features.map((f: any) => [f.properties.type, Date.parse(f.properties.updated)]));
    for (let i = 1; i < rows.length; i++) {
      const [[t0, u0], [t1, u1]] = [rows[i - 1], rows[i]];
      expect(t0 <= t1, `${t0} before ${t1}`).toBe(true);
      if (t0 === t1) expect(u0).toBeGreaterThanOrEqual(u1);
    }
    const titles = async (sortby: string) => (await walk(`${server.url}/collections/all/items?limit=50&sortby=${sortby}`)).pages[0]
      .features.map((f: any) => f.properties.title);
    const up = await titles('title');
    expect(await titles('-title')).toEqual([...up].reverse());
    expect(new Set(up).size).toBe(up.length);
  });

  it('serves one record by its identifier or its hub record id, only in collections it belongs to', async () => {
    const bano = published.find((r) => r.sources.length === 2)!;
    for (const key of [bano.id, bano.recordId]) {
      const { status, type, body } = await getJson(`${server.url}/collections/pycsw/items/${encodeURIComponent(key)}`);
      expect(status).toBe(200);
      expect(type).toContain('application/geo+json');
      expect(body.id).toBe(bano.id);
    }
    const script = published.find((r) => r.id === SCRIPT_ID)!;
    const found = await getJson(`${server.url}/collections/all/items/${encodeURIComponent(SCRIPT_ID)}`);
    expect(found.body.id).toBe(SCRIPT_ID);
    const elsewhere = await getJson(`${server.url}/collections/bretagne/items/${encodeURIComponent(SCRIPT_ID)}`);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.code).toBe('NotFound');
    expect(script.sources).toEqual(['pycsw']);
  });

  it('writes a record as a Records GeoJSON feature with its links and every provenance', async () => {
    const bano = published.find((r) => r.sources.length === 2)!;
    const { body: f } = await getJson(`${server.url}/collections/bretagne/items/${encodeURIComponent(bano.id)}`);
    expect(f).toMatchObject({ type: 'Feature', id: bano.id, conformsTo: ['http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/record-core'] });
    expect(f.properties.type).toBe('dataset');
    expect(f.properties.title).toBe(bano.record.title);
    expect(f.properties.language).toEqual({ code: 'fr', name: 'français' });
    expect(f.properties.license).toBe('ODbL-1.0');
    expect(f.properties['moisson:sources'].map((s: any) => [s.source, s.preferred])).toEqual([['bretagne', true], ['pycsw', false]]);
    const rels = (rel: string) => f.links.filter((l: any) => l.rel === rel);
    expect(rels('collection')).toEqual([{ href: `${server.url}/collections/bretagne`, rel: 'collection', type: 'application/json' }]);
    expect(rels('alternate').map((l: any) => l.href)).toContain(`${server.url}/records/${bano.recordId}.xml`);
    expect(rels('via')[0].href).toBe(`${server.url}/records/${bano.recordId}/original`);
    expect(rels('license')[0].href).toBe(bano.record.licence!.url);
    const self = await getJson(rels('self')[0].href);
    expect(self.body.id).toBe(bano.id);
  });

  it('writes several boxes as a MultiPolygon, time as an interval, and never a javascript: link', async () => {
    const multi = published.find((r) => r.record.bboxes.length === 8)!;
    const { body: m } = await getJson(`${server.url}/collections/all/items/${encodeURIComponent(multi.id)}`);
    expect(m.geometry.type).toBe('MultiPolygon');
    expect(m.geometry.coordinates).toHaveLength(8);
    const dated = published.find((r) => r.id === 'test-record-04')!;
    const { body: d } = await getJson(`${server.url}/collections/all/items/${dated.id}`);
    expect(d.time.interval.map((t: string) => Date.parse(t))).toEqual([Date.parse(String(dated.values.temp_begin)),
      Date.parse(String(dated.values.temp_end))]);
    const { body: s } = await getJson(`${server.url}/collections/all/items/${encodeURIComponent(SCRIPT_ID)}`);
    expect(s.links.some((l: any) => /^javascript:/i.test(l.href))).toBe(false);
    expect(s.links.find((l: any) => l.rel === 'enclosure')).toMatchObject({ href: 'https://example.org/data.zip' });
  });
});
