import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Db } from '../../src/store/db.ts';
import {
  claimJob, enqueueJob, finishJob, listJobs, purgeJobs, recoverExpiredJobs, renewLease, scheduledSources, setJobRun,
} from '../../src/store/jobs.ts';
import { getRun, startRun } from '../../src/store/runs.ts';
import { putSource } from '../../src/store/sources.ts';
import { backends, useStore } from '../helpers/db.ts';

const T = (iso: string) => new Date(iso);
const SLOT = T('2025-03-01T02:00:00Z');
const NEXT = T('2025-03-02T02:00:00Z');

describe.each(backends)('harvest jobs on $name', (backend) => {
  const store = useStore(backend, import.meta.url);

  beforeEach(async () => {
    await putSource(store.db, { id: 'a', type: 'csw', url: 'https://a.example/csw', enabled: true, schedule: '0 3 * * *' });
    await putSource(store.db, { id: 'b', type: 'csw', url: 'https://b.example/csw', enabled: true, schedule: '0 4 * * *' });
    await putSource(store.db, { id: 'off', type: 'csw', url: 'https://c.example/csw', enabled: false, schedule: '0 3 * * *' });
    await putSource(store.db, { id: 'manual', type: 'csw', url: 'https://d.example/csw', enabled: true });
  });

  it('lists only the enabled sources that have a schedule', async () => {
    expect(await scheduledSources(store.db)).toEqual([{ id: 'a', schedule: '0 3 * * *' }, { id: 'b', schedule: '0 4 * * *' }]);
  });

  it('creates each (source, slot) once, and no second queued job for a source', async () => {
    const id = await enqueueJob(store.db, 'a', SLOT);
    expect(id).toEqual(expect.any(Number));
    expect(await enqueueJob(store.db, 'a', SLOT)).toBeNull();
    expect(await enqueueJob(store.db, 'a', NEXT)).toBeNull(); // the first one has not run yet
    expect(await enqueueJob(store.db, 'b', SLOT)).toEqual(expect.any(Number));
    const job = await claimJob(store.db, 'hub-1', T('2025-03-01T02:02:00Z'), T('2025-03-01T02:00:01Z'));
    expect(job).toMatchObject({ id, sourceId: 'a', status: 'running', owner: 'hub-1', attempts: 1 });
    expect(await enqueueJob(store.db, 'a', NEXT)).toEqual(expect.any(Number)); // one may wait behind a running one
  });

  it('claims the oldest queued job, one running job per source, never for a disabled source', async () => {
    await enqueueJob(store.db, 'off', SLOT);
    await enqueueJob(store.db, 'b', NEXT);
    await enqueueJob(store.db, 'a', SLOT);
    const now = T('2025-03-02T02:00:01Z');
    const lease = T('2025-03-02T02:02:00Z');
    const first = await claimJob(store.db, 'hub-1', lease, now);
    expect(first).toMatchObject({ sourceId: 'a', slot: SLOT });
    await enqueueJob(store.db, 'a', NEXT);
    const second = await claimJob(store.db, 'hub-2', lease, now);
    expect(second).toMatchObject({ sourceId: 'b', owner: 'hub-2' });
    expect(await claimJob(store.db, 'hub-3', lease, now)).toBeNull(); // a@NEXT waits for a@SLOT; 'off' never runs
    expect(await finishJob(store.db, first!.id, 'hub-1', { status: 'done', at: now })).toBe(true);
    expect(await claimJob(store.db, 'hub-3', lease, now)).toMatchObject({ sourceId: 'a', slot: NEXT });
  });

  it('renews and ends a lease only for its owner', async () => {
    await enqueueJob(store.db, 'a', SLOT);
    const job = (await claimJob(store.db, 'hub-1', T('2025-03-01T02:02:00Z'), T('2025-03-01T02:00:01Z')))!;
    expect(await renewLease(store.db, job.id, 'hub-2', T('2025-03-01T02:05:00Z'))).toBe(false);
    expect(await renewLease(store.db, job.id, 'hub-1', T('2025-03-01T02:05:00Z'))).toBe(true);
    expect(await finishJob(store.db, job.id, 'hub-2', { status: 'done', at: T('2025-03-01T02:03:00Z') })).toBe(false);
    expect(await finishJob(store.db, job.id, 'hub-1', { status: 'done', at: T('2025-03-01T02:03:00Z') })).toBe(true);
    expect(await renewLease(store.db, job.id, 'hub-1', T('2025-03-01T02:06:00Z'))).toBe(false);
    expect((await listJobs(store.db))[0]).toMatchObject({ status: 'done', leaseUntil: null, finishedAt: T('2025-03-01T02:03:00Z') });
  });

  it('hands a job back on a stop without counting the attempt', async () => {
    await enqueueJob(store.db, 'a', SLOT);
    const job = (await claimJob(store.db, 'hub-1', T('2025-03-01T02:02:00Z'), T('2025-03-01T02:00:01Z')))!;
    await finishJob(store.db, job.id, 'hub-1', { status: 'queued', error: 'hub stopping', at: T('2025-03-01T02:01:00Z') });
    expect((await listJobs(store.db))[0]).toMatchObject({ status: 'queued', owner: null, attempts: 0, finishedAt: null });
  });

  it('recovers a job whose owner died: its run is closed as failed, the job queued again, then failed after N attempts', async () => {
    await enqueueJob(store.db, 'a', SLOT);
    const job = (await claimJob(store.db, 'dead-hub', T('2025-03-01T02:02:00Z'), T('2025-03-01T02:00:01Z')))!;
    const runId = await startRun(store.db, 'a', { at: T('2025-03-01T02:00:02Z') });
    await setJobRun(store.db, job.id, 'dead-hub', runId);
    expect(await recoverExpiredJobs(store.db, T('2025-03-01T02:01:00Z'), 2)).toEqual([]); // lease still valid

    const [requeued] = await recoverExpiredJobs(store.db, T('2025-03-01T02:03:00Z'), 2);
    expect(requeued).toMatchObject({ id: job.id, status: 'queued', owner: null, attempts: 1,
      error: expect.stringMatching(/^hub process dead-hub stopped renewing its lease \(expired 2025-03-01T02:02:00.000Z\); queued again \(attempt 2 of 2\)$/) });
    const run = await getRun(store.db, runId);
    expect(run).toMatchObject({ status: 'failed', finishedAt: T('2025-03-01T02:03:00Z') });
    expect(run!.error).toMatch(/^harvest interrupted: hub process dead-hub stopped renewing its lease/);

    await claimJob(store.db, 'dead-again', T('2025-03-01T02:05:00Z'), T('2025-03-01T02:03:01Z'));
    const [failed] = await recoverExpiredJobs(store.db, T('2025-03-01T02:06:00Z'), 2);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, error: expect.stringMatching(/failed after 2 attempts$/) });
    expect(await claimJob(store.db, 'hub', T('2025-03-01T02:08:00Z'), T('2025-03-01T02:06:01Z'))).toBeNull();
  });

  it('cancels the queued jobs of a source disabled since, and purges old finished jobs', async () => {
    await enqueueJob(store.db, 'a', SLOT);
    await enqueueJob(store.db, 'b', SLOT);
    await putSource(store.db, { id: 'a', type: 'csw', url: 'https://a.example/csw', enabled: false, schedule: '0 3 * * *' });
    await recoverExpiredJobs(store.db, T('2025-03-01T02:01:00Z'), 3);
    expect((await listJobs(store.db, { sourceId: 'a' }))[0]).toMatchObject({ status: 'cancelled', error: 'source disabled' });
    expect(await purgeJobs(store.db, T('2025-03-01T02:00:59Z'))).toBe(0);
    expect(await purgeJobs(store.db, T('2025-04-01T00:00:00Z'))).toBe(1);
    expect((await listJobs(store.db)).map((j) => j.sourceId)).toEqual(['b']);
  });
});

