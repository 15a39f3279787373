/**
 * `moisson serve`: opens the store (taking the DATA_DIR lock), optionally imports the seeds and harvests the
 * seeded sources that never ran, then serves HTTP until SIGINT/SIGTERM, with the search indexer draining the
 * outbox into the configured search index (src/search/) in the background.
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { HubConfig } from './config.ts';
import { openStore, type Db } from './store/db.ts';
import { setLockUrl } from './store/lock.ts';
import { createApp } from './http/app.ts';
import { createMetrics } from './http/metrics.ts';
import { localOps } from './admin/ops.ts';
import { formatReport } from './harvest/report.ts';
import { createScheduler, schedulerEnabled, type Scheduler } from './harvest/scheduler.ts';
import { openSearchIndex } from './search/index.ts';
import { createIndexer, type Indexer } from './search/indexer.ts';
import type { SearchIndex } from './search/types.ts';
import { createUsageRecorder } from './proxy/usage.ts';
import { tileServices } from './proxy/services/tiles.ts';
import { withTileFastPath } from './proxy/services/tiles-fast.ts';
import { closeUpstreams } from './proxy/clients/upstream.ts';
import { startFronts, type Fronts } from './http/fronts.ts';
import { acceptOnBursts, DEFAULT_ACCEPT_COPIES, type AcceptCopies } from './http/accept-copies.ts';
import { listenSafely } from './http/listen.ts';
import { throttledWarn } from './logger.ts';

export interface RunningHub {
  db: Db;
  index: SearchIndex;
  indexer: Indexer;
  server: Server;
  url: string;
  /** The front processes (FRONT_PROCESSES), when there are any. */
  fronts?: Fronts;
  /** The copies of the listening socket for bursts of new connections (ACCEPT_COPIES), unless set to 0. */
  copies?: AcceptCopies;
  close(): Promise<void>;
}

/**
 * Imports the seed sources that the store does not have yet (an admin's changes to a seeded source survive
 * restarts), then harvests the enabled seeded `directory` sources that were never harvested (the offline demo).
 * Remote sources wait for their schedule or an admin: a start-up must not hit twenty catalogues at once.
 * A failed start-up harvest is logged and the hub starts anyway.
 */
export async function importAndHarvestSeeds(db: Db, seedsDir: string, logger: Logger): Promise<void> {
  const ops = localOps(db);
  const { created, kept, services } = await ops.importSeeds(seedsDir, { keepExisting: true });
  logger.info({ created: created.length, kept: kept.length }, 'seed sources imported');
  logger.info({ created: services.created.length, kept: services.kept.length }, 'seed services imported');
  const seeded = new Set([...created, ...kept]);
  for (const s of await ops.listSources()) {
    if (!s.enabled || s.lastRun || s.type !== 'directory' || !seeded.has(s.id)) continue;
    try {
      const report = await ops.harvest(s.id);
      logger.info({ source: s.id, counts: report.counts, status: report.status }, `seed source harvested\n${formatReport(report)}`);
    } catch (err) {
      logger.error({ err, source: s.id }, 'start-up harvest of a seed source failed');
    }
  }
}

/**
 * A deep accept queue (capped by net.core.somaxconn): thousands of tile clients may connect at once, and a
 * connection dropped from a full queue waits a second before its SYN is retried.
 */
const BACKLOG = 4096;

/**
 * Opens the configured search index and its indexer. An engine that cannot be initialised now (Meilisearch
 * still starting) does not stop the hub: the indexer retries, and /readyz shows the error meanwhile.
 */
async function startSearch(db: Db, config: HubConfig, logger: Logger): Promise<{ index: SearchIndex; indexer: Indexer }> {
  const index = await openSearchIndex(db, config);
  const indexer = createIndexer(db, index, { logger });
  try {
    await index.init();
  } catch (err) {
    logger.error({ err, engine: index.engine }, 'search index not initialised; the indexer will retry');
  }
  return { index, indexer };
}

