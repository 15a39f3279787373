/**
 * The `moisson` command end to end, as an admin runs it: real processes on a real embedded DATA_DIR.
 * These exercise the PGlite lock and the forwarding to a running hub's admin API, which only exist for the
 * embedded store, so this file always runs on PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'moisson.js');
const TOKEN = 'cli-test-admin-token-0123456789';

interface Result { code: number | null; stdout: string; stderr: string; ms: number }

function baseEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', ...extra };
  delete env.DATABASE_URL;
  delete env.BASE_URL; // vitest sets BASE_URL=/ (Vite's base path) in its own environment
  if (!('ADMIN_TOKEN' in extra)) delete env.ADMIN_TOKEN;
  return env;
}

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000, nodeArgs: string[] = []): Promise<Result> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { env, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`moisson ${args.join(' ')} timed out\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Starts `moisson serve` and resolves with its URL once it listens. */
function serve(env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], { env, cwd: root });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 90_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /moisson listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('close', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('close', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('moisson CLI on an embedded DATA_DIR', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'moisson-cli-'));
  let hub: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    hub = await serve(baseEnv(dataDir, { ADMIN_TOKEN: TOKEN }), ['--import-seeds']);
  }, 120_000);
  afterAll(async () => {
    if (hub) await stop(hub.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serve --import-seeds starts with the demo catalogue harvested', async () => {
    expect(await (await fetch(`${hub.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const list = (await (await fetch(`${hub.url}/records?limit=100`)).json()) as { total: number };
    expect(list.total).toBe(20);
    // The indexer drains the start-up harvest in the background: 20 records, 19 resources (two GEMINI records share one).
    const readyz = async () => (await (await fetch(`${hub.url}/readyz`)).json()) as { search: { lag: number } };
    let ready = await readyz();
    for (const until = Date.now() + 30_000; ready.search.lag > 0 && Date.now() < until; ready = await readyz()) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready.search).toMatchObject({ engine: 'embedded', lag: 0, documents: 19 });
    const search = (await (await fetch(`${hub.url}/api/search?q=adresses`)).json()) as { total: number };
    expect(search.total).toBeGreaterThan(0);
  });

  it('a second serve on the same DATA_DIR exits at once, naming the lock', async () => {
    const second = await run(['serve'], baseEnv(dataDir));
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(path.join(dataDir, 'moisson.lock'));
    expect(second.stderr).toContain(String(hub.child.pid));
    expect(second.ms).toBeLessThan(15_000);
  });

  it('sends commands to the running hub through its admin API', { timeout: 120_000 }, async () => {
    const list = await run(['sources', 'list'], baseEnv(dataDir, { ADMIN_TOKEN: TOKEN }));
    expect(list.code).toBe(0);
    expect(list.stderr).toContain('sending the command to its admin API');
    expect(list.stdout).toMatch(/^demo\s+directory\s+yes\s+20\b/m);
    expect(list.stdout).toMatch(/^geoplateforme\s+csw\s+no\b/m);

    const harvest = await run(['harvest', 'demo'], baseEnv(dataDir, { ADMIN_TOKEN: TOKEN }));
    expect(harvest.code).toBe(0);
    expect(harvest.stdout).toMatch(/unchanged\D+20/);

    const runs = await run(['runs', 'list', '--source', 'demo'], baseEnv(dataDir, { ADMIN_TOKEN: TOKEN }));
    expect(runs.stdout.trim().split('\n').length).toBe(4); // header, rule, the seed run and this one
    const runId = /^(\d+)\s+demo/m.exec(runs.stdout)![1];
    const shown = await run(['runs', 'show', runId], baseEnv(dataDir, { ADMIN_TOKEN: TOKEN }));
    expect(shown.stdout).toContain(`Run #${runId} of source "demo"`);

    const reindex = await run(['reindex'], baseEnv(dataDir, { ADMIN_TOKEN: TOKEN }));
    expect(reindex.code, reindex.stderr).toBe(0);
    expect(reindex.stderr).toContain('sending the command to its admin API');
    expect(reindex.stdout).toMatch(/Search index rebuilt: 19 documents/);
  });

  it('without ADMIN_TOKEN it explains how to reach the running hub', async () => {
    const res = await run(['sources', 'list'], baseEnv(dataDir));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('ADMIN_TOKEN');
    expect(res.stderr).toContain(String(hub.child.pid));
  });

  it('works on the store directly once the hub has stopped', { timeout: 180_000 }, async () => {
    await stop(hub.child);
    const add = await run(['sources', 'add', 'local', '--type', 'directory', '--url', 'seeds/demo', '--title', 'Local copy'], baseEnv(dataDir));
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).not.toContain('admin API');
    const dry = await run(['harvest', 'local', '--dry-run'], baseEnv(dataDir));
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/new\D+20/);
    const show = await run(['sources', 'show', 'local'], baseEnv(dataDir));
    expect(show.stdout).toContain('Never harvested');
    const bad = await run(['sources', 'add', 'x', '--type', 'csw', '--url', 'not a url'], baseEnv(dataDir));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('url');
    const reindex = await run(['reindex'], baseEnv(dataDir));
    expect(reindex.code, reindex.stderr).toBe(0);
    expect(reindex.stdout).toMatch(/Search index rebuilt: 19 documents/);
    const check = await run(['check'], baseEnv(dataDir));
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('Seeds OK');
  });
});

describe('moisson check: the memory settings every command runs with (src/heap.ts, set before any command)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'moisson-heap-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const memory = async (extra: Record<string, string>, nodeArgs: string[] = []) => {
    const check = await run(['check'], baseEnv(dataDir, extra), 60_000, nodeArgs);
    expect(check.code, check.stderr).toBe(0);
    return /^Memory: (.*)\.$/m.exec(check.stdout)?.[1];
  };

  it('sets the heap growing factor and turns pretenuring off, unless told otherwise', async () => {
    expect(await memory({})).toBe('heap growing 100 % (HEAP_GROWING_PERCENT), pretenuring off');
    expect(await memory({ HEAP_GROWING_PERCENT: '30' })).toBe('heap growing 30 % (HEAP_GROWING_PERCENT), pretenuring off');
    expect(await memory({ HEAP_GROWING_PERCENT: '0' })).toBe('heap growing as V8 decides (HEAP_GROWING_PERCENT=0), pretenuring off');
  });

  it('leaves both to node\'s command line when it gives them', async () => {
    expect(await memory({ HEAP_GROWING_PERCENT: '30' }, ['--heap-growing-percent=50', '--allocation-site-pretenuring']))
      .toBe('--heap-growing-percent=50 (node\'s command line), --allocation-site-pretenuring (node\'s command line)');
  });
});
