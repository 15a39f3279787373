/**
 * The koa application: routing, content negotiation and error rendering only (STYLE.md §10).
 * Publishers and admin operations are plain functions; this layer turns their responses into HTTP.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tmpdir } from 'node:os';
import Koa from 'koa';
import Router from '@koa/router';
import type { Logger } from 'pino';
import { HubError, errorJson, toHubError } from '../errors.ts';
import { SCHEMA_NAMES, schemaPath } from '../schemas.ts';
import type { Db } from '../store/db.ts';
import type { HubConfig } from '../config.ts';
import { createMetrics, type HubMetrics } from './metrics.ts';
import { listRecordsResponse, originalResponse, recordResponse, type PublisherResponse } from '../publish/native/records.ts';
import { adminRouter } from '../admin/api.ts';
import { localOps, type HubOps } from '../admin/ops.ts';
import { outboxLag } from '../store/outbox.ts';
import { searchResponse, SEARCH_HEADERS } from '../publish/search.ts';
import type { SearchIndex } from '../search/types.ts';
import type { Indexer } from '../search/indexer.ts';
import { cswResponse, type CswServiceInfo } from '../publish/csw/server.ts';
import { recordsRoutes } from '../publish/records/routes.ts';
import { dcatRoutes } from '../publish/dcat/routes.ts';
import { createUsageRecorder, type ProxyDeps, type UsageRecorder } from '../proxy/gate.ts';
import { downloadRoutes } from '../proxy/services/download.ts';
import { owsRoutes } from '../proxy/services/ows.ts';
import { tileRoutes, tileServices } from '../proxy/services/tiles.ts';

export interface AppDeps {
  db: Db;
  config: Pick<HubConfig, 'baseUrl' | 'adminToken'> & Partial<Pick<HubConfig, 'hubTitle' | 'hubOrganisation' | 'hubContactEmail'>>
    & { seedsDir?: string };
  logger: Logger;
  metrics?: HubMetrics;
  /** What the CSW capabilities say about the hub (title, provider…); French defaults otherwise. */
  service?: Partial<CswServiceInfo>;
  /** The search index and the worker that keeps it in sync; without them /api/search answers 503. */
  search?: { index: SearchIndex; indexer?: Indexer };
  /** Where the proxy keeps its tile cache and mirrors (`DATA_DIR`); a temporary folder otherwise. */
  dataDir?: string;
  /** The proxy's usage counters; the caller flushes and closes it (src/server.ts does at shutdown). */
  usage?: UsageRecorder;
}

/** What the services say about the hub: the deployment's settings over the publishers' French defaults. */
function serviceInfo(deps: AppDeps): Partial<CswServiceInfo> | undefined {
  const c = deps.config;
  if (!c.hubTitle && !c.hubOrganisation && !c.hubContactEmail) return deps.service;
  const s = deps.service ?? {};
  return {
    ...s,
    ...(c.hubTitle ? { identification: { keywords: [], ...s.identification, title: c.hubTitle } } : {}),
    ...(c.hubOrganisation ? { provider: { ...s.provider, name: c.hubOrganisation } } : {}),
    ...(c.hubOrganisation || c.hubContactEmail ? {
      inspire: { ...s.inspire, pointOfContact: {
        organisationName: c.hubOrganisation ?? s.inspire?.pointOfContact?.organisationName ?? 'moisson',
        email: c.hubContactEmail ?? s.inspire?.pointOfContact?.email ?? '' } } as CswServiceInfo['inspire'],
    } : {}),
  };
}

/** Writes a publisher response on the koa context. */
export function send(ctx: Koa.Context, res: PublisherResponse): void {
  ctx.status = res.status;
  for (const [k, v] of Object.entries(res.headers)) ctx.set(k, v);
  ctx.body = res.body;
}

function errorMiddleware(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HubError('not_found', `Nothing at ${ctx.method} ${ctx.path}.`, { locator: ctx.path });
      }
    } catch (err) {
      const hubErr = toHubError(err);
      if (hubErr.status >= 500) logger.error({ err, path: ctx.path }, 'request failed');
      ctx.status = hubErr.status;
      if (hubErr.headers) ctx.set(hubErr.headers);
      ctx.type = 'application/json';
      ctx.body = errorJson(hubErr);
    }
  };
}

function metricsMiddleware(metrics: HubMetrics): Koa.Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      // The matched route pattern keeps label cardinality bounded (never the raw path).
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      metrics.httpDuration.observe([ctx.method, route], (performance.now() - started) / 1000);
      metrics.httpRequestsTally.add([ctx.method, route, String(ctx.status)]);
    }
  };
}