/** Starts the hub; resolves once it listens. */
export async function startHub(
  config: HubConfig, logger: Logger, opts: { importSeeds?: boolean; scheduler?: boolean } = {},
): Promise<RunningHub> {
  const db = await openStore({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    readConcurrency: config.databaseReadConcurrency,
    pgliteSharedBuffersMb: config.pgliteSharedBuffers,
  });
  let search: { index: SearchIndex; indexer: Indexer } | undefined;
  try {
    if (opts.importSeeds) await importAndHarvestSeeds(db, config.seedsDir, logger);
    search = await startSearch(db, config, logger);
    const { index, indexer } = search;
    const metrics = createMetrics();
    // Proxy usage counters: flushed to the store every 10 s, and a last time at shutdown.
    const usage = createUsageRecorder(db, metrics);
    const app = createApp({ db, config, logger, metrics, search, dataDir: config.dataDir, usage });
    // Hot tiles are answered before koa (same admission, usage and metrics): src/proxy/services/tiles-fast.ts.
    const listener = withTileFastPath(tileServices.get(app), app.callback(), metrics);
    const server = createServer(listener);
    // A failed accept (EMFILE…), on the socket or on a copy of it: counted, one line a second per error code, with how
    // many were left out (the same failure repeats for every connection while descriptors are short); never fatal.
    const warn = throttledWarn(logger, 1000);
    const onAcceptError = (err: Error) => {
      const code = (err as NodeJS.ErrnoException).code;
      metrics.acceptErrors.inc({ code: code ?? 'unknown' });
      warn(code ?? err.message, { err }, 'a connection could not be accepted (out of file descriptors? see LimitNOFILE / ulimit -n)');
    };
    const address = await listenSafely(server, { port: config.port, host: config.host, backlog: BACKLOG }, onAcceptError);
    // Copies of the listening socket on standby, listened on during bursts of new connections (fetched in the
    // background; without them the hub accepts one connection per pass of its event loop: a failure is logged).
    const copiesWanted = config.acceptCopies ?? DEFAULT_ACCEPT_COPIES;
    const copies = copiesWanted > 0 ? acceptOnBursts(server, {
      count: copiesWanted, backlog: BACKLOG, onError: onAcceptError,
      onEvent: (e) => {
        if (e.type === 'failed') logger.error({ err: e.err }, 'copies of the listening socket not opened (ACCEPT_COPIES); the hub accepts on the socket alone until the next burst');
        else if (e.type === 'listen') {
          metrics.acceptBursts.inc();
          logger.info({ copies: e.copies, waitedMs: e.waitedMs, passes: e.passes }, 'a burst of new connections: the copies of the listening socket accept too');
        } else if (e.type === 'stop') logger.info({ copies: e.copies, accepted: e.accepted, listenedMs: e.listenedMs }, 'the burst of new connections is over: copies of the listening socket closed, new ones being fetched for the next one');
        else logger.debug({ copies: e.copies }, 'copies of the listening socket on standby');
      },
    }) : undefined;
    if (copies) metrics.sampleAcceptCopies = () => copies.state();
    let fronts: Fronts | undefined;
    if (config.frontProcesses) {
      // Without them the hub answers everything itself, as it always can: a failure here is logged, not fatal.
      fronts = await startFronts({ listenOn: server, backlog: BACKLOG, count: config.frontProcesses, listener, logger, metrics, usage, heapGrowingPercent: config.heapGrowingPercent })
        .catch((err: unknown) => {
          logger.error({ err }, 'front processes not started; the hub process answers every request');
          return undefined;
        });
    }
    // The address another process on this machine can reach (the CLI reads it from the lock file).
    const any = !config.host || config.host === '0.0.0.0' || config.host === '::';
    const url = `http://${any ? '127.0.0.1' : config.host}:${address.port}`;
    if (!config.databaseUrl) setLockUrl(config.dataDir, url);
    logger.info({ url, baseUrl: config.baseUrl, store: db.kind, search: index.engine, ...(fronts ? { frontProcesses: fronts.pids() } : {}), ...(copies ? { acceptCopies: copies.count } : {}) },
      'moisson is listening');
    // Started once the hub listens; stopped before the store closes (its running harvests are handed back).
    const scheduler: Scheduler | null = (opts.scheduler ?? schedulerEnabled()) ? createScheduler(db, { log: logger, onChanged: () => indexer.wake() }) : null;
    scheduler?.start();
    indexer.start();
    const close = async () => {
      await scheduler?.stop();
      // The batch in progress finishes (or fails and stays in the outbox) before the store closes.
      await indexer.stop();
      // The fronts first: what they relay meanwhile is answered by this process; their last counts come in.
      await fronts?.close();
      await copies?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive connections would hold close() open until the client hangs up.
      server.closeIdleConnections();
      await closed;
      closeUpstreams();
      await usage.close().catch((err) => logger.error({ err }, 'last flush of the proxy usage counters failed'));
      await index.close();
      await db.close();
    };
    return { db, index, indexer, server, url, fronts, copies, close };
  } catch (err) {
    await search?.index.close().catch(() => {});
    await db.close();
    throw err;
  }
}
