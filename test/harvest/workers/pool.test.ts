import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawDocument } from '../../../mappings/types.ts';
import { mapForStore } from '../../../src/harvest/prepare.ts';
import { closeMappingPool, documentMapper, harvestWorkers, mappedInPool, startPool } from '../../../src/harvest/workers/index.ts';
import { mapInPool } from '../../../src/harvest/workers/pool.ts';
import { cswGetRecordsTask } from '../../../src/harvest/workers/task.ts';

const SHARED = new URL('../../../../shared/fixtures/', import.meta.url);
const source = { id: 'src', url: '/data/catalogue' };

function document(rel: string, mediaType = 'application/xml'): RawDocument {
  return { bytes: readFileSync(new URL(rel, SHARED)), mediaType, url: `file:///data/catalogue/${rel}`, fetchedAt: '2025-05-01T03:00:00.000Z' };
}

const ISO = readdirSync(new URL('iso19139/', SHARED)).filter((f) => f.endsWith('.xml')).map((f) => `iso19139/${f}`);

describe('the mapping worker pool', () => {
  afterAll(() => closeMappingPool());

  it('maps each ISO fixture in a worker thread exactly as this thread does, issues and all', async () => {
    for (const rel of ISO) {
      const raw = document(rel);
      expect(await mapInPool(1, raw, source), rel).toEqual(mapForStore(raw, source));
    }
  });

  it('maps Dublin Core, DCAT and Atom documents there too, keeping the harvester’s native id', async () => {
    const docs = [
      { ...document('bad/csw-record-undeclared-csw-prefix-grandlyon.xml'), nativeId: 'grandlyon-1' },
      document('dcat/geodcat-ap/geodcat-ap-2.0.0-dataset.ttl', 'text/turtle'),
      document('dcat/geodcat-ap/geodcat-ap-2.0.0-dataset.rdf', 'application/rdf+xml'),
      document('atom/inspire-tg-dataset-feed.xml'),
    ];
    for (const raw of docs) expect(await mapInPool(1, raw, source), raw.url).toEqual(mapForStore(raw, source));
  });

  it('gives the report lines of a document that cannot be mapped, never a rejection', async () => {
    const mapped = await mapInPool(1, document('bad/iso19139-truncated.xml'), source);
    expect(mapped).toEqual(mapForStore(document('bad/iso19139-truncated.xml'), source));
    expect(mapped).toMatchObject({ ok: false, lines: [{ severity: 'error', url: 'file:///data/catalogue/bad/iso19139-truncated.xml' }] });
  });

  it('fails the document alone, as a line, when its task fails', async () => {
    // A value that cannot cross to a thread: the task is refused, as a dead thread's would be.
    const raw = { ...document(ISO[0]), nativeId: 'n1', mediaType: (() => 'application/xml') as unknown as string };
    expect(await mapInPool(1, raw, source)).toMatchObject({
      ok: false, lines: [{ nativeId: 'n1', severity: 'error', message: expect.stringMatching(/^mapping worker failed: /) }],
    });
    expect(await mapInPool(1, document(ISO[0]), source)).toMatchObject({ ok: true });
  });
});

describe('a CSW page read where the run maps', () => {
  const page = readFileSync(new URL('csw/getrecords-iso/geonetwork-fr-iso19139-page-1.xml', SHARED));
  const at = { requestUrl: 'http://csw.test/csw?request=GetRecords', fetchedAt: '2025-05-01T03:00:00.000Z', start: 1 };

  it('in this thread, gives each record as bytes with its mapping, as a worker thread does, and keeps no tree', async () => {
    const here = await documentMapper('thread').workers(source)!.cswGetRecords(page, at);
    const there = cswGetRecordsTask({ body: page, at, source });
    expect(here?.records.length).toBeGreaterThan(1);
    expect(here).toEqual(there);
    for (const r of here!.records) {
      expect(r).toMatchObject({ xml: '', prepared: { ok: true } });
      expect(r.root).toBeUndefined();
      expect(Buffer.isBuffer(r.bytes)).toBe(true);
    }
  });

  it('in a worker thread when one is free, else here: the same records either way', async () => {
    await startPool(1);
    const workers = documentMapper('workers', { HARVEST_WORKERS: '1' }).workers(source)!;
    const before = mappedInPool();
    // Two pages at once for one thread: one is read there, the other here.
    const pages = await Promise.all([workers.cswGetRecords(page, at), workers.cswGetRecords(page, at)]);
    const reference = cswGetRecordsTask({ body: page, at, source });
    for (const p of pages) expect(p).toEqual(reference);
    expect(mappedInPool() - before).toBe(reference!.records.length);
    await closeMappingPool();
  });
});

describe('where a run maps its documents', () => {
  it('takes HARVEST_WORKERS threads, 0 meaning this thread, else the cores but two (at least none)', () => {
    expect(harvestWorkers({ HARVEST_WORKERS: '3' })).toBe(3);
    expect(harvestWorkers({ HARVEST_WORKERS: ' 0 ' })).toBe(0);
    expect(harvestWorkers({})).toBe(Math.max(0, availableParallelism() - 2));
    expect(harvestWorkers({ HARVEST_WORKERS: 'many' })).toBe(Math.max(0, availableParallelism() - 2));
  });

  it('maps in worker threads, several documents in flight, or in this thread one at a time', () => {
    expect(documentMapper(undefined, { HARVEST_WORKERS: '2' })).toMatchObject({ place: 'workers', window: expect.any(Number) });
    expect(documentMapper(undefined, { HARVEST_WORKERS: '1' }).window).toBeGreaterThan(1);
    expect(documentMapper(undefined, {}).place).toBe(availableParallelism() > 2 ? 'workers' : 'thread');
    expect(documentMapper(undefined, { HARVEST_WORKERS: '0' })).toMatchObject({ place: 'thread', window: 1 });
    expect(documentMapper('thread', { HARVEST_WORKERS: '4' })).toMatchObject({ place: 'thread', window: 1 });
    expect(documentMapper('workers', { HARVEST_WORKERS: '0' })).toMatchObject({ place: 'workers' });
  });
});
