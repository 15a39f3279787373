/**
 * Index sync on every store backend with the embedded engine: records harvested, changed, withdrawn and
 * grouped across sources reach the index through the outbox; failed batches are retried, never lost; a
 * rebuild matches the store. After each step the index is compared with the store's own "each resource once"
 * listing (listDistinct), which is the rule the index must follow.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runHarvest } from '../../src/harvest/run.ts';
import { createEmbeddedIndex } from '../../src/search/embedded/index.ts';
import { allDocs, createIndexer, drainBatch, rebuildIndex, type RebuildProgress } from '../../src/search/indexer.ts';
import type { SearchDoc, SearchIndex, SearchQuery } from '../../src/search/types.ts';
import { listDistinct } from '../../src/store/identity.ts';
import { outboxLag } from '../../src/store/outbox.ts';
import { recordId, withdrawRecords } from '../../src/store/records.ts';
import { deleteSource, putSource, type SourceDef } from '../../src/store/sources.ts';
import { defaultSeedsDir } from '../../src/config.ts';
import { backends, useStore } from '../helpers/db.ts';
import { sharedFixtures } from '../helpers/xmllint.ts';
import { flaky } from './flaky-index.ts';

const ISO = path.join(sharedFixtures, 'iso19139');
const BANO = '9ffb161b-d8d8-4ec4-bde5-a03104300df8';
const RENNES = 'aaff85f2-3529-4a0e-a263-95ad355acbc3';
const BANO_TITLE = "Base d'Adresse Nationale Ouverte export Bretagne";

/** Every document of the index (the test catalogues hold far fewer than 100 resources). */
async function indexed(index: SearchIndex): Promise<Map<string, SearchDoc>> {
  const q: SearchQuery = { sort: 'title', page: 1, limit: 100, facets: ['type'], facetLimit: 10 };
  const result = await index.search(q);
  expect(result.total).toBe(result.hits.length);
  return new Map(result.hits.map((h) => [h.doc.id, h.doc]));
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(backends)('search index sync on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let index: SearchIndex;
  const folders: string[] = [];

  beforeAll(async () => {
    index = createEmbeddedIndex(store.db);
    await index.init();
  });
  afterAll(async () => {
    await index?.close();
  });
  afterEach(async () => {
    for (const f of folders.splice(0)) await rm(f, { recursive: true, force: true });
  });

  /** A directory source holding copies of shared ISO fixtures (name -> edit of the text, or null). */
  async function source(id: string, files: Record<string, ((xml: string) => string) | null>, options = {}): Promise<SourceDef> {
    const folder = await mkdtemp(path.join(tmpdir(), `moisson-indexer-${id}-`));
    folders.push(folder);
    for (const [file, edit] of Object.entries(files)) {
      if (edit) await writeFile(path.join(folder, file), edit(await readFile(path.join(ISO, file), 'utf8')));
      else await copyFile(path.join(ISO, file), path.join(folder, file));
    }
    const def: SourceDef = { id, type: 'directory', url: folder, enabled: true, options };
    await putSource(store.db, def);
    return def;
  }
  const harvest = async (def: SourceDef, at: string) => {
    const report = await runHarvest(store.db, def, { now: () => new Date(at) });
    expect(report.counts.failed).toBe(0);
    return report;
  };
  const edit = async (def: SourceDef, file: string, change: (xml: string) => string) => {
    const p = path.join(def.url, file);
    await writeFile(p, change(await readFile(p, 'utf8')));
  };
  const drain = () => createIndexer(store.db, index).drain();

  /** The index holds exactly the store's resources, each with the sources of its group. */
  async function expectInSync(): Promise<Map<string, SearchDoc>> {
    expect(await outboxLag(store.db)).toBe(0);
    const docs = await indexed(index);
    const distinct = await listDistinct(store.db, { limit: 1000, offset: 0 });
    expect([...docs.keys()].sort()).toEqual(distinct.rows.map((r) => r.id).sort());
    for (const r of distinct.rows) expect([...docs.get(r.id)!.sources].sort(), r.id).toEqual([...r.sources].sort());
    expect(await index.count()).toBe(distinct.total);
    return docs;
  }

  it('indexes a harvest: every resource once, searchable by its words', async () => {
    await putSource(store.db, { id: 'demo', type: 'directory', url: path.join(defaultSeedsDir, 'demo'), enabled: true });
    const report = await harvest({ id: 'demo', type: 'directory', url: path.join(defaultSeedsDir, 'demo'), enabled: true }, '2025-03-01T10:00:00Z');
    expect(await outboxLag(store.db)).toBe(report.counts.new);
    expect(await drain()).toBe(report.counts.new);
    const docs = await expectInSync();
    // The GEMINI dataset and series share a resource identifier: 20 records, 19 resources.
    expect(report.counts.new).toBe(20);
    expect(docs.size).toBe(19);
    const bano = docs.get(recordId('demo', BANO))!;
    expect(bano).toMatchObject({ title: BANO_TITLE, sources: ['demo'], members: [recordId('demo', BANO)] });
    const found = await index.search({ q: 'adresse nationale bretagne', sort: 'relevance', page: 1, limit: 5, facets: [], facetLimit: 10 });
    expect(found.hits[0].doc.id).toBe(recordId('demo', BANO));
  });

  it('packs the ISO elements of catalogue rows written before they were stored compressed (migration 8)', async () => {
    const def: SourceDef = { id: 'demo', type: 'directory', url: path.join(defaultSeedsDir, 'demo'), enabled: true };
    await putSource(store.db, def);
    await harvest(def, '2025-03-01T10:00:00Z');
    await drain();
    await store.db.query('UPDATE catalogue SET iso_gz = NULL');
    // A hub started on such a store: its sync packs them, 5 a batch here, with nothing in the outbox.
    expect(await createIndexer(store.db, index, { batchSize: 5 }).drain()).toBe(0);
    const r = await store.db.query<{ unpacked: number; n: number }>(
      'SELECT count(*) FILTER (WHERE iso_gz IS NULL)::int AS unpacked, count(*)::int AS n FROM catalogue');
    expect(r.rows[0]).toEqual({ unpacked: 0, n: 19 });
  });

  it('updates the document of a changed record and drops the one of a withdrawn record', async () => {
    const src = await source('region', { 'geobretagne-bano.xml': null, 'rennes-metropole-referentiel-adresse.xml': null });
    await harvest(src, '2025-03-01T10:00:00Z');
    await drain();
    expect((await expectInSync()).get(recordId('region', BANO))!.title).toBe(BANO_TITLE);

    await edit(src, 'geobretagne-bano.xml', (xml) => xml.replace(BANO_TITLE, 'Adresses BANO du Finistère'));
    expect((await harvest(src, '2025-03-02T10:00:00Z')).counts.changed).toBe(1);
    expect(await outboxLag(store.db)).toBe(1);
    await drain();
    expect((await expectInSync()).get(recordId('region', BANO))!.title).toBe('Adresses BANO du Finistère');
    const hit = await index.search({ q: 'finistere', sort: 'relevance', page: 1, limit: 5, facets: [], facetLimit: 10 });
    expect(hit.hits.map((h) => h.doc.id)).toEqual([recordId('region', BANO)]);

    await withdrawRecords(store.db, 'region', [BANO], { seenBefore: new Date('2030-01-01') });
    await drain();
    const docs = await expectInSync();
    expect([...docs.keys()]).toEqual([recordId('region', RENNES)]);
    expect((await index.search({ q: 'finistere', sort: 'relevance', page: 1, limit: 5, facets: [], facetLimit: 10 })).total).toBe(0);
  });

  it('keeps one document for a resource harvested from two sources, listing both, and splits it when one leaves', async () => {
    const region = await source('geobretagne', { 'geobretagne-bano.xml': null, 'rennes-metropole-referentiel-adresse.xml': null });
    const national = await source('datagouv', { 'geobretagne-bano.xml': null }, { priority: 10 });
    const a = recordId('geobretagne', BANO);
    const b = recordId('datagouv', BANO);
    await harvest(region, '2025-03-01T10:00:00Z');
    await drain();
    expect((await expectInSync()).get(a)!.sources).toEqual(['geobretagne']);

    // The national copy arrives with a higher priority: it becomes the document, the regional one a member.
    await harvest(national, '2025-03-02T10:00:00Z');
    await drain();
    let docs = await expectInSync();
    expect(docs.size).toBe(2);
    expect(docs.get(b)).toMatchObject({ members: [b, a], sources: ['datagouv', 'geobretagne'] });
    expect(docs.has(a)).toBe(false);
    const bySource = await index.search({ source: ['geobretagne'], sort: 'title', page: 1, limit: 10, facets: ['source'], facetLimit: 10 });
    expect(bySource.hits.map((h) => h.doc.id).sort()).toEqual([b, recordId('geobretagne', RENNES)].sort());

    // The preferred copy is withdrawn: the regional record is the document again.
    await withdrawRecords(store.db, 'datagouv', [BANO], { seenBefore: new Date('2030-01-01') });
    await drain();
    docs = await expectInSync();
    expect(docs.get(a)).toMatchObject({ members: [a], sources: ['geobretagne'] });
    expect(docs.has(b)).toBe(false);

    // It comes back, then its identifier changes: two resources, two documents.
    await harvest(national, '2025-03-03T10:00:00Z');
    await drain();
    expect((await expectInSync()).get(b)!.sources).toEqual(['datagouv', 'geobretagne']);
    await edit(national, 'geobretagne-bano.xml', (xml) => xml.replace('fr-openstreetmap-bano-bretagne', 'FR-DATAGOUV-BANO-2017'));
    expect((await harvest(national, '2025-03-04T10:00:00Z')).counts.changed).toBe(1);
    await drain();
    docs = await expectInSync();
    expect(docs.get(b)).toMatchObject({ members: [b], sources: ['datagouv'] });
    expect(docs.get(a)).toMatchObject({ members: [a], sources: ['geobretagne'] });
  });

  it('drops a removed source from the documents it shared', async () => {
    const region = await source('geobretagne', { 'geobretagne-bano.xml': null });
    const national = await source('datagouv', { 'geobretagne-bano.xml': null }, { priority: 10 });
    await harvest(region, '2025-03-01T10:00:00Z');
    await harvest(national, '2025-03-02T10:00:00Z');
    await drain();
    expect((await expectInSync()).get(recordId('datagouv', BANO))!.sources).toEqual(['datagouv', 'geobretagne']);
    await deleteSource(store.db, 'geobretagne');
    await drain();
    expect((await expectInSync()).get(recordId('datagouv', BANO))).toMatchObject({ sources: ['datagouv'], members: [recordId('datagouv', BANO)] });
  });

  it('makes the remaining copy the document when the source of the preferred copy is removed', async () => {
    const region = await source('geobretagne', { 'geobretagne-bano.xml': null });
    const national = await source('datagouv', { 'geobretagne-bano.xml': null }, { priority: 10 });
    await harvest(region, '2025-03-01T10:00:00Z');
    await harvest(national, '2025-03-02T10:00:00Z');
    await drain();
    expect((await expectInSync()).has(recordId('geobretagne', BANO))).toBe(false);
    await deleteSource(store.db, 'datagouv');
    await drain();
    const docs = await expectInSync();
    expect(docs.get(recordId('geobretagne', BANO))).toMatchObject({ sources: ['geobretagne'], members: [recordId('geobretagne', BANO)] });
    expect(docs.has(recordId('datagouv', BANO))).toBe(false);
  });

  it('keeps a failed batch in the outbox and applies it on the next attempt', async () => {
    const src = await source('region', { 'geobretagne-bano.xml': null });
    await harvest(src, '2025-03-01T10:00:00Z');
    const { index: failing, state } = flaky(index);
    state.failures = 1;
    await expect(drainBatch(store.db, failing)).rejects.toThrow('engine down');
    expect(await outboxLag(store.db)).toBe(1);
    expect((await indexed(index)).size).toBe(0);
    expect(await drainBatch(store.db, failing)).toBe(1);
    await expectInSync();
  });

  it('retries a failing batch with growing delays, reports the error meanwhile, and recovers', async () => {
    const src = await source('region', { 'geobretagne-bano.xml': null, 'rennes-metropole-referentiel-adresse.xml': null });
    await harvest(src, '2025-03-01T10:00:00Z');
    const { index: failing, state } = flaky(index);
    state.failures = 3;
    // A long interval: only the retry delays can bring the worker back.
    const indexer = createIndexer(store.db, failing, { intervalMs: 60_000, retryBaseMs: 50, retryMaxMs: 400 });
    indexer.start();
    try {
      await waitFor('the first failure', () => indexer.status().lastError !== undefined);
      expect(indexer.status().lastError).toMatchObject({ message: 'engine down for the test', attempts: expect.any(Number) });
      expect(await outboxLag(store.db)).toBe(2);
      await waitFor('the recovery', async () => (await outboxLag(store.db)) === 0);
    } finally {
      await indexer.stop();
    }
    expect(indexer.status()).toMatchObject({ applied: 2 });
    expect(indexer.status().lastError).toBeUndefined();
    // Three failures then the success, each retry later than the one before (50, 100, 200 ms): no busy loop.
    expect(state.upserts).toHaveLength(4);
    const gaps = state.upserts.slice(1).map((t, i) => t - state.upserts[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(gaps[2]).toBeGreaterThanOrEqual(195);
    await expectInSync();
  });

  it.runIf(backend.name === 'pg')('lets one hub drain at a time when several share the database', async () => {
    const src = await source('region', { 'geobretagne-bano.xml': null, 'rennes-metropole-referentiel-adresse.xml': null });
    await harvest(src, '2025-03-01T10:00:00Z');
    // Two drains at once, as two hubs' indexers would: one applies the batch, the other steps aside.
    const applied = await Promise.all([drainBatch(store.db, index), drainBatch(store.db, index)]);
    expect(applied.sort()).toEqual([0, 2]);
    await expectInSync();
  });

  it('stops cleanly: nothing is drained after stop()', async () => {
    const src = await source('region', { 'geobretagne-bano.xml': null });
    const indexer = createIndexer(store.db, index, { intervalMs: 20 });
    indexer.start();
    await harvest(src, '2025-03-01T10:00:00Z');
    await waitFor('the drain', async () => (await outboxLag(store.db)) === 0);
    await indexer.stop();
    await edit(src, 'geobretagne-bano.xml', (xml) => xml.replace(BANO_TITLE, 'Adresses'));
    await harvest(src, '2025-03-02T10:00:00Z');
    await new Promise((r) => setTimeout(r, 200));
    expect(await outboxLag(store.db)).toBe(1);
  });

  it('rebuilds the index from the store, clearing only the outbox rows written before it started', async () => {
    const region = await source('geobretagne', { 'geobretagne-bano.xml': null, 'rennes-metropole-referentiel-adresse.xml': null });
    const national = await source('datagouv', { 'geobretagne-bano.xml': null }, { priority: 10 });
    await harvest(region, '2025-03-01T10:00:00Z');
    await harvest(national, '2025-03-02T10:00:00Z');
    expect(await outboxLag(store.db)).toBe(3);
    const progress: RebuildProgress[] = [];
    let changedDuringRebuild = false;
    const documents = await rebuildIndex(store.db, index, (p) => {
      progress.push(p);
      if (changedDuringRebuild) return;
      changedDuringRebuild = true;
      // A change written while the rebuild runs is not cleared: the worker drains it afterwards.
      void store.db.query(`INSERT INTO search_outbox (record_id, op) VALUES ($1, 'upsert')`, [recordId('geobretagne', RENNES)]);
    });
    expect(documents).toBe(2);
    expect(progress[0]).toEqual({ indexed: 0, total: 2 });
    expect(progress.at(-1)).toEqual({ indexed: 2, total: 2 });
    await waitFor('the write made during the rebuild', async () => (await outboxLag(store.db)) === 1);
    await drain();
    const docs = await expectInSync();
    expect(docs.get(recordId('datagouv', BANO))!.sources).toEqual(['datagouv', 'geobretagne']);
  });

  it('feeds the rebuild the same documents the drain produces', async () => {
    const region = await source('geobretagne', { 'geobretagne-bano.xml': null, 'rennes-metropole-referentiel-adresse.xml': null });
    const national = await source('datagouv', { 'geobretagne-bano.xml': null }, { priority: 10 });
    await harvest(region, '2025-03-01T10:00:00Z');
    await harvest(national, '2025-03-02T10:00:00Z');
    await drain();
    const drained = await indexed(index);
    const rebuilt: SearchDoc[] = [];
    for await (const page of allDocs(store.db, 1)) rebuilt.push(...page);
    expect(rebuilt.map((d) => d.id)).toEqual([...drained.keys()].sort());
    for (const doc of rebuilt) expect(drained.get(doc.id)).toMatchObject({ members: doc.members, sources: doc.sources, title: doc.title });
  });
});
