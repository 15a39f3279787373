/**
 * Durable harvest jobs (DESIGN §2, §6): one row per (source, cron slot), created by whichever hub ticks first
 * (UNIQUE key, ON CONFLICT DO NOTHING), taken by one worker with FOR UPDATE SKIP LOCKED under a lease that
 * its owner renews (heartbeat). A job whose lease expired belongs to a dead process: it is queued again or,
 * after too many attempts, failed, and the run it left 'running' is closed as failed. Times come from the
 * caller (Node's clock), like the runs' times: leases last minutes, far beyond the skew of synchronised clocks.
 */
import type { Db } from './db.ts';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface Job {
  id: number;
  sourceId: string;
  slot: Date;
  status: JobStatus;
  attempts: number;
  owner: string | null;
  leaseUntil: Date | null;
  runId: number | null;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

interface JobRow {
  id: number;
  source_id: string;
  slot: Date;
  status: JobStatus;
  attempts: number;
  owner: string | null;
  lease_until: Date | null;
  run_id: number | null;
  error: string | null;
  started_at: Date | null;
  finished_at: Date | null;
}

const jobColumns = 'id, source_id, slot, status, attempts, owner, lease_until, run_id, error, started_at, finished_at';

function toJob(r: JobRow): Job {
  return {
    id: r.id, sourceId: r.source_id, slot: r.slot, status: r.status, attempts: r.attempts, owner: r.owner,
    leaseUntil: r.lease_until, runId: r.run_id, error: r.error, startedAt: r.started_at, finishedAt: r.finished_at,
  };
}

/** Enabled sources that have a schedule. */
export async function scheduledSources(db: Db): Promise<{ id: string; schedule: string }[]> {
  const r = await db.query<{ id: string; schedule: string }>(
    `SELECT id, schedule FROM sources WHERE enabled AND schedule IS NOT NULL AND schedule <> '' ORDER BY id`);
  return r.rows;
}

/**
 * Creates the job of one (source, slot) unless it exists (another hub created it) or the source already has a
 * queued job (a harvest slower than its schedule must not pile up jobs). Returns the job id, or null.
 */
export async function enqueueJob(db: Db, sourceId: string, slot: Date): Promise<number | null> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO harvest_jobs (source_id, slot)
     SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM harvest_jobs WHERE source_id = $1 AND status = 'queued')
     ON CONFLICT (source_id, slot) DO NOTHING RETURNING id`,
    [sourceId, slot],
  );
  return r.rows[0]?.id ?? null;
}

/** PostgreSQL's unique_violation: another hub started a job of the same source first. */
const UNIQUE_VIOLATION = '23505';

/**
 * Takes the oldest queued job of an enabled source that has no running job, for `owner`, until `leaseUntil`.
 * SKIP LOCKED lets concurrent workers take different jobs; the one-running-job-per-source index turns the
 * remaining race (two sources' jobs claimed at once by two hubs) into a unique violation, answered as "none".
 */
export async function claimJob(db: Db, owner: string, leaseUntil: Date, now: Date): Promise<Job | null> {
  try {
    const r = await db.query<JobRow>(
      `UPDATE harvest_jobs SET status = 'running', owner = $1, lease_until = $2, attempts = attempts + 1,
         started_at = $3, error = NULL
       WHERE id = (
         SELECT j.id FROM harvest_jobs j JOIN sources s ON s.id = j.source_id
         WHERE j.status = 'queued' AND s.enabled
           AND NOT EXISTS (SELECT 1 FROM harvest_jobs o WHERE o.source_id = j.source_id AND o.status = 'running')
         ORDER BY j.slot, j.id LIMIT 1 FOR UPDATE OF j SKIP LOCKED)
       RETURNING ${jobColumns}`,
      [owner, leaseUntil, now],
    );
    return r.rows[0] ? toJob(r.rows[0]) : null;
  } catch (err) {
    if ((err as { code?: string }).code === UNIQUE_VIOLATION) return null;
    throw err;
  }
}

/** Renews a lease; false when the job is no longer this owner's (recovered by another hub after a stall). */
export async function renewLease(db: Db, jobId: number, owner: string, leaseUntil: Date): Promise<boolean> {
  const r = await db.query(
    `UPDATE harvest_jobs SET lease_until = $3 WHERE id = $1 AND owner = $2 AND status = 'running'`,
    [jobId, owner, leaseUntil],
  );
  return r.rowCount === 1;
}

/** Records the run a job started, so that a recovery can close it. */
export async function setJobRun(db: Db, jobId: number, owner: string, runId: number): Promise<void> {
  await db.query(`UPDATE harvest_jobs SET run_id = $3 WHERE id = $1 AND owner = $2`, [jobId, owner, runId]);
}

/**
 * Ends a job this owner holds; false when it no longer holds it. 'queued' hands it back (the hub is stopping):
 * that attempt does not count against maxAttempts.
 */
export async function finishJob(
  db: Db, jobId: number, owner: string, r: { status: 'done' | 'failed' | 'cancelled' | 'queued'; error?: string | null; at: Date },
): Promise<boolean> {
  const done = r.status !== 'queued';
  const res = await db.query(
    `UPDATE harvest_jobs SET status = $3, error = $4, finished_at = $5, lease_until = NULL,
       owner = CASE WHEN $6 THEN owner END,
       attempts = CASE WHEN $6 THEN attempts ELSE greatest(attempts - 1, 0) END
     WHERE id = $1 AND owner = $2 AND status = 'running'`,
    [jobId, owner, r.status, r.error ?? null, done ? r.at : null, done],
  );
  return res.rowCount === 1;
}

/**
 * Recovers the jobs whose lease expired before `now`: each run they left 'running' is closed as failed with
 * the reason, and the job is queued again (harvests are idempotent: a re-run resumes it) or, once it has had
 * `maxAttempts`, failed. Queued jobs of sources disabled since are cancelled. Returns the jobs recovered.
 */
export async function recoverExpiredJobs(db: Db, now: Date, maxAttempts: number): Promise<Job[]> {
  return db.tx(async (t) => {
    await t.query(
      `UPDATE harvest_jobs SET status = 'cancelled', finished_at = $1, error = 'source disabled'
       WHERE status = 'queued' AND source_id IN (SELECT id FROM sources WHERE NOT enabled)`, [now]);
    const expired = await t.query<JobRow>(
      `SELECT ${jobColumns} FROM harvest_jobs WHERE status = 'running' AND lease_until < $1
       ORDER BY id FOR UPDATE SKIP LOCKED`, [now]);
    const recovered: Job[] = [];
    for (const row of expired.rows) recovered.push(await recoverOne(t, toJob(row), now, maxAttempts));
    return recovered;
  });
}

async function recoverOne(db: Db, job: Job, now: Date, maxAttempts: number): Promise<Job> {
  const giveUp = job.attempts >= maxAttempts;
  const why = `hub process ${job.owner ?? '?'} stopped renewing its lease (expired ${job.leaseUntil?.toISOString()})`;
  const next = giveUp ? `failed after ${job.attempts} attempts` : `queued again (attempt ${job.attempts + 1} of ${maxAttempts})`;
  if (job.runId !== null) {
    await db.query(
      `UPDATE harvest_runs SET status = 'failed', finished_at = $2, error = $3 WHERE id = $1 AND status = 'running'`,
      [job.runId, now, `harvest interrupted: ${why}; job ${job.id} ${next}`],
    );
  }
  const r = await db.query<JobRow>(
    `UPDATE harvest_jobs SET status = $2, owner = NULL, lease_until = NULL, error = $3, finished_at = $4
     WHERE id = $1 RETURNING ${jobColumns}`,
    [job.id, giveUp ? 'failed' : 'queued', `${why}; ${next}`, giveUp ? now : null],
  );
  return toJob(r.rows[0]);
}

/** Jobs, latest slot first. */
export async function listJobs(db: Db, q: { sourceId?: string; limit?: number } = {}): Promise<Job[]> {
  const r = await db.query<JobRow>(
    `SELECT ${jobColumns} FROM harvest_jobs WHERE ($1::text IS NULL OR source_id = $1) ORDER BY slot DESC, id DESC LIMIT $2`,
    [q.sourceId ?? null, q.limit ?? 100],
  );
  return r.rows.map(toJob);
}

/** Deletes finished jobs older than `before` (their runs stay). */
export async function purgeJobs(db: Db, before: Date): Promise<number> {
  const r = await db.query(
    `DELETE FROM harvest_jobs WHERE status IN ('done', 'failed', 'cancelled') AND finished_at < $1`, [before]);
  return r.rowCount;
}
