/**
 * The ISO 19139 reader against real documents (../shared/fixtures, see its PROVENANCE.md): every record maps
 * and validates against schemas/record.schema.json; field-by-field checks on a dozen records.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readIso19139, readIso19139Element } from '../../../mappings/iso19139/read.ts';
import type { MappingResult } from '../../../mappings/types.ts';
import { parseXml, select, type XmlElement } from '../../../mappings/xml/index.ts';
import { validate } from '../../../src/schemas.ts';

const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url);
const bytes = (p: string): Buffer => readFileSync(new URL(p, FIXTURES));
const read = (p: string): MappingResult => readIso19139(bytes(p));
const CSW = 'http://www.opengis.net/cat/csw/2.0.2';

/** The records of a CSW GetRecords or GetRecordById answer. */
function cswRecords(p: string): XmlElement[] {
  const root = parseXml(bytes(p)).root;
  return root.local === 'GetRecordByIdResponse' ? select(root, ['*', '*']) : select(root, [CSW, 'SearchResults'], ['*', '*']);
}
const fromCsw = (p: string, i: number): MappingResult => readIso19139Element(cswRecords(p)[i]);
const list = (dir: string, filter: (f: string) => boolean = () => true): string[] =>
  readdirSync(new URL(dir, FIXTURES)).filter((f) => f.endsWith('.xml') && filter(f)).map((f) => `${dir}${f}`);

const standalone = [...list('iso19139/', (f) => f !== 'siglr-malformed.xml'), 'iso19139/siglr-malformed.xml', ...list('iso19139/invalid/')];
const embedded = [...list('csw/getrecords-iso/'), ...list('csw/getrecordbyid/', (f) => f.includes('iso'))];

describe('every fixture record maps and is valid against the record schema', () => {
  it.each(standalone)('%s', (p) => {
    const { record, issues } = read(p);
    expect(validate('record', record)).toEqual([]);
    expect(record.title).not.toBe('');
    for (const issue of issues) expect(issue.path).toMatch(/^\/[a-z]+:[A-Z]/i);
  });

  it.each(embedded)('%s', (p) => {
    const records = cswRecords(p);
    expect(records.length).toBeGreaterThan(0);
    for (const el of records) {
      const { record, issues } = readIso19139Element(el);
      expect(validate('record', record)).toEqual([]);
      expect(record.identifier).toBeTruthy();
      for (const issue of issues) expect(issue.path.startsWith('/gmd:MD_Metadata')).toBe(true);
    }
  });
});

