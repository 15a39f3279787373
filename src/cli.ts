/**
 * The `moisson` command (DESIGN.md §4). Every command works on the configured store; when a hub already
 * runs on the same embedded DATA_DIR, the command goes to that hub's admin API instead (and says so).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig, ConfigError, type HubConfig } from './config.ts';
import { applyMemorySettings, heapSettings } from './heap.ts';
import { createLogger } from './logger.ts';
import { HubError } from './errors.ts';
import { openStore, type Db } from './store/db.ts';
import { openSearchIndex } from './search/index.ts';
import { rebuildIndex, type RebuildProgress } from './search/indexer.ts';
import { readLock, StoreLockedError } from './store/lock.ts';
import { localOps, type HubOps } from './admin/ops.ts';
import { remoteOps } from './admin/client.ts';
import { InvalidSourceError, loadSeedSources } from './harvest/sources.ts';
import { formatReport } from './harvest/report.ts';
import type { Progress, RunReport } from './harvest/run.ts';
import { startHub } from './server.ts';
import { runSummaryText, runsTable, sourcesTable } from './cli/output.ts';
import { keysCommands, servicesCommands, usageCommand } from './cli/services.ts';
import { tileCommands } from './cli/tiles.ts';
import { InvalidServiceError, loadSeedServices } from './proxy/services-def.ts';

const out = (s: string): void => void process.stdout.write(`${s}\n`);
const note = (s: string): void => void process.stderr.write(`${s}\n`);

/** Runs `fn` with the hub's operations: remote when another process holds the embedded store. */
async function withOps(fn: (ops: HubOps) => Promise<void>): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    const lock = readLock(config.dataDir);
    if (lock?.url && lock.pid !== process.pid) {
      if (!config.adminToken) {
        throw new HubError('admin_disabled', `A hub (pid ${lock.pid}, ${lock.url}) holds DATA_DIR ${config.dataDir}. ` +
          'Set ADMIN_TOKEN to that hub\'s admin token to send it this command, or stop it.');
      }
      note(`A hub is running on ${config.dataDir} (pid ${lock.pid}, ${lock.url}): sending the command to its admin API.`);
      return fn(remoteOps(lock.url, config.adminToken));
    }
  }
  const db = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    readConcurrency: config.databaseReadConcurrency,
    pgliteSharedBuffersMb: config.pgliteSharedBuffers,
  });
  try {
    await fn(localOps(db, { reindex: (onProgress) => reindexHere(db, config, onProgress) }));
  } finally {
    await db.close();
  }
}

/** `reindex` in this process: the configured index, opened for the time of the rebuild. */
async function reindexHere(db: Db, config: HubConfig, onProgress?: (p: RebuildProgress) => void): Promise<number> {
  const index = await openSearchIndex(db, config);
  try {
    return await rebuildIndex(db, index, onProgress);
  } finally {
    await index.close();
  }
}

