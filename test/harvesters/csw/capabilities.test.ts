import { describe, expect, it } from 'vitest';
import { parseCapabilities } from '../../../harvesters/csw/capabilities.ts';
import { endpointOf, planHarvest } from '../../../harvesters/csw/plan.ts';
import { parseXml } from '../../../mappings/xml/index.ts';
import { fixture } from './csw-server.ts';

const caps = (rel: string) => parseCapabilities(parseXml(fixture(`getcapabilities/${rel}`)).root);
const GMD = 'http://www.isotc211.org/2005/gmd';
const DC = 'http://www.opengis.net/cat/csw/2.0.2';

describe('CSW GetCapabilities reading', () => {
  it('reads GéoPicardie GeoNetwork: DCP URLs, ISO output, FILTER and CQL, ISO queryables, comparison operators', () => {
    const c = caps('geopicardie-geonetwork-capabilities.xml');
    expect(c.getRecords).toEqual({ get: 'http://www.geopicardie.fr/geonetwork/srv/eng/csw', post: 'http://www.geopicardie.fr/geonetwork/srv/eng/csw' });
    expect(c.outputSchemas).toEqual([DC, GMD]);
    expect(c.typeNames).toEqual(['csw:Record', 'gmd:MD_Metadata']);
    expect(c.constraintLanguages).toEqual(['FILTER', 'CQL_TEXT']);
    expect(c.isoQueryables).toEqual(expect.arrayContaining(['modified', 'identifier', 'type', 'relation']));
    expect(c.dcQueryables).toEqual([]);
    expect(c.comparisonOperators).toContain('GreaterThanEqualTo');
    expect(c.maxRecordDefault).toBeUndefined();
  });

  it('reads pycsw: Dublin Core queryables, MaxRecordDefault, no ISO output in the default profile', () => {
    const c = caps('pycsw-capabilities.xml');
    expect(c.outputSchemas).toContain(DC);
    expect(c.outputSchemas).not.toContain(GMD);
    expect(c.dcQueryables).toEqual(expect.arrayContaining(['dct:modified', 'dc:identifier']));
    expect(c.maxRecordDefault).toBe(10);
    const iso = caps('pycsw-apiso-inspire-capabilities.xml');
    expect(iso.outputSchemas).toContain(GMD);
    expect(iso.isoQueryables).toEqual(expect.arrayContaining(['modified', 'identifier']));
  });

  it('reads capabilities wrapped in SOAP, and sections-limited ones as saying nothing', () => {
    expect(caps('pycsw-capabilities-soap.xml').outputSchemas).toContain(DC);
    const sections = caps('pycsw-capabilities-sections.xml');
    expect(sections).toMatchObject({ getRecords: {}, outputSchemas: [], isoQueryables: [], constraintLanguages: [] });
  });

  it('refuses a document that is not CSW capabilities', () => {
    expect(() => parseCapabilities(parseXml(fixture('exceptions/pycsw-exception-invalid-request.xml')).root)).toThrow(/not a CSW 2.0.2 capabilities document/);
  });
});

describe('CSW harvest planning', () => {
  const since = new Date('2024-06-02T10:00:00Z');

  it('prefers ISO full records over POST, sorted on apiso:Identifier, incremental on apiso:Modified', () => {
    const plan = planHarvest('https://geo.example/csw', caps('geopicardie-geonetwork-capabilities.xml'), {}, since);
    expect(plan).toMatchObject({
      method: 'POST',
      url: 'http://www.geopicardie.fr/geonetwork/srv/eng/csw',
      pageSize: 100,
      incremental: true,
      query: { outputSchema: GMD, typeNames: 'gmd:MD_Metadata', sortBy: 'apiso:Identifier', modifiedSince: { property: 'apiso:Modified', date: '2024-06-01' } },
    });
  });

  it('falls back to Dublin Core, bounds the page size by MaxRecordDefault, and obeys forced options', () => {
    const pycsw = caps('pycsw-capabilities.xml');
    const plan = planHarvest('http://127.0.0.1:9/csw', pycsw, { pageSize: 50 });
    expect(plan).toMatchObject({ url: 'http://127.0.0.1:9/csw', pageSize: 10, incremental: false, query: { outputSchema: DC, typeNames: 'csw:Record', sortBy: 'dc:identifier' } });
    expect(plan.notes).toEqual(['the server offers no ISO 19139 output: harvesting Dublin Core records', "page size 50 lowered to the server's MaxRecordDefault 10"]);
    const forced = planHarvest('https://h/csw', caps('geopicardie-geonetwork-capabilities.xml'), { outputSchema: DC, sort: false });
    expect(forced.query).toEqual({ outputSchema: DC, typeNames: 'csw:Record' });
    expect(() => planHarvest('https://h/csw', pycsw, { outputSchema: 'urn:nope' })).toThrow(/unsupported outputSchema urn:nope/);
  });

  it('does not filter on a CQL constraint when the server only takes FILTER, nor when Modified is not a queryable', () => {
    const c = { ...caps('geopicardie-geonetwork-capabilities.xml'), constraintLanguages: ['FILTER'] };
    expect(planHarvest('https://h/csw', c, { constraint: { language: 'CQL_TEXT', text: 'x = 1' } }, since).incremental).toBe(false);
    expect(planHarvest('https://h/csw', { ...c, isoQueryables: ['identifier'] }, {}, since).incremental).toBe(false);
  });

  it('uses advertised endpoints unless they name another loopback host; upgrades them to https on the same host', () => {
    expect(endpointOf('http://localhost/pycsw/csw.py?config=x', 'http://127.0.0.1:8000/csw')).toBe('http://127.0.0.1:8000/csw');
    expect(endpointOf('http://localhost:8080/geonetwork/srv/fre/csw', 'https://geo.example/csw')).toBe('https://geo.example/csw');
    expect(endpointOf('http://geo.example/geonetwork/srv/fre/csw', 'https://geo.example/csw')).toBe('https://geo.example/geonetwork/srv/fre/csw');
    expect(endpointOf('https://other.example/csw', 'https://geo.example/csw')).toBe('https://other.example/csw');
    expect(endpointOf('csw-publication', 'https://geo.example/srv/csw')).toBe('https://geo.example/srv/csw-publication');
    expect(endpointOf(undefined, 'https://geo.example/csw')).toBe('https://geo.example/csw');
    expect(endpointOf('ftp://geo.example/csw', 'https://geo.example/csw')).toBe('https://geo.example/csw');
  });
});
