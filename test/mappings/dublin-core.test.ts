import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDublinCore } from '../../mappings/dublin-core.ts';
import { mapDocument } from '../../mappings/index.ts';
import { MappingError, type MappingResult, type RawDocument } from '../../mappings/types.ts';
import { elements, first, parseXml, serializeElement } from '../../mappings/xml/index.ts';
import { validate } from '../../src/schemas.ts';
import { sharedFixtures } from '../helpers/xmllint.ts';

const CSW = 'http://www.opengis.net/cat/csw/2.0.2';
const DC_PAGES = path.join(sharedFixtures, 'csw', 'getrecords-dc');
const BY_ID = path.join(sharedFixtures, 'csw', 'getrecordbyid');
/** GéoPicardie's GeoNetwork endpoint, as the harvester would give it in RawDocument.url. */
const GEOPICARDIE = 'http://www.geopicardie.fr/geonetwork/srv/eng/csw';

function raw(bytes: Buffer, url = 'http://csw.example/csw#x'): RawDocument {
  return { bytes, mediaType: 'application/xml', url, fetchedAt: '2025-01-01T00:00:00Z' };
}

/** Every record of a GetRecords page, standalone, as the harvester yields them. */
function pageRecords(file: string): Buffer[] {
  const root = parseXml(readFileSync(file)).root;
  return elements(first(root, [CSW, 'SearchResults'])!).map((r) => Buffer.from(serializeElement(r)));
}

const pages = readdirSync(DC_PAGES).filter((f) => f.endsWith('.xml'));
const allPageRecords = pages.flatMap((f) => pageRecords(path.join(DC_PAGES, f)).map((bytes, i) => [`${f} #${i + 1}`, bytes] as const));
const byIdFiles = readdirSync(BY_ID).filter((f) => f.includes('-dc'));

function mapped(file: string, index: number, url?: string): MappingResult {
  return readDublinCore(raw(pageRecords(path.join(DC_PAGES, file))[index], url));
}

describe('Dublin Core mapping over every real csw:Record / SummaryRecord / BriefRecord', () => {
  it('finds records in the fixtures', () => {
    expect(allPageRecords.length).toBe(10 + 10 + 2 + 5 + 3 + 1 + 1);
    expect(byIdFiles).toEqual(['brest-getrecordbyid-dc.xml', 'pycsw-getrecordbyid-dc.xml']);
  });

  it.each(allPageRecords)('maps %s through the registry into a schema-valid record', (_name, bytes) => {
    const { record, issues } = mapDocument(raw(bytes, `${GEOPICARDIE}#r`));
    expect(validate('record', record)).toEqual([]);
    expect(record.identifier).toBeTruthy();
    for (const issue of issues) expect(issue.path).toMatch(/^\/csw:(Record|SummaryRecord|BriefRecord)/);
  });

  it.each(byIdFiles)('maps the GetRecordById answer %s (unwrapped by the registry)', (file) => {
    const { record } = mapDocument(raw(readFileSync(path.join(BY_ID, file))));
    expect(validate('record', record)).toEqual([]);
    expect(record.identifier).toBeTruthy();
  });
});

