/** Prometheus metrics (prom-client), exposed at /metrics. One registry per app, so tests stay isolated. */
import { Counter, Histogram, Registry, collectDefaultMetrics, Gauge } from 'prom-client';

/**
 * Increments kept in plain numbers per label set, added to a prom-client counter when it is collected (a scrape
 * of /metrics, or registry.metrics()). prom-client sorts, joins and hashes the labels on every inc: the tile path
 * paid that three times a request (~4 % of its CPU). Label values are given in the counter's labelNames order.
 */
export class CounterTally<L extends string> {
  private readonly root = new Map<string, unknown>();
  private readonly cells: { labels: Partial<Record<L, string>>; n: number }[] = [];

  constructor(private readonly counter: Counter<L>, private readonly names: readonly L[]) {}

  add(values: readonly string[], n = 1): void {
    let level = this.root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = level.get(values[i]) as Map<string, unknown> | undefined;
      if (!next) level.set(values[i], (next = new Map()));
      level = next;
    }
    let cell = level.get(values[last]) as { n: number } | undefined;
    if (!cell) {
      const labels = Object.fromEntries(this.names.map((name, i) => [name, values[i]])) as Partial<Record<L, string>>;
      const made = { labels, n: 0 };
      this.cells.push(made);
      level.set(values[last], (cell = made));
    }
    cell.n += n;
  }

  /** Adds what was counted since the last flush to the counter. */
  flush(): void {
    for (const cell of this.cells) {
      if (cell.n === 0) continue;
      this.counter.inc(cell.labels, cell.n);
      cell.n = 0;
    }
  }
}

/** A counter whose increments may also come through a CounterTally (`tally`), flushed whenever it is collected. */
function talliedCounter<L extends string>(config: { name: string; help: string; labelNames: L[]; registers: Registry[] }): { counter: Counter<L>; tally: CounterTally<L> } {
  let tally: CounterTally<L> | undefined;
  const counter = new Counter<L>({ ...config, collect: () => tally?.flush() });
  tally = new CounterTally(counter, config.labelNames);
  return { counter, tally };
}

export interface HubMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  /** httpRequests without per-request label hashing: values in the order method, route, status. */
  httpRequestsTally: CounterTally<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  harvestRuns: Counter<'source' | 'status'>;
  harvestRecords: Counter<'source' | 'outcome'>;
  records: Gauge;
  /** Proxied requests (/ows, /tiles, /download); layer is '' unless the service defines or advertises it. */
  proxyRequests: Counter<'service' | 'layer' | 'status'>;
  proxyBytes: Counter<'service' | 'layer'>;
  /** The two proxy counters without per-request label hashing (values in their labelNames order). */
  proxyRequestsTally: CounterTally<'service' | 'layer' | 'status'>;
  proxyBytesTally: CounterTally<'service' | 'layer'>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): HubMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'moisson_' });
  const httpRequests = talliedCounter({ name: 'moisson_http_requests_total', help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'], registers: [registry] });
  const proxyRequests = talliedCounter({ name: 'moisson_proxy_requests_total', help: 'Proxied requests by service, layer and status',
    labelNames: ['service', 'layer', 'status'], registers: [registry] });
  const proxyBytes = talliedCounter({ name: 'moisson_proxy_bytes_total', help: 'Response body bytes sent by the proxy, by service and layer',
    labelNames: ['service', 'layer'], registers: [registry] });
  return {
    registry,
    httpRequests: httpRequests.counter,
    httpRequestsTally: httpRequests.tally,
    httpDuration: new Histogram({ name: 'moisson_http_request_duration_seconds', help: 'HTTP request duration',
      labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] }),
    harvestRuns: new Counter({ name: 'moisson_harvest_runs_total', help: 'Finished harvest runs by source and status',
      labelNames: ['source', 'status'], registers: [registry] }),
    harvestRecords: new Counter({ name: 'moisson_harvest_documents_total', help: 'Harvested documents by source and outcome',
      labelNames: ['source', 'outcome'], registers: [registry] }),
    records: new Gauge({ name: 'moisson_records', help: 'Records in the store (not withdrawn), sampled at scrape', registers: [registry] }),
    proxyRequests: proxyRequests.counter,
    proxyBytes: proxyBytes.counter,
    proxyRequestsTally: proxyRequests.tally,
    proxyBytesTally: proxyBytes.tally,
  };
}
