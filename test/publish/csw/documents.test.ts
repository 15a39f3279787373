/**
 * The CSW 2.0.2 response documents (src/publish/csw/*) built from the ISO 19139 fixture records
 * (../shared/fixtures/iso19139, read with readIso19139), in every element set and output schema: each is
 * validated against the CSW 2.0.2 + ISO 19139:2007 schemas (test/helpers/csw-xsd.ts, one xmllint call in
 * beforeAll), its content checked on the parsed document (namespace-aware), and the main ones read back
 * with OWSLib's own CatalogueServiceWeb code, as QGIS MetaSearch reads them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIso19139 } from '../../../mappings/iso19139/read.ts';
import { writeIso19139 } from '../../../mappings/iso19139/write.ts';
import { QUERYABLES } from '../../../mappings/queryables.ts';
import type { MdRecord } from '../../../mappings/types.ts';
import { attribute, elements, first, parseXml, select, textOf, type Step, type XmlElement } from '../../../mappings/xml/index.ts';
import { catalogue, HubError } from '../../../src/errors.ts';
import { capabilities, type CapabilitiesOptions } from '../../../src/publish/csw/capabilities.ts';
import { COMPARISON_OPERATORS, SPATIAL_OPERATORS } from '../../../src/publish/csw/capabilities-filter.ts';
import { additionalQueryables, dublinCoreQueryables, isoQueryables } from '../../../src/publish/csw/capabilities-operations.ts';
import { dcRecord } from '../../../src/publish/csw/dc-record.ts';
import { describeRecord } from '../../../src/publish/csw/describe-record.ts';
import { ELEMENT_SETS, parameterDomain } from '../../../src/publish/csw/domains.ts';
import { exceptionReport } from '../../../src/publish/csw/exception.ts';
import { ISO_ELEMENT_FIELDS, isoRecord } from '../../../src/publish/csw/iso-element-set.ts';
import {
  NS_CSW, NS_DC, NS_DCT, NS_GMD, NS_GML, NS_INSPIRE_COMMON as NS_IC, NS_INSPIRE_DS, NS_OGC, NS_OWS, NS_SRV, NS_XLINK, NS_XS,
} from '../../../src/publish/csw/namespaces.ts';
import {
  acknowledgement, getDomainResponse, getRecordByIdResponse, getRecordsEnvelope, getRecordsResponse, getRecordsResponseGzip,
  writeGetRecordsEnvelope,
} from '../../../src/publish/csw/results.ts';
import { packPiece, unpackPiece } from '../../../src/http/gzip-stitch.ts';
import { validateCsw } from '../../helpers/csw-xsd.ts';
import { formatValidationErrors, sharedFixtures, type ValidationResult } from '../../helpers/xmllint.ts';

// ------------------------------------------------------------------------------------------- fixtures

const ISO_DIR = path.join(sharedFixtures, 'iso19139');
const BASE = 'https://moisson.example.fr/';
const ENDPOINT = 'https://moisson.example.fr/csw';

/** The fixture records; two share a fileIdentifier, made unique as the published catalogue has it. */
const fixtures = readdirSync(ISO_DIR)
  .filter((f) => f.endsWith('.xml') && statSync(path.join(ISO_DIR, f)).isFile())
  .map((f) => ({ name: f, record: readIso19139(readFileSync(path.join(ISO_DIR, f))).record }))
  .map((f, i, all) => (all.findIndex((g) => g.record.identifier === f.record.identifier) === i
    ? f : { ...f, record: { ...f.record, identifier: `${f.record.identifier}-${f.name}` } }));
const byName = (name: string): MdRecord => fixtures.find((f) => f.name === name)!.record;
const idOf = (f: { name: string; record: MdRecord }): string => f.record.identifier ?? f.name;

const SERVICE = 'geobretagne-service-coupled.xml';
const DATASET = 'geopicardie-tache-urbaine.xml';
const TIMESTAMP = new Date('2025-03-01T10:00:00.123Z');

const OPTIONS: CapabilitiesOptions = {
  baseUrl: BASE,
  identification: { title: 'Catalogue moisson', abstract: 'Métadonnées moissonnées & republiées', keywords: ['catalogue', 'CSW'],
    fees: 'aucun', accessConstraints: ['aucune'] },
  provider: { name: 'Exemple', site: 'https://example.fr/', contact: { individualName: 'Équipe SIG', email: 'sig@example.fr' } },
  inspire: { serviceMetadataId: 'moisson-csw', metadataDate: '2025-02-01T08:00:00Z',
    pointOfContact: { organisationName: 'Exemple', email: 'sig@example.fr' }, languages: ['fre', 'eng'] },
};

const dcRecords = (set: (typeof ELEMENT_SETS)[number]): string[] =>
  fixtures.map((f) => dcRecord(f.record, { identifier: idOf(f), elementSet: set, baseUrl: BASE }));
