import { copyFile, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDeletion, blockedReason, maxWithdrawShare, type DeletionInput } from '../../src/harvest/deletion.ts';
import { formatReport } from '../../src/harvest/report.ts';
import { runHarvest } from '../../src/harvest/run.ts';
import { recordResponse } from '../../src/publish/native/records.ts';
import type { Db } from '../../src/store/db.ts';
import { getHistory, getRecord, listRecords, recordId, storedHashes } from '../../src/store/records.ts';
import { getRunIssues } from '../../src/store/runs.ts';
import { putSource, type SourceDef } from '../../src/store/sources.ts';
import { backends, useStore } from '../helpers/db.ts';
import { sharedFixtures } from '../helpers/xmllint.ts';

/** Five real records (shared/fixtures/iso19139) and their fileIdentifiers: one of five is the default 20 %. */
const FILES: Record<string, string> = {
  'geobretagne-bano.xml': '9ffb161b-d8d8-4ec4-bde5-a03104300df8',
  'geopicardie-tache-urbaine.xml': 'ff65bbd1-ab5c-4118-8b1a-2cae338efacf',
  'rennes-metropole-referentiel-adresse.xml': 'aaff85f2-3529-4a0e-a263-95ad355acbc3',
  'ifremer-multilang.xml': '4a7d3d79-edb8-45f5-b8ce-3b9bcd271b4f',
  'owslib-17bd184a-iso.xml': '17bd184a-7e7d-4f81-95a5-041449a7212b',
};
const ISO = path.join(sharedFixtures, 'iso19139');
const at = (iso: string) => ({ now: () => new Date(iso) });

async function outbox(db: Db): Promise<{ record_id: string; op: string }[]> {
  return (await db.query<{ record_id: string; op: string }>('SELECT record_id, op FROM search_outbox ORDER BY id')).rows;
}

