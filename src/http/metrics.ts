/** Prometheus metrics (prom-client), exposed at /metrics. One registry per app, so tests stay isolated. */
import { Counter, Histogram, Registry, collectDefaultMetrics, Gauge } from 'prom-client';

export interface HubMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  harvestRuns: Counter<'source' | 'status'>;
  harvestRecords: Counter<'source' | 'outcome'>;
  records: Gauge;
  /** Proxied requests (/ows, /tiles, /download); layer is '' unless the service defines or advertises it. */
  proxyRequests: Counter<'service' | 'layer' | 'status'>;
  proxyBytes: Counter<'service' | 'layer'>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): HubMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'moisson_' });
  return {
    registry,
    httpRequests: new Counter({ name: 'moisson_http_requests_total', help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpDuration: new Histogram({ name: 'moisson_http_request_duration_seconds', help: 'HTTP request duration',
      labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] }),
    harvestRuns: new Counter({ name: 'moisson_harvest_runs_total', help: 'Finished harvest runs by source and status',
      labelNames: ['source', 'status'], registers: [registry] }),
    harvestRecords: new Counter({ name: 'moisson_harvest_documents_total', help: 'Harvested documents by source and outcome',
      labelNames: ['source', 'outcome'], registers: [registry] }),
    records: new Gauge({ name: 'moisson_records', help: 'Records in the store (not withdrawn), sampled at scrape', registers: [registry] }),
    proxyRequests: new Counter({ name: 'moisson_proxy_requests_total', help: 'Proxied requests by service, layer and status',
      labelNames: ['service', 'layer', 'status'], registers: [registry] }),
    proxyBytes: new Counter({ name: 'moisson_proxy_bytes_total', help: 'Response body bytes sent by the proxy, by service and layer',
      labelNames: ['service', 'layer'], registers: [registry] }),
  };
}