const isoRecords = (set: (typeof ELEMENT_SETS)[number]): string[] => fixtures.map((f) => isoRecord(f.record, set));
const page = (records: string[], recordSchema: string, elementSet: (typeof ELEMENT_SETS)[number] | null): string =>
  getRecordsResponse({ timestamp: TIMESTAMP, matched: 1000, returned: records.length, nextRecord: 27, elementSet,
    recordSchema, resultType: 'results', records });

const POST_GETRECORDS = '<?xml version="1.0" encoding="UTF-8"?>\n<csw:GetRecords xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" '
  + 'service="CSW" version="2.0.2" resultType="validate"><csw:Query typeNames="csw:Record">'
  + '<csw:ElementSetName>brief</csw:ElementSetName></csw:Query></csw:GetRecords>';

const docs: Record<string, string> = {
  'capabilities': capabilities(OPTIONS),
  'capabilities-eng': capabilities({ ...OPTIONS, language: 'eng' }),
  'capabilities-unsupported-language': capabilities({ ...OPTIONS, language: 'ger' }),
  'capabilities-provider-only': capabilities({ ...OPTIONS, sections: ['serviceprovider'] }),
  'describerecord-all': describeRecord([]),
  'describerecord-csw': describeRecord(['csw:Record']),
  'describerecord-gmd': describeRecord(['GMD:MD_Metadata']),
  'getrecords-dc-elementnames': page(fixtures.map((f) => dcRecord(f.record, { identifier: idOf(f), elementSet: 'full',
    elementNames: ['dc:title', 'apiso:Modified', 'ows:BoundingBox'], modified: TIMESTAMP, baseUrl: BASE })), NS_CSW, null),
  'getrecords-iso-elementnames': page(fixtures.map((f) => isoRecord(f.record, 'full', ['apiso:Title', 'apiso:BoundingBox'])), NS_GMD, null),
  'getrecords-hits': getRecordsResponse({ requestId: 'urn:uuid:42', timestamp: TIMESTAMP, matched: 1000, nextRecord: 1,
    elementSet: 'brief', recordSchema: NS_CSW, resultType: 'hits', records: dcRecords('brief') }),
  'getrecordbyid-empty': getRecordByIdResponse([]),
  'getdomain-property': getDomainResponse({ propertyName: 'apiso:Type', values: [{ value: 'dataset', count: 12 }, { value: 'service', count: 3 }] }),
  'getdomain-parameter': getDomainResponse({ parameterName: 'GetRecords.resultType', values: parameterDomain('getrecords.RESULTTYPE')!.values.map((value) => ({ value })) }),
  'getdomain-empty': getDomainResponse({ propertyName: 'apiso:ServiceType', values: [] }),
  'ack-post': acknowledgement({ echo: POST_GETRECORDS, requestId: 'urn:uuid:7', timestamp: TIMESTAMP }),
  'ack-get': acknowledgement({ echo: 'service=CSW&version=2.0.2&request=GetRecords&resultType=validate&typeNames=csw:Record' }),
  'exception-invalid-parameter': exceptionReport(new HubError('invalid_parameter', 'Unknown typeName "gmd:Foo".', { locator: 'typeNames' })),
  'exception-missing': exceptionReport({ code: 'missing_parameter', message: 'request is missing', locator: 'request' }),
  'exception-internal': exceptionReport(new HubError('internal', 'An internal error occurred; it has been logged.',
    { cause: new Error('SECRET connection string postgres://u:p@db') })),
};
for (const set of ELEMENT_SETS) {
  docs[`getrecords-dc-${set}`] = page(dcRecords(set), NS_CSW, set);
  docs[`getrecords-iso-${set}`] = page(isoRecords(set), NS_GMD, set);
  docs[`getrecordbyid-dc-${set}`] = getRecordByIdResponse([dcRecord(byName(SERVICE), { identifier: 'svc', elementSet: set, baseUrl: BASE })]);
  docs[`getrecordbyid-iso-${set}`] = getRecordByIdResponse([isoRecord(byName(SERVICE), set), isoRecord(byName(DATASET), set)]);
}

/** The full ISO page as the server sends it gzipped: stitched from stored pieces, inflated here. */
const stitchedIsoPage = (): Buffer => gunzipSync(getRecordsResponseGzip(
  { timestamp: TIMESTAMP, matched: 1000, returned: fixtures.length, nextRecord: 27, elementSet: 'full', recordSchema: NS_GMD, resultType: 'results' },
  isoRecords('full').map((r) => unpackPiece(packPiece(Buffer.from(r)))!),
));
docs['getrecords-iso-full-stitched'] = stitchedIsoPage().toString('utf8');