describe('GéoBretagne BANO (geobretagne-bano.xml)', () => {
  const { record, issues } = read('iso19139/geobretagne-bano.xml');

  it('reads the header and the citation', () => {
    expect(issues).toEqual([]);
    expect(record).toMatchObject({
      identifier: '9ffb161b-d8d8-4ec4-bde5-a03104300df8',
      hierarchyLevel: 'dataset',
      metadataLanguage: 'fre',
      metadataCharacterSet: 'utf8',
      metadataDate: '2017-10-27T09:15:21',
      metadataStandard: { name: 'ISO 19115', version: '1.0' },
      title: "Base d'Adresse Nationale Ouverte export Bretagne",
      alternateTitles: ['BANO Bretagne'],
      edition: 'permanente',
      resourceIdentifiers: [{ code: 'fr-openstreetmap-bano-bretagne' }],
      dates: [{ date: '2014-09-15', type: 'publication' }],
      status: ['onGoing'],
      topicCategories: ['imageryBaseMapsEarthCover'],
      resourceLanguages: ['fre'],
      spatialRepresentationTypes: ['vector'],
      spatialResolutions: [{ scaleDenominator: 5000 }],
      referenceSystems: [{ code: 'EPSG:4326', codeSpace: 'EPSG' }],
    });
    expect(record.abstract).toMatch(/^La Base Adresses Nationale Ouverte \(BANO\)/);
  });

  it('reads contacts with address, email and role', () => {
    expect(record.metadataContacts).toEqual([
      {
        role: 'pointOfContact',
        individualName: 'équipe GéoBretagne',
        organisationName: 'partenariat GéoBretagne',
        emails: ['coprev.dreal-bretagne@developpement-durable.gouv.fr'],
        address: { deliveryPoint: ['10 rue Maurice Fabre'], city: 'RENNES', postalCode: '35065', country: 'France' },
      },
    ]);
    // Properties with gco:nilReason and an empty CharacterString are left out, not kept as ''.
    expect(record.resourceContacts[0]).toMatchObject({ role: 'distributor', organisationName: 'OpenStreetMap', address: { country: 'France' } });
  });

  it('reads keywords per block with their thesaurus and its anchor', () => {
    expect(record.keywords).toHaveLength(3);
    expect(record.keywords[1]).toEqual({
      keywords: [{ text: 'Adresses' }],
      type: 'theme',
      thesaurus: {
        title: 'INSPIRE themes',
        date: '2008-06-01',
        dateType: 'publication',
        href: 'http://geobretagne.fr/geonetwork/srv/fre/thesaurus.download?ref=external.theme.inspire-theme',
      },
    });
    expect(record.keywords[2]).toEqual({ keywords: [{ text: 'adresse' }], type: 'theme' });
  });

  it('reads the bbox, constraints, ODbL licence, formats, online resources and overviews', () => {
    expect(record.bboxes).toEqual([{ west: -5.235156248935555, east: -0.9285156245350485, south: 47.18235916750418, north: 49.016365928707785 }]);
    expect(record.constraints[0]).toMatchObject({
      kind: 'legal',
      accessConstraints: ['otherRestrictions'],
      useConstraints: ['license'],
      otherConstraints: [{ text: 'Pas de restriction d’accès public' }],
    });
    expect(record.licence).toEqual({ id: 'odbl-1.0', label: 'Open Database License (ODbL) 1.0', url: 'https://opendatacommons.org/licenses/odbl/1-0/' });
    expect(record.distributionFormats).toEqual([{ name: 'ESRI Shapefile', version: '1.0' }]);
    expect(record.onlineResources).toHaveLength(3);
    expect(record.onlineResources[1]).toEqual({
      url: 'https://geobretagne.fr/geoserver/osm/wms?SERVICE=WMS&REQUEST=GetCapabilities',
      protocol: 'OGC:WMS',
      name: 'bano',
      description: "Base d'Adresse Nationale Ouverte export Bretagne (WMS)",
    });
    expect(record.graphicOverviews[0]).toEqual({
      url: 'http://geobretagne.fr:80/geonetwork/srv/eng/resources.get?uuid=9ffb161b-d8d8-4ec4-bde5-a03104300df8&fname=400px-Plaque-adresse-42_s.png',
      description: 'thumbnail',
      type: 'png',
    });
    expect(record.conformity).toEqual([
      { specification: { title: 'OpenStreetMap', date: '2004-01-01', dateType: 'creation' }, explanation: 'Non Evalué', pass: false },
    ]);
    expect(record.lineage).toMatch(/^BANO est une base de données composite/);
  });
});

describe('GéoBretagne coupled WFS service (geobretagne-service-coupled.xml)', () => {
  const { record } = read('iso19139/geobretagne-service-coupled.xml');

  it('reads a gco:DateTime holding a plain date', () => {
    expect(record.metadataDate).toBe('2015-12-21');
    expect(record.dates).toEqual([{ date: '2015-12-21', type: 'revision' }]);
  });

  it('reads the service identification', () => {
    expect(record.hierarchyLevel).toBe('service');
    expect(record.title).toBe('Service de téléchargement direct (WFS) du CRCBS');
    expect(record.bboxes).toEqual([{ west: -4.59130336259, east: -2.39603299035, south: 47.1821623883, north: 48.4006141523 }]);
    const service = record.service!;
    expect(service).toMatchObject({ type: 'download', typeVersions: ['2.0.0'], couplingType: 'tight' });
    expect(service.operations.map((o) => o.name)).toEqual(['GetCapabilities', 'DescribeFeatureType', 'GetFeature']);
    expect(service.operations[2]).toEqual({
      name: 'GetFeature',
      dcp: ['WebServices'],
      urls: ['http://geobretagne.fr/geoserver/crcbs/wfs?SERVICE=WFS&REQUEST=GetCapabilities&'],
    });
    expect(service.operatesOn).toEqual([
      {
        uuidref: 'e16944c7-8c80-4ac6-85f4-c88958f39094',
        href: 'http://geobretagne.fr/geonetwork/srv/fre/xml_iso19139?uuid=e16944c7-8c80-4ac6-85f4-c88958f39094',
      },
    ]);
    expect(service.coupledResources[2]).toEqual({
      identifier: 'e16944c7-8c80-4ac6-85f4-c88958f39094',
      operationName: 'GetFeature',
      layerName: 'entreprise_conchylicole_crcbs',
    });
    expect(record.keywords[0]).toEqual({
      keywords: [{ text: 'InfoFeatureAccessService' }],
      type: 'theme',
      thesaurus: { title: 'INSPIRE Service taxonomy', date: '2008-12-03', dateType: 'publication' },
    });
  });
});

