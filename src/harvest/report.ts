/**
 * The run report (DESIGN §6, STYLE §7): plain data, stored in harvest_run / harvest_run_issue and shown by the
 * CLI and the admin API. `formatReport` is the one text rendering of it.
 */
import type { RunCounts, RunIssueRow, RunStatus } from '../store/runs.ts';

export type { RunCounts, RunIssueRow, RunStatus };

/** Sent after each document; `total` is the harvester's hint when it knows how many documents will come. */
export interface Progress {
  seen: number;
  new: number;
  changed: number;
  unchanged: number;
  failed: number;
  total?: number;
}

export interface RunReport {
  /** harvest_run id; null for a dry run (nothing is written). */
  runId: number | null;
  sourceId: string;
  status: Exclude<RunStatus, 'running'>;
  /** true only when the harvester went through to its end (the condition for any future deletion). */
  complete: boolean;
  /** The harvester listed only records modified since the last complete run. */
  incremental: boolean;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  counts: RunCounts;
  /** One line per failed or warned record (and per harvest-level warning), in document order. */
  lines: RunIssueRow[];
  /** Why the harvest stopped early (folder missing, network, aborted). */
  error?: string;
}

/** Zeroed counts. */
export function emptyCounts(): RunCounts {
  return { seen: 0, new: 0, changed: 0, unchanged: 0, failed: 0, withdrawn: 0, warned: 0 };
}

const COUNT_ORDER: (keyof RunCounts)[] = ['seen', 'new', 'changed', 'unchanged', 'failed', 'warned', 'withdrawn'];

/**
 * Plain-text report: a header, the counts, the error if any, then one line per issue:
 * `✗ <nativeId> <path> — <message>` for errors, `⚠ …` for warnings.
 */
export function formatReport(report: RunReport): string {
  const out = [header(report), COUNT_ORDER.map((k) => `${k} ${report.counts[k]}`).join(' · ')];
  if (report.error) out.push(`error: ${report.error}`);
  for (const line of report.lines) out.push(formatLine(line));
  return out.join('\n');
}

function header(r: RunReport): string {
  const run = r.runId === null ? 'dry run' : `run ${r.runId}`;
  const completeness = r.complete ? 'complete' : r.incremental ? 'incremental' : 'incomplete';
  const seconds = (r.durationMs / 1000).toFixed(1);
  return `${r.sourceId} — ${run} — ${r.status} (${completeness}) — ${r.startedAt} — ${seconds} s`;
}

/** One issue line; the URL stands in when the record has no native id yet (not mapped, skipped). */
export function formatLine(line: RunIssueRow): string {
  const mark = line.severity === 'error' ? '✗' : '⚠';
  const who = line.nativeId ?? line.url ?? '-';
  return `${mark} ${who} ${line.path || '/'} — ${line.message}`;
}
