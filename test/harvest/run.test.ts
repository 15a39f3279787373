import { cp, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatReport } from '../../src/harvest/report.ts';
import { runHarvest, type Progress, type RunReport } from '../../src/harvest/run.ts';
import type { Db } from '../../src/store/db.ts';
import { getHistory, getOriginal, getRecord, recordId } from '../../src/store/records.ts';
import { getRun, getRunIssues, listRuns } from '../../src/store/runs.ts';
import { putSource, type SourceDef } from '../../src/store/sources.ts';
import { closeMappingPool, harvestWorkers, mappedInPool, startPool } from '../../src/harvest/workers/index.ts';
import { backends, truncateAll, useStore } from '../helpers/db.ts';

const CATALOGUE = fileURLToPath(new URL('../fixtures/harvest/catalogue/', import.meta.url));
const GEMINI = fileURLToPath(new URL('../../../shared/fixtures/iso19139/gemini-dataset-valid.xml', import.meta.url));

/** fileIdentifiers of the ISO records of the catalogue (see test/fixtures/harvest/PROVENANCE.md). */
const IDS = {
  bano: '9ffb161b-d8d8-4ec4-bde5-a03104300df8',
  tache: 'ff65bbd1-ab5c-4118-8b1a-2cae338efacf',
  rennes: 'aaff85f2-3529-4a0e-a263-95ad355acbc3',
  mi: '3f342f64-9348-11df-ba6a-0014c2c00eab',
  pycsw: 'de53e931-778a-4792-94ad-9fe507aca483',
};
// The GeoDCAT-AP .rdf maps; the .ttl is the same dataset (same identifier), so it fails as a duplicate.
const FAILING = ['bad/iso19139-truncated.xml', 'dcat/geodcat-ap-2.0.0-dataset.ttl', 'other/geobretagne-featurecatalogue.xml'];
const TABLES = ['sources', 'records', 'record_history', 'search_outbox', 'harvest_runs', 'run_issues'];

async function rowCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n);
  return out;
}

const clock = (iso: string) => () => new Date(iso);

/** Where runs map documents (src/harvest/workers): the results must not depend on it. */
const PLACES = ['workers', 'thread'] as const;

/** What two runs must agree on: the report but its times and run id, and every stored record but its fetch time. */
async function outcome(db: Db, report: RunReport): Promise<unknown> {
  const { runId: _r, startedAt: _s, finishedAt: _f, durationMs: _d, ...rest } = report;
  const records = await db.query<{ record: { provenance: { harvestedAt?: string } } }>(
    'SELECT id, native_id, content_hash, record, original FROM records ORDER BY id');
  for (const r of records.rows) delete r.record.provenance.harvestedAt;
  return { report: rest, records: records.rows };
}

