/**
 * DCAT-AP / GeoDCAT-AP reading against the captured catalogues of ../shared/fixtures/dcat and the GeoNetwork
 * CSW DCAT pages: every resource is split out as the dcat harvester does (bounded description, canonical
 * N-Triples), mapped, and checked against the record schema; then field by field for a dozen datasets.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe as suite, expect, it } from 'vitest';
import { mapDocument } from '../../../mappings/index.ts';
import { canonicalNTriples, describe, harvestableRecords, nativeIdOf } from '../../../mappings/dcat-ap/describe.ts';
import { bboxOfLiteral } from '../../../mappings/dcat-ap/read-extent.ts';
import { readDcatAp } from '../../../mappings/dcat-ap/read.ts';
import { detectSyntax, Graph, parseRdf, RdfError, repairIris } from '../../../mappings/dcat-ap/rdf.ts';
import { DCAT_HEADER } from '../../../mappings/dcat-ap/stored.ts';
import { MappingError, type MappingResult, type MdRecord } from '../../../mappings/types.ts';
import { elements, parseXml, serializeElement } from '../../../mappings/xml/index.ts';
import { validate } from '../../../src/schemas.ts';
import { sharedFixtures } from '../../helpers/xmllint.ts';

const dcat = (p: string) => path.join(sharedFixtures, 'dcat', p);
const BASE = 'http://harvest.test/catalog';

interface Mapped {
  nativeId: string | undefined;
  result: MappingResult;
}

/** Splits a catalogue document into stored documents (as the harvester does) and maps each through the registry. */
async function mapAll(bytes: Buffer, mediaType = ''): Promise<Mapped[]> {
  const syntax = detectSyntax(mediaType, bytes);
  if (syntax === null || syntax === 'html') throw new Error('not RDF');
  const graph = new Graph(repairIris(await parseRdf(bytes, syntax, BASE)).quads);
  const out: Mapped[] = [];
  for (const node of harvestableRecords(graph)) {
    const nativeId = nativeIdOf(graph, node);
    const nt = DCAT_HEADER + (await canonicalNTriples(describe(graph, node)));
    out.push({ nativeId, result: mapDocument({ nativeId, bytes: Buffer.from(nt), mediaType: 'application/n-triples', url: BASE, fetchedAt: '' }) });
  }
  return out;
}

async function mapFile(rel: string): Promise<Mapped[]> {
  return mapAll(readFileSync(dcat(rel)));
}