// Two connections pools on one PostgreSQL schema stand for two hubs.
if (process.env.DATABASE_URL) {
  const pg = backends.find((b) => b.name === 'pg')!;
  describe('harvest job claims from two hubs on one PostgreSQL', () => {
    const store = useStore(pg, import.meta.url);
    let other: Db;
    beforeAll(async () => {
      other = await openStore(store.options);
    });
    afterAll(async () => {
      await other.close();
    });

    it('never gives one job, nor two jobs of one source, to two hubs claiming at once', async () => {
      for (const id of ['a', 'b', 'c']) await putSource(store.db, { id, type: 'csw', url: `https://${id}.example/csw`, enabled: true });
      const at = T('2025-03-01T02:00:01Z');
      const lease = T('2025-03-01T02:02:00Z');
      for (let round = 0; round < 5; round++) {
        await store.db.query('DELETE FROM harvest_jobs');
        for (const id of ['a', 'b', 'c']) await enqueueJob(store.db, id, SLOT);
        await store.db.query(`INSERT INTO harvest_jobs (source_id, slot) VALUES ('a', $1)`, [NEXT]);
        const claims = await Promise.all([store.db, other, store.db, other, store.db, other].map((db, i) =>
          claimJob(db, `hub-${i}`, lease, at)));
        const taken = claims.filter((j) => j !== null);
        expect(new Set(taken.map((j) => j!.id)).size).toBe(taken.length);
        expect(new Set(taken.map((j) => j!.sourceId)).size).toBe(taken.length);
        const running = await store.db.query<{ n: number }>(`SELECT count(*) AS n FROM harvest_jobs WHERE status = 'running'`);
        expect(running.rows[0].n).toBe(taken.length);
      }
    });
  });
}
