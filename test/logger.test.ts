/** throttledWarn: one warning line per key and period, carrying how many were left out. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Writable } from 'node:stream';
import pino from 'pino';
import { throttledWarn } from '../src/logger.ts';

describe('throttledWarn', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['Date'] }));
  afterEach(() => vi.useRealTimers());

  it('writes the first warning of a key, counts the next ones, and says how many it left out', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
    const warn = throttledWarn(pino({ level: 'warn' }, sink), 10_000);
    for (let i = 0; i < 1000; i++) warn('osm\0upstream_unavailable', { service: 'osm' }, 'tile request failed');
    warn('swisstopo\0upstream_unavailable', { service: 'swisstopo' }, 'tile request failed');
    vi.advanceTimersByTime(10_001);
    warn('osm\0upstream_unavailable', { service: 'osm' }, 'tile request failed');
    return new Promise<void>((resolve) => setImmediate(() => {
      expect(lines.map((l) => [l.service, l.leftOut])).toEqual([['osm', undefined], ['swisstopo', undefined], ['osm', 999]]);
      expect(lines[2]).toMatchObject({ msg: 'tile request failed', leftOutSeconds: 10 });
      resolve();
    }));
  });
});
