import { afterEach, describe, expect, it } from 'vitest';
import { createCswHarvester } from '../../../harvesters/csw/index.ts';
import { parseXml, select, textOf } from '../../../mappings/xml/index.ts';
import { collect, context, cswSource, fixture, geonetworkPages, GEOPICARDIE_CAPS, GEOPICARDIE_CSW, startCsw, type CswTestServer } from './csw-server.ts';

const harvester = createCswHarvester();
const OGC = 'http://www.opengis.net/ogc';
const CSW = 'http://www.opengis.net/cat/csw/2.0.2';
const SINCE = new Date('2024-03-10T02:00:00Z');

let server: CswTestServer | undefined;
afterEach(async () => {
  expect(server?.unexpected ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

/** The ogc:Filter of a POST GetRecords body, parsed (the body must be well-formed XML). */
function filterOf(body: string) {
  const root = parseXml(body).root;
  return select(root, [CSW, 'Query'], [CSW, 'Constraint'], [OGC, 'Filter'])[0];
}

describe('CSW harvester: incremental harvests and source constraints', () => {
  it('asks GeoNetwork only for records modified since the last complete run, minus a day', async () => {
    server = await startCsw(GEOPICARDIE_CAPS, geonetworkPages, GEOPICARDIE_CSW);
    const ctx = context({ since: SINCE });
    await collect(harvester.harvest(cswSource(server.endpoint, { pageSize: 2 }), ctx));
    expect(ctx.incremental).toBe(true);
    for (const page of server.pages()) {
      const op = select(filterOf(page.req.body), [OGC, 'PropertyIsGreaterThanOrEqualTo'])[0];
      expect(textOf(select(op, [OGC, 'PropertyName'])[0])).toBe('apiso:Modified');
      expect(textOf(select(op, [OGC, 'Literal'])[0])).toBe('2024-03-09');
    }
  });

  it('filters a Dublin Core server on dct:modified', async () => {
    server = await startCsw('getcapabilities/pycsw-capabilities.xml', () => fixture('getrecords-dc/pycsw-getrecords-dc-summary.xml'));
    const ctx = context({ since: SINCE });
    await collect(harvester.harvest(cswSource(server.endpoint), ctx));
    expect(ctx.incremental).toBe(true);
    expect(server.pages()[0].req.body).toContain('<ogc:PropertyName>dct:modified</ogc:PropertyName><ogc:Literal>2024-03-09</ogc:Literal>');
  });

  it('lists everything when the capabilities do not say the server can filter on the modification date', async () => {
    // pycsw's sections-limited capabilities: no OperationsMetadata, no queryables, no Filter_Capabilities.
    server = await startCsw('getcapabilities/pycsw-capabilities-sections.xml', () => fixture('getrecords-iso/pycsw-apiso-getrecords-all.xml'));
    const ctx = context({ since: SINCE });
    const docs = await collect(harvester.harvest(cswSource(server.endpoint, { pageSize: 5 }), ctx));
    expect(docs.length).toBe(5);
    expect(ctx.incremental).toBeUndefined();
    expect(server.pages()[0].req.body).not.toContain('Modified');
    // This server answers the same page whatever the startPosition: repeats are yielded once, and counted.
    expect(server.pages().map((p) => p.start)).toEqual([1, 6, 11, 16]);
    expect(ctx.warnings.map((w) => w.message)).toContain('15 records repeated by later pages were yielded once');
    expect(ctx.reasons).toEqual(['listed 5 distinct records but the server matched 18']);
  });

  it('ANDs an OGC Filter constraint with the incremental clause', async () => {
    server = await startCsw(GEOPICARDIE_CAPS, geonetworkPages, GEOPICARDIE_CSW);
    const constraint = '<ogc:PropertyIsEqualTo><ogc:PropertyName>apiso:Type</ogc:PropertyName><ogc:Literal>dataset</ogc:Literal></ogc:PropertyIsEqualTo>';
    await collect(harvester.harvest(cswSource(server.endpoint, { pageSize: 2, constraint }), context({ since: SINCE })));
    const and = select(filterOf(server.pages()[0].req.body), [OGC, 'And'])[0];
    expect(and.children.filter((c) => typeof c !== 'string').map((c) => (c as { local: string }).local))
      .toEqual(['PropertyIsGreaterThanOrEqualTo', 'PropertyIsEqualTo']);
  });

  it('sends a CQL constraint as csw:CqlText, the incremental clause ANDed in CQL', async () => {
    server = await startCsw(GEOPICARDIE_CAPS, geonetworkPages, GEOPICARDIE_CSW);
    const ctx = context({ since: SINCE });
    await collect(harvester.harvest(cswSource(server.endpoint, { pageSize: 2, constraint: "apiso:Type = 'dataset'" }), ctx));
    expect(ctx.incremental).toBe(true);
    const root = parseXml(server.pages()[0].req.body).root;
    expect(textOf(select(root, [CSW, 'Query'], [CSW, 'Constraint'], [CSW, 'CqlText'])[0])).toBe("(apiso:Type = 'dataset') AND apiso:Modified >= '2024-03-09'");
  });

  it('without since, sends only the source constraint', async () => {
    server = await startCsw(GEOPICARDIE_CAPS, geonetworkPages, GEOPICARDIE_CSW);
    const constraint = '<ogc:Filter xmlns:ogc="http://www.opengis.net/ogc"><ogc:PropertyIsLike wildCard="%" singleChar="_" escapeChar="\\"><ogc:PropertyName>apiso:Subject</ogc:PropertyName><ogc:Literal>%eau%</ogc:Literal></ogc:PropertyIsLike></ogc:Filter>';
    const ctx = context();
    await collect(harvester.harvest(cswSource(server.endpoint, { pageSize: 2, constraint }), ctx));
    expect(ctx.incremental).toBeUndefined();
    const filter = filterOf(server.pages()[0].req.body);
    expect(select(filter, [OGC, 'PropertyIsLike']).length).toBe(1);
    expect(server.pages()[0].req.body).not.toContain('Modified');
  });
});
