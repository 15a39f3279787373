import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.baseUrl).toBe('http://localhost:8080');
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.logLevel).toBe('info');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.adminToken).toBeUndefined();
  });

  it('reads every variable and strips a trailing slash from BASE_URL', () => {
    const c = loadConfig({ PORT: '9000', BASE_URL: 'https://hub.example.fr/', DATA_DIR: '/tmp/x', DATABASE_URL: 'postgres://u@h/db',
      ADMIN_TOKEN: 'a-long-enough-admin-token', LOG_LEVEL: 'warn', DATABASE_READ_CONCURRENCY: '4',
      PGLITE_SHARED_BUFFERS: '64', FRONT_PROCESSES: '2', HEAP_GROWING_PERCENT: '50' });
    expect(c).toMatchObject({ port: 9000, baseUrl: 'https://hub.example.fr', dataDir: '/tmp/x', databaseUrl: 'postgres://u@h/db',
      adminToken: 'a-long-enough-admin-token', logLevel: 'warn', databaseReadConcurrency: 4,
      pgliteSharedBuffers: 64, frontProcesses: 2, heapGrowingPercent: 50 });
  });

  it('reports every problem at once, named by its variable', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', BASE_URL: 'ftp://x', ADMIN_TOKEN: 'short', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x',
        DATABASE_READ_CONCURRENCY: 'lots', PGLITE_SHARED_BUFFERS: '128MB', FRONT_PROCESSES: '-1', HEAP_GROWING_PERCENT: '30%' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const v of ['PORT', 'BASE_URL', 'ADMIN_TOKEN', 'LOG_LEVEL', 'DATABASE_URL', 'DATABASE_READ_CONCURRENCY', 'PGLITE_SHARED_BUFFERS', 'FRONT_PROCESSES', 'HEAP_GROWING_PERCENT']) expect(problems).toContain(`${v}:`);
  });
});