function progressBar(label: string): { update: (p: Progress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} documents | new {new} changed {changed} failed {failed}`,
    stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  let started = false;
  return {
    update(p) {
      const total = Math.max(p.total ?? p.seen, p.seen);
      if (!started) bar.start(total, 0, { new: 0, changed: 0, failed: 0 });
      started = true;
      bar.setTotal(total);
      bar.update(p.seen, { new: p.new, changed: p.changed, failed: p.failed });
    },
    stop: () => started && bar.stop(),
  };
}

/** A progress bar over a count (on a terminal only, like the harvest's). */
function countBar(label: string, unit: string): { update: (value: number, total: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} ${unit}`, stream: process.stderr, hideCursor: true },
    Presets.shades_classic);
  let started = false;
  return {
    update(value, total) {
      if (!started) bar.start(Math.max(total, value), 0);
      started = true;
      bar.setTotal(Math.max(total, value));
      bar.update(value);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

async function harvestOne(ops: HubOps, id: string, dryRun: boolean): Promise<RunReport> {
  const bar = progressBar(`${dryRun ? 'dry run ' : ''}${id}`);
  try {
    return await ops.harvest(id, { dryRun, onProgress: bar.update });
  } finally {
    bar.stop();
  }
}

function sourcesCommands(program: Command): void {
  const sources = program.command('sources').description('manage harvest sources');
  sources.command('add <id>').description('add or update a source')
    .addOption(new Option('--type <type>', 'source type').choices(['csw', 'dcat', 'inspire-atom', 'ogc-capabilities', 'directory']).makeOptionMandatory())
    .requiredOption('--url <url>', 'endpoint URL, or a folder for the directory type')
    .option('--title <title>', 'human-readable title')
    .option('--schedule <cron>', 'harvest schedule (cron expression)')
    .option('--disabled', 'register the source without enabling it')
    .action((id: string, o: { type: string; url: string; title?: string; schedule?: string; disabled?: boolean }) =>
      withOps(async (ops) => {
        const def = { id, type: o.type, url: o.url, enabled: !o.disabled, ...(o.title ? { title: o.title } : {}), ...(o.schedule ? { schedule: o.schedule } : {}) };
        const { status, source } = await ops.addSource(def, { baseDir: process.cwd() });
        out(`Source "${source.id}" ${status} (${source.type}, ${source.url}).`);
      }));
  sources.command('list').description('list sources').action(() => withOps(async (ops) => out(sourcesTable(await ops.listSources()))));
  sources.command('show <id>').description('show a source and its last runs').action((id: string) =>
    withOps(async (ops) => {
      const { source, runs } = await ops.showSource(id);
      out(JSON.stringify(source, null, 2));
      out(runs.length ? `\n${runsTable(runs)}` : '\nNever harvested.');
    }));
  sources.command('remove <id>').description('remove a source and its records').action((id: string) =>
    withOps(async (ops) => {
      await ops.removeSource(id);
      out(`Source "${id}" removed.`);
    }));
}

function harvestCommand(program: Command): void {
  program.command('harvest [source]').description('harvest one source, or every enabled source with --all')
    .option('--all', 'harvest every enabled source')
    .option('--dry-run', 'fetch and map everything, report what would change, write nothing')
    .action((source: string | undefined, o: { all?: boolean; dryRun?: boolean }) =>
      withOps(async (ops) => {
        if (!source && !o.all) throw new HubError('missing_parameter', 'Name a source, or use --all.', { locator: 'source' });
        const ids = o.all ? (await ops.listSources()).filter((s) => s.enabled).map((s) => s.id) : [source!];
        for (const id of ids) {
          try {
            const report = await harvestOne(ops, id, !!o.dryRun);
            out(formatReport(report));
            if (report.status === 'failed') process.exitCode = 2;
          } catch (err) {
            // With --all, one source that cannot be harvested does not stop the others.
            if (!o.all) throw err;
            report(err);
          }
        }
      }));
}

function runsCommands(program: Command): void {
  const runs = program.command('runs').description('harvest runs and their reports');
  runs.command('list').description('list the last runs').option('--source <id>', 'only this source').option('--limit <n>', 'how many', '20')
    .action((o: { source?: string; limit: string }) =>
      withOps(async (ops) => out(runsTable(await ops.listRuns({ sourceId: o.source, limit: Number(o.limit) || 20 })))));
  runs.command('show <id>').description('show a run with one line per failed or warned record').action((id: string) =>
    withOps(async (ops) => {
      if (!/^\d+$/.test(id)) throw new HubError('invalid_parameter', `Run id must be an integer, got "${id}".`, { locator: 'id' });
      const { run, issues } = await ops.showRun(Number(id));
      out(runSummaryText(run));
      for (const i of issues) out(`  ${i.severity === 'error' ? '✗' : '!'} ${i.nativeId ?? i.url ?? '-'} ${i.path} — ${i.message}`);
    }));
}

function reindexCommand(program: Command): void {
  program.command('reindex').description('rebuild the search index from the store (searches keep working meanwhile)')
    .action(() =>
      withOps(async (ops) => {
        const bar = countBar('reindex', 'documents');
        try {
          const { documents, seconds } = await ops.reindex({ onProgress: (p) => bar.update(p.indexed, p.total) });
          bar.stop();
          out(`Search index rebuilt: ${documents} documents in ${seconds.toFixed(1)} s.`);
        } finally {
          bar.stop();
        }
      }));
}

function serverCommands(program: Command): void {
  program.command('serve').description('start the hub (HTTP)')
    .option('--import-seeds', 'import seeds/sources.json and seeds/services.json, and harvest the seeded sources that never ran')
    .action(async (o: { importSeeds?: boolean }) => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      const hub = await startHub(config, logger, { importSeeds: o.importSeeds });
      out(`moisson listening on ${hub.url} (public URL ${config.baseUrl}, store ${hub.db.kind})`);
      const stop = () => {
        note('Stopping…');
        hub.close().then(() => process.exit(0), () => process.exit(1));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // A hub without its store would answer errors forever (/readyz says 503): it stops, with status 1, so
      // that its supervisor (systemd, a container runtime) starts it again on a store that opens.
      void hub.db.lost.then((err) => {
        logger.fatal({ err }, 'the store is lost; the hub stops');
        note(`The store is lost (${err.message}); stopping.`);
        setTimeout(() => process.exit(1), 10_000).unref();
        hub.close().finally(() => process.exit(1));
      });
    });
  program.command('check').description('validate the configuration and the seeds').action(() => {
    const config: HubConfig = loadConfig();
    const seeds = loadSeedSources(config.seedsDir);
    out(`Configuration OK (store: ${config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`}).`);
    out(`Memory: ${heapSettings()}.`);
    out(`Seeds OK: ${seeds.length} sources in ${path.join(config.seedsDir, 'sources.json')} (${seeds.filter((s) => s.enabled).length} enabled).`);
    const servicesFile = path.join(config.seedsDir, 'services.json');
    if (!existsSync(servicesFile)) out(`No ${servicesFile}: no seeded services.`);
    else {
      const services = loadSeedServices(config.seedsDir);
      out(`Seeds OK: ${services.length} services in ${servicesFile} (${services.filter((s) => s.enabled).length} enabled).`);
    }
  });
  program.command('import-seeds [dir]').description('load source and service definitions from a seeds folder').action((dir?: string) =>
    withOps(async (ops) => {
      const { created, updated, services } = await ops.importSeeds(dir ?? loadConfig().seedsDir);
      out(`Seeds imported: ${created.length} created, ${updated.length} updated.`);
      if (services) out(`Services imported: ${services.created.length} created, ${services.updated.length} updated.`);
    }));
}

/** Prints an error the way an admin can act on it, and sets the exit code. */
function report(err: unknown): void {
  if (err instanceof ConfigError || err instanceof StoreLockedError) note(err.message);
  else if (err instanceof InvalidSourceError) note(`Invalid source definition:\n${err.problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
  else if (err instanceof InvalidServiceError) note(`Invalid service definition:\n${err.problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
  else if (err instanceof HubError) {
    note(`Error (${err.code}): ${err.message}`);
    if (Array.isArray(err.details)) for (const d of err.details as { path?: string; message?: string }[]) note(`  - ${d.path ?? ''}: ${d.message ?? ''}`);
  }
  else note(`Unexpected error: ${(err as Error)?.stack ?? String(err)}`);
  process.exitCode = 1;
}

export function buildProgram(): Command {
  const program = new Command('moisson').description('federated harvesting and catalogue hub for geographic metadata');
  serverCommands(program);
  sourcesCommands(program);
  harvestCommand(program);
  runsCommands(program);
  reindexCommand(program);
  servicesCommands(program, withOps, out);
  keysCommands(program, withOps, out);
  usageCommand(program, withOps, out);
  tileCommands(program, withOps, out);
  // Before any command opens a store: V8's pretenuring off and the heap's growing factor (HEAP_GROWING_PERCENT,
  // src/heap.ts). A configuration that does not load is left for the command to report.
  program.hook('preAction', () => {
    let config: HubConfig | undefined;
    try {
      config = loadConfig();
    } catch {
      // Left for the command to report; the defaults meanwhile.
    }
    applyMemorySettings(config?.heapGrowingPercent);
  });
  return program;
}

buildProgram().parseAsync(process.argv).catch(report);
