import { describe, expect, it } from 'vitest';
import {
  addRunIssues, finishRun, getRun, getRunIssues, listRuns, startRun, zeroCounts, type RunIssueRow,
} from '../../src/store/runs.ts';
import { backends, useStore } from '../helpers/db.ts';
import { addSource } from './sample.ts';

describe.each(backends)('harvest runs on $name', (backend) => {
  const store = useStore(backend, import.meta.url);

  it('starts a run as running with zero counts', async () => {
    await addSource(store.db, 's1');
    const before = Date.now();
    const id = await startRun(store.db, 's1', { dryRun: true });
    expect(typeof id).toBe('number');
    const run = await getRun(store.db, id);
    expect(run).toMatchObject({ id, sourceId: 's1', status: 'running', finishedAt: null, error: null, complete: false, dryRun: true });
    expect(run!.counts).toEqual(zeroCounts());
    expect(run!.startedAt.getTime()).toBeGreaterThanOrEqual(before - 1);
  });

  it('finishes a run with its counts, completeness and error', async () => {
    await addSource(store.db, 's1');
    const id = await startRun(store.db, 's1');
    const counts = { seen: 10, new: 4, changed: 2, unchanged: 3, failed: 1, withdrawn: 0, warned: 2 };
    await finishRun(store.db, id, { status: 'partial', counts, complete: false, error: 'page 3 timed out' });
    const run = await getRun(store.db, id);
    expect(run).toMatchObject({ status: 'partial', counts, complete: false, error: 'page 3 timed out', dryRun: false });
    expect(run!.finishedAt).toBeInstanceOf(Date);
  });

  it('stores issues in a batch and returns them in order', async () => {
    await addSource(store.db, 's1');
    const id = await startRun(store.db, 's1');
    const issues: RunIssueRow[] = [
      { nativeId: 'n1', url: 'https://example.org/csw?id=n1', severity: 'error', path: '/gmd:MD_Metadata', message: 'not ISO 19139' },
      { nativeId: null, url: null, severity: 'warning', path: '/', message: 'page 2: nextRecord lied (0)' },
      { nativeId: 'n3', url: null, severity: 'warning', path: "/gmd:MD_Metadata/gmd:title[1]", message: 'empty title, l’apostrophe' },
    ];
    await addRunIssues(store.db, id, issues);
    await addRunIssues(store.db, id, []);
    expect(await getRunIssues(store.db, id)).toEqual(issues);
    expect(await getRunIssues(store.db, id + 1)).toEqual([]);
  });

  it('lists runs latest first, by source and with a limit', async () => {
    await addSource(store.db, 's1');
    await addSource(store.db, 's2');
    const a = await startRun(store.db, 's1');
    const b = await startRun(store.db, 's2');
    const c = await startRun(store.db, 's1');
    expect((await listRuns(store.db)).map((r) => r.id)).toEqual([c, b, a]);
    expect((await listRuns(store.db, { sourceId: 's1' })).map((r) => r.id)).toEqual([c, a]);
    expect((await listRuns(store.db, { limit: 1 })).map((r) => r.id)).toEqual([c]);
  });

  it('returns null for an unknown run and refuses a run for an unknown source', async () => {
    expect(await getRun(store.db, 999)).toBeNull();
    await expect(startRun(store.db, 'nowhere')).rejects.toThrow();
  });
});