async function one(rel: string, nativeId: string): Promise<{ record: MdRecord; issues: MappingResult['issues'] }> {
  const found = (await mapFile(rel)).find((m) => m.nativeId === nativeId);
  if (!found) throw new Error(`${nativeId} not in ${rel}`);
  return found.result;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** The rdf:RDF records of a GeoNetwork GetRecords page with outputSchema DCAT / GeoDCAT-AP, one document each. */
function cswDcatRecords(file: string): Buffer[] {
  const doc = parseXml(readFileSync(file));
  const results = elements(doc.root).find((e) => e.local === 'SearchResults')!;
  return elements(results).map((e) => Buffer.from(serializeElement(e), 'utf8'));
}

suite('DCAT-AP mapping: every captured resource', () => {
  const catalogueFiles = files(path.join(sharedFixtures, 'dcat')).filter(
    (f) => !f.endsWith('input.xml') && !f.includes('evian-arcgis-hub'),
  );

  it.each(catalogueFiles.map((f) => [path.relative(sharedFixtures, f), f]))('%s maps to schema-valid records', async (_rel, file) => {
    const mapped = await mapAll(readFileSync(file));
    for (const m of mapped) {
      expect(validate('record', m.result.record), `${m.nativeId}`).toEqual([]);
      expect(m.result.record.title, `${m.nativeId}`).not.toBe('');
    }
    // The GeoDCAT-AP catalogue-record example describes no resource; every other file describes at least one.
    if (!file.endsWith('catalogue-record.rdf')) expect(mapped.length).toBeGreaterThan(0);
  });

  const cswPages = readdirSync(path.join(sharedFixtures, 'csw', 'getrecords-dcat')).map((n) => path.join(sharedFixtures, 'csw', 'getrecords-dcat', n));

  it.each(cswPages.map((f) => [path.basename(f), f]))('CSW DCAT page %s: each rdf:RDF record maps directly and split', async (_n, file) => {
    const records = cswDcatRecords(file);
    expect(records.length).toBeGreaterThan(0);
    for (const bytes of records) {
      // Straight through the registry's RDF/XML root, as the CSW harvester yields it…
      const direct = mapDocument({ bytes, mediaType: 'application/xml', url: BASE, fetchedAt: '' });
      expect(validate('record', direct.record)).toEqual([]);
      // …and split per resource, as the dcat harvester stores it.
      for (const m of await mapAll(bytes, 'application/rdf+xml')) expect(validate('record', m.result.record)).toEqual([]);
    }
  });

  it('counts the resources of the multi-dataset catalogues', async () => {
    expect((await mapFile('data-gouv-fr/hydra-paged-collection-page-1.jsonld')).map((m) => m.nativeId)).toEqual([
      'http://data.test.org/datasets/1',
      'http://data.test.org/datasets/2',
      'http://data.test.org/datasets/3',
    ]);
    // Two blank-node datasets identified by dct:identifier, two IRI datasets, one data service.
    const bnodes = (await mapFile('udata-harvest/bnodes.xml')).map((m) => m.nativeId).sort();
    expect(bnodes).toEqual(['1', 'http://harvest.test/dataset-2', 'http://harvest.test/dataset-3', 'https://data.paris2024.org/api/explore/v2.1/']);
  });
});

suite('DCAT-AP mapping: field by field', () => {
  it('GeoDCAT-AP 2.0.0 example dataset: identifiers, bbox, dates, themes, CRS, resolution, lineage', async () => {
    const { record, issues } = await one('geodcat-ap/geodcat-ap-2.0.0-dataset.ttl', 'https://some.catalogue/resource/eea_r_3035_10_m_noise-contours-end2017_i_2016_v01_r00');
    expect(issues).toEqual([]);
    expect(record.identifier).toBe('eea_r_3035_10_m_noise-contours-end2017_i_2016_v01_r00');
    expect(record.hierarchyLevel).toBe('dataset');
    expect(record.title).toBe('Noise contours data reported under Environmental Noise Directive (END) 2017 (raster 10m) - version 2019, Oct. 2019');
    expect(record.bboxes).toEqual([{ west: -31.285, east: 34.099, south: 27.642, north: 70.075 }]);
    expect(record.dates).toEqual([{ date: '2019-10-31', type: 'creation' }]);
    expect(record.temporalExtents).toEqual([{ start: '2016-01-01', end: '2016-12-31' }]);
    expect(record.referenceSystems).toEqual([{ code: 'EPSG:3035', codeSpace: 'EPSG', href: 'http://www.opengis.net/def/crs/EPSG/0/3035' }]);
    expect(record.spatialResolutions).toEqual([{ distance: 10, uom: 'm' }]);
    expect(record.topicCategories).toEqual(['environment', 'health', 'transportation']);
    expect(record.resourceLanguages).toEqual(['eng']);
    const inspire = record.keywords.find((g) => g.thesaurus?.href === 'http://inspire.ec.europa.eu/theme');
    expect(inspire?.keywords).toEqual([{ text: 'hh', href: 'http://inspire.ec.europa.eu/theme/hh' }]);
    const euThemes = record.keywords.find((g) => g.thesaurus?.href === 'http://publications.europa.eu/resource/authority/data-theme');
    expect(euThemes?.keywords).toEqual([{ text: 'HEAL', href: 'http://publications.europa.eu/resource/authority/data-theme/HEAL' }]);
    expect(record.lineage).toMatch(/^The raster data sets have been created out of the Noise Spatial Database/);
    expect(record.resourceContacts[0]).toMatchObject({ role: 'pointOfContact', organisationName: 'European Environment Agency', emails: ['info@eea.europa.eu'] });
    expect(record.onlineResources).toContainEqual({ url: 'https://noise.eea.europa.eu/', function: 'information' });
  });

  it('gives the same record from the RDF/XML, Turtle and JSON-LD of the same GeoDCAT-AP example', async () => {
    const id = 'https://some.catalogue/resource/eea_r_3035_10_m_noise-contours-end2017_i_2016_v01_r00';
    // The three files indent the multi-line abstract differently: compared with whitespace collapsed.
    const same = (r: MdRecord) => ({ ...r, abstract: r.abstract?.replace(/\s+/g, ' ') });
    const ttl = same((await one('geodcat-ap/geodcat-ap-2.0.0-dataset.ttl', id)).record);
    expect(same((await one('geodcat-ap/geodcat-ap-2.0.0-dataset.rdf', id)).record)).toEqual(ttl);
    expect(same((await one('geodcat-ap/geodcat-ap-2.0.0-dataset.jsonld', id)).record)).toEqual(ttl);
  });

  it('data.gouv.fr Hydra page: keywords, literal themes, contacts, distributions, dates', async () => {
    const { record } = await one('data-gouv-fr/hydra-paged-collection-page-1.jsonld', 'http://data.test.org/datasets/1');
    expect(record.identifier).toBe('1');
    expect(record.title).toBe('Dataset 1');
    expect(record.abstract).toBe('Dataset 1 description');
    expect(record.edition).toBe('1.0');
    expect(record.dates).toEqual([
      { date: '2016-12-14T18:59:02.737480', type: 'publication' },
      { date: '2016-12-14T19:01:24.184120', type: 'revision' },
    ]);
    expect(record.keywords).toEqual([
      { keywords: [{ text: 'Tag 1' }, { text: 'Tag 2' }, { text: 'Tag 3' }, { text: 'Tag 4' }] },
      { keywords: [{ text: 'Theme 1' }, { text: 'Theme 2' }], type: 'theme' },
    ]);
    expect(record.resourceContacts).toEqual([
      { role: 'pointOfContact', organisationName: 'Organization contact', emails: ['hello@its.me'] },
      { role: 'publisher', organisationName: 'An Organization' },
    ]);
    expect(record.onlineResources).toEqual([
      { url: 'http://data.test.org/datasets/1/resources/1/file.json', name: 'Resource 1-1', description: 'A JSON resource', function: 'download' },
      { url: 'http://data.test.org/datasets/1', function: 'information' },
    ]);
    expect(record.distributionFormats).toEqual([{ name: 'JSON' }]);
  });

  it('udata blank-node catalogue: GeoJSON and WKT bboxes, bad geometries reported, licence recognised', async () => {
    const two = await one('udata-harvest/bnodes.xml', 'http://harvest.test/dataset-2');
    expect(two.record.bboxes).toEqual([
      { west: -6, east: 10, south: 40, north: 51 },
      { west: 4, east: 4, south: 45, north: 46 },
    ]);
    expect(two.issues).toContainEqual(expect.objectContaining({ path: 'http://harvest.test/dataset-2/dct:spatial[1]', message: expect.stringMatching(/out of WGS 84 range.*212/) }));
    expect(two.record.referenceSystems).toEqual([{ code: 'EPSG:2154', codeSpace: 'EPSG' }]);
    const three = await one('udata-harvest/bnodes.xml', 'http://harvest.test/dataset-3');
    expect(three.record.licence?.id).toBe('etalab-2.0');
    expect(three.record.geographicDescriptions).toEqual(['http://wuEurope.com/']);
    expect(three.issues[0].message).toMatch(/GeoJSON unreadable/);
    // The blank-node dataset: identified by dct:identifier; issue paths walk from the record resource.
    const blank = await one('udata-harvest/bnodes.xml', '1');
    expect(blank.record.identifier).toBe('1');
    expect(blank.issues).toEqual([{ severity: 'warning', path: '_:record/dct:spatial[1]', message: 'geometry dropped: not a WKT geometry: "wrong wkt"' }]);
    expect(blank.record.temporalExtents).toEqual([{ start: '2016-01-01T00:00:00', end: '2016-12-05T00:00:00' }]);
    expect(blank.record.keywords[1]).toEqual({ keywords: [{ text: 'Répartition des espèces' }], type: 'theme', thesaurus: { title: 'GEMET - INSPIRE themes, version 1.0' } });
  });

  it('GeoNetwork record with a broken dataset IRI: repaired, CRS84 WKT bbox, INSPIRE and GEMET anchors, "start / end" period', async () => {
    const mapped = await mapFile('udata-harvest/geonetwork-dcat-record.xml');
    expect(mapped).toHaveLength(1);
    const { record } = mapped[0].result;
    expect(mapped[0].nativeId).toBe('https://sig.oreme.org/geonetwork/srv/resources/datasets/0c456d2d-9548-4a2a-94ef-231d9d890ce2%20https://sig.oreme.org/geonetwork/srv/resources0c456d2d-9548-4a2a-94ef-231d9d890ce2');
    expect(record.bboxes).toEqual([{ west: 3.98197778, east: 4.00346389, south: 44.05310833, north: 44.11806389 }]);
    expect(record.temporalExtents).toEqual([{ start: '2004-11-03T00:00:00+01:00', end: '2005-03-30T00:00:00+02:00' }]);
    const inspire = record.keywords.find((g) => g.thesaurus?.href === 'http://inspire.ec.europa.eu/theme');
    expect(inspire?.keywords.map((k) => k.href)).toEqual(['http://inspire.ec.europa.eu/theme/ef', 'http://inspire.ec.europa.eu/theme/hb']);
    expect(record.keywords.find((g) => g.thesaurus?.title === 'GEMET')?.keywords).toHaveLength(6);
    expect(record.resourceLanguages).toEqual(['eng']);
    expect(record.graphicOverviews).toEqual([{ url: 'https://data.oreme.org/assets/images/carnoules-medium.jpg' }]);
  });

  it('Sextant resource typed Dataset and DatasetSeries is a series, in French', async () => {
    const { record } = await one('udata-harvest/sextant-dataset-series.rdf.xml', 'https://sextant.ifremer.fr/geonetwork/srv/api/records/fc663284-e599-427e-9da6-9fe9519170f3#resource');
    expect(record.hierarchyLevel).toBe('series');
    expect(record.identifier).toBe('FR-33071536800297-ATLAS_DCE_ARTOIS_PICARDIE_ETATGLOBAL');
    expect(record.title).toBe('DCE – Bassin Artois-Picardie - Etat global');
    expect(record.bboxes).toEqual([{ west: 1.4, east: 2.36, south: 50, north: 51.1 }]);
    expect(record.resourceLanguages).toEqual(['fre']);
    expect(record.onlineResources).toContainEqual({ url: 'https://sextant.ifremer.fr/services/wms/dce_ap', protocol: 'OGC:WMS', name: 'ATLAS_DCE_ARTOIS_PICARDIE_ME_QUALITE_ETAT_GLOBAL_2010_2015' });
  });

  it('multilingual Turtle: main text in English (no French), Catalan and Spanish as translations', async () => {
    const { record } = await one('ckanext-dcat/dataset_multilingual.ttl', 'https://example.org/dataset/0112cf32-bce0-4071-9504-923375f9f2ad');
    expect(record.title).toBe('Test DCAT dataset');
    expect(record.translations.title).toEqual({ cat: 'Conjunt de dades de prova DCAT', spa: 'Conjunto de datos de prueba DCAT' });
    expect(record.metadataLanguage).toBe('eng');
    expect(record.resourceLanguages).toEqual(['cat', 'eng', 'spa']);
    expect(record.lineage).toBe('Statement about provenance');
  });

  it('GeoDCAT-AP data service: service record with endpoints', async () => {
    const { record } = await one('geodcat-ap/geodcat-ap-2.0.0-data-service.ttl', 'https://some.catalogue/resource/eea_v_4326_250_k_wise-eionet-monitoring-sites_service');
    expect(record.hierarchyLevel).toBe('service');
    expect(record.service?.operations[0].urls.length).toBeGreaterThan(0);
  });

  it('SEMIC network-service output: blank-node service identified by its catalogue record, metadata date and contact', async () => {
    const [m] = await mapFile('iso19139-to-geodcat-ap/network-service/expected_output.ttl');
    expect(m.nativeId).toBe('123e4567-e89b-12d3-a456-426655440123');
    expect(m.result.record.identifier).toBe('123e4567-e89b-12d3-a456-426655440123');
    expect(m.result.record.hierarchyLevel).toBe('service');
    expect(m.result.record.metadataDate).toBe('2019-05-15T09:00:00');
    expect(m.result.record.metadataContacts[0]).toMatchObject({ organisationName: 'MyOrganisation', emails: ['info@my-organisation.eu'] });
    expect(m.result.record.bboxes).toEqual([{ west: 14.18, east: 14.58, south: 35.81, north: 36.08 }]);
  });

  it('GeoNetwork GeoDCAT-AP CSW record: French record, catalogue record date, EU language IRI', async () => {
    const [bytes] = cswDcatRecords(path.join(sharedFixtures, 'csw', 'getrecords-dcat', 'geonetwork-geodcatap-page-1.xml'));
    const { record } = mapDocument({ bytes, mediaType: 'application/xml', url: BASE, fetchedAt: '' });
    expect(record.identifier).toBe('https://www.geo2france.fr/insee/partmenage5ans');
    expect(record.title).toBe('INSEE - Part des ménages présents depuis 5 ans ou plus dans leur logement actuel (2010)');
    expect(record.metadataLanguage).toBe('fre');
    expect(record.metadataDate).toBe('2021-01-25T14:54:30');
    expect(record.dates).toContainEqual({ date: '2020-09-22', type: 'publication' });
  });
});

suite('DCAT-AP mapping: refusals', () => {
  it('never fetches a remote JSON-LD context (ArcGIS Hub DCAT-US)', async () => {
    const err = await parseRdf(readFileSync(dcat('udata-harvest/evian-arcgis-hub-dcat-us.json')), 'json-ld', BASE).catch((e) => e);
    expect(err).toBeInstanceOf(RdfError);
    expect(err.message).toMatch(/remote JSON-LD context https:\/\/project-open-data\.cio\.gov\/v1\.1\/schema\/catalog\.jsonld is not fetched/);
  });

  it('rejects the Turtle syntax error fixture with a MappingError', () => {
    const bytes = readFileSync(path.join(sharedFixtures, 'bad', 'dcat-ap-dataset-turtle-syntax-error.ttl'));
    expect(() => readDcatAp({ bytes, mediaType: 'text/turtle', url: BASE, fetchedAt: '' })).toThrow(MappingError);
    expect(() => readDcatAp({ bytes, mediaType: 'text/turtle', url: BASE, fetchedAt: '' })).toThrow(/Turtle syntax error/);
  });

  it('refuses RDF/XML that declares entities (XXE) before reading a triple', () => {
    // Synthetic: no captured DCAT document carries a DTD; this is the classic XXE shape.
    const xxe = Buffer.from('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="http://a">&x;</rdf:Description></rdf:RDF>');
    expect(() => parseRdfSyncOf(xxe)).toThrow(/RDF\/XML is not acceptable XML/);
  });

  it('reads WKT with an EPSG:4326 CRS latitude first, and refuses other CRSs', () => {
    expect(bboxOfLiteral('<http://www.opengis.net/def/crs/EPSG/0/4326> POINT(45 5)', 'http://www.opengis.net/ont/geosparql#wktLiteral')).toEqual({ bbox: { west: 5, east: 5, south: 45, north: 45 } });
    expect(bboxOfLiteral('<http://www.opengis.net/def/crs/EPSG/0/2154> POINT(650000 6860000)', '')).toEqual({ error: expect.stringMatching(/not WGS 84/) });
  });
});

function parseRdfSyncOf(bytes: Buffer): unknown {
  return readDcatAp({ bytes, mediaType: 'application/rdf+xml', url: BASE, fetchedAt: '' });
}
