import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapDocument } from '../../mappings/index.ts';
import { MAX_LISTED_BBOXES, recordIdInUrl, serviceBoxes } from '../../mappings/ogc-capabilities/index.ts';
import { MappingError, type MappingResult } from '../../mappings/types.ts';
import { validate } from '../../src/schemas.ts';
import { sharedFixtures } from '../helpers/xmllint.ts';

const OWS = path.join(sharedFixtures, 'ows');
const BOGUS_BOM = path.join(sharedFixtures, 'bad', 'wms-1.3.0-bogus-utf16-bom-mesonet.xml');

function fixture(rel: string): Buffer {
  return readFileSync(path.join(OWS, rel));
}

/** Maps a capabilities fixture as if fetched from `url` (the harvester's GetCapabilities URL). */
function map(rel: string, url = 'https://example.org/ows?SERVICE=WMS&REQUEST=GetCapabilities'): MappingResult {
  const bytes = rel.startsWith('/') ? readFileSync(rel) : fixture(rel);
  return mapDocument({ nativeId: url, bytes, mediaType: 'application/xml', url, fetchedAt: '2025-03-01T10:00:00Z' });
}

const ALL = ['wms', 'wmts', 'wfs'].flatMap((dir) => readdirSync(path.join(OWS, dir)).map((f) => `${dir}/${f}`));

