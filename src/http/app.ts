/**
 * The koa application: routing, content negotiation and error rendering only (STYLE.md §10).
 * Publishers and admin operations are plain functions; this layer turns their responses into HTTP.
 */
import Koa from 'koa';
import Router from '@koa/router';
import type { Logger } from 'pino';
import { HubError, errorJson, toHubError } from '../errors.ts';
import type { Db } from '../store/db.ts';
import type { HubConfig } from '../config.ts';
import { createMetrics, type HubMetrics } from './metrics.ts';
import { listRecordsResponse, originalResponse, recordResponse, type PublisherResponse } from '../publish/native/records.ts';
import { adminRouter } from '../admin/api.ts';
import { localOps } from '../admin/ops.ts';
import { outboxLag } from '../store/outbox.ts';

export interface AppDeps {
  db: Db;
  config: Pick<HubConfig, 'baseUrl' | 'adminToken'> & { seedsDir?: string };
  logger: Logger;
  metrics?: HubMetrics;
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
      ctx.type = 'application/json';
      ctx.body = errorJson(hubErr);
    }
  };
}

function metricsMiddleware(metrics: HubMetrics): Koa.Middleware {
  return async (ctx, next) => {
    const end = metrics.httpDuration.startTimer();
    try {
      await next();
    } finally {
      // The matched route pattern keeps label cardinality bounded (never the raw path).
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      end({ method: ctx.method, route });
      metrics.httpRequests.inc({ method: ctx.method, route, status: String(ctx.status) });
    }
  };
}

function healthRoutes(router: Router, deps: AppDeps, metrics: HubMetrics): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await deps.db.query('SELECT 1');
      ctx.body = { status: 'ready', store: deps.db.kind, searchOutboxLag: await outboxLag(deps.db) };
    } catch (err) {
      throw new HubError('not_ready', `Store unreachable: ${(err as Error).message}`, { cause: err });
    }
  });
  router.get('/metrics', async (ctx) => {
    const { rows } = await deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM records WHERE withdrawn_at IS NULL');
    metrics.records.set(rows[0]?.n ?? 0);
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
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

/** Builds the hub's koa application. */
export function createApp(deps: AppDeps): Koa {
  const metrics = deps.metrics ?? createMetrics({ defaultMetrics: false });
  const app = new Koa();
  app.proxy = true;
  const router = new Router();
  healthRoutes(router, deps, metrics);
  recordRoutes(router, deps);
  const admin = adminRouter({ ops: localOps(deps.db, { metrics }), adminToken: deps.config.adminToken, logger: deps.logger,
    seedsDir: deps.config.seedsDir });
  app.use(errorMiddleware(deps.logger));
  app.use(metricsMiddleware(metrics));
  app.use(router.routes()).use(router.allowedMethods());
  app.use(admin.routes()).use(admin.allowedMethods());
  return app;
}
