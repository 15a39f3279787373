/**
 * `moisson services|keys|usage` end to end, as an admin runs them: real processes on a real embedded DATA_DIR,
 * first on the store directly, then forwarded to a running hub's admin API. Always PGlite (the lock and the
 * forwarding only exist for the embedded store).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'moisson.js');
const TOKEN = 'cli-services-admin-token-0123456789';

interface Result { code: number | null; stdout: string; stderr: string }

function env(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', ...extra };
  delete e.DATABASE_URL;
  delete e.BASE_URL; // vitest sets BASE_URL=/ (Vite's base path)
  if (!('ADMIN_TOKEN' in extra)) delete e.ADMIN_TOKEN;
  return e;
}

function run(args: string[], e: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: e, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`moisson ${args.join(' ')} timed out\n${stderr}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function serve(e: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, 'serve'], { env: e, cwd: root });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 90_000);
    const onData = (d: Buffer) => {
      out += d;
      if (/moisson listening on/.test(out)) {
        clearTimeout(timer);
        resolve(child);
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

describe('moisson services and keys on an embedded DATA_DIR', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'moisson-cli-services-'));
  let hub: ChildProcess | undefined;
  afterAll(async () => {
    if (hub) await stop(hub);
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Each command on the store opens PGlite (seconds on a loaded machine): the store path is exercised once here
  // and by test/cli/cli.test.ts; the rest goes through a running hub, where the same operations run.
  it('adds a service on the store directly, and check validates the seed services', { timeout: 300_000 }, async () => {
    const add = await run(['services', 'add', 'carto', '--protocol', 'xyz', '--url', 'https://tiles.example.org/base',
      '--layer', 'plan={z}/{x}/{y}.png', '--restricted', '--attribution', '© Example', '--concurrency', '2'], env(dataDir));
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).not.toContain('admin API');
    expect(add.stdout).toContain('Service "carto" created (xyz, https://tiles.example.org/base/, restricted)');
    const check = await run(['check'], env(dataDir));
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/Seeds OK: 7 services in .*services\.json \(2 enabled\)/);
  });

  describe('through a running hub', () => {
    const hubEnv = () => env(dataDir, { ADMIN_TOKEN: TOKEN });

    it('starts', { timeout: 180_000 }, async () => {
      hub = await serve(hubEnv());
      const list = await run(['services', 'list'], hubEnv());
      expect(list.code, list.stderr).toBe(0);
      expect(list.stderr).toContain('sending the command to its admin API');
      expect(list.stdout).toMatch(/^carto\s+xyz\s+yes\s+restricted\s+24 h\s+https:\/\/tiles\.example\.org\/base\//m);
    });

    it('adds, shows and removes services, with clear errors', { timeout: 120_000 }, async () => {
      const osm = await run(['services', 'add', 'osm', '--protocol', 'xyz', '--url', 'https://tile.openstreetmap.org/',
        '--layer', 'standard={z}/{x}/{y}.png', '--max-age', '3600'], hubEnv());
      expect(osm.code).toBe(1);
      expect(osm.stderr).toContain('cache.maxAgeSeconds');
      expect(osm.stderr).toContain('https://operations.osmfoundation.org/policies/tiles/');
      const tms = await run(['services', 'add', 'x', '--protocol', 'tms', '--url', 'https://a.example/', '--layer', 'l=../{z}/{x}/{y}.png'], hubEnv());
      expect(tms.code).toBe(1);
      expect(tms.stderr).toContain('layers[0].template');
      const noUrl = await run(['services', 'add', 'x', '--protocol', 'wms'], hubEnv());
      expect(noUrl.code).toBe(1);
      expect(noUrl.stderr).toContain('--url');

      const def = path.join(dataDir, 'wfs.json');
      writeFileSync(def, JSON.stringify({ protocol: 'wfs', url: 'https://data.geopf.fr/wfs/ows', politeness: { rate: 15 } }));
      const from = await run(['services', 'add', 'geopf-wfs', '--from', def, '--disabled'], hubEnv());
      expect(from.code, from.stderr).toBe(0);
      const list = await run(['services', 'list'], hubEnv());
      expect(list.stdout).toMatch(/^geopf-wfs\s+wfs\s+no\s+public\s+no\s+https:\/\/data\.geopf\.fr\/wfs\/ows/m);
      const show = await run(['services', 'show', 'geopf-wfs'], hubEnv());
      expect(JSON.parse(show.stdout.slice(0, show.stdout.indexOf('\n}') + 2))).toMatchObject({ politeness: { rate: 15 }, enabled: false });
      expect(show.stdout).toContain('No usage in the last 30 days.');
      const rm = await run(['services', 'remove', 'geopf-wfs'], hubEnv());
      expect(rm.stdout).toContain('Service "geopf-wfs" removed.');
      const missing = await run(['services', 'show', 'geopf-wfs'], hubEnv());
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('service_not_found');
    });

    it('creates a key showing its secret once, lists keys without secrets, revokes', { timeout: 120_000 }, async () => {
      const add = await run(['keys', 'add', 'QGIS team', '--service', 'carto'], hubEnv());
      expect(add.code, add.stderr).toBe(0);
      const secret = /Secret \(shown only now[^)]*\): (mk_[A-Za-z0-9_-]{43})\n/.exec(add.stdout)![1];
      const id = /Key (k_[0-9a-f]{8}) created for "QGIS team" \(carto\)/.exec(add.stdout)![1];
      const all = await run(['keys', 'add', 'web app'], hubEnv());
      expect(all.stdout).toContain('every restricted service');

      const list = await run(['keys', 'list'], hubEnv());
      expect(list.stdout).toMatch(new RegExp(`^${id}\\s+QGIS team\\s+carto\\s+\\d{4}-`, 'm'));
      expect(list.stdout).toMatch(/^k_[0-9a-f]{8}\s+web app\s+\(all restricted\)/m);
      expect(list.stdout).not.toContain(secret);
      const bad = await run(['keys', 'add', 'x', '--service', 'nope'], hubEnv());
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('"nope"');

      const revoke = await run(['keys', 'revoke', id], hubEnv());
      expect(revoke.stdout).toContain(`Key ${id} revoked.`);
      const after = await run(['keys', 'list'], hubEnv());
      expect(after.stdout).toMatch(new RegExp(`^${id}\\s+QGIS team\\s+carto\\s+\\S+ \\S+\\s+\\d{4}-`, 'm'));
    });

    it('shows usage and imports the seed services', { timeout: 120_000 }, async () => {
      const usage = await run(['usage', '--since', 'last week'], hubEnv());
      expect(usage.code).toBe(1);
      expect(usage.stderr).toContain('since must be a day as YYYY-MM-DD');
      const empty = await run(['usage', '--service', 'carto'], hubEnv());
      expect(empty.code, empty.stderr).toBe(0);
      expect(empty.stdout).toMatch(/^day\s+service\s+layer\s+key\s+status\s+requests\s+bytes/);
      const seeds = await run(['import-seeds'], hubEnv());
      expect(seeds.code, seeds.stderr).toBe(0);
      expect(seeds.stdout).toContain('Services imported: 7 created, 0 updated.');
    });
  });
});
