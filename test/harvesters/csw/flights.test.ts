/**
 * Pages asked ahead (harvesters/csw/flights.ts): the page after the next is asked once the next one's bytes are in,
 * at the start paging is expected to ask, and kept only if paging asks for exactly it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadTemplates, record } from '../../../bench/lib/csw-server.ts';
import { createCswHarvester } from '../../../harvesters/csw/index.ts';
import { sharedFixtures } from '../../helpers/xmllint.ts';
import { collect, context, cswSource, GEOPICARDIE_CAPS, GEOPICARDIE_CSW, startCsw, type CswTestServer, type PageAsk } from './csw-server.ts';

const templates = loadTemplates(sharedFixtures);
const N = 25;
const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `bench-${String(from + i).padStart(6, '0')}`);

/** A GetRecords page of the cloned fixture records `start`…, `count` of them (fewer at the end). */
function page(start: number, count: number): string {
  const end = Math.min(N, start + count - 1);
  const records = [];
  for (let i = start; i <= end; i++) records.push(record(templates, i, new Date('2026-10-01T00:00:00Z')));
  return `<?xml version="1.0" encoding="UTF-8"?>
<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" version="2.0.2">
<csw:SearchStatus timestamp="2026-11-01T00:00:00Z"/>
<csw:SearchResults numberOfRecordsMatched="${N}" numberOfRecordsReturned="${end - start + 1}" nextRecord="${end >= N ? 0 : end + 1}" recordSchema="http://www.isotc211.org/2005/gmd" elementSet="full">
${records.join('\n')}
</csw:SearchResults>
</csw:GetRecordsResponse>`;
}

let server: CswTestServer | undefined;
afterEach(async () => {
  expect(server?.unexpected ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

const start = (onPage: (ask: PageAsk) => string) => startCsw(GEOPICARDIE_CAPS, onPage, GEOPICARDIE_CSW);
const asked = () => server!.pages().map((p) => [p.start, p.max]);

describe('CSW harvester: pages asked ahead', () => {
  it('asks the page after the next while the next is read, one ahead at most, nothing past the matched count', async () => {
    server = await start((ask) => page(ask.start, ask.max));
    const docs = createCswHarvester().harvest(cswSource(server.endpoint, { pageSize: 5 }), context())[Symbol.asyncIterator]();
    const first = await docs.next();
    expect(first.value?.nativeId).toBe('bench-000001');
    // While the first page's records are being taken: the second page was asked once the first was read, the third
    // once the second's bytes were in; no fourth.
    await new Promise((r) => setTimeout(r, 300));
    expect(asked()).toEqual([[1, 5], [6, 5], [11, 5]]);
    const rest = [];
    for (let d = await docs.next(); !d.done; d = await docs.next()) rest.push(d.value.nativeId);
    expect([first.value?.nativeId, ...rest]).toEqual(ids(1, N));
    expect(asked()).toEqual([[1, 5], [6, 5], [11, 5], [16, 5], [21, 5]]);
  });

  it('follows a server that answers fewer records than asked: the page asked ahead starts where the last page ended', async () => {
    server = await start((ask) => page(ask.start, Math.min(ask.max, 3)));
    const ctx = context();
    const docs = createCswHarvester().harvest(cswSource(server.endpoint, { pageSize: 5 }), ctx)[Symbol.asyncIterator]();
    const first = await docs.next();
    await new Promise((r) => setTimeout(r, 300));
    expect(asked()).toEqual([[1, 5], [4, 5], [7, 5]]);
    const rest = [];
    for (let d = await docs.next(); !d.done; d = await docs.next()) rest.push(d.value.nativeId);
    expect([first.value?.nativeId, ...rest]).toEqual(ids(1, N));
    expect(asked()).toEqual([1, 4, 7, 10, 13, 16, 19, 22, 25].map((s) => [s, 5]));
    expect(ctx.reasons).toEqual([]);
  });

  it('drops a page asked ahead that paging does not ask for, and still lists every record once', async () => {
    // 5, then 2, then 5…: the page asked ahead after the short one starts at the wrong place.
    const counts = [5, 2, 5, 1, 5, 5, 5];
    let k = 0;
    server = await start((ask) => page(ask.start, counts[k++ % counts.length]));
    const ctx = context();
    const docs = await collect(createCswHarvester().harvest(cswSource(server.endpoint, { pageSize: 5 }), ctx));
    expect(docs.map((d) => d.nativeId)).toEqual(ids(1, N));
    expect(ctx.reasons).toEqual([]);
    // Every page paging asked for was asked, in order (a dropped one may or may not have reached the server).
    const starts = asked().map(([s]) => s);
    let at = 0;
    for (const s of [1, 6, 8]) {
      at = starts.indexOf(s, at);
      expect(at, `${s} in ${starts}`).toBeGreaterThanOrEqual(0);
    }
  });

  it('asks nothing more once the last record was skipped as a failed page', async () => {
    // Any page holding record 25 fails: it is retried smaller down to one record, then skipped, and paging is done.
    server = await start((ask) => (ask.start + ask.max > N ? ({ status: 500 } as unknown as string) : page(ask.start, ask.max)));
    const ctx = context();
    const docs = await collect(createCswHarvester().harvest(cswSource(server.endpoint, { pageSize: 5 }), ctx));
    expect(docs.map((d) => d.nativeId)).toEqual(ids(1, N - 1));
    expect(ctx.reasons).toEqual([expect.stringMatching(/^record at startPosition 25 skipped/)]);
    expect(Math.max(...asked().map(([s]) => s))).toBe(N);
  });
});
