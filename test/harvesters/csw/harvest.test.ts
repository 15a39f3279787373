import { afterEach, describe, expect, it } from 'vitest';
import { createCswHarvester } from '../../../harvesters/csw/index.ts';
import type { HarvestContext, PageAt, PageWorkers } from '../../../harvesters/types.ts';
import { mapDocument } from '../../../mappings/index.ts';
import { mapForStore } from '../../../src/harvest/prepare.ts';
import { cswGetRecordsTask } from '../../../src/harvest/workers/task.ts';
import {
  collect, context, cswSource, fixture, GEONETWORK_IDS, geonetworkPages, GEOPICARDIE_CAPS, GEOPICARDIE_CSW, startCsw,
  type CswTestServer,
} from './csw-server.ts';

const harvester = createCswHarvester();
let server: CswTestServer | undefined;

afterEach(async () => {
  expect(server?.unexpected ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

describe('CSW harvester over real GetRecords pages', () => {
  it('pages through the French GeoNetwork ISO sequence with POST, full ISO records, sorted, one document per record', async () => {
    server = await startCsw(GEOPICARDIE_CAPS, geonetworkPages, GEOPICARDIE_CSW);
    const ctx = context();
    const docs = await collect(harvester.harvest(cswSource(server.endpoint, { pageSize: 2 }), ctx));
    expect(docs.map((d) => d.nativeId)).toEqual(GEONETWORK_IDS);
    expect(server.pages().map((p) => [p.start, p.max])).toEqual([[1, 2], [3, 2], [5, 2]]);
    const body = server.pages()[0].req.body;
    expect(server.pages()[0].req.method).toBe('POST');
    expect(body).toContain('outputSchema="http://www.isotc211.org/2005/gmd"');
    expect(body).toContain('<csw:Query typeNames="gmd:MD_Metadata">');
    expect(body).toContain('<csw:ElementSetName>full</csw:ElementSetName>');
    expect(body).toContain('<ogc:PropertyName>apiso:Identifier</ogc:PropertyName>');
    expect(body).not.toContain('PropertyIsGreaterThanOrEqualTo');
    expect(ctx).toMatchObject({ total: 6, reasons: [], warnings: [] });
    expect(ctx.incremental).toBeUndefined();
    for (const d of docs) {
      expect(d).toMatchObject({ mediaType: 'application/xml', url: `${server.endpoint}#${d.nativeId}` });
      // Each record stands alone (xsi declared on the wrapper is carried over) and maps as ISO 19139.
      expect(mapDocument(d).record.identifier).toBe(d.nativeId);
    }
  });

  it('builds record trees on a first harvest, or has its pages read where the orchestrator lends worker threads', async () => {
    server = await startCsw(GEOPICARDIE_CAPS, geonetworkPages, GEOPICARDIE_CSW);
    const source = cswSource(server.endpoint, { pageSize: 2 });
    const harvest = async (ctx: Partial<HarvestContext>) => collect(harvester.harvest(source, { ...context(), ...ctx }));
    const asked: PageAt[] = [];
    const declining: PageWorkers = { cswGetRecords: async (_body, at) => void asked.push(at) };
    const reading: PageWorkers = { cswGetRecords: async (body, at) => cswGetRecordsTask({ body, at, source }) };

    const inThread = await harvest({ stored: 0 });
    expect(inThread.map((d) => d.parsed !== undefined)).toEqual(GEONETWORK_IDS.map(() => true));
    // Workers that cannot take the page: the harvester reads it, with trees.
    expect((await harvest({ stored: 0, workers: declining })).map((d) => d.parsed !== undefined)).toEqual(GEONETWORK_IDS.map(() => true));
    expect(asked.map((a) => [a.requestUrl, a.start])).toEqual([1, 3, 5].map((start) => [server!.endpoint, start]));
    // Read in a worker: the same documents, each with its mapping and no tree.
    const inWorkers = await harvest({ stored: 0, workers: reading });
    const { parsed: _p, prepared: _m, fetchedAt: _f, ...same } = inWorkers[0];
    expect(inWorkers.map(({ parsed: _p, prepared: _m, fetchedAt: _f, ...d }) => d)).toEqual(inThread.map(({ parsed: _p, fetchedAt: _f, ...d }) => d));
    expect(Object.keys(same).sort()).toEqual(['bytes', 'mediaType', 'nativeId', 'url']);
    expect(inWorkers.map((d) => d.parsed)).toEqual(GEONETWORK_IDS.map(() => undefined));
    expect(inWorkers.map((d) => d.prepared)).toEqual(inWorkers.map(({ prepared: _m, ...d }) => mapForStore(d, source)));
    // A re-harvest builds no trees and lends no page to workers: most records come back unchanged, never mapped.
    expect((await harvest({ stored: 6, workers: declining })).map((d) => d.parsed)).toEqual(GEONETWORK_IDS.map(() => undefined));
    expect(asked).toHaveLength(3);
  });

  it('computes the next position from what it received when nextRecord jumps ahead (INSPIRE geoportal)', async () => {
    server = await startCsw(GEOPICARDIE_CAPS, (ask) =>
      ask.start === 1 ? fixture('getrecords-iso/inspire-geoportal-getrecords.xml') : fixture('getrecords-dc/geopicardie-getrecords-hits.xml'),
    GEOPICARDIE_CSW);
    const ctx = context();
    const docs = await collect(harvester.harvest(cswSource(server.endpoint), ctx));
    expect(docs.map((d) => d.nativeId)).toEqual(['8dad9c98-0512-4845-a2bf-3ace1c93df6f', 'eeae2de7-0a09-4b69-b7a0-0b6b20903fd5']);
    const starts = server.pages().map((p) => p.start);
    expect(starts[1]).toBe(3);
    expect(starts).not.toContain(85);
    expect(ctx.warnings.map((w) => w.message)).toContain('nextRecord 85 skips records 3–84: continuing at 3');
    // The page after answers no records although 965 match: bounded retries, then the listing is incomplete. The
    // page after 3 may have been asked ahead (at 3 + the 2 records of the first page) and dropped (flights.ts).
    const paged = starts.filter((start) => start !== 5);
    expect(paged).toEqual([1, 3, 103, 203]);
    expect(starts.length - paged.length).toBeLessThanOrEqual(1);
    expect(ctx.reasons.join('\n')).toMatch(/3 empty pages in a row/);
  });

  it('stops at the end of a one-page catalogue although nextRecord announces a next page (Dublin Core)', async () => {
    // pycsw capabilities served verbatim: they advertise http://localhost/pycsw/…, which is not this server,
    // so the harvester falls back to the source URL. They offer no ISO output: Dublin Core is asked.
    server = await startCsw('getcapabilities/pycsw-capabilities.xml', () => fixture('getrecords-dc/geopicardie-getrecords-dc-onepage.xml'));
    const ctx = context();
    const docs = await collect(harvester.harvest(cswSource(server.endpoint), ctx));
    expect(docs.length).toBe(10);
    expect(server.pages().map((p) => [p.start, p.max])).toEqual([[1, 10]]);
    const body = server.pages()[0].req.body;
    expect(body).toContain('outputSchema="http://www.opengis.net/cat/csw/2.0.2"');
    expect(body).toContain('<csw:Query typeNames="csw:Record">');
    expect(body).toContain('<ogc:PropertyName>dc:identifier</ogc:PropertyName>');
    expect(docs[0]).toMatchObject({ nativeId: '22c47096-64da-44e8-a04e-58f9779c6995', mediaType: 'application/xml' });
    expect(mapDocument(docs[1]).record.title).toMatch(/^États quantitatif/);
    expect(ctx).toMatchObject({ total: 10, reasons: [], warnings: [] });
  });

  it('survives pycsw Dublin Core pages: nextRecord 0 too early, a record repeated by a later page, an empty page', async () => {
    const pages: Record<number, string> = {
      1: 'getrecords-dc/pycsw-getrecords-dc-full-page1.xml',
      6: 'getrecords-dc/pycsw-getrecords-dc-last-page.xml',
      9: 'getrecords-dc/pycsw-getrecords-maxrecords-1.xml',
      10: 'getrecords-dc/pycsw-getrecords-hits.xml',
    };
    // A page asked ahead (flights.ts) that paging then does not take gets the empty page; it is dropped unread.
    server = await startCsw('getcapabilities/pycsw-capabilities.xml', (ask) => fixture(pages[ask.start] ?? pages[10]));
    const ctx = context();
    const docs = await collect(harvester.harvest(cswSource(server.endpoint, { pageSize: 5 }), ctx));
    const starts = server.pages().map((p) => p.start);
    expect(starts.filter((start) => start in pages)).toEqual([1, 6, 9, 10]);
    // Asked ahead at most twice on pages that paging did not take; then nothing more is asked ahead.
    expect(starts.length).toBeLessThanOrEqual(6);
    expect(docs.length).toBe(8);
    expect(new Set(docs.map((d) => d.nativeId)).size).toBe(8);
    const messages = ctx.warnings.map((w) => w.message);
    expect(messages).toContain('nextRecord is 0 at startPosition 6 although 12 records match: continuing at 9');
    expect(messages).toContain('1 records repeated by later pages were yielded once');
    expect(ctx.reasons).toEqual(['listed 8 distinct records but the server matched 12']);
  });

  it("yields GeoNetwork's DCAT output (options.outputSchema) as one RDF/XML document per record", async () => {
    const pages: Record<number, string> = { 1: 'page-1', 3: 'page-3', 5: 'page-5' };
    server = await startCsw(GEOPICARDIE_CAPS, (ask) => fixture(`getrecords-dcat/geonetwork-dcat-${pages[ask.start]}.xml`), GEOPICARDIE_CSW);
    const ctx = context();
    const docs = await collect(harvester.harvest(cswSource(server.endpoint, { pageSize: 2, outputSchema: 'http://www.w3.org/ns/dcat#' }), ctx));
    expect(docs.length).toBe(6);
    expect(docs.every((d) => d.mediaType === 'application/rdf+xml' && d.bytes.toString().includes('<rdf:RDF '))).toBe(true);
    expect(docs[0].nativeId).toBe('https://www.geo2france.fr/insee/partmenage5ans');
    expect(server.pages()[0].req.body).toContain('outputSchema="http://www.w3.org/ns/dcat#"');
    expect(ctx.reasons).toEqual([]);
  });

  it('uses GET KVP when the capabilities offer no POST binding', async () => {
    // GéoPicardie's capabilities with their ows:Post bindings removed (the only other change): a GET-only server.
    server = await startCsw(GEOPICARDIE_CAPS, geonetworkPages, GEOPICARDIE_CSW, (xml) => xml.replace(/<ows:Post [^>]*\/>/g, ''));
    const ctx = context({ since: new Date('2024-03-10T00:00:00Z') });
    const docs = await collect(harvester.harvest(cswSource(server.endpoint, { pageSize: 2, outputSchema: 'http://www.isotc211.org/2005/gmd' }), ctx));
    expect(docs.length).toBe(6);
    const asks = server.pages();
    expect(asks.every((a) => a.req.method === 'GET')).toBe(true);
    const params = new URL(asks[0].req.url, server.url).searchParams;
    expect(params.get('REQUEST')).toBe('GetRecords');
    expect(params.get('TYPENAMES')).toBe('gmd:MD_Metadata');
    expect(params.get('SORTBY')).toBe('apiso:Identifier:A');
    expect(params.get('CONSTRAINTLANGUAGE')).toBe('FILTER');
    expect(params.get('CONSTRAINT')).toContain('<ogc:Literal>2024-03-09</ogc:Literal>');
  });
});