/** How long /readyz waits for the index's document count before leaving it out. */
const COUNT_TIMEOUT_MS = 2000;

/** A promise that rejects after `ms`, so that a slow engine cannot hold /readyz. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The search part of /readyz: engine, outbox lag, the sync error while batches fail, and the number of
 * documents. A lagging or unreachable index leaves the hub ready: records are served from the store.
 */
async function searchReadiness(deps: AppDeps): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { engine: deps.search?.index.engine ?? null, lag: await outboxLag(deps.db) };
  const status = deps.search?.indexer?.status();
  if (status?.lastError) out.lastError = status.lastError;
  if (status?.rebuilding) out.rebuilding = true;
  if (deps.search) {
    try {
      out.documents = await within(deps.search.index.count(), COUNT_TIMEOUT_MS);
    } catch (err) {
      out.indexError = (err as Error).message;
    }
  }
  return out;
}

function healthRoutes(router: Router, deps: AppDeps, metrics: HubMetrics): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    let search: Record<string, unknown>;
    try {
      await deps.db.query('SELECT 1');
      search = await searchReadiness(deps);
    } catch (err) {
      throw new HubError('not_ready', `Store unreachable: ${(err as Error).message}`, { cause: err });
    }
    ctx.body = { status: 'ready', store: deps.db.kind, search };
  });
  router.get('/metrics', async (ctx) => {
    const { rows } = await deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM records WHERE withdrawn_at IS NULL');
    metrics.records.set(rows[0]?.n ?? 0);
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
}

/**
 * The JSON Schemas of schemas/ (DESIGN.md: record, source, proxied service, hub config), byte for byte, for
 * whoever writes definitions for the admin API or reads the records: GET /schemas/ lists them.
 */
function schemaRoutes(router: Router, deps: AppDeps): void {
  const base = deps.config.baseUrl.replace(/\/+$/, '');
  const files = new Map<string, string>(SCHEMA_NAMES.map((name) => [`${name}.schema.json`, readFileSync(schemaPath(name), 'utf8')]));
  const index = { schemas: SCHEMA_NAMES.map((name) => ({ name, url: `${base}/schemas/${name}.schema.json`,
    title: (JSON.parse(files.get(`${name}.schema.json`)!) as { title?: string }).title ?? name })) };
  const list = (ctx: Koa.Context) => {
    ctx.set('cache-control', 'public, max-age=3600');
    ctx.body = index;
  };
  router.get('/schemas', list);
  router.get('/schemas/', list);
  router.get('/schemas/:file', (ctx) => {
    const text = files.get(ctx.params.file);
    if (text === undefined) {
      throw new HubError('not_found', `No schema "${ctx.params.file.slice(0, 80)}"; the schemas are ${[...files.keys()].join(', ')} (list: ${base}/schemas/).`);
    }
    ctx.set('cache-control', 'public, max-age=3600');
    ctx.type = 'application/schema+json';
    ctx.body = text;
  });
}

function recordRoutes(router: Router, deps: AppDeps): void {
  const { db } = deps;
  const base = deps.config.baseUrl;
  router.get('/records', async (ctx) => send(ctx, await listRecordsResponse(db, ctx.query as Record<string, string>, base)));
  router.get('/records/:id/original', async (ctx) => send(ctx, await originalResponse(db, ctx.params.id)));
  router.get('/records/:file', async (ctx) => {
    const m = /^(.+?)(?:\.(json|xml))?$/.exec(ctx.params.file)!;
    const format = m[2] as 'json' | 'xml' | undefined;
    // Without an extension the Accept header decides; JSON is the default.
    const negotiated = format ?? (ctx.accepts('json', 'xml') === 'xml' ? 'xml' : 'json');
    send(ctx, await recordResponse(db, m[1], negotiated, base));
  });
}

/** `GET /api/search`, open to every origin (the portal may be served from elsewhere). */
function searchRoutes(router: Router, deps: AppDeps): void {
  router.get('/api/search', async (ctx) => {
    // Set first, so that a 400 can be read by a page of another origin too.
    ctx.set('access-control-allow-origin', '*');
    send(ctx, await searchResponse(deps.db, deps.search?.index ?? null, ctx.query, deps.config.baseUrl));
  });
  router.options('/api/search', (ctx) => {
    ctx.set({ ...SEARCH_HEADERS, 'access-control-allow-methods': 'GET, OPTIONS', 'access-control-allow-headers': '*',
      'access-control-max-age': '86400' });
    ctx.status = 204;
  });
}

/** Largest request body the OGC endpoints read (a GetRecords with a big filter is a few KB). */
const MAX_OGC_BODY = 1024 * 1024;

/** The request body as text, refused beyond `limit` bytes without reading the rest. */
async function readBody(ctx: Koa.Context, limit: number): Promise<string> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) throw new HubError('payload_too_large', `Request body larger than ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HubError('payload_too_large', `Request body larger than ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `GET, POST /csw`: the CSW 2.0.2 server; its errors are ExceptionReports, rendered by the publisher. */
function cswRoutes(router: Router, deps: AppDeps): void {
  const csw = { db: deps.db, baseUrl: deps.config.baseUrl, service: serviceInfo(deps) };
  router.get('/csw', async (ctx) => {
    send(ctx, await cswResponse(csw, { method: 'GET', query: ctx.query, querystring: ctx.querystring,
      acceptsGzip: ctx.acceptsEncodings('gzip', 'identity') === 'gzip' }));
  });
  router.post('/csw', async (ctx) => {
    const body = await readBody(ctx, MAX_OGC_BODY);
    send(ctx, await cswResponse(csw, { method: 'POST', query: ctx.query, body, contentType: ctx.get('content-type'),
      acceptsGzip: ctx.acceptsEncodings('gzip', 'identity') === 'gzip' }));
  });
}

/** The admin operations of this hub; a harvest wakes the indexer so that its changes are searchable at once. */
function hubOps(deps: AppDeps, metrics: HubMetrics, usage: UsageRecorder): HubOps {
  const indexer = deps.search?.indexer;
  // Usage read through the admin API includes the counts still in memory.
  const ops = localOps(deps.db, { metrics, flushUsage: () => usage.flush(),
    ...(indexer ? { reindex: (onProgress) => indexer.rebuild(onProgress) } : {}) });
  if (!indexer) return ops;
  return {
    ...ops,
    harvest: async (id, opts) => {
      try {
        return await ops.harvest(id, opts);
      } finally {
        if (!opts?.dryRun) indexer.wake();
      }
    },
  };
}

/**
 * What the proxy routes (/ows, /tiles, /download) share. Without `usage`, counts are flushed every 10 s by a
 * recorder nobody closes (tests); the server passes its own and closes it at shutdown.
 */
function proxyDeps(deps: AppDeps, metrics: HubMetrics): ProxyDeps {
  return {
    db: deps.db, baseUrl: deps.config.baseUrl, logger: deps.logger, metrics,
    dataDir: deps.dataDir ?? path.join(tmpdir(), `moisson-${process.pid}`),
    usage: deps.usage ?? createUsageRecorder(deps.db, metrics),
  };
}

/** Builds the hub's koa application. */
export function createApp(deps: AppDeps): Koa {
  const metrics = deps.metrics ?? createMetrics({ defaultMetrics: false });
  const app = new Koa();
  app.proxy = true;
  // Koa reports errors of streamed bodies here (its default prints them to stderr). A client that leaves in the
  // middle of a streamed tile, feed or file is not a hub error: only the others are logged.
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.code === 'ECONNRESET' || err.code === 'EPIPE') return;
    deps.logger.error({ err }, 'response failed');
  });
  const router = new Router();
  healthRoutes(router, deps, metrics);
  recordRoutes(router, deps);
  schemaRoutes(router, deps);
  searchRoutes(router, deps);
  cswRoutes(router, deps);
  recordsRoutes(router, deps);
  const proxy = proxyDeps(deps, metrics);
  // Proxied services (issue 6): each route calls admit() from src/proxy/gate.ts before any upstream request.
  downloadRoutes(router, proxy);
  owsRoutes(router, proxy);
  tileServices.set(app, tileRoutes(router, proxy));
  const service = serviceInfo(deps);
  dcatRoutes(router, { db: deps.db, baseUrl: deps.config.baseUrl, hub: {
    title: service?.identification?.title ?? 'moisson — catalogue fédéré de métadonnées géographiques',
    description: service?.identification?.abstract, publisherName: service?.provider?.name, language: 'fre' } });
  const admin = adminRouter({ ops: hubOps(deps, metrics, proxy.usage), adminToken: deps.config.adminToken, logger: deps.logger,
    seedsDir: deps.config.seedsDir });
  app.use(errorMiddleware(deps.logger));
  app.use(metricsMiddleware(metrics));
  app.use(router.routes()).use(router.allowedMethods());
  app.use(admin.routes()).use(admin.allowedMethods());
  return app;
}