describe('GéoPicardie urban area (geopicardie-tache-urbaine.xml)', () => {
  const { record } = read('iso19139/geopicardie-tache-urbaine.xml');

  it('keeps all 8 bounding boxes with their exact values', () => {
    expect(record.bboxes).toHaveLength(8);
    expect(record.bboxes[0]).toEqual({ west: 2.48302188904224, east: 2.7161891493348334, south: 49.2426356903796, north: 49.39528872551829 });
    expect(record.bboxes[7]).toEqual({ west: 2.5322820734773956, east: 2.758099339847574, south: 49.31187011715845, north: 49.488305975299824 });
  });

  it('reads place keywords from their thesaurus', () => {
    expect(record.title).toBe('Tâche urbaine - Oise-la-Vallée (1947)');
    expect(record.keywords[0].type).toBe('place');
    expect(record.keywords[0].thesaurus?.title).toBe('EPCI');
    expect(record.keywords[0].keywords).toHaveLength(8);
    expect(record.keywords[2].keywords).toEqual([{ text: 'Occupation des terres' }]);
  });
});

describe('Ifremer multilingual record (ifremer-multilang.xml)', () => {
  const { record, issues } = read('iso19139/ifremer-multilang.xml');

  it('reads PT_FreeText translations keyed by the PT_Locale language', () => {
    expect(record.metadataLanguage).toBe('fre');
    expect(record.locales).toEqual(['eng', 'ita', 'spa']);
    expect(record.title).toBe('EUROSHELL - Sites de production conchylicole');
    expect(record.translations.title).toEqual({
      eng: 'EUROSHELL - Shellfish production areas',
      ita: 'EUROSHELL - aree di molluschicultura',
      spa: 'EUROSHELL- Areas de producción de moluscos',
    });
    expect(record.translations.abstract?.eng).toMatch(/^Shellfish farming areas can have different meanings/);
    expect(record.translations.lineage?.eng).toMatch(/^The data were provided by the professional organisations/);
    expect(record.keywords.flatMap((g) => g.keywords)).toContainEqual({ text: 'Données ouvertes', translations: { eng: 'Open Data' } });
  });

  it('drops the empty gco:Integer and the nil linkages with warnings, not NaN', () => {
    expect(record.spatialResolutions).toEqual([]);
    expect(issues).toContainEqual({
      severity: 'warning',
      path: '/gmd:MD_Metadata/gmd:identificationInfo/gmd:MD_DataIdentification/gmd:spatialResolution/gmd:MD_Resolution/gmd:equivalentScale/gmd:MD_RepresentativeFraction/gmd:denominator/gco:Integer',
      message: 'empty number dropped',
    });
    expect(issues.filter((i) => i.message === 'online resource without linkage URL dropped')).toHaveLength(5);
    expect(record.bboxes).toEqual([{ west: -4.89633, east: 9.53679, south: 41.58419, north: 51.005547 }]);
  });
});

