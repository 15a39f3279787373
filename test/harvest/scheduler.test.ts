import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScheduler, schedulerEnabled, type Scheduler, type SchedulerOptions } from '../../src/harvest/scheduler.ts';
import { dueSlot, scheduleProblem } from '../../src/harvest/schedule.ts';
import { claimJob, enqueueJob, listJobs, setJobRun } from '../../src/store/jobs.ts';
import { getRecord, recordId } from '../../src/store/records.ts';
import { getRun, listRuns, startRun } from '../../src/store/runs.ts';
import { putSource, type SourceDef } from '../../src/store/sources.ts';
import { backends, useStore } from '../helpers/db.ts';
import { projectRoot, sharedFixtures } from '../helpers/xmllint.ts';

const ISO = path.join(sharedFixtures, 'iso19139');
const FILES = ['geobretagne-bano.xml', 'rennes-metropole-referentiel-adresse.xml'];
const BANO = '9ffb161b-d8d8-4ec4-bde5-a03104300df8';
const T = (iso: string) => new Date(iso);

describe('schedules', () => {
  it('finds the latest slot in (after, now], in French time whatever the machine', () => {
    // 3 a.m. in Paris is 02:00Z in winter, 01:00Z in summer.
    expect(dueSlot('0 3 * * *', T('2025-03-01T01:00:00Z'), T('2025-03-01T02:00:10Z'))).toEqual(T('2025-03-01T02:00:00Z'));
    expect(dueSlot('0 3 * * *', T('2025-07-01T00:00:00Z'), T('2025-07-01T01:00:00Z'))).toEqual(T('2025-07-01T01:00:00Z'));
    expect(dueSlot('0 3 * * *', T('2025-03-01T02:00:00Z'), T('2025-03-01T02:00:10Z'))).toBeNull();
    // Missed slots collapse into the latest one.
    expect(dueSlot('*/5 * * * * *', T('2025-03-01T10:00:00Z'), T('2025-03-01T10:00:17Z'))).toEqual(T('2025-03-01T10:00:15Z'));
  });

  it('explains what is wrong with a schedule', () => {
    expect(scheduleProblem('0 3 * * *')).toBeNull();
    expect(scheduleProblem('*/10 * * * * *')).toBeNull();
    expect(scheduleProblem('61 3 * * *')).toMatch(/^not a valid cron expression: .*minute/);
  });

  it('runs unless SCHEDULER says off', () => {
    expect(schedulerEnabled({})).toBe(true);
    expect(schedulerEnabled({ SCHEDULER: 'on' })).toBe(true);
    for (const off of ['off', 'OFF', 'false', '0', 'no']) expect(schedulerEnabled({ SCHEDULER: off })).toBe(false);
  });
});

