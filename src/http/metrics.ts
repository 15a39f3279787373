/** Prometheus metrics (prom-client), exposed at /metrics. One registry per app, so tests stay isolated. */
import { Counter, Registry, collectDefaultMetrics, Gauge, type Metric } from 'prom-client';
import { bucketOf, LabelTree } from './label-tree.ts';

export { LabelTree };

const labelsOf = <L extends string>(names: readonly L[], values: readonly string[]): Record<L, string> =>
  Object.fromEntries(names.map((name, i) => [name, values[i]])) as Record<L, string>;

/**
 * Increments kept in plain numbers per label set, added to a prom-client counter when it is collected (a scrape
 * of /metrics, or registry.metrics()). prom-client sorts, joins and hashes the labels on every inc: the tile path
 * paid that three times a request (~4 % of its CPU). Label values are given in the counter's labelNames order.
 */
export class CounterTally<L extends string> {
  private readonly tree = new LabelTree<{ labels: Partial<Record<L, string>>; n: number }>();

  constructor(private readonly counter: Counter<L>, private readonly names: readonly L[]) {}

  private readonly make = (values: readonly string[]) => ({ labels: labelsOf(this.names, values), n: 0 });

  add(values: readonly string[], n = 1): void {
    this.tree.cell(values, this.make).n += n;
  }

  /** Adds what was counted since the last flush to the counter. */
  flush(): void {
    for (const cell of this.tree.cells) {
      if (cell.n === 0) continue;
      this.counter.inc(cell.labels, cell.n);
      cell.n = 0;
    }
  }
}

interface HistogramCell<L extends string> {
  labels: Record<L, string>;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram registered in a prom-client registry, with the exposition of prom-client's own
 * Histogram (`_bucket` with `le`, cumulative, then `_sum` and `_count`), but observed without label hashing:
 * prom-client's observe sorts, joins and hashes the labels and merges label objects on every call, about 5 µs
 * of a cached tile's ~30 µs here. Label values are given in labelNames order.
 */
export class DurationHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly tree = new LabelTree<HistogramCell<L>>();

  /** `bounds`: the buckets' upper bounds, in seconds, ascending (+Inf is implied). */
  constructor(readonly name: string, readonly help: string, private readonly labelNames: readonly L[], readonly bounds: readonly number[]) {}

  private readonly make = (values: readonly string[]): HistogramCell<L> =>
    ({ labels: labelsOf(this.labelNames, values), buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 });

  private cellOf(values: readonly string[]): HistogramCell<L> {
    return this.tree.cell(values, this.make);
  }

  observe(values: readonly string[], seconds: number): void {
    const cell = this.cellOf(values);
    cell.buckets[bucketOf(this.bounds, seconds)] += 1;
    cell.sum += seconds;
    cell.count += 1;
  }

  /**
   * Adds observations counted elsewhere with the same bounds (a front process's): `buckets` per bucket, not
   * cumulative, the last one +Inf. Throws when the buckets do not match the bounds.
   */
  merge(values: readonly string[], buckets: readonly number[], sum: number): void {
    if (buckets.length !== this.bounds.length + 1) throw new RangeError(`${this.name}: ${buckets.length} buckets for ${this.bounds.length} bounds`);
    const cell = this.cellOf(values);
    for (let b = 0; b < buckets.length; b++) {
      cell.buckets[b] += buckets[b];
      cell.count += buckets[b];
    }
    cell.sum += sum;
  }

