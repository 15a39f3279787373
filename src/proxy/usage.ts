/**
 * Usage statistics of the proxied services (issue 6 §5): every proxied request is counted per day, service,
 * layer, key and status, in memory, and the counters are added to the store (`service_usage`) every few
 * seconds and at shutdown — never one write per request: the tile path serves thousands a second.
 * The same counts feed the Prometheus counters `moisson_proxy_requests_total{service,layer,status}` and
 * `moisson_proxy_bytes_total{service,layer}`.
 */
import { addUsage, type UsageRow } from '../store/services.ts';
import type { Db } from '../store/db.ts';
import { LabelTree, type HubMetrics } from '../http/metrics.ts';
import { statusLabel } from '../http/label-tree.ts';

export interface UsageEvent {
  service: string;
  /** A layer the service defines or advertises; '' (or absent) otherwise, so that labels stay bounded. */
  layer?: string;
  /** The access key's id (never its secret); absent for anonymous requests. */
  key?: string;
  status: number;
  /** Response body bytes sent to the client. */
  bytes?: number;
}

export interface UsageRecorder {
  /** Counts one request, or `requests` alike (a front process's tally: `bytes` is then their total). */
  count(e: UsageEvent, requests?: number): void;
  /** Adds the counts gathered so far to the store. */
  flush(): Promise<void>;
  /** Stops the periodic flush and flushes what is left. */
  close(): Promise<void>;
}

/** How often counters go to the store. */
const FLUSH_EVERY_MS = 10_000;
/**
 * Distinct layers counted per service. Callers pass only known layers; this bound protects the metrics and the
 * table if one does not (a client inventing LAYERS values): the rest are counted under '(other)'.
 */
const MAX_LAYERS_PER_SERVICE = 500;
/** Distinct services counted: a route counting a refused request under a made-up service id stays bounded. */
const MAX_SERVICES = 1000;

/** A secret must never be stored as a key id (a caller passing `key.secret` by mistake). */
const SECRET = /^mk_/;

const DAY_MS = 86_400_000;
let today = { n: -1, text: '' };

/** The UTC day of `ms` as YYYY-MM-DD, formatted once a day (count() runs on every tile served). */
function day(ms: number): string {
  const n = Math.floor(ms / DAY_MS);
  if (n !== today.n) today = { n, text: new Date(n * DAY_MS).toISOString().slice(0, 10) };
  return today.text;
}

/** A new row of usage, from its label values (day, service, layer, key, status). */
const makeRow = (v: readonly string[]): UsageRow =>
  ({ day: v[0], service: v[1], layer: v[2], key: v[3], status: Number(v[4]), requests: 0, bytes: 0 });

/** The counters waiting for the store, keyed by (day, service, layer, key, status), with bounded label sets. */
class PendingUsage {
  private rows = new LabelTree<UsageRow>();
  /** Layers seen per service; its keys are the services seen. */
  private readonly layers = new Map<string, Set<string>>();

  /** The service label: itself, or '(other)' past MAX_SERVICES distinct ones. */
  service(id: string): string {
    if (this.layers.has(id)) return id;
    if (this.layers.size >= MAX_SERVICES) return '(other)';
    this.layers.set(id, new Set());
    return id;
  }

  /** The layer label: itself, '' for none, or '(other)' past MAX_LAYERS_PER_SERVICE for this service. */
  layer(service: string, layer: string): string {
    const seen = this.layers.get(service);
    if (!layer || !seen) return '';
    if (seen.has(layer)) return layer;
    if (seen.size >= MAX_LAYERS_PER_SERVICE) return '(other)';
    seen.add(layer);
    return layer;
  }

  add(row: UsageRow): void {
    this.addCounts(row.day, row.service, row.layer, row.key, statusLabel(row.status), row.requests, row.bytes);
  }

  /** Adds to the row of these labels; nothing else is made when it exists (count() runs on every tile served). */
  addCounts(day: string, service: string, layer: string, key: string, status: string, requests: number, bytes: number): void {
    // Looked up by its fields (nested maps), not by a key string built on every request.
    const sum = this.rows.cell([day, service, layer, key, status], makeRow);
    sum.requests += requests;
    sum.bytes += bytes;
  }

  /** Takes every pending row (they are added back with `add` if writing them fails). */
  take(): UsageRow[] {
    const rows = this.rows.cells;
    this.rows = new LabelTree();
    return rows;
  }
}

/** Creates a recorder that flushes into `db` every `everyMs` (10 s by default). */
export function createUsageRecorder(db: Db, metrics?: HubMetrics, everyMs = FLUSH_EVERY_MS): UsageRecorder {
  const pending = new PendingUsage();
  let flushing: Promise<void> = Promise.resolve();
  let closed = false;

  const flushOnce = async () => {
    const rows = pending.take();
    if (rows.length === 0) return;
    try {
      await addUsage(db, rows);
    } catch (err) {
      // Kept for the next flush: a store hiccup must not lose statistics.
      for (const row of rows) pending.add(row);
      throw err;
    }
  };

  const recorder: UsageRecorder = {
    count(e, requests = 1) {
      const service = pending.service(e.service);
      const layer = pending.layer(service, e.layer ?? '');
      const key = e.key && !SECRET.test(e.key) ? e.key : '';
      const bytes = Math.max(0, Math.round(e.bytes ?? 0));
      const status = statusLabel(e.status);
      metrics?.proxyRequestsTally.add([service, layer, status], requests);
      if (bytes > 0) metrics?.proxyBytesTally.add([service, layer], bytes);
      pending.addCounts(day(Date.now()), service, layer, key, status, requests, bytes);
    },
    flush() {
      // One flush at a time: two concurrent upserts of the same rows would only contend.
      flushing = flushing.catch(() => {}).then(flushOnce);
      return flushing;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await recorder.flush();
    },
  };
  const timer = setInterval(() => {
    recorder.flush().catch(() => { /* retried at the next tick; the rows are kept */ });
  }, everyMs);
  timer.unref();
  return recorder;
}
