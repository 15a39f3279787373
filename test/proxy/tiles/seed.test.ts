/**
 * Seeding (issue 6 §3): `moisson tiles seed <service> <layer> --bbox … --zoom a-b` fills the disk cache
 * through the upstream client, skips tiles already fresh, and is refused for services that forbid it
 * (OpenStreetMap). Against a real local upstream that counts requests; the command run as a real process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { startTestServer, type TestServer } from '../../helpers/http-server.ts';
import { openStore } from '../../../src/store/db.ts';
import { putService } from '../../../src/store/services.ts';
import { HubError } from '../../../src/errors.ts';
import { seedTiles, type SeedProgress } from '../../../src/proxy/services/tiles-seed.ts';
import { tileService } from './hub.ts';

const BIN = fileURLToPath(new URL('../../../bin/moisson.js', import.meta.url));
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const logger = pino({ level: 'silent' });

describe('tile seeding', () => {
  let upstream: TestServer;
  let dataDir: string;

  beforeAll(async () => {
    upstream = await startTestServer([{ path: /^\/\d+\/\d+\/\d+\.png$/, handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    } }]);
    dataDir = await mkdtemp(path.join(tmpdir(), 'moisson-seed-'));
  });
  afterAll(async () => {
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('fetches every tile of the area once, with progress, and nothing again while they are fresh', async () => {
    const service = tileService('seedable', `${upstream.url}/`);
    const seen: SeedProgress[] = [];
    // Metropolitan France, zoom 0-5: 1 + 1 + 1 + 2x2 + 3x3 + 4x4... computed by the command, checked on disk.
    const p = await seedTiles({ service, dataDir, baseUrl: 'https://hub.example.fr', logger },
      { layer: 'plan', bbox: [-5.2, 41.3, 9.6, 51.1], zoom: { from: 0, to: 5 } }, (x) => seen.push({ ...x }));
    expect(p.failed).toBe(0);
    expect(p.done).toBe(p.total);
    expect(upstream.requests.length).toBe(p.total);
    expect(new Set(upstream.requests.map((r) => r.url)).size).toBe(p.total);
    expect(seen.map((s) => s.done)).toEqual(Array.from({ length: p.total }, (_, i) => i + 1));
    // Zoom 5 around Paris (x 16, y 11) is on disk.
    expect(existsSync(path.join(dataDir, 'tiles', 'seedable', 'plan', 'GoogleMapsCompatible', '5', '16', '11.png'))).toBe(true);
    const again = await seedTiles({ service, dataDir, baseUrl: 'https://hub.example.fr', logger },
      { layer: 'plan', bbox: [-5.2, 41.3, 9.6, 51.1], zoom: { from: 0, to: 5 } });
    expect(again.done).toBe(p.total);
    expect(upstream.requests.length).toBe(p.total);
  });

  it('is refused for OpenStreetMap and any service whose cache.seeding is false, before any request', async () => {
    const before = upstream.requests.length;
    const osm = tileService('osm', 'https://tile.openstreetmap.org/', { cache: { tiles: true, maxAgeSeconds: 604800, staleIfError: true, seeding: false } });
    const err = await seedTiles({ service: osm, dataDir, baseUrl: 'https://hub.example.fr', logger },
      { layer: 'plan', bbox: [2, 48, 3, 49], zoom: { from: 0, to: 2 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).message).toMatch(/does not allow seeding.*OpenStreetMap's tile usage policy/);
    expect(upstream.requests.length).toBe(before);
  });

  it('runs as `moisson tiles seed` with a clear error for a refused service', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'moisson-seed-cli-'));
    try {
      const db = await openStore({ dataDir: dir });
      await putService(db, tileService('cli-xyz', `${upstream.url}/`));
      await putService(db, tileService('cli-osm', 'https://tile.openstreetmap.org/', { cache: { tiles: true, maxAgeSeconds: 604800, staleIfError: true, seeding: false } }));
      await db.close();
      const env = { ...process.env, DATA_DIR: dir, DATABASE_URL: '', LOG_LEVEL: 'silent', ADMIN_TOKEN: '', BASE_URL: 'https://hub.example.fr' };
      const ok = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, 'tiles', 'seed', 'cli-xyz', 'plan', '--bbox', '2.2,48.8,2.5,48.9', '--zoom', '10-11'], { env },
          (e, stdout, stderr) => resolve({ code: e ? Number(e.code) : 0, stdout, stderr }));
      });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/^Seeded cli-xyz\/plan: (\d+) tiles cached, 0 failed or absent upstream, \1 in the area\./);
      expect(existsSync(path.join(dir, 'tiles', 'cli-xyz', 'plan', 'GoogleMapsCompatible', '10', '518', '352.png'))).toBe(true);
      const refused = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, 'tiles', 'seed', 'cli-osm', 'plan', '--bbox', '2,48,3,49', '--zoom', '0-2'], { env },
          (e, _out, stderr) => resolve({ code: e ? Number(e.code) : 0, stderr }));
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/Error \(forbidden\): Service "cli-osm" does not allow seeding/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