describe.each(backends)('the scheduler in one process on $name', (backend) => {
  const store = useStore(backend, import.meta.url);
  let folder: string;
  let source: SourceDef;
  const schedulers: Scheduler[] = [];
  let clock = T('2025-03-01T02:00:10Z');
  const scheduler = (opts: SchedulerOptions = {}) => {
    const s = createScheduler(store.db, { owner: `hub-${schedulers.length}`, now: () => clock, ...opts });
    schedulers.push(s);
    return s;
  };

  beforeEach(async () => {
    clock = T('2025-03-01T02:00:10Z');
    folder = await mkdtemp(path.join(tmpdir(), 'moisson-scheduler-'));
    for (const f of FILES) await copyFile(path.join(ISO, f), path.join(folder, f));
    source = { id: 'region', type: 'directory', url: folder, enabled: true, schedule: '0 3 * * *' };
    await putSource(store.db, source);
  });
  afterEach(async () => {
    for (const s of schedulers.splice(0)) await s.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('creates the job of a due slot once, across hubs, and runs it: the run is linked to the job', async () => {
    let changed = 0;
    const hub = scheduler({ onChanged: () => { changed += 1; } });
    const tick = await hub.tick();
    expect(tick.enqueued).toEqual([{ sourceId: 'region', slot: T('2025-03-01T02:00:00Z') }]);
    expect(tick.claimed).toHaveLength(1);
    await hub.idle();
    // The hub's indexer is woken once the harvest has ended (server.ts), as after a manual harvest.
    expect(changed).toBe(1);
    const [job] = await listJobs(store.db);
    expect(job).toMatchObject({ sourceId: 'region', status: 'done', attempts: 1, owner: 'hub-0', error: null });
    expect(await getRun(store.db, job.runId!)).toMatchObject({ status: 'succeeded', complete: true, counts: { new: 2 } });

    expect((await hub.tick()).enqueued).toEqual([]);
    expect((await scheduler().tick()).enqueued).toEqual([]); // another hub, same slot
    clock = T('2025-03-02T02:00:03Z');
    expect((await hub.tick()).enqueued).toEqual([{ sourceId: 'region', slot: T('2025-03-02T02:00:00Z') }]);
    await hub.idle();
    expect((await listJobs(store.db)).map((j) => j.status)).toEqual(['done', 'done']);
    expect(await listRuns(store.db)).toHaveLength(2);
  });

  it('never schedules a disabled source, nor one without schedule, nor a slot older than the missed window', async () => {
    await putSource(store.db, { ...source, enabled: false });
    await putSource(store.db, { ...source, id: 'manual', schedule: null });
    expect((await scheduler().tick()).enqueued).toEqual([]);
    await putSource(store.db, source);
    clock = T('2025-03-01T02:50:00Z');
    expect((await scheduler({ missedWindowMs: 3_600_000 }).tick()).enqueued).toHaveLength(1);
    await store.db.query('DELETE FROM harvest_jobs');
    expect((await scheduler({ missedWindowMs: 60_000 }).tick()).enqueued).toEqual([]);
  });

  it('recovers a job leased by a dead hub: closes its run as failed, runs the job again', async () => {
    await enqueueJob(store.db, 'region', T('2025-03-01T02:00:00Z'));
    const dead = (await claimJob(store.db, 'dead-hub', T('2025-03-01T02:01:00Z'), T('2025-03-01T02:00:01Z')))!;
    const orphan = await startRun(store.db, 'region', { at: T('2025-03-01T02:00:02Z') });
    await setJobRun(store.db, dead.id, 'dead-hub', orphan);
    clock = T('2025-03-01T02:05:00Z');
    const hub = scheduler({ missedWindowMs: 0 });
    const tick = await hub.tick();
    expect(tick.recovered).toEqual([expect.objectContaining({ id: dead.id, status: 'queued' })]);
    expect(tick.claimed).toEqual([expect.objectContaining({ id: dead.id, owner: 'hub-0', attempts: 2 })]);
    await hub.idle();
    const run = await getRun(store.db, orphan);
    expect(run).toMatchObject({ status: 'failed' });
    expect(run!.error).toMatch(/^harvest interrupted: hub process dead-hub stopped renewing its lease .* queued again \(attempt 2 of 3\)$/);
    const [job] = await listJobs(store.db);
    expect(job).toMatchObject({ id: dead.id, status: 'done', attempts: 2 });
    expect(job.runId).not.toBe(orphan);
    expect(await getRun(store.db, job.runId!)).toMatchObject({ status: 'succeeded' });
    const running = await store.db.query(`SELECT id FROM harvest_runs WHERE status = 'running'`);
    expect(running.rows).toEqual([]);
  });

  it('purges records withdrawn longer ago than the grace period', async () => {
    const hub = scheduler();
    await hub.tick();
    await hub.idle();
    // Nothing is withdrawn yet: the first tick ran the harvest that stored them.
    await store.db.query(`UPDATE records SET withdrawn_at = $1 WHERE native_id = $2`, [T('2025-01-20T00:00:00Z'), BANO]);
    await store.db.query(`UPDATE records SET withdrawn_at = $1 WHERE native_id <> $2`, [T('2025-02-20T00:00:00Z'), BANO]);
    clock = T('2025-03-01T02:10:00Z');
    const tick = await scheduler({ missedWindowMs: 0 }).tick();
    expect(tick.purged).toEqual({ records: 1, jobs: 0 });
    expect(await getRecord(store.db, recordId('region', BANO))).toBeNull();
    expect((await store.db.query('SELECT id FROM records')).rows).toHaveLength(1);
  });

  it('hands a running harvest back when it stops: the job is queued again, its run ended early', async () => {
    // 400 copies (duplicates after the first): long enough to still be running when the hub stops.
    for (let i = 0; i < 400; i++) await copyFile(path.join(ISO, FILES[0]), path.join(folder, `copy-${String(i).padStart(3, '0')}.xml`));
    const hub = scheduler();
    await hub.tick();
    while (!(await listJobs(store.db))[0]?.runId) await new Promise((r) => setTimeout(r, 10));
    await hub.stop();
    const [job] = await listJobs(store.db);
    expect(job).toMatchObject({ status: 'queued', attempts: 0, owner: null });
    expect(job.error).toMatch(/^interrupted by a hub stop/);
    // 'failed' when the stop came before the first document, 'partial' after.
    expect(await getRun(store.db, job.runId!)).toMatchObject({ status: expect.stringMatching(/^(partial|failed)$/), complete: false });
  });
});

// Several hubs on one PostgreSQL (issue #3 point 9): three processes tick every second on one schema.
if (process.env.DATABASE_URL) {
  const pg = backends.find((b) => b.name === 'pg')!;
  const runner = fileURLToPath(new URL('./scheduler-runner.ts', import.meta.url));

  function hub(schema: string, owner: string, runMs: number): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', runner], {
        cwd: projectRoot,
        env: { ...process.env, SCHEMA: schema, OWNER: owner, RUN_MS: String(runMs) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
  }

  describe('the scheduler in three processes on one PostgreSQL', () => {
    const store = useStore(pg, import.meta.url);
    let folder: string;
    afterEach(async () => {
      await rm(folder, { recursive: true, force: true });
    });

    it('runs each slot exactly once', async () => {
      folder = await mkdtemp(path.join(tmpdir(), 'moisson-scheduler-mp-'));
      for (const f of FILES) await copyFile(path.join(ISO, f), path.join(folder, f));
      await putSource(store.db, { id: 'every-second', type: 'directory', url: folder, enabled: true, schedule: '* * * * * *' });
      const exits = await Promise.all(['hub-a', 'hub-b', 'hub-c'].map((o) => hub(store.options.schema!, o, 6_000)));
      for (const e of exits) expect(e, e.stderr).toMatchObject({ code: 0 });

      const jobs = (await listJobs(store.db, { limit: 1000 })).reverse();
      expect(new Set(jobs.map((j) => j.slot.getTime())).size).toBe(jobs.length);
      // A hub that stops hands its running job back (queued, run ended early) for another hub to resume; the others
      // ran once each: one job per slot, one run per job.
      const done = jobs.filter((j) => j.status === 'done');
      expect(done.length).toBeGreaterThanOrEqual(3);
      for (const j of jobs) {
        if (j.status === 'done') expect(j, JSON.stringify(j)).toMatchObject({ attempts: 1, runId: expect.any(Number), error: null });
        else if (j.error === null) {
          // Enqueued by a last tick while the hubs were stopping, taken by none: never started.
          expect(j, JSON.stringify(j)).toMatchObject({ status: 'queued', attempts: 0, runId: null, startedAt: null, owner: null });
        } else expect(j, JSON.stringify(j)).toMatchObject({ status: 'queued', attempts: 0, error: expect.stringMatching(/^interrupted by a hub stop/) });
      }
      const runs = (await listRuns(store.db, { limit: 1000 })).reverse();
      // A job handed back by a stopping hub and resumed by another points at its new run: the run it left behind is
      // referenced by no job and must have ended early. Every other run belongs to exactly one job, in job order.
      const referenced = jobs.filter((j) => j.runId !== null).map((j) => j.runId);
      expect(runs.filter((r) => referenced.includes(r.id)).map((r) => r.id)).toEqual(referenced);
      for (const r of runs.filter((r) => !referenced.includes(r.id))) {
        expect(r, JSON.stringify(r)).toMatchObject({ status: expect.stringMatching(/^(partial|failed)$/), complete: false });
      }
      for (const j of jobs) {
        const run = runs.find((r) => r.id === j.runId);
        if (run) expect(run.status).toMatch(j.status === 'done' ? /^succeeded$/ : /^(partial|failed)$/);
      }
      expect(new Set(done.map((j) => j.owner)).size).toBeGreaterThanOrEqual(1);
      // One harvest of the source at a time, whichever hub ran it.
      for (let i = 1; i < runs.length; i++) expect(runs[i].startedAt.getTime()).toBeGreaterThanOrEqual(runs[i - 1].finishedAt!.getTime());
    }, 60_000);
  });
}
