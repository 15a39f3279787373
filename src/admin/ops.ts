/**
 * Administration operations on a store: the admin API and the CLI (when it owns the store) both call these,
 * so that a command behaves the same whichever way it reaches the hub. `HubOps` is also implemented by the
 * admin API client (src/admin/client.ts) that the CLI uses when another process holds the store.
 */
import { HubError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import { deleteSource, getSource, listSources, putSource, type SourceDef } from '../store/sources.ts';
import { getRun, getRunIssues, listRuns, type RunIssueRow, type RunSummary } from '../store/runs.ts';
import { runHarvest, type Progress, type RunReport } from '../harvest/run.ts';
import { InvalidSourceError, loadSeedSources, parseSource } from '../harvest/sources.ts';
import type { HubMetrics } from '../http/metrics.ts';
import type { RebuildProgress } from '../search/indexer.ts';
import { localServiceOps, readSeedServices, storeSeedServices, type SeedImport, type ServiceOps, type ServiceOpsHooks } from './services-ops.ts';

export type SourceListing = Awaited<ReturnType<typeof listSources>>[number];

/** What import-seeds did: sources at the top level (as before services existed), services apart. */
export type SeedsImport = SeedImport & { services: SeedImport };

export interface HubOps extends ServiceOps {
  addSource(input: unknown, opts?: { baseDir?: string }): Promise<{ status: 'created' | 'updated'; source: SourceDef }>;
  listSources(): Promise<SourceListing[]>;
  showSource(id: string): Promise<{ source: SourceDef; runs: RunSummary[] }>;
  removeSource(id: string): Promise<void>;
  harvest(id: string, opts?: { dryRun?: boolean; onProgress?: (p: Progress) => void }): Promise<RunReport>;
  listRuns(q?: { sourceId?: string; limit?: number }): Promise<RunSummary[]>;
  showRun(id: number): Promise<{ run: RunSummary; issues: RunIssueRow[] }>;
  /** Loads seed sources and services; with `keepExisting`, those already in the store are left as admins set them. */
  importSeeds(dir: string, opts?: { keepExisting?: boolean }): Promise<SeedsImport>;
  /** Rebuilds the search index from the store (`moisson reindex`). */
  reindex(opts?: { onProgress?: (p: RebuildProgress) => void }): Promise<ReindexResult>;
}

export interface ReindexResult {
  documents: number;
  seconds: number;
}

export interface OpsHooks extends ServiceOpsHooks {
  metrics?: HubMetrics;
  /**
   * Rebuilds the search index (src/search/indexer.ts): the hub's indexer pauses its worker for it, the CLI
   * opens the configured index for the time of the command. Without it, `reindex` is refused.
   */
  reindex?: (onProgress?: (p: RebuildProgress) => void) => Promise<number>;
}

/** Harvests in progress in this process, by source id: a second request for the same source is refused. */
const active = new Set<string>();

function asSourceError(err: unknown): never {
  if (err instanceof InvalidSourceError) {
    throw new HubError('invalid_source', `Invalid source definition: ${err.message}`, { details: err.problems });
  }
  throw err;
}

async function mustGetSource(db: Db, id: string): Promise<SourceDef> {
  const source = await getSource(db, id);
  if (!source) throw new HubError('source_not_found', `No source "${id}". List them with "moisson sources list".`, { locator: 'source' });
  return source;
}

/** The operations, run directly on a store. */
export function localOps(db: Db, hooks: OpsHooks = {}): HubOps {
  return {
    ...localServiceOps(db, hooks),
    async addSource(input, opts) {
      let source: SourceDef;
      try {
        source = parseSource(input, opts);
      } catch (err) {
        asSourceError(err);
      }
      return { status: await putSource(db, source), source };
    },
    listSources: () => listSources(db),
    async showSource(id) {
      const source = await mustGetSource(db, id);
      return { source, runs: await listRuns(db, { sourceId: id, limit: 10 }) };
    },
    async removeSource(id) {
      if (!(await deleteSource(db, id))) await mustGetSource(db, id);
    },
    harvest: async (id, opts) => {
      const report = await harvestSource(db, id, opts);
      if (hooks.metrics && !report.dryRun) countRun(hooks.metrics, report);
      return report;
    },
    listRuns: (q) => listRuns(db, q),
    async showRun(id) {
      const run = await getRun(db, id);
      if (!run) throw new HubError('run_not_found', `No harvest run ${id}. List them with "moisson runs list".`, { locator: 'run' });
      return { run, issues: await getRunIssues(db, id) };
    },
    async importSeeds(dir, opts = {}) {
      let defs: SourceDef[];
      try {
        defs = loadSeedSources(dir);
      } catch (err) {
        asSourceError(err);
      }
      const services = readSeedServices(dir); // validated before anything is written
      const result: SeedsImport = { created: [], updated: [], kept: [], services: { created: [], updated: [], kept: [] } };
      for (const def of defs) {
        if (opts.keepExisting && (await getSource(db, def.id))) result.kept.push(def.id);
        else result[(await putSource(db, def)) === 'created' ? 'created' : 'updated'].push(def.id);
      }
      result.services = await storeSeedServices(db, services, opts);
      return result;
    },
    async reindex(opts = {}) {
      if (!hooks.reindex) throw new HubError('search_unavailable', 'This process has no search index to rebuild.');
      const started = Date.now();
      const documents = await hooks.reindex(opts.onProgress);
      return { documents, seconds: (Date.now() - started) / 1000 };
    },
  };
}

async function harvestSource(db: Db, id: string, opts: { dryRun?: boolean; onProgress?: (p: Progress) => void } = {}) {
  const source = await mustGetSource(db, id);
  if (active.has(id)) throw new HubError('conflict', `A harvest of "${id}" is already running in this hub.`, { locator: 'source' });
  active.add(id);
  try {
    return await runHarvest(db, source, { dryRun: opts.dryRun, onProgress: opts.onProgress });
  } finally {
    active.delete(id);
  }
}

function countRun(m: HubMetrics, r: RunReport): void {
  m.harvestRuns.inc({ source: r.sourceId, status: r.status });
  for (const outcome of ['new', 'changed', 'unchanged', 'failed'] as const) {
    if (r.counts[outcome]) m.harvestRecords.inc({ source: r.sourceId, outcome }, r.counts[outcome]);
  }
}
