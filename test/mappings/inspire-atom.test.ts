import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { feedWithContext, type HarvestContextParts } from '../../harvesters/inspire-atom/composite.ts';
import { mapDocument } from '../../mappings/index.ts';
import { mapInspireAtom } from '../../mappings/inspire-atom.ts';
import { MappingError, type MappingResult } from '../../mappings/types.ts';
import { firstElement, parseXml, select, type XmlElement } from '../../mappings/xml/index.ts';
import { validate } from '../../src/schemas.ts';
import { sharedFixtures } from '../helpers/xmllint.ts';

const ATOM = path.join(sharedFixtures, 'atom');
const read = (...rel: string[]) => readFileSync(path.join(sharedFixtures, ...rel));
const TG_SERVICE = read('atom', 'inspire-tg-service-feed.xml');
const TG_DATASET = read('atom', 'inspire-tg-dataset-feed.xml');
const BAVARIA = read('atom', 'bavaria-dgm200-service-feed.xml');
const ISO_DATASET = read('iso19139', 'gemini-dataset-valid.xml');
const ISO_SERVICE = read('iso19139', 'geobretagne-service-coupled.xml');

function map(bytes: Buffer, url: string): MappingResult {
  const result = mapDocument({ bytes, mediaType: 'application/atom+xml', url, fetchedAt: '2025-03-01T10:00:00Z' });
  expect(validate('record', result.record)).toEqual([]);
  return result;
}

const root = (bytes: Buffer): XmlElement => parseXml(bytes).root;
const ATOM_NS = 'http://www.w3.org/2005/Atom';
/** The TG service feed's only entry: the one that links the TG dataset feed. */
const tgServiceEntry = (): XmlElement => select(root(TG_SERVICE), [ATOM_NS, 'entry'])[0];

/** The document the harvester yields: the feed with its harvest context (harvesters/inspire-atom/composite.ts). */
function composite(feed: Buffer, parts: { serviceEntry?: XmlElement; iso?: Buffer; href?: string }): Buffer {
  const ctx: HarvestContextParts = {};
  if (parts.serviceEntry) ctx.serviceEntry = parts.serviceEntry;
  if (parts.iso) ctx.metadata = { href: parts.href ?? 'http://xyz.org/metadata/abcISO19139.xml', record: root(parts.iso) };
  return feedWithContext(root(feed), ctx);
}

describe('INSPIRE Atom service feeds -> download service records', () => {
  it('TG service feed: service type download, operatesOn from describedby + dataset identifier, georss polygon lat lon', () => {
    const { record, issues } = map(TG_SERVICE, 'http://xyz.org/download/en.xml');
    expect(issues).toEqual([]);
    expect(record).toMatchObject({ identifier: 'http://xyz.org/download/en.xml', hierarchyLevel: 'service', title: 'XYZ Example INSPIRE Download Service' });
    expect(record.service).toMatchObject({ type: 'download' });
    expect(record.service!.operatesOn).toEqual([{ uuidref: 'wn_id1', href: 'http://xyz.org/metadata/abcISO19139.xml', title: 'Water network ABC Dataset Feed' }]);
    expect(record.service!.coupledResources).toEqual([{ operationName: 'Get Spatial Dataset', identifier: 'wn_id1' }]);
    // "47.202 5.755 55.183 5.755 …" is lat lon: latitudes 47.2–55.2, longitudes 5.8–15.3.
    expect(record.bboxes).toEqual([{ west: 5.755, east: 15.253, south: 47.202, north: 55.183 }]);
    expect(record.referenceSystems.map((r) => r.code)).toEqual(['EPSG:25832', 'EPSG:4258']);
    expect(record.onlineResources).toEqual([
      { url: 'http://xyz.org/download/en.xml', protocol: 'INSPIRE Atom', name: 'download service feed', function: 'download' },
      { url: 'http://xyz.org/search/opensearchdescription.xml', protocol: 'OpenSearch', name: 'Open Search Description for XYZ download service', function: 'search' },
      { url: 'http://xyz.org/data/waternetwork_feed.xml', protocol: 'INSPIRE Atom', name: 'Water network ABC Dataset Feed', function: 'download' },
    ]);
    expect(record.dates).toEqual([{ date: '2013-03-31T13:45:03Z', type: 'revision' }]);
    expect(record.metadataContacts).toEqual([{ role: 'pointOfContact', individualName: 'John Doe', emails: ['doe@xyz.org'] }]);
    expect(record.constraints[0].otherConstraints).toEqual([{ text: 'Copyright (c) 2012, XYZ; all rights reserved' }]);
  });

  it('Bavarian DGM200 service feed: georss:box in lat lon order, uuidref from the GetRecordById link, CRS categories', () => {
    const { record } = map(BAVARIA, 'http://www.weichand.de/inspire/dls/dgm200.xml');
    expect(record.bboxes).toHaveLength(1);
    const [box] = record.bboxes;
    expect([box.south, box.west, box.north, box.east]).toEqual([47.227939751093984, 8.893496872145105, 50.57980288756865, 13.924747105863776]);
    expect(record.service!.operatesOn).toEqual([expect.objectContaining({ uuidref: 'c4b54cac-06ae-31ae-904f-86ef22d58ccb' })]);
    expect(record.service!.coupledResources[0].identifier).toBe('DEBY_1d4ab890-27e7-3ebb-95ba-2d2ab8071871');
    expect(record.referenceSystems).toEqual([
      { code: 'EPSG:31468', href: 'http://www.opengis.net/def/crs/EPSG/0/31468' },
      { code: 'EPSG:4258', href: 'http://www.opengis.net/def/crs/EPSG/0/4258' },
    ]);
    expect(record.onlineResources.find((r) => r.protocol === 'OpenSearch')?.url).toBe('http://www.weichand.de:8080/opensearchdls/dgm200');
    // CC BY 3.0 DE is not among the recognised licences: the rights text is kept as a constraint only.
    expect(record.licence).toBeUndefined();
    expect(record.constraints[0].otherConstraints[0].text).toMatch(/^Die Datensätze stehen unter einer Creative Commons/);
  });
});