describe('OGC capabilities -> one service record', () => {
  it.each([...ALL, BOGUS_BOM])('%s maps without throwing to a schema-valid service record', (rel) => {
    const { record } = map(rel);
    expect(validate('record', record)).toEqual([]);
    expect(record.hierarchyLevel).toBe('service');
    expect(record.title).not.toBe('');
    expect(record.service!.coupledResources.length).toBeGreaterThan(0);
  });

  it('WMS 1.3.0 (BRGM): service section, named layers, bboxes, DCP URLs, operatesOn from TC211 MetadataURLs', () => {
    const { record, issues } = map('wms/brgm-wms-1.3.0.xml', 'https://geoservices.brgm.fr/geologie?language=fre&SERVICE=WMS&REQUEST=GetCapabilities');
    expect(issues).toEqual([]);
    expect(record.title).toBe('GéoServices : géologie, hydrogéologie et gravimétrie');
    expect(record.identifier).toBe('https://geoservices.brgm.fr/geologie?language=fre&SERVICE=WMS&REQUEST=GetCapabilities');
    expect(record.service).toMatchObject({ type: 'view', typeVersions: ['1.3.0'], couplingType: 'tight' });
    const layers = record.service!.coupledResources;
    expect(layers.map((c) => c.layerName)).toEqual(['GEOSERVICES_GEOLOGIE', 'GEOLOGIE', 'SCAN_F_GEOL1M', 'SCAN_F_GEOL250', 'SCAN_D_GEOL50', 'INHERIT_SCALE', 'INHERIT_BBOX']);
    expect(layers[2]).toEqual({ operationName: 'GetMap', identifier: 'BR_CAR_ADA', layerName: 'SCAN_F_GEOL1M' });
    expect(record.bboxes).toContainEqual({ west: -5.86764, east: 11.0789, south: 41.1701, north: 51.1419 });
    expect(record.bboxes).toContainEqual({ west: -180, east: 180, south: -90, north: 90 });
    const getMap = record.service!.operations.find((o) => o.name === 'GetMap')!;
    expect(getMap).toEqual({ name: 'GetMap', dcp: ['HTTPGet', 'HTTPPost'], urls: ['http://geoservices.brgm.fr/geologie?language=fre&'] });
    expect(record.service!.operatesOn.map((o) => o.uuidref)).toEqual(['BR_CAR_ADA', 'BR_CAR_ACA', '72cc8d40-1bb6-41a3-8376-9734f23336ff']);
    expect(record.service!.operatesOn[0].href).toMatch(/^http:\/\/www\.geocatalogue\.fr\/api-public\/servicesRest\?.*id=BR_CAR_ADA/);
    expect(record.metadataLanguage).toBe('fre');
    expect(record.resourceContacts[0]).toMatchObject({ individualName: 'Support BRGM', organisationName: 'BRGM', address: { city: 'Orléans', postalCode: '45060' } });
    expect(record.constraints.map((c) => c.otherConstraints[0].text)).toEqual(['no conditions apply', 'None']);
    // Layer links go to the URL the capabilities came from, minus the GetCapabilities parameters.
    expect(record.onlineResources).toContainEqual({ url: 'https://geoservices.brgm.fr/geologie?language=fre', protocol: 'OGC:WMS', name: 'SCAN_F_GEOL250', description: 'Carte géologique image de la France au 1/250000' });
    expect(record.onlineResources).toContainEqual(expect.objectContaining({ description: 'INSPIRE service metadata', url: expect.stringContaining('id=3a6fbbd8-e99a-477a-9614-945ce1a21219') }));
  });

  it('WMS 1.1.1 reads the same service in UTF-8, ISO-8859-15 and UTF-16', () => {
    const utf8 = map('wms/brgm-wms-1.1.1.xml').record;
    const latin9 = map('wms/brgm-wms-1.1.1-iso-8859-15.xml').record;
    const utf16 = map('wms/brgm-wms-1.1.1-utf-16.xml').record;
    expect(utf8.service!.typeVersions).toEqual(['1.1.1']);
    expect(utf16.title).toBe('GéoServices : géologie, hydrogéologie et gravimétrie');
    // The ISO-8859-15 copy has a euro sign (0xA4) added to its title: decoded as 8859-15, not latin-1.
    expect(latin9.title).toBe('GéoServices : géologie, hydrogéologie et gravimétrie €');
    expect(utf16.service!.operatesOn).toEqual(latin9.service!.operatesOn);
    expect(utf8.bboxes).toContainEqual({ west: -5.86764, east: 11.0789, south: 41.1701, north: 51.1419 });
    expect(utf8.service!.operatesOn.map((o) => o.uuidref)).toEqual(['BR_CAR_ADA', 'BR_CAR_ACA', '72cc8d40-1bb6-41a3-8376-9734f23336ff']);
  });

  it('WMS 1.3.0 (DOV, GeoServer, INSPIRE): one operatesOn per dataset when a layer links it as XML and HTML', () => {
    const { record } = map('wms/dov-wms-1.3.0-inspire.xml');
    expect(record.title).toBe('DOV View Service');
    expect(record.service!.coupledResources).toEqual([{ operationName: 'GetMap', identifier: '6c39d716-aecc-4fbc-bac8-4f05a49a78d5', layerName: 'meetnetten' }]);
    expect(record.service!.operatesOn).toEqual([{
      uuidref: '6c39d716-aecc-4fbc-bac8-4f05a49a78d5',
      href: expect.stringMatching(/csw\?Service=CSW&Request=GetRecordById.*id=6c39d716/),
      title: 'Grondwatermeetnetten',
    }]);
    expect(record.metadataLanguage).toBe('dut');
    expect(record.bboxes).toHaveLength(1);
    expect(record.bboxes[0].west).toBeCloseTo(2.4986, 4);
    expect(record.bboxes[0].north).toBeCloseTo(52.8196, 4);
  });

  it('WMS 1.3.0 (geo.admin.ch): MetadataURLs without a record id keep their href; layer boxes listed', () => {
    const { record } = map('wms/geoadmin-wms-1.3.0-sample.xml');
    expect(record.title).toBe('WMS BGDI');
    expect(record.service!.coupledResources).toHaveLength(5);
    expect(record.service!.operatesOn[0]).toEqual({ href: 'https://wms.geo.admin.ch/?request=GetMetadata&layer=ch.swisstopo-vd.official-survey', title: 'OpenData-AV' });
    expect(record.bboxes[0]).toEqual({ west: 0.659866, east: 11.514, south: 45.2401, north: 48.7511 });
  });

  it('the OWSLib mesonet copy with a bogus UTF-16 BOM is read, with a warning saying so', () => {
    const { record, issues } = map(BOGUS_BOM);
    expect(record.title).toBe('IEM WMS Service');
    expect(issues).toEqual([{ severity: 'warning', path: '/', message: expect.stringMatching(/byte-order mark/) }]);
    expect(record.bboxes).toEqual([{ west: -126, east: -66, south: 24, north: 50 }]);
  });

  it('WMTS 1.0.0 (IGN): OWS sections, lon/lat WGS84BoundingBox, GetTile layers, fees and access constraints', () => {
    const { record } = map('wmts/ign-wmts.xml', 'https://wxs.ign.fr/geoportail/wmts?SERVICE=WMTS&REQUEST=GetCapabilities');
    expect(record.title).toBe('Service de visualisation WMTS');
    expect(record.service).toMatchObject({ type: 'view', typeVersions: ['1.0.0'], couplingType: 'loose' });
    expect(record.service!.coupledResources).toEqual([{ operationName: 'GetTile', identifier: 'ORTHOIMAGERY.ORTHOPHOTOS', layerName: 'ORTHOIMAGERY.ORTHOPHOTOS' }]);
    expect(record.bboxes).toEqual([{ west: -180, east: 180, south: -86, north: 84 }]);
    expect(record.service!.operations.map((o) => [o.name, o.urls])).toEqual([['GetCapabilities', ['http://wxs.ign.fr/geoportail/wmts?']], ['GetTile', ['http://wxs.ign.fr/geoportail/wmts?']]]);
    expect(record.resourceContacts[0]).toMatchObject({ organisationName: 'IGN', individualName: 'Géoportail SAV' });
    expect(record.keywords[0].keywords).toContainEqual({ text: 'Parcelles cadastrales' });
    expect(record.constraints[1].otherConstraints[0].text).toMatch(/^Conditions Générales d'Utilisation disponibles ici : http:\/\/professionnels\.ign\.fr/);
    expect(record.onlineResources).toContainEqual({ url: 'https://wxs.ign.fr/geoportail/wmts', protocol: 'OGC:WMTS', name: 'ORTHOIMAGERY.ORTHOPHOTOS', description: 'Photographies aériennes' });
  });

  it('WMTS 1.0.0 (swisstopo, 652 layers): layer boxes unioned, ows:Metadata links -> operatesOn with the geocat uuid', () => {
    const { record } = map('wmts/swisstopo-wmts-3857.xml');
    expect(record.service!.coupledResources).toHaveLength(652);
    expect(record.bboxes).toEqual([{ west: 5.140242, east: 11.47757, south: 45.398181, north: 48.230651 }]);
    expect(record.service!.operatesOn[0]).toEqual({
      uuidref: '5188235f-c5c3-4628-9173-055824b65539',
      href: 'https://www.geocat.ch/geonetwork/srv/ger/catalog.search#/metadata/5188235f-c5c3-4628-9173-055824b65539',
      title: 'Wetness potential agricultural land',
    });
    const first = record.service!.coupledResources[0];
    expect(first.identifier).toBe('5188235f-c5c3-4628-9173-055824b65539');
  });

  it('WFS 2.0.0 (Géo2France): download service, feature types, GeoNetwork MetadataURLs -> one operatesOn per record', () => {
    const { record } = map('wfs/geo2france-wfs-2.0.0.xml', 'https://www.geo2france.fr/geoserver/ows?service=WFS&request=GetCapabilities');
    expect(record.title).toBe('Service WFS de Géo2France');
    expect(record.service).toMatchObject({ type: 'download', typeVersions: ['2.0.0'] });
    const types = record.service!.coupledResources;
    expect(types).toHaveLength(8);
    expect(types[0]).toEqual({ operationName: 'GetFeature', identifier: 'facf3747-bc19-44c7-9fd8-1f765d99c059', layerName: 'cr_hdf:domaine_public_hdf_com' });
    expect(record.service!.operatesOn).toHaveLength(4);
    expect(record.service!.operatesOn[0]).toMatchObject({ uuidref: 'facf3747-bc19-44c7-9fd8-1f765d99c059', title: 'Domaine public' });
    expect(record.bboxes[0]).toEqual({ west: 1.3472171890368316, east: 4.285589467078578, south: 48.82764887581316, north: 51.0896786738123 });
    const getFeature = record.service!.operations.find((o) => o.name === 'GetFeature')!;
    expect(getFeature.urls).toEqual(['https://www.geo2france.fr/geoserver/cr_hdf/wfs']);
    expect(record.onlineResources).toContainEqual({ url: 'https://www.geo2france.fr/geoserver/ows', protocol: 'OGC:WFS', name: 'cr_hdf:arel', description: 'Données AREL' });
  });

  it('WFS 2.0.0 (Köln ArcGIS): 86 feature types; layer links go to the URL harvested, not to hosts the document names', () => {
    const { record } = map('wfs/koeln-arcgis-wfs-2.0.0.xml', 'https://geoportal.stadt-koeln.de/arcgis/services/WFS/MapServer/WFSServer?service=WFS&request=GetCapabilities');
    expect(record.service!.coupledResources).toHaveLength(86);
    expect(record.service!.coupledResources[1].layerName).toBe('adressen_stadtteil:Altstadt_Süd');
    expect(record.bboxes).toEqual([{ west: 6.80534263, east: 7.13337013, south: 50.83164204, north: 51.08846294 }]);
    const layerLinks = record.onlineResources.filter((r) => r.name);
    expect(new Set(layerLinks.map((r) => r.url))).toEqual(new Set(['https://geoportal.stadt-koeln.de/arcgis/services/WFS/MapServer/WFSServer']));
  });

  it('a truncated capabilities document is a MappingError, not a record', () => {
    // Synthetic fault from a real fixture: the BRGM document cut in half (no fixture shows a truncated WMS).
    const bytes = fixture('wms/brgm-wms-1.3.0.xml');
    const raw = { bytes: bytes.subarray(0, bytes.length / 2), mediaType: 'application/xml', url: 'https://example.org/wms', fetchedAt: '2025-03-01T10:00:00Z' };
    expect(() => mapDocument(raw)).toThrow(MappingError);
    expect(() => mapDocument(raw)).toThrow(/cannot read capabilities document: XML not well-formed/);
  });

  it('an OGC exception report has no mapping (the harvester reports it before mapping)', () => {
    expect(() => map('exceptions/wms-service-exception-1.3.0.xml')).toThrow(/No mapping for XML root \{http:\/\/www\.opengis\.net\/ogc\}ServiceExceptionReport/);
  });
});

describe('capabilities helpers', () => {
  it('recordIdInUrl finds the record id of CSW, GeoNetwork 3 and GeoNetwork 4 links', () => {
    expect(recordIdInUrl('https://x/csw?request=GetRecordById&ID=abc-1&outputSchema=gmd')).toBe('abc-1');
    expect(recordIdInUrl('https://x/geonetwork/srv/fre/catalog.search#/metadata/facf3747')).toBe('facf3747');
    expect(recordIdInUrl('https://x/geonetwork/srv/api/records/facf3747/formatters/xml')).toBe('facf3747');
    expect(recordIdInUrl('https://x/apps/tabsearch/index.html?hl=dut&uuid=6c39')).toBe('6c39');
    expect(recordIdInUrl('https://wms.geo.admin.ch/?request=GetMetadata&layer=ch.x')).toBeUndefined();
    expect(recordIdInUrl('http://xyz.org/metadata/abcISO19139.xml')).toBeUndefined();
    expect(recordIdInUrl('not a url')).toBeUndefined();
  });

  it(`serviceBoxes lists up to ${MAX_LISTED_BBOXES} distinct boxes, then keeps their union`, () => {
    const box = (i: number) => ({ west: i, east: i + 1, south: 40, north: 41 + i / 100 });
    expect(serviceBoxes([box(1), box(1), undefined, box(2)])).toEqual([box(1), box(2)]);
    const many = Array.from({ length: MAX_LISTED_BBOXES + 1 }, (_, i) => box(i));
    expect(serviceBoxes(many)).toEqual([{ west: 0, east: MAX_LISTED_BBOXES + 1, south: 40, north: 41 + MAX_LISTED_BBOXES / 100 }]);
  });
});