describe('Rennes Métropole addresses (rennes-metropole-referentiel-adresse.xml)', () => {
  const { record, issues } = read('iso19139/rennes-metropole-referentiel-adresse.xml');

  it('keeps thesaurus anchors even when they point to an internal host', () => {
    expect(record.title).toBe('Référentiel voies et adresses de Rennes Métropole (diffusion)');
    expect(record.keywords[0].thesaurus).toEqual({
      title: 'GEMET - INSPIRE themes, version 1.0',
      date: '2008-06-01',
      dateType: 'publication',
      href: 'http://geosource.mutu.local:/geosource/srv/en/thesaurus.download?ref=external.theme.inspire-theme',
    });
    expect(record.referenceSystems.map((r) => r.code)).toEqual(['RGF93 / CC48 (EPSG:3948)', 'RGF93 / Lambert 93 (EPSG:2154)', 'WGS84 (EPSG:4326)']);
  });

  it('recognises ODbL and reports the conformance result without a specification', () => {
    expect(record.licence?.id).toBe('odbl-1.0');
    expect(record.conformity).toEqual([]);
    expect(issues).toEqual([
      {
        severity: 'warning',
        path: '/gmd:MD_Metadata/gmd:dataQualityInfo/gmd:DQ_DataQuality/gmd:report/gmd:DQ_DomainConsistency/gmd:result/gmd:DQ_ConformanceResult',
        message: 'conformance result without specification title dropped',
      },
    ]);
  });
});

describe('OWSLib keywords with anchors (owslib-iso-keywords-anchor.xml)', () => {
  const { record } = read('iso19139/owslib-iso-keywords-anchor.xml');

  it('keeps keyword and thesaurus anchors', () => {
    expect(record.identifier).toBe('ie.marine.data:dataset.1135');
    expect(record.keywords[0].thesaurus).toEqual({
      title: 'AtlantOS Essential Variables',
      href: 'http://vocab.nerc.ac.uk/collection/A05/current/',
      date: '2019-03-29',
      dateType: 'publication',
    });
    expect(record.keywords[0].keywords.slice(0, 2)).toEqual([
      { text: 'Atmospheric pressure', href: 'http://vocab.nerc.ac.uk/collection/A05/current/EV_AIRPRESS/' },
      { text: 'Air temperature', href: 'http://vocab.nerc.ac.uk/collection/A05/current/EV_AIRTEMP/' },
    ]);
  });

  it('reads the GML 3.2 time period, the CRS, conformity and the CC-BY licence', () => {
    expect(record.temporalExtents).toEqual([{ start: '2009-06-14T00:00:00', end: '2009-06-22T23:59:59' }]);
    expect(record.bboxes).toEqual([{ west: -15.148822, east: -8.254568548, south: 49.7991699, north: 54.6287598 }]);
    expect(record.referenceSystems).toEqual([{ code: 'http://www.opengis.net/def/crs/EPSG/0/3857', codeSpace: 'INSPIRE RS registry' }]);
    expect(record.conformity[0].pass).toBe(true);
    expect(record.licence?.id).toBe('cc-by-4.0');
    expect(record.dates).toEqual([
      { date: '2017-11-24', type: 'publication' },
      { date: '2018-11-29', type: 'revision' },
      { date: '2009-06-14', type: 'creation' },
    ]);
  });
});

describe('German INSPIRE download service (owslib-iso19139-srv-de.xml)', () => {
  const { record } = read('iso19139/owslib-iso19139-srv-de.xml');

  it('reads operations and operatesOn with xlink href and title', () => {
    expect(record.identifier).toBe('01ef8e6a-df59-4c2d-8468-79da95046705');
    expect(record.title).toBe('ALKIS®-vereinfacht ohne Eigentümer - Web Feature Service');
    const service = record.service!;
    expect(service.type).toBe('download');
    expect(service.typeVersions).toEqual(['OGC:WFS 2.0']);
    expect(service.operations).toHaveLength(6);
    expect(service.operations[0]).toEqual({ name: 'GetCapabilities', dcp: ['WebServices'], urls: ['https://geoservices.bayern.de/wfs/v1/ogc_alkis_ave.cgi?'] });
    expect(service.operatesOn).toHaveLength(6);
    expect(service.operatesOn[0]).toEqual({
      uuidref: '083f524b-7474-4e05-a937-1bac657f0344',
      href: 'https://registry.gdi-de.org/id/de.by/083f524b-7474-4e05-a937-1bac657f0344',
      title: 'ave:Flurstueck',
    });
    expect(record.bboxes).toEqual([{ west: 8.945096154917964, east: 13.908908586487573, south: 47.24843532655711, north: 50.56420950059199 }]);
  });
});