describe('INSPIRE Atom dataset feeds -> dataset records', () => {
  it('TG dataset feed alone: one download link per file with format, size, CRS and language', () => {
    const { record, issues } = map(TG_DATASET, 'http://xyz.org/data/abc/en.xml');
    expect(issues).toEqual([]);
    expect(record).toMatchObject({ hierarchyLevel: 'dataset', identifier: 'http://xyz.org/data/abc/waternetwork.xml', metadataLanguage: 'en' });
    const files = record.onlineResources.filter((r) => r.url.includes('waternetwork_'));
    expect(files.map((f) => f.url)).toEqual([
      'http://xyz.org/data/abc/waternetwork_25832.gml', 'http://xyz.org/data/abc/waternetwork_WGS84.gml',
      'http://xyz.org/data/abc/waternetwork_25832.zip', 'http://xyz.org/data/abc/waternetwork_WGS84.zip',
    ]);
    expect(files[0]).toEqual({
      url: 'http://xyz.org/data/abc/waternetwork_25832.gml',
      protocol: 'application/gml+xml;version=3.2',
      function: 'download',
      name: 'Water network in CRS EPSG:25832 (GML)',
      description: expect.stringMatching(/; 34987 bytes; CRS EPSG:25832 \(ETRS89 \/ UTM zone 32N\); language en$/),
    });
    expect(record.distributionFormats).toEqual([{ name: 'application/gml+xml', version: '3.2' }, { name: 'application/xshapefile' }]);
    expect(record.referenceSystems.map((r) => r.code)).toEqual(['EPSG:25832', 'EPSG:4258']);
    expect(record.onlineResources[0]).toMatchObject({ url: 'http://xyz.org/data/abc/en.xml', protocol: 'INSPIRE Atom' });
  });

  it('with the service entry that led to it: dataset identifier code/namespace, extent and summary from the entry', () => {
    const bytes = composite(TG_DATASET, { serviceEntry: tgServiceEntry() });
    const { record } = map(bytes, 'http://xyz.org/data/waternetwork_feed.xml');
    expect(record.resourceIdentifiers).toEqual([{ code: 'wn_id1', codeSpace: 'http://xyz.org/' }]);
    expect(record.bboxes).toEqual([{ west: 5.755, east: 15.253, south: 47.202, north: 55.183 }]);
    expect(record.abstract).toBe('This is the entry for water network ABC Dataset');
    expect(record.title).toBe('XYZ Example INSPIRE Dataset ABC Download');
  });

  it('with the describedby ISO record: the ISO description kept whole, completed by the files and identifiers', () => {
    const bytes = composite(TG_DATASET, { serviceEntry: tgServiceEntry(), iso: ISO_DATASET });
    const { record, issues } = map(bytes, 'http://xyz.org/data/waternetwork_feed.xml');
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(record).toMatchObject({ identifier: 'test-record-04', title: 'Test Record 04 Dataset Valid', hierarchyLevel: 'dataset' });
    expect(record.resourceIdentifiers).toEqual([{ code: '1300392329603', codeSpace: 'CEH:EIDC:' }, { code: 'wn_id1', codeSpace: 'http://xyz.org/' }]);
    // The ISO extent wins over the feed's coarser georss polygon.
    expect(record.bboxes).toEqual([{ west: -9.227701, east: 2.687637, south: 49.83726, north: 60.850441 }]);
    expect(record.onlineResources.filter((r) => r.function === 'download' && r.url.startsWith('http://xyz.org/data/abc/waternetwork_'))).toHaveLength(4);
    expect(record.onlineResources.length).toBeGreaterThan(5);
    expect(record.referenceSystems.map((r) => r.code)).toEqual(['27700', 'EPSG:25832', 'EPSG:4258']);
    expect(record.dates).toEqual([{ date: '2011-04-08', type: 'publication' }, { date: '2013-03-31T13:45:03Z', type: 'revision' }]);
    expect(record.constraints.flatMap((c) => c.otherConstraints.map((o) => o.text))).toContain('Copyright (c) 2012, XYZ; all rights reserved');
  });
});