describe.each(backends)('runHarvest over a directory on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let folder: string;
  let source: SourceDef;
  const fileUrl = (rel: string) => pathToFileURL(join(folder, rel)).href;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'moisson-run-'));
    await cp(CATALOGUE, folder, { recursive: true });
    source = { id: 'demo', type: 'directory', url: folder, enabled: true };
    await putSource(store.db, source);
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('stores every good record, fails each bad document alone with a clear line, and stores the report', async () => {
    const report = await runHarvest(store.db, source, { now: clock('2025-03-01T10:00:00Z') });
    expect(report).toMatchObject({ sourceId: 'demo', status: 'succeeded', complete: true, dryRun: false });
    // Both ends of the run come from the injected clock.
    expect(await getRun(store.db, report.runId!)).toMatchObject({
      startedAt: new Date('2025-03-01T10:00:00Z'), finishedAt: new Date('2025-03-01T10:00:00Z'),
    });
    expect(report.counts).toEqual({ seen: 9, new: 6, changed: 0, unchanged: 0, failed: 3, withdrawn: 0, warned: 1 });
    const warnings = report.lines.filter((l) => l.severity === 'warning');
    expect(warnings).toEqual([expect.objectContaining({
      nativeId: IDS.rennes,
      url: fileUrl('iso/rennes-metropole-referentiel-adresse.xml'),
      path: expect.stringMatching(/^\/gmd:MD_Metadata\/gmd:dataQualityInfo\//),
    })]);
    const errors = report.lines.filter((l) => l.severity === 'error');
    expect(errors.map((l) => l.url)).toEqual(FAILING.map(fileUrl));
    const byFile = Object.fromEntries(errors.map((l) => [l.url, l]));
    expect(byFile[fileUrl('dcat/geodcat-ap-2.0.0-dataset.ttl')].message).toBe(
      `duplicate identifier, first seen in ${fileUrl('dcat/geodcat-ap-2.0.0-dataset.rdf')}`,
    );
    expect(byFile[fileUrl('other/geobretagne-featurecatalogue.xml')].message).toMatch(
      /^No mapping for XML root \{http:\/\/www.isotc211.org\/2005\/gfc\}FC_FeatureCatalogue; known XML roots: .*MD_Metadata/,
    );
    expect(byFile[fileUrl('bad/iso19139-truncated.xml')].message).toMatch(/^cannot read ISO 19139 document: XML not well-formed/);
    // Documents that could not be read have no native id yet; the duplicate has one.
    expect(errors.map((l) => l.nativeId === null)).toEqual([true, false, true]);
    expect(formatReport(report).split('\n').filter((l) => l.startsWith('✗ '))).toHaveLength(3);

    const run = await getRun(store.db, report.runId!);
    expect(run).toMatchObject({ status: 'succeeded', complete: true, dryRun: false, error: null, counts: report.counts });
    expect(await getRunIssues(store.db, report.runId!)).toEqual(report.lines);
    expect(await rowCounts(store.db)).toMatchObject({ records: 6, record_history: 6, search_outbox: 6, harvest_runs: 1 });
  });

  it('keeps the original bytes verbatim and sets the provenance of each record', async () => {
    await runHarvest(store.db, source, { now: clock('2025-03-01T10:00:00Z') });
    const id = recordId('demo', IDS.bano);
    const original = await getOriginal(store.db, id);
    expect(original!.bytes.equals(await readFile(join(folder, 'iso/geobretagne-bano.xml')))).toBe(true);
    const stored = await getRecord(store.db, id);
    expect(stored!.record.provenance).toEqual({
      sourceId: 'demo',
      nativeId: IDS.bano,
      harvestedAt: expect.any(String),
      mediaType: 'application/xml',
      url: fileUrl('iso/geobretagne-bano.xml'),
    });
    const wrapped = await getRecord(store.db, recordId('demo', IDS.pycsw));
    expect(wrapped!.record.identifier).toBe(IDS.pycsw);
    for (const nativeId of Object.values(IDS)) expect(await getRecord(store.db, recordId('demo', nativeId))).not.toBeNull();
  });

  it('finds nothing to write on a second run over unchanged files: no history, no outbox row', async () => {
    const first = await runHarvest(store.db, source, { now: clock('2025-03-01T10:00:00Z') });
    const before = await rowCounts(store.db);
    const second = await runHarvest(store.db, source, { now: clock('2025-03-02T10:00:00Z') });
    // Unchanged bytes are not mapped again: their warnings stay in the report of the run that stored them.
    expect(second.counts).toEqual({ ...first.counts, new: 0, unchanged: 6, warned: 0 });
    expect(second.lines.filter((l) => l.severity === 'error')).toEqual(first.lines.filter((l) => l.severity === 'error'));
    const after = await rowCounts(store.db);
    expect(after.record_history).toBe(before.record_history);
    expect(after.search_outbox).toBe(before.search_outbox);
    expect(after.harvest_runs).toBe(before.harvest_runs + 1);
    const stored = await getRecord(store.db, recordId('demo', IDS.tache));
    expect(stored!.lastSeen.toISOString()).toBe('2025-03-02T10:00:00.000Z');
    expect(stored!.lastChanged.toISOString()).toBe('2025-03-01T10:00:00.000Z');
  });

  it('counts exactly one changed record, with a history row, when one file changes', async () => {
    await runHarvest(store.db, source, { now: clock('2025-03-01T10:00:00Z') });
    const path = join(folder, 'iso/geobretagne-bano.xml');
    await writeFile(path, (await readFile(path, 'utf8')).replace('<gmd:MD_Metadata', '<!-- edited upstream -->\n<gmd:MD_Metadata'));
    const before = await rowCounts(store.db);
    const report = await runHarvest(store.db, source, { now: clock('2025-03-02T10:00:00Z') });
    expect(report.counts).toMatchObject({ seen: 9, new: 0, changed: 1, unchanged: 5, failed: 3 });
    const history = await getHistory(store.db, recordId('demo', IDS.bano));
    expect(history.map((h) => [h.change, h.runId])).toEqual([['new', report.runId! - 1], ['changed', report.runId]]);
    const after = await rowCounts(store.db);
    expect(after.record_history - before.record_history).toBe(1);
    expect(after.search_outbox - before.search_outbox).toBe(1);
  });

  it('fails the run with a message naming the folder when it is missing, keeping every stored record', async () => {
    await runHarvest(store.db, source, { now: clock('2025-03-01T10:00:00Z') });
    const missing = join(folder, 'gone');
    const moved = { ...source, url: missing };
    await putSource(store.db, moved);
    const report = await runHarvest(store.db, moved);
    expect(report).toMatchObject({ status: 'failed', complete: false, error: `Folder not found: ${missing}` });
    expect(report.counts.seen).toBe(0);
    expect(await getRun(store.db, report.runId!)).toMatchObject({ status: 'failed', complete: false, error: `Folder not found: ${missing}` });
    expect((await rowCounts(store.db)).records).toBe(6);
    expect(formatReport(report)).toContain(`error: Folder not found: ${missing}`);
  });

  it('writes nothing in a dry run and still reports new / changed / unchanged', async () => {
    const empty = await rowCounts(store.db);
    const dry = await runHarvest(store.db, source, { dryRun: true });
    expect(dry).toMatchObject({ runId: null, dryRun: true, status: 'succeeded', complete: true });
    expect(dry.counts).toMatchObject({ seen: 9, new: 6, changed: 0, unchanged: 0, failed: 3 });
    expect(await rowCounts(store.db)).toEqual(empty);

    await runHarvest(store.db, source);
    const path = join(folder, 'iso/owslib-iso-mi.xml');
    await writeFile(path, `${await readFile(path, 'utf8')}\n`);
    await copyFile(GEMINI, join(folder, 'iso/gemini-dataset-valid.xml'));
    const stored = await rowCounts(store.db);
    const again = await runHarvest(store.db, source, { dryRun: true });
    expect(again.counts).toMatchObject({ seen: 10, new: 1, changed: 1, unchanged: 5, failed: 3 });
    expect(await rowCounts(store.db)).toEqual(stored);
    expect(await listRuns(store.db, { sourceId: 'demo' })).toHaveLength(1);
  });

  it('gives the same report, line for line, and the same records, mapping in worker threads or in this thread', async () => {
    // A duplicate, and on the second run a changed copy of a record read just before its unchanged original:
    // the original looks unchanged when it comes but is a duplicate by its turn.
    await copyFile(join(folder, 'iso/geobretagne-bano.xml'), join(folder, 'iso/zz-bano-copy.xml'));
    const runs: unknown[][] = [];
    // Workers from a cold pool (the first documents are mapped here while a thread loads), from a loaded one, and
    // this thread.
    await closeMappingPool();
    for (const mapping of ['workers', 'workers', 'thread'] as const) {
      const pooled = mappedInPool();
      await truncateAll(store.db);
      await putSource(store.db, source);
      await rm(join(folder, 'iso/aa-bano-changed.xml'), { force: true });
      const first = await runHarvest(store.db, source, { mapping, now: clock('2025-03-01T10:00:00Z') });
      const bano = await readFile(join(folder, 'iso/geobretagne-bano.xml'), 'utf8');
      await writeFile(join(folder, 'iso/aa-bano-changed.xml'), bano.replace('</gmd:MD_Metadata>', '<!-- changed --></gmd:MD_Metadata>'));
      const second = await runHarvest(store.db, source, { mapping, now: clock('2025-03-02T10:00:00Z') });
      runs.push([await outcome(store.db, first), await outcome(store.db, second)]);
      // A loaded pool maps every document that is mapped: 10 on the first run, 6 on the second (5 are unchanged).
      if (runs.length === 2) expect(mappedInPool() - pooled).toBe(10 + 6);
      await startPool(harvestWorkers());
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    const [, second] = runs[0] as { report: RunReport }[];
    expect(second.report.counts).toMatchObject({ seen: 11, changed: 1, unchanged: 5, failed: 5 });
    expect(second.report.lines).toContainEqual(expect.objectContaining({
      url: fileUrl('iso/geobretagne-bano.xml'), message: `duplicate identifier, first seen in ${fileUrl('iso/aa-bano-changed.xml')}`,
    }));
  });

  it('fails the second document carrying an already seen fileIdentifier as a duplicate', async () => {
    await copyFile(join(folder, 'iso/geobretagne-bano.xml'), join(folder, 'iso/zz-bano-copy.xml'));
    const report = await runHarvest(store.db, source);
    expect(report.counts).toMatchObject({ seen: 10, new: 6, failed: 4 });
    const dup = report.lines.find((l) => l.url === fileUrl('iso/zz-bano-copy.xml'));
    expect(dup).toEqual({
      nativeId: IDS.bano,
      url: fileUrl('iso/zz-bano-copy.xml'),
      severity: 'error',
      path: '/',
      message: `duplicate identifier, first seen in ${fileUrl('iso/geobretagne-bano.xml')}`,
    });
    expect(formatReport(report)).toContain(`✗ ${IDS.bano} / — duplicate identifier, first seen in`);

    const again = await runHarvest(store.db, source);
    expect(again.counts).toMatchObject({ seen: 10, new: 0, unchanged: 6, failed: 4 });
    expect(again.lines).toContainEqual(dup);
  });

  it('uses the path relative to the folder as native id when a record has no identifier', async () => {
    const path = join(folder, 'iso/geopicardie-tache-urbaine.xml');
    const xml = await readFile(path, 'utf8');
    await writeFile(path, xml.replace(/<gmd:fileIdentifier>[\s\S]*?<\/gmd:fileIdentifier>/, ''));
    const report = await runHarvest(store.db, source);
    expect(report.counts).toMatchObject({ new: 6, failed: 3 });
    const stored = await getRecord(store.db, recordId('demo', 'iso/geopicardie-tache-urbaine.xml'));
    expect(stored!.record.identifier).toBeNull();
    expect(stored!.record.provenance!.nativeId).toBe('iso/geopicardie-tache-urbaine.xml');
  });

  it('counts a file over the size limit as failed with a line, without stopping', async () => {
    // 30,000 bytes: geopicardie-tache-urbaine (31,284) and rennes-metropole (33,345) are over, the rest under.
    const limited = { ...source, options: { maxFileSize: 30_000 } };
    const report = await runHarvest(store.db, limited);
    expect(report.counts).toMatchObject({ seen: 9, new: 4, failed: 5 });
    expect(report.status).toBe('succeeded');
    const skipped = report.lines.filter((l) => l.message.startsWith('file too big'));
    expect(skipped).toEqual([
      { nativeId: 'iso/geopicardie-tache-urbaine.xml', url: fileUrl('iso/geopicardie-tache-urbaine.xml'), severity: 'error',
        path: '/', message: 'file too big: 31284 bytes (limit 30000)' },
      { nativeId: 'iso/rennes-metropole-referentiel-adresse.xml', url: fileUrl('iso/rennes-metropole-referentiel-adresse.xml'),
        severity: 'error', path: '/', message: 'file too big: 33345 bytes (limit 30000)' },
    ]);
  });

  it.each(PLACES)('reports progress after each document with the harvester total (mapped in %s)', async (mapping) => {
    const seen: Progress[] = [];
    await runHarvest(store.db, source, { mapping, onProgress: (p) => seen.push(p) });
    // One event per document, then one once the batched writes are done, with the final counts.
    expect(seen).toHaveLength(10);
    expect(seen.map((p) => p.seen)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 9]);
    expect(seen.at(-1)).toEqual({ seen: 9, new: 6, changed: 0, unchanged: 0, failed: 3, total: 9 });
  });

  it.each(PLACES)('ends an aborted run as partial and incomplete, keeping what was stored (mapped in %s)', async (mapping) => {
    const controller = new AbortController();
    const report = await runHarvest(store.db, source, {
      mapping,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.seen === 3) controller.abort();
      },
    });
    expect(report).toMatchObject({ status: 'partial', complete: false, error: 'Harvest aborted' });
    expect(report.counts.seen).toBe(3);
    expect(await getRun(store.db, report.runId!)).toMatchObject({ status: 'partial', complete: false });
  });

  it('fails one document on a store error and goes on with the others', async () => {
    const failing = failingOn(store.db, IDS.tache);
    const report = await runHarvest(failing, source);
    expect(report.counts).toMatchObject({ seen: 9, new: 5, failed: 4 });
    expect(report.lines).toContainEqual(expect.objectContaining({
      nativeId: IDS.tache, severity: 'error', message: expect.stringMatching(/^store error: /),
    }));
    expect(report.status).toBe('succeeded');
  });
});

/** The store, except that writing the record with this native id fails (a constraint, a lost connection…). */
function failingOn(db: Db, nativeId: string): Db {
  const wrap = (inner: Db): Db => ({
    kind: inner.kind,
    lost: inner.lost,
    query: (text, values) =>
      /^\s*INSERT INTO records/i.test(text) && values?.some((v) => v === nativeId || (Array.isArray(v) && v.includes(nativeId)))
        ? Promise.reject(new Error('simulated failure'))
        : inner.query(text, values),
    exec: (sql) => inner.exec(sql),
    tx: (fn) => inner.tx((t) => fn(wrap(t))),
    close: () => inner.close(),
  });
  return wrap(db);
}
