/**
 * The admin API (`/admin/api/…`): sources CRUD, harvest triggers, runs and their per-record reports, search
 * reindexing; proxied services, access keys and usage (src/admin/services-api.ts).
 * Every request needs `Authorization: Bearer <ADMIN_TOKEN>`; when ADMIN_TOKEN is not set, every request is
 * refused (there is no unauthenticated admin mode).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { HubError, errorJson, toHubError } from '../errors.ts';
import type { HubOps } from './ops.ts';
import { serviceRoutes } from './services-api.ts';

export const ADMIN_PREFIX = '/admin/api';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Bearer-token check in constant time (hashing first makes the lengths equal). */
export function authMiddleware(adminToken: string | undefined): Koa.Middleware {
  const expected = adminToken ? digest(adminToken) : null;
  return async (ctx, next) => {
    if (!expected) throw new HubError('admin_disabled', 'The admin API is disabled: start the hub with ADMIN_TOKEN set.');
    const m = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'));
    if (!m) {
      ctx.set('WWW-Authenticate', 'Bearer realm="moisson admin"');
      throw new HubError('unauthorized', 'Admin API: send "Authorization: Bearer <ADMIN_TOKEN>".');
    }
    if (!timingSafeEqual(digest(m[1].trim()), expected)) throw new HubError('forbidden', 'Admin API: wrong token.');
    await next();
  };
}

function runId(text: string): number {
  if (!/^\d+$/.test(text)) throw new HubError('invalid_parameter', `Run id must be an integer, got "${text}".`, { locator: 'id' });
  return Number(text);
}

function sourceRoutes(r: Router, ops: HubOps): void {
  r.get('/sources', async (ctx) => {
    ctx.body = { sources: await ops.listSources() };
  });
  r.post('/sources', async (ctx) => {
    const { status, source } = await ops.addSource(ctx.request.body);
    ctx.status = status === 'created' ? 201 : 200;
    ctx.set('Location', `${ADMIN_PREFIX}/sources/${source.id}`);
    ctx.body = { status, source };
  });
  r.get('/sources/:id', async (ctx) => {
    ctx.body = await ops.showSource(ctx.params.id);
  });
  r.put('/sources/:id', async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (body.id !== undefined && body.id !== ctx.params.id) {
      throw new HubError('invalid_body', `Body id "${String(body.id)}" differs from the URL's "${ctx.params.id}".`, { locator: 'id' });
    }
    const { status, source } = await ops.addSource({ ...body, id: ctx.params.id });
    ctx.status = status === 'created' ? 201 : 200;
    ctx.body = { status, source };
  });
  r.delete('/sources/:id', async (ctx) => {
    await ops.removeSource(ctx.params.id);
    ctx.status = 204;
  });
}

/**
 * `POST /sources/{id}/harvest` `{dryRun?}`: runs the harvest and answers with its report. With
 * `Accept: application/x-ndjson` the answer streams one progress line per document, then the report
 * (the CLI draws its progress bar from it).
 */
function harvestRoute(r: Router, ops: HubOps, logger: Logger): void {
  r.post('/sources/:id/harvest', async (ctx) => {
    const body = (ctx.request.body ?? {}) as { dryRun?: unknown };
    const dryRun = body.dryRun === true || ctx.query.dryRun === 'true';
    if (ctx.accepts('json', 'application/x-ndjson') !== 'application/x-ndjson') {
      ctx.body = { report: await ops.harvest(ctx.params.id, { dryRun }) };
      return;
    }
    streamNdjson(ctx, logger, 'admin harvest failed', (onProgress) =>
      ops.harvest(ctx.params.id, { dryRun, onProgress }).then((report) => ({ report })));
  });
}

/**
 * `POST /reindex`: rebuilds the search index and answers `{documents, seconds}`. With
 * `Accept: application/x-ndjson` the answer streams progress lines (`{progress: {indexed, total}}`) first,
 * for the CLI's progress bar.
 */
function reindexRoute(r: Router, ops: HubOps, logger: Logger): void {
  r.post('/reindex', async (ctx) => {
    if (ctx.accepts('json', 'application/x-ndjson') !== 'application/x-ndjson') {
      ctx.body = await ops.reindex();
      return;
    }
    streamNdjson(ctx, logger, 'admin reindex failed', (onProgress) =>
      ops.reindex({ onProgress }).then((result) => ({ result })));
  });
}

/**
 * Streams a long operation as NDJSON: `{progress}` lines (at most one per 100 ms), then the final object the
 * operation resolves to, or the error as errorJson (logged when it is the hub's fault).
 */
function streamNdjson<P>(
  ctx: Koa.Context,
  logger: Logger,
  failure: string,
  run: (onProgress: (p: P) => void) => Promise<Record<string, unknown>>,
): void {
  const out = new PassThrough();
  ctx.type = 'application/x-ndjson';
  ctx.body = out;
  let last = 0;
  run((p) => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    out.write(`${JSON.stringify({ progress: p })}\n`);
  })
    .then((final) => out.end(`${JSON.stringify(final)}\n`))
    .catch((err) => {
      const e = toHubError(err);
      if (e.status >= 500) logger.error({ err }, failure);
      out.end(`${JSON.stringify(errorJson(e))}\n`);
    });
}

function runRoutes(r: Router, ops: HubOps): void {
  r.get('/runs', async (ctx) => {
    const limit = ctx.query.limit ? Math.min(1000, Number(ctx.query.limit) || 20) : 20;
    ctx.body = { runs: await ops.listRuns({ sourceId: (ctx.query.source as string) || undefined, limit }) };
  });
  r.get('/runs/:id', async (ctx) => {
    ctx.body = await ops.showRun(runId(ctx.params.id));
  });
}

/** The admin router, mounted at /admin/api. `seedsDir` is the default folder for import-seeds. */
export function adminRouter(deps: { ops: HubOps; adminToken?: string; logger: Logger; seedsDir?: string }): Router {
  const r = new Router({ prefix: ADMIN_PREFIX });
  r.use(authMiddleware(deps.adminToken));
  r.use(bodyParser({
    enableTypes: ['json'],
    jsonLimit: '1mb',
    onError: (err) => {
      const tooLarge = (err as { status?: number }).status === 413;
      throw new HubError(tooLarge ? 'payload_too_large' : 'invalid_body',
        tooLarge ? 'Request body larger than 1 MB.' : `Request body is not valid JSON: ${err.message}`, { cause: err });
    },
  }));
  sourceRoutes(r, deps.ops);
  serviceRoutes(r, deps.ops);
  harvestRoute(r, deps.ops, deps.logger);
  runRoutes(r, deps.ops);
  reindexRoute(r, deps.ops, deps.logger);
  r.post('/import-seeds', async (ctx) => {
    if (!deps.seedsDir) throw new HubError('invalid_parameter', 'This hub has no seeds folder configured.');
    const body = (ctx.request.body ?? {}) as { keepExisting?: unknown };
    ctx.body = await deps.ops.importSeeds(deps.seedsDir, { keepExisting: body.keepExisting === true });
  });
  return r;
}
