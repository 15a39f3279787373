import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCswHarvester } from '../../../harvesters/csw/index.ts';
import { HarvestError } from '../../../harvesters/types.ts';
import { sharedFixtures } from '../../helpers/xmllint.ts';
import {
  collect, context, cswSource, failure, fixture, GEONETWORK_IDS, geonetworkPages, GEOPICARDIE_CAPS, GEOPICARDIE_CSW, startCsw,
  type CswTestServer,
} from './csw-server.ts';

const harvester = createCswHarvester();
const bad = (name: string) => readFileSync(path.join(sharedFixtures, 'bad', name));
const exception = (name: string) => fixture(`exceptions/${name}`);

/** No fixture is an HTML error page: a small synthetic one, as portals serve for a wrong path with status 200. */
const HTML_PAGE = '<!DOCTYPE html>\n<html><head><title>GeoNetwork</title></head><body>Page not found</body></html>';
/** No fixture carries an external entity: a synthetic XXE GetRecords answer (must fail at the DOCTYPE, unread). */
const XXE_PAGE = `<?xml version="1.0"?>
<!DOCTYPE csw:GetRecordsResponse [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"><csw:SearchResults numberOfRecordsMatched="1">&xxe;</csw:SearchResults></csw:GetRecordsResponse>`;

let server: CswTestServer | undefined;
afterEach(async () => {
  expect(server?.unexpected ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

const source = (options: Record<string, unknown> = { pageSize: 2 }) => cswSource(server!.endpoint, options);

describe('CSW harvester: failed pages', () => {
  it('retries a page that fails with 500 with a smaller page size, then goes on at the normal size', async () => {
    server = await startCsw(GEOPICARDIE_CAPS, (ask) => (ask.start === 3 && ask.max > 1 ? { status: 500 } : geonetworkPages(ask)), GEOPICARDIE_CSW);
    const ctx = context();
    const docs = await collect(harvester.harvest(source(), ctx));
    expect(docs.map((d) => d.nativeId)).toEqual(GEONETWORK_IDS);
    expect(server.pages().map((p) => [p.start, p.max])).toEqual([[1, 2], [3, 2], [3, 1], [5, 2]]);
    expect(ctx.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^page at startPosition 3 failed \(.*HTTP 500\): retrying with 1 records per page$/)]);
    expect(ctx.reasons).toEqual([]);
  });

  it('skips records whose page still fails at size 1, reports them, and marks the listing incomplete', async () => {
    server = await startCsw(GEOPICARDIE_CAPS, (ask) => (ask.start === 3 || ask.start === 4 ? { status: 500 } : geonetworkPages(ask)), GEOPICARDIE_CSW);
    const ctx = context();
    const docs = await collect(harvester.harvest(source(), ctx));
    expect(docs.map((d) => d.nativeId)).toEqual([...GEONETWORK_IDS.slice(0, 2), ...GEONETWORK_IDS.slice(4)]);
    expect(server.pages().map((p) => [p.start, p.max])).toEqual([[1, 2], [3, 2], [3, 1], [4, 1], [5, 2]]);
    const skipped = ctx.warnings.filter((w) => w.skipped);
    expect(skipped.map((w) => w.url)).toEqual([`${server.endpoint}#startPosition=3`, `${server.endpoint}#startPosition=4`]);
    expect(ctx.reasons).toEqual([
      expect.stringMatching(/^record at startPosition 3 skipped: .*HTTP 500/),
      expect.stringMatching(/^record at startPosition 4 skipped: .*HTTP 500/),
    ]);
  });

  it('treats an ExceptionReport, a truncated page and an XXE page after the first page as failed pages', async () => {
    const answers: Record<number, Buffer | string> = { 3: exception('pycsw-exception-invalid-request.xml'), 4: bad('iso19139-truncated.xml') };
    server = await startCsw(GEOPICARDIE_CAPS, (ask) => (ask.start === 3 && ask.max === 1 ? XXE_PAGE : answers[ask.start] ?? geonetworkPages(ask)), GEOPICARDIE_CSW);
    const ctx = context();
    const docs = await collect(harvester.harvest(source(), ctx));
    expect(docs.length).toBe(4);
    expect(ctx.reasons.join('\n')).toMatch(/startPosition 3 skipped: .*DOCTYPE declares entities/);
    expect(ctx.reasons.join('\n')).toMatch(/startPosition 4 skipped: .*unreadable XML: XML not well-formed/);
    expect(ctx.warnings[0].message).toMatch(/ExceptionReport InvalidParameterValue \(locator request\): Invalid value for request/);
  });

  it('waits as a 429 Retry-After says, then harvests', async () => {
    let limited = false;
    server = await startCsw(GEOPICARDIE_CAPS, (ask) => {
      if (ask.start === 3 && !limited) {
        limited = true;
        return { status: 429, headers: { 'retry-after': '1' } };
      }
      return geonetworkPages(ask);
    }, GEOPICARDIE_CSW);
    const ctx = context({ retries: 2 });
    const docs = await collect(harvester.harvest(source(), ctx));
    expect(docs.length).toBe(6);
    const [, limitedAsk, retried] = server.pages();
    expect(retried.start).toBe(3);
    expect(retried.req.at - limitedAsk.req.at).toBeGreaterThanOrEqual(900);
    expect(ctx.warnings).toEqual([]);
  });
});

describe('CSW harvester: answers that end the harvest with a clear error', () => {
  it('an ExceptionReport on GetCapabilities', async () => {
    server = await startCsw(exception('pycsw-exception-invalid-request.xml'), geonetworkPages);
    const err = await failure(harvester.harvest(source(), context()));
    expect(err).toBeInstanceOf(HarvestError);
    expect(err.code).toBe('source_unreadable');
    expect(err.message).toMatch(/^CSW GetCapabilities failed: http:\/\/127\.0\.0\.1:\d+\/csw\?SERVICE=CSW&REQUEST=GetCapabilities.* answered an ExceptionReport InvalidParameterValue \(locator request\): Invalid value for request: GetCapabilitiese$/);
    expect(server.pages()).toEqual([]);
  });

  it('an ExceptionReport on the first page, after one attempt without SortBy', async () => {
    server = await startCsw(GEOPICARDIE_CAPS, () => exception('geonetwork-exception-invalid-parameter.xml'), GEOPICARDIE_CSW);
    const ctx = context();
    const err = await failure(harvester.harvest(source(), ctx));
    expect(err).toBeInstanceOf(HarvestError);
    expect(err.message).toMatch(/ExceptionReport InvalidParameterValue \(locator constraintLanguage\): uu$/);
    const [sorted, unsorted] = server.pages();
    expect(sorted.req.body).toContain('ogc:SortBy');
    expect(unsorted.req.body).not.toContain('ogc:SortBy');
    expect(server.pages().length).toBe(2);
    expect(ctx.warnings[0].message).toMatch(/SortBy apiso:Identifier refused/);
  });

  it('an HTML page served with status 200', async () => {
    server = await startCsw({ status: 200, body: HTML_PAGE, headers: { 'content-type': 'text/html; charset=utf-8' } }, geonetworkPages);
    const err = await failure(harvester.harvest(source(), context()));
    expect(err.message).toMatch(/\/csw\?SERVICE=CSW.* answered an HTML page \(HTTP 200, text\/html\), not CSW XML/);
  });

  it('an HTML page on the first page even when labelled XML', async () => {
    server = await startCsw(GEOPICARDIE_CAPS, () => HTML_PAGE, GEOPICARDIE_CSW);
    const err = await failure(harvester.harvest(source(), context()));
    expect(err.message).toMatch(/^CSW GetRecords failed: http:\/\/127\.0\.0\.1:\d+\/csw answered an HTML page \(HTTP 200, application\/xml\)/);
    expect(server.pages().length).toBe(1);
  });

  it('the wrong content type', async () => {
    server = await startCsw({ status: 200, body: '{"error": "use the API"}', headers: { 'content-type': 'application/json' } }, geonetworkPages);
    const err = await failure(harvester.harvest(source(), context()));
    expect(err.message).toMatch(/answered application\/json, not XML/);
  });

  it('truncated capabilities', async () => {
    server = await startCsw(bad('csw-capabilities-truncated.xml'), geonetworkPages);
    const err = await failure(harvester.harvest(source(), context()));
    expect(err.message).toMatch(/answered unreadable XML: XML not well-formed: .*line \d+/);
  });

  it('an XXE document, refused without reading the entity', async () => {
    server = await startCsw(Buffer.from(XXE_PAGE.replace(/GetRecordsResponse/g, 'Capabilities')), geonetworkPages);
    const err = await failure(harvester.harvest(source(), context()));
    expect(err.message).toMatch(/DOCTYPE declares entities: entity declarations are refused/);
    expect(err.message).not.toContain('root:');
  });

  it('a server that answers 404', async () => {
    server = await startCsw({ status: 404, body: 'Not Found' }, geonetworkPages);
    const err = await failure(harvester.harvest(source(), context()));
    expect(err).toMatchObject({ code: 'source_not_found' });
    expect(err.message).toMatch(/answered HTTP 404/);
  });

  it('a constraint that is not a well-formed filter, before any request', async () => {
    server = await startCsw(GEOPICARDIE_CAPS, geonetworkPages, GEOPICARDIE_CSW);
    const err = await failure(harvester.harvest(source({ constraint: '<ogc:PropertyIsEqualTo><ogc:PropertyName>x' }), context()));
    expect(err).toMatchObject({ code: 'invalid_source' });
    expect(err.message).toMatch(/options\.constraint: constraint is not a well-formed OGC Filter fragment/);
    expect(server.requests).toEqual([]);
  });
});