/** Deliberately broken documents: the validation must reject each. */
const broken: Record<string, { xml: string; expect: RegExp }> = {
  'broken-brief-order': {
    xml: docs['getrecords-dc-brief'].replace(/(<dc:identifier>[^<]*<\/dc:identifier>)(<dc:title>[^<]*<\/dc:title>)/, '$2$1'),
    expect: /title.*not expected/,
  },
  'broken-iso-without-contact': {
    xml: docs['getrecordbyid-iso-brief'].replace(/<gmd:contact\b[^]*?<\/gmd:contact>|<gmd:contact [^>]*\/>/, ''),
    expect: /dateStamp.*not expected/,
  },
  'broken-inspire-placement': {
    xml: (() => {
      const xml = docs.capabilities;
      const ec = /<inspire_ds:ExtendedCapabilities[^]*<\/inspire_ds:ExtendedCapabilities>/.exec(xml)![0];
      return xml.replace(ec, '').replace('<ows:OperationsMetadata>', `<ows:OperationsMetadata>${ec}`);
    })(),
    expect: /ExtendedCapabilities.*not expected/,
  },
};

let results: Map<string, ValidationResult>;

beforeAll(async () => {
  const all = [...Object.entries(docs), ...Object.entries(broken).map(([n, b]) => [n, b.xml] as const)];
  const validated = await validateCsw(all.map(([name, xml]) => ({ name, xml })));
  results = new Map(validated.map((r) => [r.name, r]));
}, 120_000);

// ------------------------------------------------------------------------------------------- xml helpers

const PREFIX: Record<string, string> = {
  csw: NS_CSW, dc: NS_DC, dct: NS_DCT, ows: NS_OWS, ogc: NS_OGC, gmd: NS_GMD, srv: NS_SRV, xs: NS_XS,
  inspire_ds: NS_INSPIRE_DS, ic: NS_IC, gco: 'http://www.isotc211.org/2005/gco',
};
const q = (name: string): Step => {
  const [p, local] = name.split(':');
  return [PREFIX[p], local];
};
const root = (xml: string): XmlElement => parseXml(xml).root;
const path$ = (el: XmlElement | undefined, steps: string): XmlElement[] => select(el, ...steps.split('/').map(q));
const texts = (el: XmlElement | undefined, steps: string): string[] => path$(el, steps).map((e) => textOf(e));
const names = (el: XmlElement): string[] => elements(el).map((c) => `${Object.entries(PREFIX).find(([, u]) => u === c.uri)?.[0]}:${c.local}`);
const attr = (el: XmlElement | undefined, name: string): string | undefined => attribute(el, '', name);
/** The record elements of a GetRecords response. */
const searchRecords = (xml: string): XmlElement[] => elements(first(root(xml), q('csw:SearchResults'))!);
const recordOf = (xml: string, id: string): XmlElement =>
  searchRecords(xml).find((r) => textOf(first(r, q('dc:identifier'))) === id || texts(r, 'gmd:fileIdentifier/gco:CharacterString')[0] === id)!;

// ----------------------------------------------------------------------------------------------- tests

describe('XSD validity (CSW 2.0.2 + ISO 19139:2007)', () => {
  it('every document validates, records included', () => {
    const all = Object.keys(docs).map((n) => results.get(n)!);
    expect(all.filter((r) => !r.valid).map((r) => r.name), formatValidationErrors(all, 5)).toEqual([]);
  });

  it('rejects deliberately broken documents: record order, a missing mandatory ISO element, misplaced INSPIRE capabilities', () => {
    for (const [name, b] of Object.entries(broken)) {
      const r = results.get(name)!;
      expect(r.valid, name).toBe(false);
      expect(r.errors.map((e) => e.message).join('\n'), name).toMatch(b.expect);
    }
  });
});