describe('INSPIRE Atom mapping edge cases', () => {
  it('a service feed with its ISO service metadata: datasets of the feed added to the ISO operatesOn', () => {
    const bytes = composite(TG_SERVICE, { iso: ISO_SERVICE, href: 'http://xyz.org/metadata/iso19139_document.xml' });
    const { record } = map(bytes, 'http://xyz.org/download/en.xml');
    expect(record).toMatchObject({ identifier: 'fr-org.geobretagne.crcbs.wfs', hierarchyLevel: 'service' });
    expect(record.service!.operatesOn.map((o) => o.uuidref)).toEqual(['e16944c7-8c80-4ac6-85f4-c88958f39094', 'wn_id1']);
    expect(record.onlineResources.map((r) => r.url)).toContain('http://xyz.org/download/en.xml');
  });

  it('a describedby document that is not ISO 19139 is reported and the feed mapped alone', () => {
    // Synthetic pairing: the TG service feed attached where an ISO record should be (no fixture shows this fault).
    const bytes = composite(TG_DATASET, { iso: TG_SERVICE, href: 'http://xyz.org/not-iso.xml' });
    const { record, issues } = map(bytes, 'http://xyz.org/data/abc/en.xml');
    expect(record.identifier).toBe('http://xyz.org/data/abc/waternetwork.xml');
    expect(issues).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/^linked metadata http:\/\/xyz\.org\/not-iso\.xml not used: not an ISO 19139 record/) })]);
  });

  it('the composite stays an Atom feed whose context the mapping finds again', () => {
    const bytes = composite(TG_DATASET, { serviceEntry: tgServiceEntry(), iso: ISO_DATASET });
    const feed = root(bytes);
    expect([feed.uri, feed.local]).toEqual([ATOM_NS, 'feed']);
    const context = select(feed, ['urn:x-moisson:inspire-atom-harvest:1', 'harvestContext'])[0];
    expect(firstElement(select(context, ['*', 'linkedMetadata'])[0])?.local).toBe('MD_Metadata');
    expect(bytes.equals(composite(TG_DATASET, { serviceEntry: tgServiceEntry(), iso: ISO_DATASET }))).toBe(true);
  });

  it('documents that are not Atom feeds, or not well-formed, are MappingErrors', () => {
    const raw = (bytes: Buffer) => ({ bytes, mediaType: 'application/atom+xml', url: 'http://xyz.org/x', fetchedAt: '2025-03-01T10:00:00Z' });
    expect(() => mapInspireAtom(raw(ISO_DATASET))).toThrow(/^not an Atom feed: root element gmd:MD_Metadata/);
    // Synthetic fault from a real fixture: the TG dataset feed cut short.
    expect(() => mapInspireAtom(raw(TG_DATASET.subarray(0, 1500)))).toThrow(MappingError);
    expect(() => mapInspireAtom(raw(read('bad', 'iso19139-truncated.xml')))).toThrow(MappingError);
  });

  it('every Atom fixture maps to a schema-valid record', () => {
    for (const f of ['bavaria-dgm200-service-feed.xml', 'inspire-tg-dataset-feed.xml', 'inspire-tg-service-feed.xml']) {
      map(readFileSync(path.join(ATOM, f)), `http://example.org/${f}`);
    }
  });
});
