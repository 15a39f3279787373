/** CounterTally: counts kept without label hashing reach the Prometheus text exactly once, added to direct incs. */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/http/metrics.ts';

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