describe('Dublin Core records', () => {
  const dataset = byName(DATASET);
  const id = idOf(fixtures.find((f) => f.name === DATASET)!);

  it('brief: identifier, title, type and every bounding box in latitude/longitude order, nothing else', () => {
    const rec = recordOf(docs['getrecords-dc-brief'], id);
    expect(rec.local).toBe('BriefRecord');
    expect(new Set(names(rec))).toEqual(new Set(['dc:identifier', 'dc:title', 'dc:type', 'ows:BoundingBox']));
    expect(texts(rec, 'dc:title')).toEqual([dataset.title]);
    expect(texts(rec, 'dc:type')).toEqual(['dataset']);
    const boxes = path$(rec, 'ows:BoundingBox');
    expect(boxes).toHaveLength(dataset.bboxes.length);
    const b = dataset.bboxes[0];
    expect(attr(boxes[0], 'crs')).toBe('urn:ogc:def:crs:EPSG::4326');
    expect(texts(boxes[0], 'ows:LowerCorner')).toEqual([`${b.south} ${b.west}`]);
    expect(texts(boxes[0], 'ows:UpperCorner')).toEqual([`${b.north} ${b.east}`]);
  });

  it('summary adds subjects, formats, abstract; full adds agents, rights and typed references', () => {
    const summary = recordOf(docs['getrecords-dc-summary'], id);
    expect(summary.local).toBe('SummaryRecord');
    expect(texts(summary, 'dc:subject')).toEqual(expect.arrayContaining(dataset.topicCategories));
    expect(texts(summary, 'dct:abstract')).toEqual([dataset.abstract]);
    expect(names(summary)).not.toContain('dct:references');
    const service = first(root(docs['getrecordbyid-dc-full']), q('csw:Record'))!;
    const refs = path$(service, 'dct:references');
    const wfs = byName(SERVICE).onlineResources.find((o) => o.protocol)!;
    expect(refs.map((r) => [textOf(r), attr(r, 'scheme')])).toContainEqual([wfs.url, wfs.protocol]);
    expect(refs.map((r) => textOf(r))).toContain(`${ENDPOINT}?service=CSW&version=2.0.2&request=GetRecordById&id=svc&outputSchema=${encodeURIComponent(NS_GMD)}`);
  });

  it('ElementName: only the elements asked for, in a csw:Record, aliases resolved', () => {
    for (const rec of searchRecords(docs['getrecords-dc-elementnames'])) {
      expect(rec.local).toBe('Record');
      expect([...new Set(names(rec))].filter((n) => n !== 'ows:BoundingBox')).toEqual(['dc:title', 'dct:modified']);
      expect(texts(rec, 'dct:modified')).toEqual(['2025-03-01T10:00:00.123Z']);
    }
    expect(() => dcRecord(byName(DATASET), { identifier: 'x', elementSet: 'full', elementNames: ['dc:URI'], baseUrl: BASE }))
      .toThrow(expect.objectContaining({ code: 'invalid_parameter', locator: 'ElementName' }));
  });
});

describe('ISO 19139 element sets', () => {
  const iso = (doc: string, id: string): XmlElement => recordOf(doc, id);
  const datasetId = byName(DATASET).identifier!;
  const serviceId = byName(SERVICE).identifier!;
  const DI = 'gmd:identificationInfo/gmd:MD_DataIdentification';
  const SI = 'gmd:identificationInfo/srv:SV_ServiceIdentification';

  /** Depth-first element names and leaf texts: the content of a record, whatever its ids. */
  const shape = (el: XmlElement): string[] =>
    [`${el.uri} ${el.local}`, ...(elements(el).length === 0 ? [textOf(el)] : elements(el).flatMap(shape))];

  it('full is the ISO writer output without its XML declaration', () => {
    for (const f of fixtures) {
      const full = isoRecord(f.record, 'full');
      expect(full.startsWith('<gmd:MD_Metadata')).toBe(true);
      expect(shape(root(full))).toEqual(shape(root(writeIso19139(f.record))));
    }
  });

  it('ids stay unique across the records of one response, and locale references follow them', () => {
    const records = searchRecords(docs['getrecords-iso-full']);
    const ids = (el: XmlElement): string[] => [
      ...(el.local === 'PT_Locale' ? [attr(el, 'id')!] : []),
      ...el.attributes.filter((a) => a.local === 'id' && a.uri === 'http://www.opengis.net/gml/3.2').map((a) => a.value),
      ...elements(el).flatMap(ids)];
    const all = records.flatMap(ids);
    expect(all.length).toBeGreaterThan(2);
    expect(new Set(all).size).toBe(all.length);
    const refs = (el: XmlElement): string[] => [...(el.local === 'LocalisedCharacterString' ? [attr(el, 'locale')!] : []), ...elements(el).flatMap(refs)];
    for (const rec of records) {
      const own = new Set(ids(rec).map((i) => `#${i}`));
      for (const ref of refs(rec)) expect(own.has(ref), ref).toBe(true);
    }
    expect(records.flatMap(refs).length).toBeGreaterThan(0);
  });

  it('brief keeps identification, bounding boxes and the mandatory elements, drops keywords and distribution', () => {
    const rec = iso(docs['getrecords-iso-brief'], datasetId);
    expect(texts(rec, 'gmd:fileIdentifier/gco:CharacterString')).toEqual([datasetId]);
    expect(texts(rec, `${DI}/gmd:citation/gmd:CI_Citation/gmd:title/gco:CharacterString`)).toEqual([byName(DATASET).title]);
    expect(path$(rec, `${DI}/gmd:extent/gmd:EX_Extent/gmd:geographicElement`)).toHaveLength(byName(DATASET).bboxes.length);
    expect(path$(rec, 'gmd:contact/gmd:CI_ResponsibleParty').length).toBeGreaterThan(0);
    expect(path$(rec, `${DI}/gmd:descriptiveKeywords`)).toEqual([]);
    expect(path$(rec, 'gmd:distributionInfo')).toEqual([]);
    const svc = iso(docs['getrecords-iso-brief'], serviceId);
    expect(texts(svc, `${SI}/srv:serviceType/gco:LocalName`)).toEqual([byName(SERVICE).service!.type]);
    expect(path$(svc, `${SI}/srv:operatesOn`)).toEqual([]);
  });

  it('summary adds keywords, online resources and what services operate on, not constraints', () => {
    const rec = iso(docs['getrecords-iso-summary'], datasetId);
    expect(path$(rec, `${DI}/gmd:descriptiveKeywords`).length).toBe(byName(DATASET).keywords.length);
    expect(path$(rec, `${DI}/gmd:resourceConstraints`)).toEqual([]);
    const svc = iso(docs['getrecords-iso-summary'], serviceId);
    expect(path$(svc, `${SI}/srv:operatesOn`)).toHaveLength(byName(SERVICE).service!.operatesOn.length);
    expect(path$(svc, 'gmd:distributionInfo')).toHaveLength(1);
  });

  it('ElementName keeps the properties asked for; every queryable of the table is mapped; unknown names fail', () => {
    const rec = iso(docs['getrecords-iso-elementnames'], datasetId);
    expect(path$(rec, `${DI}/gmd:extent`)).toHaveLength(1);
    expect(path$(rec, `${DI}/gmd:descriptiveKeywords`)).toEqual([]);
    expect(Object.keys(ISO_ELEMENT_FIELDS).sort()).toEqual(QUERYABLES.map((x) => x.name).sort());
    expect(isoRecord(byName(DATASET), 'brief', ['csw:AnyText'])).toBe(isoRecord(byName(DATASET), 'full'));
    expect(() => isoRecord(byName(DATASET), 'full', ['gmd:nothing'])).toThrow(expect.objectContaining({ locator: 'ElementName' }));
  });
});