  /** What prom-client's registry asks of a metric. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string | number>; value: number; metricName: string }[] }> {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const cell of this.tree.cells) {
      let cumulative = 0;
      for (let b = 0; b <= this.bounds.length; b++) {
        cumulative += cell.buckets[b];
        values.push({ labels: { le: b < this.bounds.length ? this.bounds[b] : '+Inf', ...cell.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: cell.labels, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels: cell.labels, value: cell.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const cell of this.tree.cells) {
      cell.buckets.fill(0);
      cell.sum = 0;
      cell.count = 0;
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
  /** Seconds from the request to the response; values in the order method, route. */
  httpDuration: DurationHistogram<'method' | 'route'>;
  harvestRuns: Counter<'source' | 'status'>;
  harvestRecords: Counter<'source' | 'outcome'>;
  records: Gauge;
  /** Proxied requests (/ows, /tiles, /download); layer is '' unless the service defines or advertises it. */
  proxyRequests: Counter<'service' | 'layer' | 'status'>;
  proxyBytes: Counter<'service' | 'layer'>;
  /** The two proxy counters without per-request label hashing (values in their labelNames order). */
  proxyRequestsTally: CounterTally<'service' | 'layer' | 'status'>;
  proxyBytesTally: CounterTally<'service' | 'layer'>;
  /** Connections the hub's listening socket failed to accept (EMFILE…), by error code. */
  acceptErrors: Counter<'code'>;
  /** Bursts of new connections during which the copies of the listening socket (ACCEPT_COPIES) were listened on. */
  acceptBursts: Counter;
  /** The copies of the listening socket by state (standby, listening), sampled at scrape from this, once set. */
  sampleAcceptCopies?: () => { standby: number; listening: number };
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): HubMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'moisson_' });
  const httpRequests = talliedCounter({ name: 'moisson_http_requests_total', help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'], registers: [registry] });
  const proxyRequests = talliedCounter({ name: 'moisson_proxy_requests_total', help: 'Proxied requests by service, layer and status',
    labelNames: ['service', 'layer', 'status'], registers: [registry] });
  const httpDuration = new DurationHistogram('moisson_http_request_duration_seconds', 'HTTP request duration',
    ['method', 'route'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
  // The registry takes any object with a name, get() and reset(); its types list prom-client's own classes only.
  registry.registerMetric(httpDuration as unknown as Metric);
  const proxyBytes = talliedCounter({ name: 'moisson_proxy_bytes_total', help: 'Response body bytes sent by the proxy, by service and layer',
    labelNames: ['service', 'layer'], registers: [registry] });
  const metrics: HubMetrics = {
    registry,
    httpRequests: httpRequests.counter,
    httpRequestsTally: httpRequests.tally,
    httpDuration,
    harvestRuns: new Counter({ name: 'moisson_harvest_runs_total', help: 'Finished harvest runs by source and status',
      labelNames: ['source', 'status'], registers: [registry] }),
    harvestRecords: new Counter({ name: 'moisson_harvest_documents_total', help: 'Harvested documents by source and outcome',
      labelNames: ['source', 'outcome'], registers: [registry] }),
    records: new Gauge({ name: 'moisson_records', help: 'Records in the store (not withdrawn), sampled at scrape', registers: [registry] }),
    proxyRequests: proxyRequests.counter,
    proxyBytes: proxyBytes.counter,
    proxyRequestsTally: proxyRequests.tally,
    proxyBytesTally: proxyBytes.tally,
    acceptErrors: new Counter({ name: 'moisson_accept_errors_total', help: 'Connections the listening socket failed to accept, by error code (EMFILE: out of file descriptors)',
      labelNames: ['code'], registers: [registry] }),
    acceptBursts: new Counter({ name: 'moisson_accept_bursts_total', help: 'Bursts of new connections during which the copies of the listening socket (ACCEPT_COPIES) accepted too',
      registers: [registry] }),
  };
  new Gauge({ name: 'moisson_accept_copies', help: 'Copies of the listening socket (ACCEPT_COPIES) by state: standby (not watched) or listening (during a burst), sampled at scrape',
    labelNames: ['state'], registers: [registry],
    collect() {
      const state = metrics.sampleAcceptCopies?.();
      if (state) for (const k of ['standby', 'listening'] as const) this.set({ state: k }, state[k]);
    } });
  return metrics;
}