describe('ISO 19115-2 record (owslib-iso-mi.xml)', () => {
  const { record, issues } = read('iso19139/owslib-iso-mi.xml');

  it('accepts the gmi:MI_Metadata root and reads GML 3.1 time with an indeterminate end', () => {
    expect(issues).toEqual([]);
    expect(record.identifier).toBe('3f342f64-9348-11df-ba6a-0014c2c00eab');
    expect(record.title).toBe('title in English');
    expect(record.translations).toEqual({ title: { fr: 'title in French' }, abstract: { fr: 'abstract in French' } });
    expect(record.temporalExtents).toEqual([{ start: '1950-07-31', end: null, endIndeterminate: 'now' }]);
    expect(record.bboxes).toEqual([{ west: -141, east: -52, south: 42, north: 84 }]);
    expect(record.keywords[1]).toMatchObject({ type: 'theme', thesaurus: { title: 'My Vocabulary', href: 'https://example.org/my-vocab' } });
  });
});

describe('Géoplateforme RPG (csw/getrecords-iso/geoplateforme-iso19139-ignf-rpg.xml)', () => {
  const { record, issues } = fromCsw('csw/getrecords-iso/geoplateforme-iso19139-ignf-rpg.xml', 0);

  it('reads 6 bounding boxes (metropole and overseas) and the temporal extent', () => {
    expect(issues).toEqual([]);
    expect(record.identifier).toBe('IGNF_RPG');
    expect(record.title).toBe('RPG');
    expect(record.bboxes).toEqual([
      { west: -5.15, east: 9.57, south: 41.32, north: 51.1 },
      { west: -63.15, east: -60.99, south: 15.82, north: 18.13 },
      { west: -54.61, east: -51.61, south: 2.1, north: 5.76 },
      { west: -61.24, east: -60.8, south: 14.38, north: 14.89 },
      { west: 45.01, east: 45.31, south: -13.02, north: -12.63 },
      { west: 55.21, east: 55.85, south: -21.4, north: -20.86 },
    ]);
    expect(record.temporalExtents).toEqual([{ start: '2007-01-01', end: '2025-01-01' }]);
    // ISO 3166 alpha-3 codes as published; the Guadeloupe box is coded "WWW" upstream.
    expect(record.geographicDescriptions).toEqual(['FXX', 'WWW', 'GUF', 'MTQ', 'MYT', 'REU']);
  });

  it('keeps anchors on keywords, thesauri, constraints and reference systems', () => {
    expect(record.keywords[1]).toEqual({
      keywords: [{ text: 'National', href: 'http://inspire.ec.europa.eu/metadata-codelist/SpatialScope/national' }],
      thesaurus: { title: 'INSPIRE Spatial Scope', href: 'http://inspire.ec.europa.eu/metadata-codelist/SpatialScope', date: '2019-05-22', dateType: 'publication' },
    });
    expect(record.keywords[0].keywords).toContainEqual({ text: 'Land cover', href: 'http://inspire.ec.europa.eu/theme/lc' });
    expect(record.constraints[2].otherConstraints).toEqual([
      { text: 'Licence Ouverte / Open License (compatible ODC-BY, CC-BY 2.0)', href: 'https://www.etalab.gouv.fr/wp-content/uploads/2018/11/open-licence.pdf' },
    ]);
    expect(record.licence).toEqual({ id: 'etalab-2.0', label: 'Licence Ouverte / Open Licence version 2.0', url: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/' });
    expect(record.referenceSystems[0]).toEqual({ code: 'EPSG:2154', codeSpace: 'urn:ogc:def:crs:IGNF:1.1', href: 'http://www.opengis.net/def/crs/EPSG/0/2154' });
    expect(record.distributionFormats.map((f) => f.name)).toEqual(['GPKG', 'WMTS', 'WMS', 'WFS']);
    expect(record.onlineResources[0]).toEqual({ url: 'https://data.geopf.fr/telechargement/resource/RPG', protocol: 'WWW:DOWNLOAD-1.0-http--download', name: 'RPG' });
  });
});

describe('GeoNetwork FR GetRecords page (csw/getrecords-iso/geonetwork-fr-iso19139-page-3.xml)', () => {
  const { record, issues } = fromCsw('csw/getrecords-iso/geonetwork-fr-iso19139-page-3.xml', 0);

  it('reads the embedded record with paths relative to it', () => {
    expect(record.identifier).toBe('fr-120066022-jdd-585c9cd3-d542-407a-b6a5-885f062b0024');
    expect(record.title).toBe('Table contenant les générateurs surfaciques liés aux servitudes de la catégorie JS1 en Pas-de-Calais');
    expect(record.metadataDate).toBe('2022-06-10T06:08:11.253+02:00');
    expect(record.resourceIdentifiers).toEqual([{ code: '242416db-3527-42f5-b452-7e3a8db6f1fb', codeSpace: 'http://descartes-dev.cete-mediterranee.i2' }]);
    expect(record.licence?.id).toBe('etalab-2.0');
    expect(record.conformity).toEqual([
      { specification: { title: 'Règlement (UE) No 1088/2010', date: '2010-11-23', dateType: 'publication' }, explanation: 'See the referenced specification', pass: null },
    ]);
    expect(record.resourceContacts[0]).toMatchObject({ role: 'owner', phones: ['0321229999'], emails: ['ddtm-mcsig@pas-de-calais.gouv.fr'] });
    expect(record.geographicDescriptions).toEqual(['http://id.insee.fr/geo/departement/62']);
  });

  it('swaps back longitudes given east-first, with a warning at the box', () => {
    expect(record.bboxes).toEqual([{ west: 1.55596375, east: 3.18713903, south: 50.02106857, north: 51.00650406 }]);
    expect(issues).toHaveLength(1);
    expect(issues[0].severity).toBe('warning');
    expect(issues[0].path).toMatch(/^\/gmd:MD_Metadata\/gmd:identificationInfo\/gmd:MD_DataIdentification\/gmd:extent(\[\d\])?\/gmd:EX_Extent\/gmd:geographicElement(\[\d\])?\/gmd:EX_GeographicBoundingBox$/);
    expect(issues[0].message).toMatch(/longitudes swapped/);
  });

  it('reads Licence Ouverte 1.0 on another record of the same harvest', () => {
    const other = fromCsw('csw/getrecords-iso/geonetwork-fr-iso19139-page-1.xml', 1).record;
    expect(other.licence?.id).toBe('etalab-1.0');
  });
});

describe('UK GEMINI service (gemini-service-valid.xml)', () => {
  const { record, issues } = read('iso19139/gemini-service-valid.xml');

  it('reads the view service, its operations and coupled resources', () => {
    expect(issues).toEqual([]);
    expect(record).toMatchObject({ identifier: 'test-record-12', hierarchyLevel: 'service', title: 'Test Record 12 Service Valid', metadataDate: '2012-10-05' });
    expect(record.bboxes).toEqual([{ west: -9.23, east: 2.69, south: 49.84, north: 60.85 }]);
    expect(record.service?.type).toBe('view');
    expect(record.service?.operations.map((o) => o.name)).toEqual(['GetCapabilities', 'GetMap']);
    expect(record.service?.operatesOn[0]).toEqual({ uuidref: 'CEH:EIDC:#1300181654668', href: 'CEH:EIDC:#1300181654668' });
    expect(record.service?.coupledResources[0]).toEqual({ identifier: 'CEH:EIDC:#1300181654668', operationName: 'GetMap' });
    expect(record.keywords[0].thesaurus).toEqual({ title: 'GEMET - INSPIRE themes, version 1.0', date: '2008-06-01', dateType: 'revision' });
  });
});

describe('pycsw service with a misplaced gmd:extent (pycsw-service-3e9a8c05.xml)', () => {
  const { record } = read('iso19139/pycsw-service-3e9a8c05.xml');

  it('reads the bbox from gmd:extent inside SV_ServiceIdentification', () => {
    expect(record).toMatchObject({ identifier: '3e9a8c05', hierarchyLevel: 'service', title: 'test Title', metadataDate: '2011-04-18' });
    expect(record.bboxes).toEqual([{ west: 19.37, east: 29.61, south: 34.8, north: 41.75 }]);
    expect(record.service?.type).toBe('view');
    expect(record.keywords[1]).toEqual({
      keywords: [{ text: 'administration' }],
      thesaurus: { title: 'GEMET Themes, version 2.3', date: '2011-04-18', dateType: 'publication' },
    });
    expect(record.onlineResources).toEqual([{ url: 'http://aiolos.survey.ntua.gr/geoserver/wms' }]);
    expect(record.resourceContacts).toEqual([{ role: 'owner', organisationName: 'NTUA', emails: ['tzotsos@gmail.com'] }]);
  });
});
