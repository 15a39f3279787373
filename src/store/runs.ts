/** Harvest runs with their counts, and one row per failed or warned record (DESIGN §6, "Reports"). */
import type { Db } from './db.ts';

export interface RunCounts {
  seen: number;
  new: number;
  changed: number;
  unchanged: number;
  failed: number;
  withdrawn: number;
  warned: number;
}
export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed';
export interface RunIssueRow {
  nativeId: string | null;
  url: string | null;
  severity: 'error' | 'warning';
  path: string;
  message: string;
}
export interface RunSummary {
  id: number;
  sourceId: string;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  counts: RunCounts;
  error: string | null;
  complete: boolean;
  dryRun: boolean;
}

export const zeroCounts = (): RunCounts => ({
  seen: 0, new: 0, changed: 0, unchanged: 0, failed: 0, withdrawn: 0, warned: 0,
});

interface RunRow {
  id: number;
  source_id: string;
  status: RunStatus;
  started_at: Date;
  finished_at: Date | null;
  counts: RunCounts;
  error: string | null;
  complete: boolean;
  dry_run: boolean;
}

const runColumns = 'id, source_id, status, started_at, finished_at, counts, error, complete, dry_run';

function toSummary(r: RunRow): RunSummary {
  return {
    id: r.id,
    sourceId: r.source_id,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    counts: { ...zeroCounts(), ...r.counts },
    error: r.error,
    complete: r.complete,
    dryRun: r.dry_run,
  };
}

/**
 * Opens a run in status 'running'. started_at comes from Node's clock, like the `at` of record upserts,
 * so comparing them (withdrawUnseen) never depends on the database server's clock.
 */
export async function startRun(db: Db, sourceId: string, opts: { dryRun?: boolean; at?: Date } = {}): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO harvest_runs (source_id, status, dry_run, started_at, counts)
     VALUES ($1, 'running', $2, $3, $4) RETURNING id`,
    [sourceId, opts.dryRun ?? false, opts.at ?? new Date(), JSON.stringify(zeroCounts())],
  );
  return r.rows[0].id;
}

export async function finishRun(
  db: Db,
  id: number,
  r: { status: RunStatus; counts: RunCounts; error?: string | null; complete: boolean; at?: Date },
): Promise<void> {
  await db.query(
    `UPDATE harvest_runs SET status = $2, counts = $3, error = $4, complete = $5, finished_at = $6 WHERE id = $1`,
    [id, r.status, JSON.stringify(r.counts), r.error ?? null, r.complete, r.at ?? new Date()],
  );
}

/** Stores a batch of issues in one statement. */
export async function addRunIssues(db: Db, runId: number, issues: RunIssueRow[]): Promise<void> {
  if (issues.length === 0) return;
  await db.query(
    `INSERT INTO run_issues (run_id, native_id, url, severity, path, message)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])`,
    [
      runId,
      issues.map((i) => i.nativeId),
      issues.map((i) => i.url),
      issues.map((i) => i.severity),
      issues.map((i) => i.path),
      issues.map((i) => i.message),
    ],
  );
}

export async function getRun(db: Db, id: number): Promise<RunSummary | null> {
  const r = await db.query<RunRow>(`SELECT ${runColumns} FROM harvest_runs WHERE id = $1`, [id]);
  return r.rows[0] ? toSummary(r.rows[0]) : null;
}

/** Latest runs first. */
export async function listRuns(db: Db, q: { sourceId?: string; limit?: number } = {}): Promise<RunSummary[]> {
  const r = await db.query<RunRow>(
    `SELECT ${runColumns} FROM harvest_runs WHERE ($1::text IS NULL OR source_id = $1) ORDER BY id DESC LIMIT $2`,
    [q.sourceId ?? null, q.limit ?? 50],
  );
  return r.rows.map(toSummary);
}

/** The latest run of each source, by source id. */
export async function lastRuns(db: Db): Promise<Map<string, RunSummary>> {
  const r = await db.query<RunRow>(
    `SELECT DISTINCT ON (source_id) ${runColumns} FROM harvest_runs ORDER BY source_id, id DESC`,
  );
  return new Map(r.rows.map((row) => [row.source_id, toSummary(row)]));
}

/** The latest complete, non-dry run of a source (its start is the `since` of an incremental harvest). */
export async function lastCompleteRun(db: Db, sourceId: string): Promise<RunSummary | null> {
  const r = await db.query<RunRow>(
    `SELECT ${runColumns} FROM harvest_runs WHERE source_id = $1 AND complete AND NOT dry_run ORDER BY id DESC LIMIT 1`,
    [sourceId],
  );
  return r.rows[0] ? toSummary(r.rows[0]) : null;
}

export async function getRunIssues(db: Db, runId: number): Promise<RunIssueRow[]> {
  const r = await db.query<{ native_id: string | null; url: string | null; severity: 'error' | 'warning';
    path: string; message: string }>(
    'SELECT native_id, url, severity, path, message FROM run_issues WHERE run_id = $1 ORDER BY id',
    [runId],
  );
  return r.rows.map((i) => ({ nativeId: i.native_id, url: i.url, severity: i.severity, path: i.path, message: i.message }));
}