describe('GetRecords, GetRecordById, GetDomain, validate', () => {
  it('fills a kept envelope exactly as the writer writes it, for every schema, element set and count', () => {
    for (const recordSchema of [NS_GMD, NS_CSW]) {
      for (const elementSet of [null, ...ELEMENT_SETS]) {
        for (const [matched, count, nextRecord] of [[0, 0, 0], [100_000, 10, 99_981], [7, 7, 0]]) {
          const r = { timestamp: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), matched, returned: count, nextRecord, elementSet,
            recordSchema, resultType: 'results' as const };
          // Twice: written, then filled from what was kept.
          expect(getRecordsEnvelope(r, count)).toBe(writeGetRecordsEnvelope(r, count));
          expect(getRecordsEnvelope(r, count)).toBe(writeGetRecordsEnvelope(r, count));
        }
      }
    }
    const withId = { timestamp: TIMESTAMP, matched: 1, nextRecord: 0, recordSchema: NS_CSW, resultType: 'results' as const, requestId: 'a<b&"c' };
    expect(getRecordsEnvelope(withId, 1)).toContain('<csw:RequestId>a&lt;b&amp;"c</csw:RequestId>');
  });

  it('a page stitched from compressed record pieces inflates to exactly the page written from the records', () => {
    expect(stitchedIsoPage().equals(Buffer.from(docs['getrecords-iso-full']))).toBe(true);
    expect(() => getRecordsResponseGzip({ timestamp: TIMESTAMP, matched: 3, returned: 2, nextRecord: 0, recordSchema: NS_GMD,
      resultType: 'results' }, [unpackPiece(packPiece(Buffer.from(isoRecords('full')[0])))!])).toThrow(/numberOfRecordsReturned 2/);
  });

  it('search results carry the counts, the element set and the records in their own namespaces', () => {
    const r = root(docs['getrecords-dc-summary']);
    expect(attr(first(r, q('csw:SearchStatus')), 'timestamp')).toBe('2025-03-01T10:00:00Z');
    const sr = first(r, q('csw:SearchResults'));
    expect([attr(sr, 'numberOfRecordsMatched'), attr(sr, 'numberOfRecordsReturned'), attr(sr, 'nextRecord'), attr(sr, 'elementSet'), attr(sr, 'recordSchema')])
      .toEqual(['1000', String(fixtures.length), '27', 'summary', NS_CSW]);
    expect(elements(sr!).every((e) => e.uri === NS_CSW && e.local === 'SummaryRecord')).toBe(true);
    expect(searchRecords(docs['getrecords-iso-full']).every((e) => e.uri === NS_GMD && e.local === 'MD_Metadata')).toBe(true);
    expect(attr(first(root(docs['getrecords-dc-elementnames']), q('csw:SearchResults')), 'elementSet')).toBeUndefined();
  });

  it('hits: counts and request id, no record; an empty GetRecordById is an empty response', () => {
    const r = root(docs['getrecords-hits']);
    expect(texts(r, 'csw:RequestId')).toEqual(['urn:uuid:42']);
    const sr = first(r, q('csw:SearchResults'))!;
    expect([attr(sr, 'numberOfRecordsMatched'), attr(sr, 'numberOfRecordsReturned')]).toEqual(['1000', '0']);
    expect(elements(sr)).toEqual([]);
    expect(elements(root(docs['getrecordbyid-empty']))).toEqual([]);
  });

  it('GetDomain lists values with their counts, by property or by parameter', () => {
    const dv = first(root(docs['getdomain-property']), q('csw:DomainValues'))!;
    expect(texts(dv, 'csw:PropertyName')).toEqual(['apiso:Type']);
    expect(path$(dv, 'csw:ListOfValues/csw:Value').map((v) => [textOf(v), attr(v, 'count')])).toEqual([['dataset', '12'], ['service', '3']]);
    expect(texts(root(docs['getdomain-parameter']), 'csw:DomainValues/csw:ListOfValues/csw:Value')).toEqual(['hits', 'results', 'validate']);
    expect(path$(root(docs['getdomain-empty']), 'csw:DomainValues/csw:ListOfValues')).toEqual([]);
  });

  it('resultType=validate echoes the POST request, or points at the GET one', () => {
    const post = root(docs['ack-post']);
    expect(names(first(post, q('csw:EchoedRequest'))!)).toEqual(['csw:GetRecords']);
    expect(texts(post, 'csw:RequestId')).toEqual(['urn:uuid:7']);
    const get = first(root(docs['ack-get']), q('csw:EchoedRequest'), q('ows:Get'));
    expect(attribute(get, NS_XLINK, 'href')).toBe('?service=CSW&version=2.0.2&request=GetRecords&resultType=validate&typeNames=csw:Record');
  });
});