describe.each(backends)('safe deletion at the end of a run on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let folder: string;
  let source: SourceDef;
  const idOf = (file: string) => recordId('region', FILES[file]);

  beforeEach(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'moisson-deletion-'));
    for (const f of Object.keys(FILES)) await copyFile(path.join(ISO, f), path.join(folder, f));
    source = { id: 'region', type: 'directory', url: folder, enabled: true };
    await putSource(store.db, source);
    const first = await runHarvest(store.db, source, at('2025-03-01T10:00:00Z'));
    expect(first.counts).toMatchObject({ new: 5, failed: 0, withdrawn: 0 });
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('withdraws a record missing upstream after a complete run: hidden, kept, history and outbox', async () => {
    await unlink(path.join(folder, 'ifremer-multilang.xml'));
    const report = await runHarvest(store.db, source, at('2025-03-02T10:00:00Z'));
    expect(report).toMatchObject({ status: 'succeeded', complete: true });
    expect(report.counts).toMatchObject({ seen: 4, unchanged: 4, withdrawn: 1 });
    const line = { nativeId: FILES['ifremer-multilang.xml'], url: null, severity: 'warning', path: '/', message: 'withdrawn: missing upstream' };
    expect(report.lines).toEqual([line]);
    expect(await getRunIssues(store.db, report.runId!)).toEqual([line]);
    const id = idOf('ifremer-multilang.xml');
    expect((await getRecord(store.db, id))!.withdrawnAt!.toISOString()).toBe('2025-03-02T10:00:00.000Z');
    expect((await getHistory(store.db, id)).map((h) => [h.change, h.runId])).toEqual([['new', 1], ['withdrawn', report.runId]]);
    expect((await outbox(store.db)).at(-1)).toEqual({ record_id: id, op: 'delete' });
    expect((await listRecords(store.db, { limit: 10, offset: 0 })).total).toBe(4);
    await expect(recordResponse(store.db, id, 'json', 'http://hub')).rejects.toMatchObject({ code: 'record_not_found' });

    // It comes back upstream: restored by the next run.
    await copyFile(path.join(ISO, 'ifremer-multilang.xml'), path.join(folder, 'ifremer-multilang.xml'));
    const back = await runHarvest(store.db, source, at('2025-03-03T10:00:00Z'));
    expect(back.counts).toMatchObject({ changed: 1, unchanged: 4, withdrawn: 0 });
    expect((await getRecord(store.db, id))!.withdrawnAt).toBeNull();
    expect((await getHistory(store.db, id)).map((h) => h.change)).toEqual(['new', 'withdrawn', 'restored']);
  });

  it('withdraws nothing, and says why, when more than maxWithdrawShare of the catalogue is missing', async () => {
    await unlink(path.join(folder, 'ifremer-multilang.xml'));
    await unlink(path.join(folder, 'geobretagne-bano.xml'));
    const before = await outbox(store.db);
    const report = await runHarvest(store.db, source, at('2025-03-02T10:00:00Z'));
    expect(report).toMatchObject({ status: 'succeeded', complete: true });
    expect(report.counts.withdrawn).toBe(0);
    expect(report.lines).toEqual([expect.objectContaining({ severity: 'warning', nativeId: null,
      message: expect.stringMatching(/^nothing withdrawn: 2 of 5 records \(40\.0 %\) are missing upstream, more than the source's maxWithdrawShare \(20 %\)/) })]);
    expect(formatReport(report)).toContain('⚠ - / — nothing withdrawn: 2 of 5 records');
    expect((await storedHashes(store.db, 'region')).size).toBe(5);
    expect(await outbox(store.db)).toEqual(before);

    // The admin confirms the catalogue shrank: a higher share lets the next complete run withdraw them.
    const confirmed = { ...source, options: { maxWithdrawShare: 0.5 } };
    await putSource(store.db, confirmed);
    const again = await runHarvest(store.db, confirmed, at('2025-03-03T10:00:00Z'));
    expect(again.counts.withdrawn).toBe(2);
    expect((await storedHashes(store.db, 'region')).size).toBe(3);
  });

  it('reports in a dry run what would be withdrawn, writing nothing', async () => {
    await unlink(path.join(folder, 'owslib-17bd184a-iso.xml'));
    const dry = await runHarvest(store.db, source, { dryRun: true });
    expect(dry.counts.withdrawn).toBe(1);
    expect(dry.lines).toEqual([expect.objectContaining({ nativeId: FILES['owslib-17bd184a-iso.xml'], message: 'would be withdrawn: missing upstream' })]);
    expect((await getRecord(store.db, idOf('owslib-17bd184a-iso.xml')))!.withdrawnAt).toBeNull();
    expect((await storedHashes(store.db, 'region')).size).toBe(5);
  });

  it('withdraws nothing after a failed or interrupted run, and says so', async () => {
    const gone = { ...source, url: path.join(folder, 'gone') };
    const failed = await runHarvest(store.db, gone, at('2025-03-02T10:00:00Z'));
    expect(failed).toMatchObject({ status: 'failed', complete: false });
    expect(failed.counts.withdrawn).toBe(0);
    expect(failed.lines.at(-1)!.message).toBe(`nothing withdrawn: the run failed (Folder not found: ${gone.url})`);

    const controller = new AbortController();
    const partial = await runHarvest(store.db, source, {
      ...at('2025-03-03T10:00:00Z'), signal: controller.signal, onProgress: (p) => p.seen === 2 && controller.abort() });
    expect(partial).toMatchObject({ status: 'partial', complete: false });
    expect(partial.lines.at(-1)!.message).toBe('nothing withdrawn: the run stopped early (Harvest aborted)');
    expect((await storedHashes(store.db, 'region')).size).toBe(5);
  });

  it('keeps a record whose document turned unreadable upstream: it still exists there', async () => {
    const file = path.join(folder, 'rennes-metropole-referentiel-adresse.xml');
    const xml = await readFile(file, 'utf8');
    await writeFile(file, xml.slice(0, xml.length / 2)); // truncated, like shared/fixtures/bad/iso19139-truncated.xml
    const report = await runHarvest(store.db, source, at('2025-03-02T10:00:00Z'));
    expect(report.counts).toMatchObject({ failed: 1, unchanged: 4, withdrawn: 0 });
    expect(report.lines.map((l) => l.severity)).toEqual(['error']);
    expect((await getRecord(store.db, idOf('rennes-metropole-referentiel-adresse.xml')))!.withdrawnAt).toBeNull();
  });
});

describe.each(backends)('the deletion policy on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  const source: SourceDef = { id: 's', type: 'directory', url: '/nowhere', enabled: true };
  const input = (over: Partial<DeletionInput>): DeletionInput => ({
    source, runId: null, dryRun: false, status: 'succeeded', complete: true, incremental: false, incompleteReasons: [],
    stored: new Set(['a', 'b', 'c', 'd', 'e']), seen: new Set(['a', 'b', 'c', 'd']), lines: [],
    startedAt: new Date('2025-03-02T00:00:00Z'), at: new Date('2025-03-02T01:00:00Z'), ...over,
  });

  it('withdraws nothing after an incremental or incomplete listing, and says why', async () => {
    const incremental = await applyDeletion(store.db, input({ incremental: true, complete: false }));
    expect(incremental).toEqual({ withdrawn: [], lines: [expect.objectContaining({
      message: 'nothing withdrawn: incremental run: only records modified since the last complete run were listed' })] });
    const incomplete = await applyDeletion(store.db, input({ complete: false, incompleteReasons: ['page 3 failed', 'nextRecord past the end'] }));
    expect(incomplete.lines[0].message).toBe('nothing withdrawn: the listing was incomplete (page 3 failed; nextRecord past the end)');
  });

  it('reads maxWithdrawShare from the source options, falling back to 20 %', () => {
    expect(maxWithdrawShare(source)).toBe(0.2);
    expect(maxWithdrawShare({ ...source, options: { maxWithdrawShare: 0 } })).toBe(0);
    expect(maxWithdrawShare({ ...source, options: { maxWithdrawShare: '0.5' } })).toBe(0.2);
    expect(blockedReason({ status: 'succeeded', complete: true, incremental: false, incompleteReasons: [] })).toBeNull();
  });

  it('protects the records a failed document may stand for (by native id, or by the URL it was harvested from)', async () => {
    const error = { url: null, severity: 'error' as const, path: '/', message: 'bad' };
    const dry = await applyDeletion(store.db, input({ dryRun: true, seen: new Set(['a', 'b', 'c']),
      lines: [{ ...error, nativeId: 'd' }] }));
    expect(dry.withdrawn).toEqual(['e']);
    expect(dry.lines).toEqual([expect.objectContaining({ nativeId: 'e', message: 'would be withdrawn: missing upstream' })]);
  });
});
