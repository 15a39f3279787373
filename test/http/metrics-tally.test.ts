/**
 * CounterTally: counts kept without label hashing reach the Prometheus text exactly once, added to direct incs.
 * DurationHistogram: the same exposition as prom-client's own Histogram fed the same observations.
 */
import { describe, expect, it } from 'vitest';
import { Histogram, Registry } from 'prom-client';
import { createMetrics, DurationHistogram } from '../../src/http/metrics.ts';

/** The value of one series in the exposition text, or undefined. */
function series(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('counter tallies', () => {
  it('reach the scrape once, per label set, added to what was counted directly', async () => {
    const m = createMetrics({ defaultMetrics: false });
    for (let i = 0; i < 5; i++) m.proxyRequestsTally.add(['osm', 'base', '200']);
    m.proxyRequestsTally.add(['osm', 'base', '304']);
    m.proxyRequestsTally.add(['osm', '', '200'], 2);
    m.proxyRequests.inc({ service: 'osm', layer: 'base', status: '200' });
    m.proxyBytesTally.add(['osm', 'base'], 1000);
    m.proxyBytesTally.add(['osm', 'base'], 24);
    let text = await m.registry.metrics();
    expect(series(text, 'moisson_proxy_requests_total', 'service="osm",layer="base",status="200"')).toBe(6);
    expect(series(text, 'moisson_proxy_requests_total', 'service="osm",layer="base",status="304"')).toBe(1);
    expect(series(text, 'moisson_proxy_requests_total', 'service="osm",layer="",status="200"')).toBe(2);
    expect(series(text, 'moisson_proxy_bytes_total', 'service="osm",layer="base"')).toBe(1024);
    // A second scrape adds nothing by itself; later counts add up.
    text = await m.registry.metrics();
    expect(series(text, 'moisson_proxy_requests_total', 'service="osm",layer="base",status="200"')).toBe(6);
    m.proxyRequestsTally.add(['osm', 'base', '200']);
    m.httpRequestsTally.add(['GET', '/tiles/:path*', '200']);
    text = await m.registry.metrics();
    expect(series(text, 'moisson_proxy_requests_total', 'service="osm",layer="base",status="200"')).toBe(7);
    expect(series(text, 'moisson_http_requests_total', 'method="GET",route="/tiles/:path*",status="200"')).toBe(1);
  });

  it('keep label values apart that a joined key would merge', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.proxyRequestsTally.add(['a', 'b c', '200']);
    m.proxyRequestsTally.add(['a b', 'c', '200']);
    const text = await m.registry.metrics();
    expect(series(text, 'moisson_proxy_requests_total', 'service="a",layer="b c",status="200"')).toBe(1);
    expect(series(text, 'moisson_proxy_requests_total', 'service="a b",layer="c",status="200"')).toBe(1);
  });
});

describe('the duration histogram', () => {
  it('exposes what prom-client\'s Histogram exposes for the same observations', async () => {
    const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    const theirs = new Registry();
    const reference = new Histogram({ name: 'h_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'], buckets: bounds, registers: [theirs] });
    const ours = new Registry();
    const h = new DurationHistogram('h_seconds', 'HTTP request duration', ['method', 'route'], bounds);
    ours.registerMetric(h as never);
    // On the bounds (le is inclusive), between them, past the last one, and label values with quotes and spaces.
    const observations: [string, string, number][] = [
      ['GET', '/tiles/:service', 0.005], ['GET', '/tiles/:service', 0.0051], ['GET', '/tiles/:service', 0.0004],
      ['GET', '/csw', 0.3], ['HEAD', '/tiles/:service', 7], ['GET', 'a "b" c', 1], ['GET', '/csw', 2.5],
    ];
    for (const [method, route, v] of observations) {
      reference.observe({ method, route }, v);
      h.observe([method, route], v);
    }
    const sorted = (text: string) => text.split('\n').filter(Boolean).sort();
    expect(sorted(await ours.metrics())).toEqual(sorted(await theirs.metrics()));
    expect(await ours.metrics()).toContain('h_seconds_bucket{le="0.005",method="GET",route="/tiles/:service"} 2');
    expect(await ours.metrics()).toContain('h_seconds_count{method="HEAD",route="/tiles/:service"} 1');
    // reset() zeroes, as resetMetrics() expects.
    ours.resetMetrics();
    reference.reset();
    h.observe(['GET', '/csw'], 0.02);
    reference.observe({ method: 'GET', route: '/csw' }, 0.02);
    expect((await ours.metrics())).toContain('h_seconds_count{method="GET",route="/csw"} 1');
  });

  it('is the hub\'s request duration metric', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.httpDuration.observe(['GET', '/tiles/:service/:layer/:tileMatrixSet/:z/:x/:y'], 0.002);
    const text = await m.registry.metrics();
    expect(text).toContain('# TYPE moisson_http_request_duration_seconds histogram');
    expect(series(text, 'moisson_http_request_duration_seconds_bucket', 'le="0.005",method="GET",route="/tiles/:service/:layer/:tileMatrixSet/:z/:x/:y"')).toBe(1);
    expect(series(text, 'moisson_http_request_duration_seconds_sum', 'method="GET",route="/tiles/:service/:layer/:tileMatrixSet/:z/:x/:y"')).toBe(0.002);
  });
});
