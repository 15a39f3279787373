/** Plain-text rendering of CLI results (tables, run summaries). */
import type { RunSummary } from '../store/runs.ts';
import type { SourceListing } from '../admin/ops.ts';

/** Renders rows as aligned columns. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function when(d: Date | string | null | undefined): string {
  if (!d) return '';
  return new Date(d).toISOString().replace('T', ' ').slice(0, 19);
}

export function sourcesTable(sources: SourceListing[]): string {
  return table(
    ['id', 'type', 'enabled', 'records', 'last run', 'schedule', 'url'],
    sources.map((s) => [s.id, s.type, s.enabled ? 'yes' : 'no', String(s.recordCount),
      s.lastRun ? `#${s.lastRun.id} ${s.lastRun.status} ${when(s.lastRun.startedAt)}` : '-', s.schedule ?? '', s.url]),
  );
}

export function runsTable(runs: RunSummary[]): string {
  return table(
    ['run', 'source', 'status', 'started', 'seen', 'new', 'changed', 'unchanged', 'failed', 'withdrawn'],
    runs.map((r) => [String(r.id), r.sourceId, r.status + (r.dryRun ? ' (dry run)' : ''), when(r.startedAt),
      ...(['seen', 'new', 'changed', 'unchanged', 'failed', 'withdrawn'] as const).map((k) => String(r.counts[k]))]),
  );
}

export function runSummaryText(r: RunSummary): string {
  const c = r.counts;
  const duration = r.finishedAt ? `${((new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime()) / 1000).toFixed(1)} s` : 'running';
  return [
    `Run #${r.id} of source "${r.sourceId}": ${r.status}${r.complete ? '' : ' (incomplete)'}, ${duration}`,
    `  started ${when(r.startedAt)}${r.finishedAt ? `, finished ${when(r.finishedAt)}` : ''}`,
    `  seen ${c.seen}, new ${c.new}, changed ${c.changed}, unchanged ${c.unchanged}, failed ${c.failed}, withdrawn ${c.withdrawn}, with warnings ${c.warned}`,
    ...(r.error ? [`  error: ${r.error}`] : []),
  ].join('\n');
}
