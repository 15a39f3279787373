/**
 * `HubOps` over a running hub's admin API: the CLI uses it when another process holds the embedded store
 * (only one process may open a PGlite DATA_DIR).
 */
import path from 'node:path';
import { HubError, catalogue, type ErrorCode } from '../errors.ts';
import type { Progress, RunReport } from '../harvest/run.ts';
import type { RunIssueRow, RunSummary } from '../store/runs.ts';
import type { SourceDef } from '../store/sources.ts';
import { ADMIN_PREFIX } from './api.ts';
import type { HubOps, ReindexResult, SeedsImport, SourceListing } from './ops.ts';
import type { ServiceOps } from './services-ops.ts';
import type { AccessKey, ServiceDef, UsageRow } from '../store/services.ts';
import type { RebuildProgress } from '../search/indexer.ts';

type Json = Record<string, unknown>;

/** Dates travel as ISO strings; the CLI prints them, so revive the ones the summaries carry. */
function reviveRun(r: Json): RunSummary {
  return { ...r, startedAt: new Date(r.startedAt as string), finishedAt: r.finishedAt ? new Date(r.finishedAt as string) : null } as RunSummary;
}

async function failure(res: Response, what: string): Promise<never> {
  let body: Json = {};
  try {
    body = (await res.json()) as Json;
  } catch {
    /* not JSON: keep the status */
  }
  const code = (typeof body.error === 'string' && body.error in catalogue ? body.error : 'internal') as ErrorCode;
  throw new HubError(code, `${what}: ${String(body.message ?? `HTTP ${res.status}`)}`, { details: body.details });
}

export function remoteOps(baseUrl: string, token: string): HubOps {
  const call = async (method: string, p: string, body?: unknown, accept = 'application/json'): Promise<Response> => {
    const res = await fetch(`${baseUrl}${ADMIN_PREFIX}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, accept, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) await failure(res, `${method} ${ADMIN_PREFIX}${p}`);
    return res;
  };
  const json = async (method: string, p: string, body?: unknown): Promise<Json> => {
    const res = await call(method, p, body);
    return res.status === 204 ? {} : ((await res.json()) as Json);
  };
  return {
    ...remoteServiceOps(json),
    async addSource(input, opts) {
      // A relative folder means the CLI's working directory, not the server's.
      const def = { ...(input as Json) };
      if (def.type === 'directory' && typeof def.url === 'string') def.url = path.resolve(opts?.baseDir ?? process.cwd(), def.url);
      return (await json('POST', '/sources', def)) as { status: 'created' | 'updated'; source: SourceDef };
    },
    listSources: async () => (await json('GET', '/sources')).sources as SourceListing[],
    async showSource(id) {
      const r = await json('GET', `/sources/${encodeURIComponent(id)}`);
      return { source: r.source as SourceDef, runs: (r.runs as Json[]).map(reviveRun) };
    },
    removeSource: async (id) => void (await json('DELETE', `/sources/${encodeURIComponent(id)}`)),
    harvest: (id, opts) => remoteHarvest(call, id, opts),
    listRuns: async (q) => {
      const qs = new URLSearchParams({ ...(q?.sourceId ? { source: q.sourceId } : {}), ...(q?.limit ? { limit: String(q.limit) } : {}) });
      return ((await json('GET', `/runs?${qs}`)).runs as Json[]).map(reviveRun);
    },
    async showRun(id) {
      const r = await json('GET', `/runs/${id}`);
      return { run: reviveRun(r.run as Json), issues: r.issues as RunIssueRow[] };
    },
    importSeeds: async (_dir, opts) => (await json('POST', '/import-seeds', { keepExisting: !!opts?.keepExisting })) as unknown as SeedsImport,
    async reindex(opts) {
      const res = await call('POST', '/reindex', {}, 'application/x-ndjson');
      return streamed<RebuildProgress, ReindexResult>(res, 'result', 'reindex stream', opts?.onProgress);
    },
  };
}

type Call = (method: string, p: string, body?: unknown, accept?: string) => Promise<Response>;
type JsonCall = (method: string, p: string, body?: unknown) => Promise<Json>;

/** The service, key and usage operations over the admin API. */
function remoteServiceOps(json: JsonCall): ServiceOps {
  const id = (s: string) => encodeURIComponent(s);
  return {
    addService: async (input) => (await json('POST', '/services', input)) as { status: 'created' | 'updated'; service: ServiceDef },
    listServices: async () => (await json('GET', '/services')).services as ServiceDef[],
    showService: async (s) => (await json('GET', `/services/${id(s)}`)) as { service: ServiceDef; usage: UsageRow[] },
    removeService: async (s) => void (await json('DELETE', `/services/${id(s)}`)),
    addKey: async (input) => (await json('POST', '/keys', input)) as { key: AccessKey; secret: string },
    listKeys: async () => (await json('GET', '/keys')).keys as AccessKey[],
    revokeKey: async (k) => void (await json('DELETE', `/keys/${id(k)}`)),
    usage: async (q = {}) => {
      const qs = new URLSearchParams({ ...(q.service ? { service: q.service } : {}), ...(q.since ? { since: q.since } : {}) });
      return (await json('GET', `/usage?${qs}`)).usage as UsageRow[];
    },
  };
}

/**
 * Reads an NDJSON stream of the admin API (harvest, reindex): progress lines, then one line holding the
 * result under `key` (or an error).
 */
async function streamed<P, T>(res: Response, key: string, what: string, onProgress?: (p: P) => void): Promise<T> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, nl)) as Json;
      buffer = buffer.slice(nl + 1);
      if (line.progress) onProgress?.(line.progress as P);
      else if (line[key]) return line[key] as T;
      else if (line.error) throw new HubError(line.error as ErrorCode, String(line.message));
    }
  }
  throw new HubError('internal', `The hub closed the ${what} without a ${key}.`);
}

/** Reads the NDJSON stream of a harvest: progress lines, then the report (or an error). */
async function remoteHarvest(call: Call, id: string, opts: { dryRun?: boolean; onProgress?: (p: Progress) => void } = {}): Promise<RunReport> {
  const res = await call('POST', `/sources/${encodeURIComponent(id)}/harvest`, { dryRun: !!opts.dryRun }, 'application/x-ndjson');
  return streamed<Progress, RunReport>(res, 'report', `harvest stream of "${id}"`, opts.onProgress);
}
