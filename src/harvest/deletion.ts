/**
 * Safe deletion (DESIGN §6, issue #3 point 6): records missing upstream are withdrawn only at the end of a
 * complete run (every page fetched, counts consistent, not an incremental listing), and only when they are not
 * more than a configurable share of the source's catalogue (`options.maxWithdrawShare`, default 0.2): a
 * catalogue that suddenly "loses" half its records is far more likely broken upstream than purged. Every run
 * that withdraws nothing says why in its report. Withdrawn records stay in the store, hidden, and are purged by
 * the scheduler's maintenance after a grace period (src/harvest/scheduler.ts).
 */
import type { Db } from '../store/db.ts';
import { harvestedUrls, withdrawRecords } from '../store/records.ts';
import type { RunIssueRow, RunStatus } from '../store/runs.ts';
import type { SourceDef } from '../store/sources.ts';

export const DEFAULT_MAX_WITHDRAW_SHARE = 0.2;

/** What the orchestrator knows at the end of a run. */
export interface DeletionInput {
  source: SourceDef;
  runId: number | null;
  dryRun: boolean;
  status: Exclude<RunStatus, 'running'>;
  complete: boolean;
  incremental: boolean;
  incompleteReasons: string[];
  error?: string;
  /** Native ids of the source's visible records when the run started (its catalogue). */
  stored: ReadonlySet<string> | ReadonlyMap<string, unknown>;
  /** Native ids seen in this run (mapped, unchanged, or failed after being identified). */
  seen: ReadonlySet<string> | ReadonlyMap<string, unknown>;
  /** The run's report lines so far: documents that failed protect the records they may be. */
  lines: readonly RunIssueRow[];
  /** The run's start: records touched or written since then are never withdrawn. */
  startedAt: Date;
  at: Date;
}

export interface DeletionOutcome {
  /** Withdrawn records (or, in a dry run, records that would be). */
  withdrawn: string[];
  lines: RunIssueRow[];
}

/** The source's `options.maxWithdrawShare` when it is a number in [0, 1], the default otherwise. */
export function maxWithdrawShare(source: SourceDef): number {
  const v = source.options?.maxWithdrawShare;
  return typeof v === 'number' && v >= 0 && v <= 1 ? v : DEFAULT_MAX_WITHDRAW_SHARE;
}

/** Why this run may not withdraw anything; null when it may. */
export function blockedReason(run: Pick<DeletionInput, 'status' | 'complete' | 'incremental' | 'incompleteReasons' | 'error'>): string | null {
  if (run.status !== 'succeeded') return `the run ${run.status === 'failed' ? 'failed' : 'stopped early'}${run.error ? ` (${run.error})` : ''}`;
  if (run.incremental) return 'incremental run: only records modified since the last complete run were listed';
  if (run.incompleteReasons.length > 0) return `the listing was incomplete (${run.incompleteReasons.join('; ')})`;
  if (!run.complete) return 'the run is not complete';
  return null;
}

const line = (nativeId: string | null, message: string): RunIssueRow =>
  ({ nativeId, url: null, severity: 'warning', path: '/', message });

/**
 * Native ids of the catalogue that this run did not see, minus those a failed document may stand for: a
 * document that failed with a native id protects that record, one that failed before it had an id protects
 * the records last harvested from the same URL (a record that turned malformed upstream still exists there).
 */
export async function missingUpstream(db: Db, input: DeletionInput): Promise<string[]> {
  const failed = input.lines.filter((l) => l.severity === 'error');
  const protectedIds = new Set(failed.flatMap((l) => (l.nativeId === null ? [] : [l.nativeId])));
  const failedUrls = new Set(failed.flatMap((l) => (l.nativeId === null && l.url ? [l.url] : [])));
  const missing = [...input.stored.keys()].filter((id) => !input.seen.has(id) && !protectedIds.has(id));
  if (failedUrls.size === 0 || missing.length === 0) return missing.sort();
  const urls = await harvestedUrls(db, input.source.id, missing);
  return missing.filter((id) => !failedUrls.has(urls.get(id) ?? '')).sort();
}

function shareText(n: number, total: number): string {
  return `${n} of ${total} records (${((100 * n) / total).toFixed(1)} %)`;
}

/**
 * Applies the policy at the end of a run: withdraws (or, in a dry run, lists) the records missing upstream,
 * or withdraws nothing and returns the line saying why.
 */
export async function applyDeletion(db: Db, input: DeletionInput): Promise<DeletionOutcome> {
  const verb = input.dryRun ? 'would be withdrawn' : 'withdrawn';
  const blocked = blockedReason(input);
  if (blocked) return { withdrawn: [], lines: [line(null, `nothing ${verb}: ${blocked}`)] };
  const missing = await missingUpstream(db, input);
  if (missing.length === 0) return { withdrawn: [], lines: [] };
  const total = input.stored.size;
  const max = maxWithdrawShare(input.source);
  if (missing.length > max * total) {
    const why = `${shareText(missing.length, total)} are missing upstream, more than the source's maxWithdrawShare ` +
      `(${max * 100} %); if the catalogue really shrank, raise options.maxWithdrawShare and harvest again`;
    return { withdrawn: [], lines: [line(null, `nothing ${verb}: ${why}`)] };
  }
  const withdrawn = input.dryRun ? missing : await withdrawRecords(db, input.source.id, missing, {
    seenBefore: input.startedAt, runId: input.runId ?? undefined, at: input.at,
  });
  return { withdrawn, lines: withdrawn.map((id) => line(id, `${verb}: missing upstream`)) };
}