describe('GetCapabilities', () => {
  const caps = root(docs.capabilities);
  const om = first(caps, q('ows:OperationsMetadata'))!;
  const getRecords = path$(om, 'ows:Operation').find((o) => attr(o, 'name') === 'GetRecords');
  const constraint = (name: string): string[] =>
    path$(getRecords, 'ows:Constraint').filter((c) => attr(c, 'name') === name).flatMap((c) => texts(c, 'ows:Value'));

  it('lists the ISO, additional and Dublin Core queryables of the one table, every queryable somewhere', () => {
    expect(constraint('SupportedISOQueryables')).toEqual(QUERYABLES.filter((x) => x.list === 'iso').map((x) => x.name));
    expect(constraint('AdditionalQueryables')).toEqual(additionalQueryables());
    expect(constraint('SupportedDublinCoreQueryables')).toEqual(dublinCoreQueryables());
    expect(dublinCoreQueryables()).toEqual(expect.arrayContaining(['csw:AnyText', 'dc:title', 'dc:subject', 'dct:abstract', 'dct:modified', 'ows:BoundingBox']));
    const listed = new Set([...isoQueryables(), ...additionalQueryables()]);
    expect(QUERYABLES.filter((x) => !listed.has(x.name)).map((x) => x.name)).toEqual([]);
  });

  it('advertises every operation on the /csw endpoint, and exactly the filter operators the hub implements', () => {
    expect(path$(om, 'ows:Operation').map((o) => attr(o, 'name'))).toEqual(['GetCapabilities', 'DescribeRecord', 'GetRecords', 'GetRecordById', 'GetDomain']);
    for (const href of path$(om, 'ows:Operation/ows:DCP/ows:HTTP').flatMap((h) => elements(h))) {
      expect(attribute(href, NS_XLINK, 'href')).toBe(ENDPOINT);
    }
    const fc = first(caps, q('ogc:Filter_Capabilities'))!;
    expect(path$(fc, 'ogc:Spatial_Capabilities/ogc:SpatialOperators/ogc:SpatialOperator').map((o) => attr(o, 'name')))
      .toEqual(Object.values(SPATIAL_OPERATORS));
    expect(texts(fc, 'ogc:Spatial_Capabilities/ogc:GeometryOperands/ogc:GeometryOperand')).toEqual(['gml:Envelope']);
    expect(texts(fc, 'ogc:Scalar_Capabilities/ogc:ComparisonOperators/ogc:ComparisonOperator')).toEqual(Object.values(COMPARISON_OPERATORS));
    expect(NS_GML).toBe('http://www.opengis.net/gml');
  });

  it('ends OperationsMetadata with the INSPIRE discovery extended capabilities: languages, LANGUAGE, metadata link', () => {
    const ec = elements(om).at(-1)!;
    expect([ec.uri, ec.local]).toEqual([NS_INSPIRE_DS, 'ExtendedCapabilities']);
    expect(texts(ec, 'ic:SpatialDataServiceType')).toEqual(['discovery']);
    expect(texts(ec, 'ic:MandatoryKeyword/ic:KeywordValue')).toEqual(['infoCatalogueService']);
    expect(texts(ec, 'ic:MetadataDate')).toEqual(['2025-02-01']);
    expect(texts(ec, 'ic:SupportedLanguages/ic:DefaultLanguage/ic:Language')).toEqual(['fre']);
    expect(texts(ec, 'ic:SupportedLanguages/ic:SupportedLanguage/ic:Language')).toEqual(['fre', 'eng']);
    expect(texts(ec, 'ic:ResponseLanguage/ic:Language')).toEqual(['fre']);
    const url = new URL(texts(ec, 'ic:MetadataUrl/ic:URL')[0]);
    expect(Object.fromEntries(url.searchParams)).toEqual({ service: 'CSW', version: '2.0.2', request: 'GetRecordById', id: 'moisson-csw', outputSchema: NS_GMD });
    const getCaps = path$(om, 'ows:Operation').find((o) => attr(o, 'name') === 'GetCapabilities');
    expect(path$(getCaps, 'ows:Parameter').filter((p) => attr(p, 'name') === 'LANGUAGE').flatMap((p) => texts(p, 'ows:Value'))).toEqual(['fre', 'eng']);
    const lang = (doc: string): string[] => texts(first(root(doc), q('ows:OperationsMetadata'), q('inspire_ds:ExtendedCapabilities')), 'ic:ResponseLanguage/ic:Language');
    expect(lang(docs['capabilities-eng'])).toEqual(['eng']);
    expect(lang(docs['capabilities-unsupported-language'])).toEqual(['fre']);
  });

  it('writes only the sections asked for, plus the Filter_Capabilities the schema requires', () => {
    expect(names(root(docs['capabilities-provider-only']))).toEqual(['ows:ServiceProvider', 'ogc:Filter_Capabilities']);
    expect(names(caps)).toEqual(['ows:ServiceIdentification', 'ows:ServiceProvider', 'ows:OperationsMetadata', 'ogc:Filter_Capabilities']);
  });
});

