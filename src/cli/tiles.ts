/**
 * `moisson tiles seed <service> <layer> --bbox … --zoom a-b`: fills the tile cache ahead of clients, with a
 * progress bar (src/proxy/services/tiles-seed.ts does the work; refused for services that forbid seeding).
 * The service definition comes through the hub's operations (the running hub's admin API when it holds the
 * store); the tiles go to this machine's DATA_DIR/tiles, where the hub reads them.
 */
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { parseSeedArgs, seedTiles, type SeedProgress } from '../proxy/services/tiles-seed.ts';
import type { HubOps } from '../admin/ops.ts';

type WithOps = (fn: (ops: HubOps) => Promise<void>) => Promise<void>;
type Print = (s: string) => void;

function seedBar(label: string): { update: (p: SeedProgress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} tiles | failed {failed} | {eta_formatted}`,
    stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  let started = false;
  return {
    update(p) {
      if (!started) bar.start(p.total, 0, { failed: 0 });
      started = true;
      bar.update(p.done, { failed: p.failed });
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}

export function tileCommands(program: Command, withOps: WithOps, out: Print): void {
  const tiles = program.command('tiles').description('the tile cache of /tiles');
  tiles.command('seed <service> <layer>').description('fetch the tiles of an area into the cache (services with cache.seeding only)')
    .requiredOption('--bbox <minlon,minlat,maxlon,maxlat>', 'area in WGS84 degrees')
    .requiredOption('--zoom <a-b>', 'zoom levels, e.g. 0-12')
    .option('--matrix-set <id>', 'tile matrix set (default: the layer\'s first)')
    .action((serviceId: string, layer: string, o: { bbox: string; zoom: string; matrixSet?: string }) => withOps(async (ops) => {
      const args = parseSeedArgs(o.bbox, o.zoom);
      const { service } = await ops.showService(serviceId);
      const config = loadConfig();
      const bar = seedBar(`${serviceId}/${layer}`);
      try {
        const p = await seedTiles({ service, dataDir: config.dataDir, baseUrl: config.baseUrl, logger: createLogger(config.logLevel) },
          { layer, ...args, ...(o.matrixSet ? { matrixSet: o.matrixSet } : {}) }, bar.update);
        bar.stop();
        out(`Seeded ${serviceId}/${layer}: ${p.done - p.failed} tiles cached, ${p.failed} failed or absent upstream, ${p.total} in the area.`);
      } finally {
        bar.stop();
      }
    }));
}
