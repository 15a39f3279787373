import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../../harvesters/http.ts';
import { runHarvest } from '../../../src/harvest/run.ts';
import { getOriginal, getRecord, recordId } from '../../../src/store/records.ts';
import { getRunIssues } from '../../../src/store/runs.ts';
import { putSource, type SourceDef } from '../../../src/store/sources.ts';
import { harvestWorkers, startPool } from '../../../src/harvest/workers/index.ts';
import { backends, truncateAll, useStore } from '../../helpers/db.ts';
import { cswSource, fixture, GEONETWORK_IDS, geonetworkPages, GEOPICARDIE_CAPS, GEOPICARDIE_CSW, startCsw, type CswTestServer } from './csw-server.ts';

const http = () => createHttpClient({ ratePerSecond: 1000, concurrency: 4, retries: 0 });
const clock = (iso: string) => () => new Date(iso);

describe.each(backends)('CSW harvests through runHarvest into the store on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let server: CswTestServer | undefined;

  afterEach(async () => {
    expect(server?.unexpected ?? []).toEqual([]);
    await server?.close();
    server = undefined;
  });

  async function source(options: Record<string, unknown>): Promise<SourceDef> {
    const s = cswSource(server!.endpoint, options);
    await putSource(store.db, s);
    return s;
  }

  it('stores the GeoNetwork ISO records, then finds them unchanged on an incremental second run', async () => {
    server = await startCsw(GEOPICARDIE_CAPS, geonetworkPages, GEOPICARDIE_CSW);
    const src = await source({ pageSize: 2 });
    const first = await runHarvest(store.db, src, { http: http(), now: clock('2025-05-01T03:00:00Z') });
    expect(first).toMatchObject({ status: 'succeeded', complete: true, incremental: false });
    expect(first.counts).toMatchObject({ seen: 6, new: 6, changed: 0, unchanged: 0, failed: 0 });
    const stored = await getRecord(store.db, recordId(src.id, GEONETWORK_IDS[2]));
    expect(stored).toMatchObject({ nativeId: GEONETWORK_IDS[2], mediaType: 'application/xml' });
    expect(stored!.record.provenance).toMatchObject({ sourceId: src.id, url: `${server.endpoint}#${GEONETWORK_IDS[2]}` });
    const original = await getOriginal(store.db, recordId(src.id, GEONETWORK_IDS[2]));
    expect(original!.bytes.toString()).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<gmd:MD_Metadata /);

    const second = await runHarvest(store.db, src, { http: http(), now: clock('2025-05-02T03:00:00Z') });
    // The last complete run makes the second one incremental: the server got the Modified filter (and ignored it).
    expect(second).toMatchObject({ status: 'succeeded', complete: false, incremental: true });
    expect(second.counts).toMatchObject({ seen: 6, new: 0, changed: 0, unchanged: 6, failed: 0 });
    const lastBody = server.pages().at(-1)!.req.body;
    expect(lastBody).toContain('<ogc:PropertyName>apiso:Modified</ogc:PropertyName><ogc:Literal>2025-04-30</ogc:Literal>');
  });

  /** pycsw's Dublin Core pages, whose record at position 6 always fails; `failures` counts its requests. */
  async function dublinCoreServer(): Promise<{ failures: number }> {
    const seen = { failures: 0 };
    server = await startCsw('getcapabilities/pycsw-capabilities.xml', (ask) => {
      if (ask.start === 1) return fixture('getrecords-dc/pycsw-getrecords-dc-full-page1.xml');
      if (ask.start === 6) {
        seen.failures++;
        return { status: 503 };
      }
      return fixture('getrecords-dc/pycsw-getrecords-dc-last-page.xml');
    });
    return seen;
  }

  it('stores Dublin Core records with their mapping warnings as report lines, and reports a skipped record', async () => {
    const seen = await dublinCoreServer();
    const src = await source({ pageSize: 5 });
    const report = await runHarvest(store.db, src, { http: http(), now: clock('2025-05-01T03:00:00Z') });
    expect(seen.failures).toBe(3); // asked with 5, 2, then 1 record per page; position 6 is then skipped
    expect(report).toMatchObject({ status: 'succeeded', complete: false });
    expect(report.counts).toMatchObject({ new: 8, failed: 1 });
    const stored = await getRecord(store.db, recordId(src.id, 'urn:uuid:1ef30a8b-876d-4828-9246-c37ab4510bbd'));
    expect(stored!.record).toMatchObject({ hierarchyLevel: 'service', bboxes: [{ west: 13.754, east: 17.92, south: 60.042, north: 68.41 }] });
    const issues = await getRunIssues(store.db, report.runId!);
    expect(issues).toEqual(expect.arrayContaining([
      expect.objectContaining({ nativeId: 'urn:uuid:1ef30a8b-876d-4828-9246-c37ab4510bbd', severity: 'warning', path: '/csw:Record', message: 'dc:title is missing' }),
      expect.objectContaining({ severity: 'error', message: expect.stringMatching(/^GetRecords record at startPosition 6 skipped: .*HTTP 503/) }),
      expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/^listing incomplete: record at startPosition 6 skipped/) }),
    ]));
  });

  /** A first harvest's report (but its times and run id) and records (but their fetch time), endpoint elided. */
  async function firstHarvest(options: Record<string, unknown>, mapping: 'workers' | 'thread'): Promise<unknown> {
    await truncateAll(store.db);
    // A loaded pool: every record goes to a worker thread (none mapped here while a thread loads).
    if (mapping === 'workers') await startPool(harvestWorkers());
    const src = await source(options);
    const { runId: _r, startedAt: _s, finishedAt: _f, durationMs: _d, ...report } = await runHarvest(store.db, src, { http: http(), mapping });
    const rows = await store.db.query<{ record: { provenance: { harvestedAt?: string } } }>(
      'SELECT id, content_hash, record, original FROM records ORDER BY id');
    for (const r of rows.rows) delete r.record.provenance.harvestedAt;
    return JSON.parse(JSON.stringify({ report, records: rows.rows }).replaceAll(server!.endpoint, 'ENDPOINT'));
  }

  it.each([
    // ISO pages, whose record trees the page split builds when mapping in this thread.
    ['GeoNetwork ISO pages', async (): Promise<void> => void (server = await startCsw(GEOPICARDIE_CAPS, geonetworkPages, GEOPICARDIE_CSW)), 2, 6],
    // Dublin Core pages whose skipped record puts the harvester's warnings between documents.
    ['pycsw Dublin Core pages', dublinCoreServer, 5, 8],
  ] as const)('gives the same report, line for line, and records over %s, mapping in worker threads or in this thread', async (_name, start, pageSize, stored) => {
    await start();
    const inWorkers = await firstHarvest({ pageSize }, 'workers');
    const inThread = await firstHarvest({ pageSize }, 'thread');
    expect(inThread).toEqual(inWorkers);
    expect((inWorkers as { records: unknown[] }).records).toHaveLength(stored);
  });
});