describe('DescribeRecord', () => {
  it('embeds the csw:Record schema with absolute imports, and a gmd schema including ISO 19139:2007', () => {
    const components = path$(root(docs['describerecord-all']), 'csw:SchemaComponent');
    expect(components.map((c) => attr(c, 'targetNamespace'))).toEqual([NS_CSW, NS_GMD]);
    const [csw, gmd] = components.map((c) => first(c, q('xs:schema'))!);
    expect(attr(csw, 'targetNamespace')).toBe(NS_CSW);
    expect(path$(csw, 'xs:element').map((e) => attr(e, 'name'))).toEqual(expect.arrayContaining(['BriefRecord', 'SummaryRecord', 'Record']));
    expect(path$(csw, 'xs:import').map((i) => attr(i, 'schemaLocation')).every((l) => l?.startsWith('http://schemas.opengis.net/'))).toBe(true);
    expect(attr(first(gmd, q('xs:include')), 'schemaLocation')).toBe('http://schemas.opengis.net/iso/19139/20070417/gmd/gmd.xsd');
    expect(path$(root(docs['describerecord-gmd']), 'csw:SchemaComponent').map((c) => attr(c, 'targetNamespace'))).toEqual([NS_GMD]);
    expect(() => describeRecord(['csw:Nothing'])).toThrow(expect.objectContaining({ code: 'invalid_parameter', locator: 'typeName' }));
  });
});

describe('ExceptionReport', () => {
  it('carries the catalogue exceptionCode, the locator and the public message only', () => {
    const ex = first(root(docs['exception-invalid-parameter']), q('ows:Exception'))!;
    expect([attr(ex, 'exceptionCode'), attr(ex, 'locator'), texts(ex, 'ows:ExceptionText')[0]])
      .toEqual([catalogue.invalid_parameter.ows, 'typeNames', 'Unknown typeName "gmd:Foo".']);
    expect(attr(root(docs['exception-missing']), 'version')).toBe('1.2.0');
    expect(attr(first(root(docs['exception-missing']), q('ows:Exception')), 'exceptionCode')).toBe('MissingParameterValue');
    const internal = docs['exception-internal'];
    expect(internal).toContain('exceptionCode="NoApplicableCode"');
    expect(internal).not.toMatch(/SECRET|postgres:|\n\s+at /);
  });

  it('has the shape of the pycsw exception fixture (root, version, attributes)', () => {
    const fixture = root(readFileSync(path.join(sharedFixtures, 'csw', 'exceptions', 'pycsw-exception-invalid-request.xml'), 'utf8'));
    const ours = root(docs['exception-invalid-parameter']);
    expect([ours.uri, ours.local, attr(ours, 'version')]).toEqual([fixture.uri, fixture.local, attr(fixture, 'version')]);
    const [a, b] = [ours, fixture].map((r) => first(r, q('ows:Exception'))!);
    expect(a.attributes.map((x) => x.local).sort()).toEqual(b.attributes.map((x) => x.local).sort());
  });
});

// ------------------------------------------------------------------------------------------------ OWSLib