describe('Dublin Core mapping, field by field', () => {
  it('reads a GeoNetwork dataset record: subjects, topic categories, lineage, formats, rights, links', () => {
    const { record, issues } = mapped('geopicardie-getrecords-dc-page1.xml', 1, `${GEOPICARDIE}#67f8c692`);
    expect(record).toMatchObject({
      identifier: '67f8c692-d211-470f-b399-171aaafd80eb',
      hierarchyLevel: 'dataset',
      title: "États quantitatif et chimique 2010-2011 des masses d'eau souterraines - partie picardie du bassin Artois-Picardie",
      resourceLanguages: ['fre'],
      topicCategories: ['environment'],
      distributionFormats: [{ name: 'TAB' }],
      dates: [{ date: '2015-01-22T11:39:26', type: 'publication' }],
    });
    expect(record.abstract).toMatch(/^Cette couche indique les états quantitatif et chimique/);
    expect(record.lineage).toBe("Données provenant de l'état des lieux du SDAGE Artois-Picardie 2016-2021");
    expect(record.keywords).toEqual([{ keywords: [{ text: 'Hydrographie' }] }]);
    expect(record.constraints).toEqual([
      { kind: 'legal', useLimitations: [], accessConstraints: ['otherRestrictions'], useConstraints: [], otherConstraints: [] },
    ]);
    expect(record.onlineResources[0]).toEqual({
      url: 'http://metadata.carmen.developpement-durable.gouv.fr/geosource-27/srv/fre/metadata.show?uuid=67f8c692-d211-470f-b399-171aaafd80eb',
      protocol: 'WWW:LINK-1.0-http--link',
      name: "L'eau et les milieux aquatiques en Picardie",
    });
    // GeoNetwork's relative thumbnail links resolve against the CSW endpoint (…/srv/eng/resources.get?…).
    expect(record.graphicOverviews[0].url).toMatch(/^http:\/\/www\.geopicardie\.fr\/geonetwork\/srv\/eng\/resources\.get\?id=16557&fname=/);
    expect(issues.some((i) => i.message.includes('RGF93 / Lambert-93'))).toBe(true);
  });

  it('reads GeoNetwork boxes as longitude first, swapping its east/west corners, and drops the duplicate', () => {
    const { record, issues } = mapped('geopicardie-getrecords-dc-page1.xml', 1);
    // LowerCorner "4.27 48.67", UpperCorner "1.42 50.53" labelled Lambert-93: degrees, east before west.
    expect(record.bboxes).toEqual([{ west: 1.42, east: 4.27, south: 48.67, north: 50.53 }]);
    expect(issues.filter((i) => i.message.includes('swapped')).length).toBe(2);
    const tri = readDublinCore(raw(pageRecords(path.join(DC_PAGES, 'geopicardie-getrecords-dc-onepage.xml')).find((b) => b.includes('Cartographie_DI_COMPIEGNE'))!));
    // urn:ogc:def:crs:EPSG:6.6:4326 in GeoNetwork's output is still longitude first.
    expect(tri.record.bboxes).toEqual([{ west: 2.63, east: 2.98, south: 49.27, north: 49.5 }]);
    expect(tri.record.hierarchyLevel).toBe('series');
    expect(tri.record.constraints[0].accessConstraints).toEqual(['intellectualPropertyRights', 'copyright']);
  });

  it('reads pycsw EPSG:4326 boxes latitude first and DCMI types', () => {
    const brief = readDublinCore(raw(pageRecords(path.join(DC_PAGES, 'pycsw-getrecords-dc-brief.xml'))[0]));
    expect(brief.record).toMatchObject({
      identifier: 'urn:uuid:94bc9c83-97f6-4b40-9eb8-a8e8787a5c63',
      title: 'Mauris sed neque',
      hierarchyLevel: 'dataset',
      hierarchyLevelName: 'http://purl.org/dc/dcmitype/Dataset',
      bboxes: [{ west: -4.1, east: 0.89, south: 47.59, north: 51.22 }],
    });
    expect(brief.issues).toEqual([]);
    const service = mapped('pycsw-getrecords-dc-full-page1.xml', 1);
    expect(service.record.hierarchyLevel).toBe('service');
    expect(service.record.bboxes).toEqual([{ west: 13.754, east: 17.92, south: 60.042, north: 68.41 }]);
    expect(service.issues.some((i) => i.message === 'dc:title is missing')).toBe(true);
    const text = mapped('pycsw-getrecords-dc-full-page1.xml', 2);
    expect(text.record.hierarchyLevel).toBe('nonGeographicDataset');
    expect(text.record.distributionFormats).toEqual([{ name: 'application/xhtml+xml' }]);
  });

  it('groups subjects by scheme and keeps dct:spatial as a geographic description', () => {
    const scheme = mapped('pycsw-getrecords-dc-full-page1.xml', 3);
    expect(scheme.record.keywords).toEqual([
      { keywords: [{ text: 'Vegetation' }], thesaurus: { title: 'http://www.digest.org/2.1', href: 'http://www.digest.org/2.1' } },
    ]);
    // dc:relation to another record (urn:uuid:…) is not a link.
    expect(scheme.record.onlineResources).toEqual([]);
    expect(mapped('pycsw-getrecords-dc-full-page1.xml', 0).record.geographicDescriptions).toEqual(['GR-22']);
  });

  it('reads the Brest GetRecordById record: trimmed text, dct:modified, links with descriptions', () => {
    const { record, issues } = mapDocument(raw(readFileSync(path.join(BY_ID, 'brest-getrecordbyid-dc.xml'))));
    expect(record.title).toBe('Brest métropole : Courbes de niveau de 50cm en 50cm');
    expect(record.metadataDate).toBe('2011-09-01');
    expect(record.keywords[0].keywords.map((k) => k.text)).toContain('élévations');
    expect(record.keywords[0].keywords.filter((k) => k.text === 'Altitude').length).toBe(1);
    expect(record.topicCategories).toEqual(['elevation']);
    expect(record.onlineResources).toEqual([
      { url: 'https://geo.brest-metropole.fr/arcgis/services/public/GPB_REF/MapServer/WMSServer', protocol: 'OGC:WMS', name: '2',
        description: 'Brest métropole : Courbes de niveau de 50cm en 50cm' },
      { url: 'https://applications002.brest-metropole.fr/VIPDU72/GPB/REF_ALT_CourbesNiveau50cm.zip', protocol: 'WWW:DOWNLOAD-1.0-http--download',
        name: 'REF_ALT_CourbesNiveau50cm', description: 'Brest métropole : Courbes de niveau de 50cm en 50cm' },
    ]);
    expect(record.graphicOverviews).toEqual([
      { url: 'https://applications002.brest-metropole.fr/VIPDU72/INSPIRE/REF_ALT_CourbesNiveau50cm.jpg', description: 'thumbnail', type: 'image/jpeg' },
    ]);
    expect(record.bboxes).toEqual([{ west: -5.0337, east: -4.0685, south: 48.1289, north: 48.8512 }]);
    expect(issues.every((i) => i.severity === 'warning')).toBe(true);
  });

  it('drops relative links when the document URL cannot resolve them', () => {
    const { record, issues } = mapped('geopicardie-getrecords-dc-page1.xml', 1, 'file:///tmp/page.xml');
    expect(record.graphicOverviews).toEqual([]);
    expect(issues.some((i) => /relative link "resources\.get\?id=16557/.test(i.message) && i.path.startsWith('/csw:Record/dc:URI'))).toBe(true);
  });

  it('refuses documents that are not Dublin Core records, and not-namespace-well-formed ones', () => {
    expect(() => readDublinCore(raw(readFileSync(path.join(DC_PAGES, 'pycsw-getrecords-hits.xml'))))).toThrow(MappingError);
    const undeclared = readFileSync(path.join(sharedFixtures, 'bad', 'csw-record-undeclared-csw-prefix-grandlyon.xml'));
    expect(() => readDublinCore(raw(undeclared))).toThrow(/cannot read Dublin Core record/);
  });
});
