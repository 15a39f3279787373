/**
 * The CSW server end to end: a hub with real records published (test/helpers/published.ts), its /csw endpoint
 * on a real HTTP port, and real clients — OWSLib as QGIS MetaSearch drives it, udata's and GeoNetwork's
 * harvester requests replayed byte for byte — plus every response validated against the CSW and ISO XSDs.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { constants as zlibConstants, gunzipSync, inflateRawSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/http/app.ts';
import { createMetrics } from '../../../src/http/metrics.ts';
import { withdrawRecords } from '../../../src/store/records.ts';
import { catalogueGeneration, packCatalogueIso } from '../../../src/store/catalogue.ts';
import { inflatePiece, unpackPiece } from '../../../src/http/gzip-stitch.ts';
import { backends, useStore } from '../../helpers/db.ts';
import { BANO_COPY_ID, BANO_ID, drainAll, publishDemo } from '../../helpers/published.ts';
import { projectRoot } from '../../helpers/xmllint.ts';
import { validateCswResponses } from '../../helpers/csw-xsd.ts';
import { parseXml } from '../../../mappings/xml/index.ts';
import { writeIso19139Element } from '../../../mappings/iso19139/write.ts';
import type { MdRecord } from '../../../mappings/types.ts';
import { select, textOf, attribute, type XmlElement } from '../../../mappings/xml/tree.ts';

const run = promisify(execFile);
const requests = path.join(projectRoot, 'test/fixtures/csw-requests');
const CSW = 'http://www.opengis.net/cat/csw/2.0.2';
const GMD = 'http://www.isotc211.org/2005/gmd';
const OWS = 'http://www.opengis.net/ows';
const DC = 'http://purl.org/dc/elements/1.1/';
const GCO = 'http://www.isotc211.org/2005/gco';

async function owslib(url: string, ...args: string[]): Promise<any> {
  const { stdout } = await run('/usr/bin/python3', [path.join(projectRoot, 'test/clients/owslib_csw.py'), url, ...args],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout);
}

async function listen(server: Server): Promise<string> {
  // Idle sockets kept longer than any pause between requests, so the client never reuses one being closed.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function searchResults(xml: string): { matched: number; returned: number; next: number; records: XmlElement[] } {
  const root = parseXml(xml).root;
  const results = select(root, [CSW, 'SearchResults'])[0];
  expect(results, xml.slice(0, 500)).toBeDefined();
  const num = (name: string) => Number(attribute(results, '', name));
  return { matched: num('numberOfRecordsMatched'), returned: num('numberOfRecordsReturned'), next: num('nextRecord'),
    records: results.children.filter((c): c is XmlElement => typeof c !== 'string') };
}

function exception(xml: string): { code: string; locator: string | undefined; text: string } {
  const root = parseXml(xml).root;
  expect(root.local).toBe('ExceptionReport');
  const ex = select(root, [OWS, 'Exception'])[0];
  return { code: attribute(ex, '', 'exceptionCode')!, locator: attribute(ex, '', 'locator'), text: textOf(select(ex, [OWS, 'ExceptionText'])[0]) };
}

describe.each(backends)('CSW 2.0.2 server on $name', (backend) => {
  const store = useStore(backend, import.meta.url, { truncate: false });
  let server: Server;
  let base: string;
  let csw: string;
  /** Every published identifier, from the catalogue, and what each record is. */
  let published: Map<string, { type: string; title: string }>;
  const responses: { name: string; xml: string }[] = [];

  const get = async (query: string, name = query): Promise<{ status: number; xml: string }> => {
    const res = await fetch(`${csw}?${query}`);
    const xml = await res.text();
    responses.push({ name, xml });
    return { status: res.status, xml };
  };
  const post = async (body: string, name: string, type = 'application/xml'): Promise<{ status: number; xml: string }> => {
    const res = await fetch(csw, { method: 'POST', body, headers: { 'content-type': type } });
    const xml = await res.text();
    responses.push({ name, xml });
    return { status: res.status, xml };
  };

  beforeAll(async () => {
    const counts = await publishDemo(store.db);
    expect(counts).toEqual({ demo: 20, miroir: 1 });
    server = createServer();
    base = await listen(server);
    csw = `${base}/csw`;
    const app = createApp({ db: store.db, config: { baseUrl: base }, logger: pino({ level: 'silent' }),
      metrics: createMetrics({ defaultMetrics: false }) });
    server.on('request', app.callback());
    const r = await store.db.query<{ identifier: string; type: string; title: string }>('SELECT identifier, type, title FROM catalogue');
    published = new Map(r.rows.map((row) => [row.identifier, { type: row.type, title: row.title }]));
  }, 120_000);
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('publishes each resource once: 21 records harvested, two pairs share a resource identifier', () => {
    // The two BANO copies; and the GEMINI dataset and series test records of seeds/demo, which carry the same
    // resource identifier (CEH:EIDC:1300392329603).
    expect(published.size).toBe(19);
    expect(published.has(BANO_ID) !== published.has(BANO_COPY_ID)).toBe(true);
  });

  it('is read by OWSLib (QGIS MetaSearch): capabilities, operations and constraints', async () => {
    const caps = await owslib(csw, 'capabilities');
    expect(caps.version).toBe('2.0.2');
    expect(Object.keys(caps.operations).sort()).toEqual(['DescribeRecord', 'GetCapabilities', 'GetDomain', 'GetRecordById', 'GetRecords']);
    expect(caps.operations.GetRecords.methods.sort()).toEqual(['Get', 'Post']);
    expect(caps.operations.GetRecords.parameters.outputSchema).toEqual(expect.arrayContaining([CSW, GMD]));
    expect(caps.title).toBeTruthy();
  });

  for (const [schema, esn] of [[CSW, 'full'], [CSW, 'brief'], [GMD, 'full'], [GMD, 'summary']] as const) {
    it(`pages every record out to OWSLib getrecords2 (${schema === GMD ? 'ISO' : 'csw:Record'}, ${esn}, 7 a page)`, async () => {
      const out = await owslib(csw, 'page', schema, esn, '7');
      const ids = out.records.map((r: { identifier: string }) => r.identifier);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(ids)).toEqual(new Set(published.keys()));
      expect(out.pages.map((p: { returned: number }) => p.returned)).toEqual([7, 7, 5]);
      expect(out.pages.map((p: { nextrecord: number }) => p.nextrecord)).toEqual([8, 15, 0]);
      for (const p of out.pages) expect(p.matches).toBe(19);
      for (const r of out.records) {
        const expected = published.get(r.identifier)!;
        if (schema === GMD) expect(r.hierarchy).toBe(expected.type);
        else expect(r.type).toBe(expected.type);
        if (esn === 'full') expect(r.title).toBe(expected.title);
      }
    });
  }

  it('answers MetaSearch keyword searches (PropertyIsLike on csw:AnyText), accents and case folded', async () => {
    const rows = await store.db.query<{ identifier: string }>(`SELECT identifier FROM catalogue WHERE anytext LIKE '%adresse%'`);
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const term of ['adresse', 'ADRESSE', 'adrèsse']) {
      const out = await owslib(csw, 'anytext', term, CSW);
      expect(out.matches).toBe(rows.rows.length);
      expect(new Set(out.records.map((r: { identifier: string }) => r.identifier))).toEqual(new Set(rows.rows.map((r) => r.identifier)));
    }
  });

  it('answers MetaSearch bounding-box searches in both axis orders, on records with several boxes', async () => {
    // Brittany: every GéoBretagne and Rennes record, nothing from Greece or the United Kingdom's far north.
    const expected = await store.db.query<{ identifier: string }>(
      `SELECT DISTINCT c.identifier FROM catalogue c JOIN catalogue_boxes b ON b.record_id = c.record_id
       WHERE b.box && box(point(-5.2, 47.2), point(-1.0, 48.9))`);
    expect(expected.rows.length).toBeGreaterThan(0);
    const want = new Set(expected.rows.map((r) => r.identifier));
    const lonLat = await owslib(csw, 'bbox', '-5.2', '47.2', '-1.0', '48.9');
    expect(new Set(lonLat.records.map((r: { identifier: string }) => r.identifier))).toEqual(want);
    const metaSearch = await owslib(csw, 'bbox-metasearch', '-5.2', '47.2', '-1.0', '48.9');
    expect(new Set(metaSearch.records.map((r: { identifier: string }) => r.identifier))).toEqual(want);
  });

  it('gives OWSLib one record by id in both schemas, and nothing for an unknown id', async () => {
    const dc = await owslib(csw, 'byid', BANO_ID, CSW);
    const iso = await owslib(csw, 'byid', [...published.keys()].find((k) => k !== BANO_ID && k !== BANO_COPY_ID)!, GMD);
    expect(dc.records).toHaveLength(published.has(BANO_ID) ? 1 : 0);
    expect(iso.records).toHaveLength(1);
    expect((await owslib(csw, 'byid', 'no-such-record', CSW)).records).toEqual([]);
  });

  it("pages every dataset, series and service out to udata's harvester request (POST, 25 a page, sorted)", async () => {
    const body = (start: number) => `<?xml version="1.0" encoding="UTF-8"?>
<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:ogc="http://www.opengis.net/ogc"
  service="CSW" version="2.0.2" resultType="results" startPosition="${start}" maxRecords="5"
  outputSchema="http://www.isotc211.org/2005/gmd">
  <csw:Query typeNames="gmd:MD_Metadata">
    <csw:ElementSetName>full</csw:ElementSetName>
    <csw:Constraint version="1.1.0"><ogc:Filter><ogc:Or>
      <ogc:PropertyIsEqualTo><ogc:PropertyName>apiso:type</ogc:PropertyName><ogc:Literal>dataset</ogc:Literal></ogc:PropertyIsEqualTo>
      <ogc:PropertyIsEqualTo><ogc:PropertyName>apiso:type</ogc:PropertyName><ogc:Literal>nonGeographicDataset</ogc:Literal></ogc:PropertyIsEqualTo>
      <ogc:PropertyIsEqualTo><ogc:PropertyName>apiso:type</ogc:PropertyName><ogc:Literal>series</ogc:Literal></ogc:PropertyIsEqualTo>
      <ogc:PropertyIsEqualTo><ogc:PropertyName>apiso:type</ogc:PropertyName><ogc:Literal>service</ogc:Literal></ogc:PropertyIsEqualTo>
    </ogc:Or></ogc:Filter></csw:Constraint>
    <ogc:SortBy><ogc:SortProperty><ogc:PropertyName>apiso:identifier</ogc:PropertyName><ogc:SortOrder>ASC</ogc:SortOrder></ogc:SortProperty></ogc:SortBy>
  </csw:Query>
</csw:GetRecords>`;
    const want = [...published].filter(([, v]) => ['dataset', 'nonGeographicDataset', 'series', 'service'].includes(v.type)).map(([k]) => k);
    const seen: string[] = [];
    let start = 1;
    for (let page = 0; page < 50 && start !== 0; page++) {
      const res = await post(body(start), `udata page ${page}`);
      expect(res.status).toBe(200);
      const r = searchResults(res.xml);
      expect(r.matched).toBe(want.length);
      for (const rec of r.records) {
        expect(rec.uri).toBe(GMD);
        seen.push(textOf(select(rec, [GMD, 'fileIdentifier'], [GCO, 'CharacterString'])[0]));
      }
      start = r.next;
    }
    expect(seen).toEqual([...want].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).filter((x) => seen.includes(x)));
    expect(new Set(seen)).toEqual(new Set(want));
    expect(seen).toHaveLength(want.length);
  });

  it("serves GeoNetwork's CSW harvester: POST GetRecords with its filter, paged, then GetRecordById in ISO", async () => {
    const filter = readFileSync(path.join(requests, 'geonetwork-harvester-filter.xml'), 'utf8');
    const expected = await store.db.query<{ identifier: string }>(
      `SELECT identifier FROM catalogue c WHERE (c.anytext LIKE '%adresse%' OR c.type <> 'service') AND EXISTS (
         SELECT 1 FROM catalogue_boxes b WHERE b.record_id = c.record_id AND b.box && box(point(-5.5, 47), point(-1, 49)))`);
    expect(expected.rows.length).toBeGreaterThan(1);
    const ids: string[] = [];
    for (let start = 1, page = 0; start !== 0 && page < 20; page++) {
      const res = await post(`<?xml version="1.0" encoding="UTF-8"?>
<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" service="CSW" version="2.0.2" resultType="results"
  startPosition="${start}" maxRecords="2"><csw:Query typeNames="csw:Record"><csw:ElementSetName>summary</csw:ElementSetName>
  <csw:Constraint version="1.1.0">${filter}</csw:Constraint></csw:Query></csw:GetRecords>`, `geonetwork page ${page}`);
      const r = searchResults(res.xml);
      expect(r.matched).toBe(expected.rows.length);
      for (const rec of r.records) ids.push(textOf(select(rec, [DC, 'identifier'])[0]));
      start = r.next;
    }
    expect(new Set(ids)).toEqual(new Set(expected.rows.map((r) => r.identifier)));
    expect(ids).toHaveLength(expected.rows.length);
    for (const id of ids) {
      const res = await get(`service=CSW&version=2.0.2&request=GetRecordById&outputSchema=${encodeURIComponent(GMD)}&elementSetName=full&id=${encodeURIComponent(id)}`);
      const rec = parseXml(res.xml).root.children.find((c): c is XmlElement => typeof c !== 'string')!;
      expect(textOf(select(rec, [GMD, 'fileIdentifier'], [GCO, 'CharacterString'])[0])).toBe(id);
    }
    const cql = readFileSync(path.join(requests, 'geonetwork-harvester-cql.txt'), 'utf8').trim();
    const cqlExpected = await store.db.query<{ identifier: string }>(
      `SELECT identifier FROM catalogue c WHERE c.anytext LIKE '%adresse%' AND c.type = 'dataset' AND EXISTS (
         SELECT 1 FROM catalogue_boxes b WHERE b.record_id = c.record_id AND b.box && box(point(-5.5, 47), point(-1, 49)))`);
    expect(cqlExpected.rows.length).toBeGreaterThan(0);
    const res = await get(`service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=results&maxRecords=50&constraintLanguage=CQL_TEXT&constraint_language_version=1.1.0&constraint=${encodeURIComponent(cql)}`);
    const r = searchResults(res.xml);
    expect(new Set(r.records.map((rec) => textOf(select(rec, [DC, 'identifier'])[0])))).toEqual(new Set(cqlExpected.rows.map((x) => x.identifier)));
  });

  it('answers GET (KVP) GetRecords with CQL_TEXT, hits, ElementName and deep pages', async () => {
    const hits = await get('service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=hits');
    expect(searchResults(hits.xml)).toMatchObject({ matched: 19, returned: 0 });
    const services = [...published.values()].filter((v) => v.type === 'service').length;
    const cql = await get(`service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=results&constraintLanguage=CQL_TEXT&constraint=${encodeURIComponent("dc:type = 'service'")}&maxRecords=100`);
    expect(searchResults(cql.xml).matched).toBe(services);
    const names = await get('service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=results&ElementName=dc:identifier,dc:title&maxRecords=3');
    const rec = searchResults(names.xml).records[0];
    expect(rec.children.filter((c): c is XmlElement => typeof c !== 'string').map((c) => `${c.uri === DC ? 'dc' : c.uri}:${c.local}`).sort())
      .toEqual(['dc:identifier', 'dc:title']);
    const last = await get('service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=results&startPosition=18&maxRecords=10');
    expect(searchResults(last.xml)).toMatchObject({ matched: 19, returned: 2, next: 0 });
    const beyond = await get('service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=results&startPosition=40');
    expect(searchResults(beyond.xml)).toMatchObject({ matched: 19, returned: 0, next: 0 });
  });

  it('serves full ISO pages from the form the index sync wrote, identical to writing the record now', async () => {
    const stored = await store.db.query<{ identifier: string; iso_gz: Buffer; record: MdRecord }>(
      `SELECT c.identifier, c.iso_gz, r.record FROM catalogue c JOIN records r ON r.id = c.record_id ORDER BY c.identifier LIMIT 5`);
    const rows = { rows: stored.rows.map((row) => ({ ...row, iso: inflatePiece(row.iso_gz) })) };
    for (const row of rows.rows) {
      expect(row.iso).toBe(writeIso19139Element({ ...row.record, identifier: row.identifier }));
    }
    const page = await get(`service=CSW&version=2.0.2&request=GetRecords&typeNames=gmd:MD_Metadata&outputSchema=${encodeURIComponent(GMD)}&elementSetName=full&resultType=results&maxRecords=5&sortBy=apiso:Identifier:A`);
    expect(page.xml).toContain(rows.rows.map((r) => r.iso).join(''));
  });

  /** A GET of /csw?query with this Accept-Encoding, the body as it came (fetch would inflate it). */
  const raw = (query: string, encoding: string) => new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    const req = httpRequest(`${csw}?${query}`, { headers: { 'accept-encoding': encoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });

  it('sends a kept GetRecords answer gzip-encoded to clients that accept it, the same XML once inflated', async () => {
    const query = 'service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=results&maxRecords=5';
    // Kept from its second request on (a page asked once is not kept): the third is the kept answer, gzipped.
    await raw(query, 'identity');
    const plain = await raw(query, 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await raw(query, 'gzip, deflate');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/Accept-Encoding/i);
    expect(gunzipSync(zipped.body).toString('utf8')).toBe(plain.body.toString('utf8'));
    expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
  });

  it('stitches gzipped full ISO pages from the stored pieces, writes the rows not packed yet, and packs them later', async () => {
    // The elements as the sync stored them, then two rows as a catalogue written before migration 8 holds them: no piece.
    const isos = (await store.db.query<{ iso_gz: Buffer }>('SELECT iso_gz FROM catalogue ORDER BY identifier LIMIT 6')).rows
      .map((r) => inflateRawSync(unpackPiece(r.iso_gz)!.deflate, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('utf8'));
    const unpacked = (await store.db.query<{ record_id: string }>(
      'SELECT record_id FROM catalogue ORDER BY identifier LIMIT 2 OFFSET 1')).rows.map((r) => r.record_id);
    await store.db.query('UPDATE catalogue SET iso_gz = NULL WHERE record_id = ANY($1::text[])', [unpacked]);
    const query = `service=CSW&version=2.0.2&request=GetRecords&typeNames=gmd:MD_Metadata&outputSchema=${encodeURIComponent(GMD)}`
      + '&elementSetName=full&resultType=results&maxRecords=6&sortBy=apiso:Identifier:A&requestId=stitched';
    const zipped = await raw(query, 'gzip');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    // gunzip checks the trailer: the CRC-32 combined from the pieces' and the total length.
    const xml = gunzipSync(zipped.body).toString('utf8');
    expect(xml).toContain(isos.join(''));
    expect(searchResults(xml)).toMatchObject({ matched: published.size, returned: 6, next: 7 });
    responses.push({ name: 'stitched ISO page', xml });
    // Asked a second time, the answer is kept (a page asked once is not: harvesters walk each page once); a
    // client that does not take gzip then gets the kept answer inflated, its SearchStatus timestamp included.
    const again = gunzipSync((await raw(query, 'gzip')).body).toString('utf8');
    expect(again.replace(/timestamp="[^"]*"/, '')).toBe(xml.replace(/timestamp="[^"]*"/, ''));
    expect((await raw(query, 'identity')).body.toString('utf8')).toBe(again);

    const generation = await catalogueGeneration(store.db);
    expect(await packCatalogueIso(store.db)).toMatchObject({ read: 2 });
    expect(await packCatalogueIso(store.db)).toEqual({ read: 0 });
    // The published content did not change: kept answers stay valid.
    expect(await catalogueGeneration(store.db)).toBe(generation);
    const packed = await store.db.query<{ iso_gz: Buffer }>(
      'SELECT iso_gz FROM catalogue ORDER BY identifier LIMIT 2 OFFSET 1');
    expect(packed.rows).toHaveLength(2);
    for (const [i, row] of packed.rows.entries()) {
      const piece = unpackPiece(row.iso_gz)!;
      // Packed from the record: the same element the sync wrote, with a length and CRC that check.
      expect(inflateRawSync(piece.deflate, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString('utf8')).toBe(isos[i + 1]);
      expect(inflatePiece(row.iso_gz)).toBe(isos[i + 1]);
      expect(piece.length).toBe(Buffer.byteLength(isos[i + 1]));
    }
    // A piece that does not check is refused rather than published.
    const bad = Buffer.from(packed.rows[0].iso_gz);
    bad.writeUInt32BE((bad.readUInt32BE(0) + 1) >>> 0, 0);
    expect(inflatePiece(bad)).toBeNull();
  });

  it('answers GetDomain for a queryable and for a parameter, and DescribeRecord', async () => {
    const types = await get('service=CSW&version=2.0.2&request=GetDomain&PropertyName=apiso:Type');
    expect(types.status).toBe(200);
    for (const t of new Set([...published.values()].map((v) => v.type))) expect(types.xml).toContain(`>${t}<`);
    const param = await get('service=CSW&version=2.0.2&request=GetDomain&ParameterName=GetRecords.outputSchema');
    expect(param.xml).toContain(GMD);
    const describe = await get('service=CSW&version=2.0.2&request=DescribeRecord&typeName=csw:Record');
    expect(describe.status).toBe(200);
    expect(describe.xml).toContain('SchemaComponent');
  });

  it('answers every bad request with an ExceptionReport naming the code and the locator', async () => {
    const cases: [string, string, string | undefined][] = [
      ['service=CSW&version=2.0.2&request=Harvest', 'OperationNotSupported', 'request'],
      ['service=CSW&request=GetRecords&typeNames=csw:Record', 'MissingParameterValue', 'version'],
      ['service=CSW&version=2.0.2&request=GetRecords', 'MissingParameterValue', 'typeNames'],
      ['service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&outputSchema=urn:nope', 'InvalidParameterValue', 'outputSchema'],
      ['service=CSW&version=2.0.2&request=GetRecords&typeNames=foo:Bar', 'InvalidParameterValue', 'typeNames'],
      ['service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&constraintLanguage=CQL_TEXT&constraint=dc:title%20%3D', 'InvalidParameterValue', 'Constraint'],
      ['service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&constraintLanguage=CQL_TEXT&constraint=apiso:Nope%3D%271%27', 'InvalidParameterValue', 'Constraint'],
      ['service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&startPosition=0', 'InvalidParameterValue', 'startPosition'],
      ['service=CSW&version=2.0.2&request=GetRecordById', 'MissingParameterValue', 'id'],
      ['service=CSW&request=GetCapabilities&acceptVersions=3.0.0', 'VersionNegotiationFailed', 'AcceptVersions'],
    ];
    for (const [query, code, locator] of cases) {
      const res = await get(query, `error ${query}`);
      expect(res.status, query).toBe(400);
      const ex = exception(res.xml);
      expect({ query, code: ex.code, locator: ex.locator }).toEqual({ query, code, locator });
      expect(ex.text.length).toBeGreaterThan(5);
      expect(res.xml).not.toMatch(/at .*\.ts:\d+/);
    }
    const bad = await post('<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"', 'malformed body');
    expect(bad.status).toBe(400);
    expect(exception(bad.xml).text).toMatch(/well-formed/);
  });

  it('never shows a withdrawn record, even before the index sync has run', async () => {
    const r = await store.db.query<{ source_id: string; native_id: string; identifier: string }>(
      `SELECT r.source_id, r.native_id, c.identifier FROM catalogue c JOIN records r ON r.id = c.record_id
       WHERE c.type = 'dataset' AND NOT (c.identifier = ANY($1::text[])) ORDER BY c.identifier LIMIT 1`, [[BANO_ID, BANO_COPY_ID]]);
    const victim = r.rows[0];
    await withdrawRecords(store.db, victim.source_id, [victim.native_id], { seenBefore: new Date(Date.now() + 60_000) });
    const byId = await get(`service=CSW&version=2.0.2&request=GetRecordById&id=${encodeURIComponent(victim.identifier)}`);
    expect(parseXml(byId.xml).root.children.filter((c) => typeof c !== 'string')).toHaveLength(0);
    const all = await get('service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=results&ElementSetName=brief&maxRecords=100');
    expect(searchResults(all.xml).matched).toBe(18);
    expect(all.xml).not.toContain(`>${victim.identifier}<`);
    await drainAll(store.db);
    expect(searchResults((await get('service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=hits')).xml).matched).toBe(18);
  });

  it('writes every response valid against the CSW 2.0.2 and ISO 19139 schemas', async () => {
    await get('service=CSW&version=2.0.2&request=GetCapabilities');
    await get('service=CSW&version=2.0.2&request=GetRecords&typeNames=gmd:MD_Metadata&outputSchema=http://www.isotc211.org/2005/gmd&resultType=results&ElementSetName=brief&maxRecords=100');
    await get('service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=results&ElementSetName=summary&maxRecords=100');
    await get('service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=validate');
    const results = await validateCswResponses(responses);
    const invalid = results.filter((r) => !r.valid);
    expect(invalid.map((r) => `${r.name}: ${r.errors.slice(0, 3).map((e) => e.message).join(' | ')}`)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(30);
  }, 120_000);
});