describe('read back by OWSLib (QGIS MetaSearch)', () => {
  let dir: string;
  let out: Record<string, Record<string, unknown>>;
  const JOBS: Record<string, Record<string, string>> = {
    capabilities: { kind: 'capabilities', doc: 'capabilities' },
    dcBrief: { kind: 'getrecords', doc: 'getrecords-dc-brief', outputschema: NS_CSW, esn: 'brief' },
    dcSummary: { kind: 'getrecords', doc: 'getrecords-dc-summary', outputschema: NS_CSW, esn: 'summary' },
    dcFull: { kind: 'getrecords', doc: 'getrecords-dc-full', outputschema: NS_CSW, esn: 'full' },
    isoFull: { kind: 'getrecords', doc: 'getrecords-iso-full', outputschema: NS_GMD, esn: 'full' },
    isoBrief: { kind: 'getrecordbyid', doc: 'getrecordbyid-iso-brief', outputschema: NS_GMD, esn: 'brief' },
    domain: { kind: 'getdomain', doc: 'getdomain-property', dtype: 'property', name: 'apiso:Type' },
    exception: { kind: 'getrecords', doc: 'exception-invalid-parameter', outputschema: NS_CSW, esn: 'brief' },
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'moisson-owslib-'));
    const jobs = Object.values(JOBS).map(({ doc, ...job }) => {
      const file = path.join(dir, `${doc}.xml`);
      writeFileSync(file, docs[doc], 'utf8');
      return { ...job, file };
    });
    const stdout = execFileSync('/usr/bin/python3', [path.resolve(__dirname, '../../helpers/owslib_csw.py')],
      { input: JSON.stringify(jobs), encoding: 'utf8' });
    const parsed = JSON.parse(stdout) as Record<string, unknown>[];
    out = Object.fromEntries(Object.keys(JOBS).map((k, i) => [k, parsed[i]]));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses the capabilities: operations, queryables, GET endpoint, filter operators', () => {
    const c = out.capabilities;
    expect(c.title).toBe('Catalogue moisson');
    expect(c.operations).toEqual(['GetCapabilities', 'DescribeRecord', 'GetRecords', 'GetRecordById', 'GetDomain']);
    expect((c.getrecords_constraints as Record<string, string[]>).SupportedISOQueryables).toEqual(isoQueryables());
    expect(c.get_url).toEqual([ENDPOINT]);
    expect(c.spatial_operators).toEqual(Object.values(SPATIAL_OPERATORS));
    expect(c.comparison_operators).toEqual(Object.values(COMPARISON_OPERATORS));
  });

  it('parses every Dublin Core element set, with the bounding boxes back in west, south, east, north', () => {
    for (const key of ['dcBrief', 'dcSummary', 'dcFull']) {
      const r = out[key] as { results: Record<string, number>; records: { identifier: string; title: string; bbox: number[] | null }[] };
      expect(r.results).toMatchObject({ matches: 1000, returned: fixtures.length, nextrecord: 27 });
      expect(r.records.map((x) => x.identifier)).toEqual(fixtures.map(idOf));
      const ds = r.records.find((x) => x.identifier === byName(DATASET).identifier)!;
      const b = byName(DATASET).bboxes[0];
      expect(ds.bbox).toEqual([b.west, b.south, b.east, b.north]);
    }
    const full = (out.dcFull as { records: { identifier: string; references: { scheme: string | null; url: string }[] }[] }).records;
    const svc = full.find((x) => x.identifier === byName(SERVICE).identifier)!;
    const wfs = byName(SERVICE).onlineResources.find((o) => o.protocol)!;
    expect(svc.references).toContainEqual({ scheme: wfs.protocol, url: wfs.url });
  });

  it('parses ISO records, services included, and GetDomain values; exceptions surface as OWSLib ExceptionReport', () => {
    const iso = (out.isoFull as { records: { identifier: string; title: string; bbox: number[] | null }[] }).records;
    expect(iso.map((x) => [x.identifier, x.title])).toEqual(fixtures.map((f) => [f.record.identifier, f.record.title]));
    const b = byName(DATASET).bboxes[0];
    expect(iso.find((x) => x.identifier === byName(DATASET).identifier)!.bbox).toEqual([b.west, b.south, b.east, b.north]);
    const brief = (out.isoBrief as { records: { identifier: string; servicetype: string | null }[] }).records;
    expect(brief.map((x) => x.identifier)).toEqual([byName(SERVICE).identifier, byName(DATASET).identifier]);
    expect(brief[0].servicetype).toBe(byName(SERVICE).service!.type);
    expect((out.domain as { results: { values: string[] } }).results.values).toEqual(['dataset', 'service']);
    expect(out.exception).toEqual({ exception: { code: 'InvalidParameterValue', locator: 'typeNames', text: 'Unknown typeName "gmd:Foo".' } });
  });
});
